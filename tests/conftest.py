"""Shared test machinery: a real grepls process driven over stdio by pytest-lsp.

Every end-to-end test runs once per real client capability set (VS Code and Neovim, as recorded by
pytest-lsp): Neovim 0.11 offers ``utf-8`` first, so those runs also exercise UTF-8 columns, while
VS Code gets UTF-16. Waits poll with a deadline — the server may publish before it answers a
command, and pytest-lsp's ``wait_for_notification`` only listens once awaited.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
import pytest_lsp
from grepls import lines
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

SERVER = [sys.executable, "-m", "grepls"]
CLIENTS = ["visual-studio-code", "neovim"]
TIMEOUT = 30.0


def make_client() -> LanguageClient:
    """pytest-lsp's client, also remembering the version of each publish."""
    client = LanguageClient(converter_factory=default_converter)
    client.versions = {}  # type: ignore[attr-defined]
    client.publish_count = 0  # type: ignore[attr-defined]
    client.tokens_refresh_count = 0  # type: ignore[attr-defined]

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.versions[params.uri] = params.version  # type: ignore[attr-defined]
        client.publish_count += 1  # type: ignore[attr-defined]

    def tokens_refresh(client: LanguageClient, params: None) -> None:
        client.tokens_refresh_count += 1  # type: ignore[attr-defined]

    register_lsp_features(
        client,
        {
            **DEFAULT_CLIENT_FEATURES,
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
            types.WORKSPACE_SEMANTIC_TOKENS_REFRESH: tokens_refresh,
        },
    )
    return client


CONFIG = ClientServerConfig(server_command=SERVER, client_factory=make_client)


@pytest_lsp.fixture(config=CONFIG, params=CLIENTS)
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient) -> Any:
    """A grepls server initialized with a real editor's capabilities."""
    params = types.InitializeParams(capabilities=client_capabilities(request.param))
    result = await lsp_client.initialize_session(params)
    lsp_client.encoding = result.capabilities.position_encoding  # type: ignore[attr-defined]
    yield
    await shut_down(lsp_client)


async def shut_down(client: LanguageClient) -> None:
    """End the session; a server that has not exited ``TIMEOUT`` seconds later (or whose session
    never started) is killed. pytest-lsp waits for the server without a deadline, so a server
    stalled writing its log was a suite that never ended."""
    try:
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
    finally:
        server = client._server  # pytest-lsp's server process
        if server is not None and server.returncode is None:
            server.kill()
            if server.stderr is not None:
                # Its end is not seen (by ``server.wait()``, which pytest-lsp awaits too) until
                # its stderr is read to the end, and pytest-lsp's reader gives up on a line over
                # 64 KiB.
                with suppress(Exception):  # that reader may be reading it still
                    await asyncio.wait_for(server.stderr.read(), TIMEOUT)
            await asyncio.wait_for(server.wait(), TIMEOUT)


# -- helpers -------------------------------------------------------------------------------------


async def eventually(check: Callable[[], bool], timeout: float = TIMEOUT, what: str = "") -> None:
    """Poll until ``check()`` holds, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or check}")
        await asyncio.sleep(0.01)


def open_document(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="plaintext", version=version, text=text
            )
        )
    )


def edit(start: tuple[int, int], end: tuple[int, int], text: str) -> Any:
    return types.TextDocumentContentChangePartial(
        range=types.Range(
            start=types.Position(line=start[0], character=start[1]),
            end=types.Position(line=end[0], character=end[1]),
        ),
        text=text,
    )


def change_document(client: LanguageClient, uri: str, version: int, *changes: Any) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=list(changes),
        )
    )


async def command(client: LanguageClient, name: str, *arguments: Any) -> Any:
    return await asyncio.wait_for(
        client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(arguments))
        ),
        TIMEOUT,
    )


def ranges(diagnostics: Any) -> list[tuple[int, int, int, int]]:
    """Diagnostics (or highlights) as sorted (line, start, end line, end) tuples."""
    return sorted(
        (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
        for d in diagnostics
    )


async def published(
    client: LanguageClient, uri: str, expected: list[tuple[int, int, int, int]], version: Any = None
) -> None:
    """Wait until the diagnostics published for ``uri`` have exactly ``expected`` ranges."""

    def check() -> bool:
        got = client.diagnostics.get(uri)
        if got is None or ranges(got) != expected:
            return False
        return version is None or client.versions.get(uri) == version  # type: ignore[attr-defined]

    try:
        await eventually(check)
    except AssertionError:
        got = client.diagnostics.get(uri)
        raise AssertionError(
            f"published for {uri}: {ranges(got) if got is not None else None}, "
            f"version {client.versions.get(uri)}; expected {expected}, version {version}"  # type: ignore[attr-defined]
        ) from None


# -- the line store --------------------------------------------------------------------------------


@contextmanager
def small_first_steps() -> Iterator[None]:
    """Split a character at a time when a line is needed, so that edits meet a text partly split
    (a real step is 16k characters: every test text would be split whole at the first edit)."""
    saved = lines.FIRST_STEP_CHARACTERS
    lines.FIRST_STEP_CHARACTERS = 1
    try:
        yield
    finally:
        lines.FIRST_STEP_CHARACTERS = saved


# -- a busy machine --------------------------------------------------------------------------------


@contextmanager
def every_cpu_busy() -> Iterator[None]:
    """Another program keeps every CPU this process may use busy until the block ends: a busy loop
    per CPU, in this session (so in the server's autogroup, where a process on idle CPU only gets
    almost nothing)."""
    loops = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in os.sched_getaffinity(0)
    ]
    try:
        yield
    finally:
        for process in loops:
            process.kill()
            process.wait()

"""End to end: grepls's own file watcher — a helper process, never a thread of the server.

watchfiles walks every folder of the workspace when it starts, without letting go of the GIL: in
a thread of the server, that stopped the server for a quarter of a second on the Linux tree,
keystrokes included (``make bench-workspace`` with ``--watcher grepls``). So the watcher is a
process of its own (``python -m grepls.watch FOLDER...``). The real server and its real watcher
here: a test finds the watcher among the server's children, kills it, and checks what the editor
sees; and the watcher process alone, spoken to as the server speaks to it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest_lsp
from conftest import TIMEOUT, command, eventually
from grepls.helper_process import Frames
from lsprotocol import types
from pytest_lsp import LanguageClient
from test_lsp_workspace import (
    CONFIG,
    SEARCHED,
    SETTINGS,
    showing,
    start,
    written_until_shown,
)
from test_lsp_workspace import tree as tree  # the fixture
from test_workspace_worker import children, server_pid

WATCHER = b"grepls.watch"
REPO = Path(__file__).resolve().parent.parent


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> Any:
    yield
    await lsp_client.shutdown_session()


def watchers(client: LanguageClient) -> list[int]:
    return children(server_pid(client), WATCHER)


async def the_watcher(client: LanguageClient, other_than: int | None = None) -> int:
    """The server's one watcher process (a new one, when ``other_than`` names the old one)."""
    await eventually(
        lambda: [p for p in watchers(client) if p != other_than] != [], what="the watcher"
    )
    (pid,) = [p for p in watchers(client) if p != other_than]
    return pid


async def scanned_with_grepls_watching(client: LanguageClient, tree: Path) -> int:
    """``TODO`` shown in ``tree``, the client offering no watcher; grepls's watcher's pid."""
    await start(client, tree, "neovim", watch=False)
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    return await the_watcher(client)


async def test_grepls_watches_from_a_process_of_its_own_on_idle_cpu(
    client: LanguageClient, tree: Path
) -> None:
    pid = await scanned_with_grepls_watching(client, tree)
    command_line = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert os.fsencode(tree) in command_line
    await eventually(lambda: os.sched_getscheduler(pid) == os.SCHED_IDLE, what="SCHED_IDLE")
    await written_until_shown(client, tree, {"src/c.txt": "TODO\n"}, {**SEARCHED, "src/c.txt": 1})


async def test_a_watcher_killed_is_started_again_by_the_next_scan(
    client: LanguageClient, tree: Path
) -> None:
    old = await scanned_with_grepls_watching(client, tree)
    os.kill(old, signal.SIGKILL)
    # Collected by the server once it reads the end of its output (all of its threads gone).
    await eventually(lambda: not Path(f"/proc/{old}").exists(), what="the watcher collected")
    await command(client, "grepls.setPattern", "and")
    await showing(client, tree, {"src/b.txt": 1})
    assert await the_watcher(client, other_than=old) != old
    await written_until_shown(
        client, tree, {"src/c.txt": "and\n"}, {"src/b.txt": 1, "src/c.txt": 1}
    )


async def test_the_watcher_ends_with_the_scope_set_back_to_open_or_the_editors_watcher(
    client: LanguageClient, tree: Path
) -> None:
    await start(client, tree, "neovim", watch=True, settings={"watcher": "grepls"})
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    await the_watcher(client)

    def reconfigure(**settings: Any) -> None:
        client.set_configuration({**SETTINGS, **settings}, section="grepls")
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"grepls": {**SETTINGS, **settings}})
        )

    reconfigure(watcher="editor")
    await eventually(lambda: watchers(client) == [], what="the watcher to end")
    reconfigure(watcher="grepls")
    await the_watcher(client)
    reconfigure(watcher="grepls", scope="open")
    await eventually(lambda: watchers(client) == [], what="the watcher to end")


async def test_a_change_made_as_the_scan_begins_is_not_lost(
    client: LanguageClient, tree: Path
) -> None:
    await start(client, tree, "neovim", watch=False)
    await command(client, "grepls.setPattern", "TODO")
    # Written once, at once: the scan has begun, the watcher process may still be starting.
    (tree / "src/a.txt").write_text("no more\n")
    (tree / "src/c.txt").write_text("TODO TODO\n")
    await showing(client, tree, {"src/b.txt": 3, "src/crlf.txt": 1, "src/c.txt": 2})


def receive(process: subprocess.Popen[bytes], frames: Frames, seconds: float) -> list[Any]:
    """The frames ``process`` sends within ``seconds``."""
    assert process.stdout is not None
    received: list[Any] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(BlockingIOError):
            received += frames.feed(os.read(process.stdout.fileno(), 1 << 16))
        time.sleep(0.02)
    return received


def test_the_watcher_process_reports_what_changed_since_it_was_asked_for(
    tmp_path: Path,
) -> None:
    asked = time.time()
    old, hidden, new = tmp_path / "old.txt", tmp_path / ".cache" / "new.txt", tmp_path / "new.txt"
    for path in (old, hidden, new):
        path.parent.mkdir(exist_ok=True)
        path.write_text("TODO\n")
    os.utime(old, (asked - 60, asked - 60))  # (its status-change time is now, as a move's)
    os.utime(hidden, (asked - 60, asked - 60))
    environment = {**os.environ, "PYTHONPATH": str(REPO / "server")}
    process = subprocess.Popen(
        [sys.executable, "-m", "grepls.watch", f"--since={int((asked - 30) * 1e9)}", str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=environment,
    )
    assert process.stdin is not None
    os.set_blocking(process.stdout.fileno(), False)  # type: ignore[union-attr]
    try:
        # Written before the process started, never touched since: only the look back finds it.
        received = receive(process, Frames(), 3.0)
        reported = {path for _, events in received for path, _ in events}
        assert reported == {str(old), str(new)}, received  # not the hidden folder's file
        assert {kind for _, events in received for _, kind in events} == {2}  # changed
        process.stdin.close()
        assert process.wait(timeout=TIMEOUT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_watcher_process_sends_changes_as_frames_and_ends_with_its_stdin(
    tmp_path: Path,
) -> None:
    environment = {**os.environ, "PYTHONPATH": str(REPO / "server")}
    process = subprocess.Popen(
        [sys.executable, "-m", "grepls.watch", str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=environment,
    )
    assert process.stdin is not None and process.stdout is not None
    os.set_blocking(process.stdout.fileno(), False)
    frames, received = Frames(), []
    target = tmp_path / "new.txt"
    try:
        deadline = time.monotonic() + TIMEOUT
        while not any(path == str(target) for _, events in received for path, _ in events):
            assert time.monotonic() < deadline, f"no change reported, got {received}"
            target.write_text("TODO\n")  # again, until the watch has begun
            time.sleep(0.2)
            with contextlib.suppress(BlockingIOError):
                received += frames.feed(os.read(process.stdout.fileno(), 1 << 16))
        assert {message[0] for message in received} == {"changed"}
        kinds = {kind for _, events in received for path, kind in events if path == str(target)}
        assert kinds <= {1, 2}  # created, changed (LSP's numbers)
        process.stdin.close()  # the server ended
        assert process.wait(timeout=TIMEOUT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

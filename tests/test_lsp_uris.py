"""End to end: URIs that name no path, for a document and for a workspace folder.

A ``file:`` URI that Python's ``urlparse`` refuses (``file://[x/odd.txt``: a bracket opened where a
host would be) or that names a NUL byte (``%00``, which no path can hold) names no file grepls can
read. Such a document is searched and shown while it is open, as an ``untitled:`` one is; such a
workspace folder is left out of the workspace scope and named in the server's log, whether it came
with ``initialize`` or with ``workspace/didChangeWorkspaceFolders``; and nothing the editor asks
afterwards fails because of either. The server here writes its log to a file, which each test reads.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conftest import SERVER, TIMEOUT, command, eventually, open_document, published, shut_down
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from test_lsp_workspace import (
    SEARCHED,
    SETTINGS,
    folders_changed,
    make_client,
    showing,
    start,
    uri,
    written_until_shown,
)
from test_lsp_workspace import other_folder as other_folder  # a fixture
from test_lsp_workspace import tree as tree  # the fixture

LOG = "grepls.log"

ODD_DOCUMENTS = ["file://[x/odd.txt", "file:///odd%00.txt"]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[LanguageClient]:
    """A grepls server (not initialized yet) that writes its log to ``tmp_path / LOG``."""
    config = ClientServerConfig(
        server_command=[*SERVER, "--log-file", str(tmp_path / LOG)], client_factory=make_client
    )
    client = await config.start()
    try:
        yield client
    finally:
        await shut_down(client)
        await client.stop()


def logged(tmp_path: Path) -> str:
    log = tmp_path / LOG
    return log.read_text(errors="replace") if log.exists() else ""


async def named_in_the_log(tmp_path: Path, folder: str) -> None:
    await eventually(
        lambda: f"workspace folder {folder!r} left out" in logged(tmp_path),
        what=f"the log naming {folder}: {logged(tmp_path)!r}",
    )


async def initialize(client: LanguageClient, **folders: Any) -> None:
    """Initialize as Neovim, in the workspace scope, with ``folders`` (``workspace_folders`` or
    ``root_uri``)."""
    client.set_configuration(SETTINGS, section="grepls")
    await asyncio.wait_for(
        client.initialize_session(
            types.InitializeParams(
                capabilities=client_capabilities("neovim"),
                initialization_options=SETTINGS,
                **folders,
            )
        ),
        TIMEOUT,
    )


@pytest.mark.parametrize("odd", ODD_DOCUMENTS)
async def test_a_document_whose_uri_names_no_path_is_shown_and_listed_like_an_untitled_one(
    client: LanguageClient, tmp_path: Path, odd: str
) -> None:
    await initialize(client)
    await command(client, "grepls.setPattern", "TODO")
    open_document(client, "file:///ok.txt", "TODO one\n")
    open_document(client, odd, "TODO two\n")
    await published(client, odd, [(0, 0, 0, 4)])
    await published(client, "file:///ok.txt", [(0, 0, 0, 4)])
    listed = await command(client, "grepls.listMatches")
    assert sorted((m["uri"], m["text"]) for m in listed) == sorted(
        [(odd, "TODO two"), ("file:///ok.txt", "TODO one")]
    )
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=odd))
    )
    await published(client, odd, [])  # never read from disk: nothing left to show
    assert [m["uri"] for m in await command(client, "grepls.listMatches")] == ["file:///ok.txt"]
    assert "Traceback" not in logged(tmp_path)


@pytest.mark.parametrize("odd", ["file://[x/proj", "%00"])
async def test_a_workspace_folder_whose_uri_names_no_path_is_left_out_and_named_in_the_log(
    client: LanguageClient, tree: Path, tmp_path: Path, odd: str
) -> None:
    """The session starts, the other folder is searched and its files followed on disk."""
    if odd == "%00":
        odd = tree.as_uri() + "%00"
    await initialize(
        client,
        workspace_folders=[
            types.WorkspaceFolder(uri=odd, name="odd"),
            types.WorkspaceFolder(uri=tree.as_uri(), name="project"),
        ],
    )
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    await named_in_the_log(tmp_path, odd)
    # grepls's own watcher (Neovim offers none) follows the other folder.
    await written_until_shown(
        client, tree, {"notes.md": "a TODO now\n"}, {**SEARCHED, "notes.md": 1}
    )
    assert len(await command(client, "grepls.listMatches")) == 6
    assert "Traceback" not in logged(tmp_path)


async def test_a_root_uri_that_names_no_path_is_named_in_the_log_and_the_session_starts(
    client: LanguageClient, tmp_path: Path
) -> None:
    await initialize(client, root_uri="file://[x/proj")
    await named_in_the_log(tmp_path, "file://[x/proj")
    await command(client, "grepls.setPattern", "TODO")
    open_document(client, "file:///ok.txt", "TODO one\n")
    await published(client, "file:///ok.txt", [(0, 0, 0, 4)])
    assert len(await command(client, "grepls.listMatches")) == 1


async def test_a_folder_added_whose_uri_names_no_path_is_named_and_the_others_are_searched(
    client: LanguageClient, tree: Path, other_folder: Path, tmp_path: Path
) -> None:
    await start(client, tree)
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    folders_changed(client, ["file://[x/other", other_folder.as_uri()], [])
    await eventually(lambda: bool(client.diagnostics.get((other_folder / "o.txt").as_uri())))
    await named_in_the_log(tmp_path, "file://[x/other")
    folders_changed(client, [], ["file://[x/other", tree.as_uri()])
    await showing(client, tree, {})
    assert [m["uri"] for m in await command(client, "grepls.listMatches")] == [
        (other_folder / "o.txt").as_uri()
    ]
    assert "Traceback" not in logged(tmp_path)


async def test_a_watched_file_event_whose_uri_names_no_path_leaves_the_others_in_it_searched(
    client: LanguageClient, tree: Path, tmp_path: Path
) -> None:
    await start(client, tree, watch=True)  # the editor reports the changes
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    (tree / "notes.md").write_text("a TODO now\n")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(uri="file://[x/notes.md", type=types.FileChangeType.Changed),
                types.FileEvent(uri=uri(tree, "notes.md"), type=types.FileChangeType.Changed),
            ]
        )
    )
    await showing(client, tree, {**SEARCHED, "notes.md": 1})
    assert "Traceback" not in logged(tmp_path)

"""End to end: the workspace scope — matches in files that are not open, found as ripgrep would
choose the files, kept current as files change on disk, open documents winning over the disk.

Every test builds its own tree in ``tmp_path`` (inside ``git init``, so ``.gitignore`` counts) with
the things users keep next to their code: ignored files, hidden ones, a binary, a symbolic link to a
file outside the tree, a file over ``maxFileSize``, an excluded folder.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from conftest import SERVER, TIMEOUT, change_document, command, edit, eventually, open_document
from grepls.workspace import SCAN_CUT
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

REPO = Path(__file__).resolve().parent.parent
MAX_FILE_SIZE = 2000


def make_client() -> LanguageClient:
    """pytest-lsp's client, also logging every publish (uri, messages, version) in order (and
    in ``columns`` each diagnostic's message and start column), every showMessage, and the
    partial results of workspace diagnostics."""
    client = LanguageClient(converter_factory=default_converter)
    client.log = []  # type: ignore[attr-defined]
    client.columns = []  # type: ignore[attr-defined]
    client.partials = {}  # type: ignore[attr-defined]

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.log.append(  # type: ignore[attr-defined]
            (params.uri, [d.message for d in params.diagnostics], params.version)
        )
        client.columns.append(  # type: ignore[attr-defined]
            [(d.message, d.range.start.character) for d in params.diagnostics]
        )

    def progress(client: LanguageClient, params: types.ProgressParams) -> None:
        value = params.value
        if isinstance(value, dict) and "items" in value:
            client.partials.setdefault(params.token, []).extend(value["items"])  # type: ignore[attr-defined]
        else:
            DEFAULT_CLIENT_FEATURES[types.PROGRESS](client, params)

    async def register(client: LanguageClient, params: types.RegistrationParams) -> None:
        if client.refuses_registrations:  # type: ignore[attr-defined]
            # Answered with an error (RequestCancelled), which pygls does not count as the
            # test client's own failure.
            raise asyncio.CancelledError
        client.registrations.extend(r.method for r in params.registrations)  # type: ignore[attr-defined]

    def unregister(client: LanguageClient, params: types.UnregistrationParams) -> None:
        for gone in params.unregisterations:
            client.registrations.remove(gone.method)  # type: ignore[attr-defined]

    def tokens_refresh(client: LanguageClient, params: None = None) -> None:
        """The server asks for tokens again after a pattern change: nothing to do here."""

    client.registrations = []  # type: ignore[attr-defined]
    client.refuses_registrations = False  # type: ignore[attr-defined]
    register_lsp_features(
        client,
        {
            **DEFAULT_CLIENT_FEATURES,
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
            types.PROGRESS: progress,
            types.CLIENT_REGISTER_CAPABILITY: register,
            types.CLIENT_UNREGISTER_CAPABILITY: unregister,
            types.WORKSPACE_SEMANTIC_TOKENS_REFRESH: tokens_refresh,
        },
    )
    return client


CONFIG = ClientServerConfig(server_command=SERVER, client_factory=make_client)


def build_tree(root: Path, outside: Path) -> None:
    """A small project holding ``TODO`` in files that must be searched and in files that must
    not."""
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    files = {
        "src/a.txt": "one TODO here\n",
        "src/b.txt": "TODO\nand TODO TODO\n",
        "src/crlf.txt": "x\r\n\r\nlast TODO\r\n",
        "notes.md": "no match\n",
        "ignored.txt": "TODO ignored by .gitignore\n",
        "build/out.txt": "TODO in an ignored folder\n",
        "dot_ignored.txt": "TODO ignored by .ignore\n",
        "rg_ignored.txt": "TODO ignored by .rgignore\n",
        ".hidden.txt": "TODO hidden\n",
        ".hiddendir/a.txt": "TODO in a hidden folder\n",
        "vendor/lib.txt": "TODO in an excluded folder\n",
        "big.txt": "TODO\n" + "x" * MAX_FILE_SIZE,
        ".gitignore": "ignored.txt\nbuild/\n",
        ".ignore": "dot_ignored.txt\n",
        ".rgignore": "rg_ignored.txt\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    (root / "binary.bin").write_bytes(b"TODO\0binary\n")
    (outside / "secret.txt").write_text("TODO outside the workspace\n")
    os.symlink(outside / "secret.txt", root / "link.txt")


SEARCHED = {"src/a.txt": 1, "src/b.txt": 3, "src/crlf.txt": 1}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root, outside = tmp_path / "project", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    build_tree(root, outside)
    return root


@pytest.fixture
def other_folder(tmp_path: Path) -> Path:
    """A second workspace folder beside the project, with one match."""
    other = tmp_path / "other"
    other.mkdir()
    (other / "o.txt").write_text("TODO in another folder\n")
    return other


def folders_changed(client: LanguageClient, added: list[str], removed: list[str]) -> None:
    """The editor's workspace folders changed: these folder URIs added, those removed."""
    client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=folder, name=folder) for folder in added],
                removed=[types.WorkspaceFolder(uri=folder, name=folder) for folder in removed],
            )
        )
    )


SETTINGS = {"scope": "workspace", "maxFileSize": MAX_FILE_SIZE, "exclude": ["vendor/**"]}


async def start(
    client: LanguageClient,
    root: Path,
    name: str = "neovim",
    settings: dict[str, Any] | None = None,
    pull: bool = False,
    watch: bool | None = None,
) -> None:
    """Initialize with ``root`` as the workspace folder and the workspace scope."""
    settings = {**SETTINGS, **(settings or {})}
    capabilities = client_capabilities(name)
    assert capabilities.workspace is not None and capabilities.text_document is not None
    if pull:
        capabilities.text_document.diagnostic = types.DiagnosticClientCapabilities()
        capabilities.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(
            refresh_support=True
        )
    if watch is not None:
        capabilities.workspace.did_change_watched_files = (
            types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=watch)
        )
    client.set_configuration(settings, section="grepls")
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")],
            initialization_options=settings,
        )
    )


def uri(root: Path, name: str) -> str:
    return (root / name).as_uri()


def counts(client: LanguageClient, root: Path) -> dict[str, int]:
    """Files under ``root`` whose last publish holds matches, with how many."""
    prefix = root.as_uri() + "/"
    return {
        u[len(prefix) :]: len(d)
        for u, d in client.diagnostics.items()
        if u.startswith(prefix) and d
    }


async def showing(client: LanguageClient, root: Path, expected: dict[str, int]) -> None:
    """Wait until the files with matches are exactly ``expected``."""
    try:
        await eventually(lambda: counts(client, root) == expected)
    except AssertionError:
        raise AssertionError(f"showing {counts(client, root)}, expected {expected}") from None


async def written_until_shown(
    client: LanguageClient, root: Path, files: dict[str, str], expected: dict[str, int]
) -> None:
    """Write ``files`` under ``root`` until the files with matches are exactly ``expected``.
    For grepls's own watcher: a process of its own, which walks the folders as it starts, so
    a write before its watch began (once a scan had read the file) would go unseen."""
    deadline = time.monotonic() + TIMEOUT
    while counts(client, root) != expected:
        assert time.monotonic() < deadline, f"showing {counts(client, root)}, expected {expected}"
        for name, text in files.items():
            (root / name).write_text(text)
        await asyncio.sleep(0.2)


def watched(client: LanguageClient, root: Path, *changes: tuple[str, int]) -> None:
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(uri=uri(root, name), type=types.FileChangeType(kind))
                for name, kind in changes
            ]
        )
    )


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> Any:
    yield
    await lsp_client.shutdown_session()


async def test_closed_files_show_the_matches_ripgrep_would_search(
    client: LanguageClient, tree: Path
) -> None:
    await start(client, tree)
    result = await command(client, "grepls.setPattern", "TODO")
    assert result["matches"] == 0  # no open document
    assert set(result["workspace"]) == {"files", "matches", "complete", "skipped"}
    await showing(client, tree, SEARCHED)
    # Closed files have no version; lines break at \r\n as in an open document.
    crlf = client.diagnostics[uri(tree, "src/crlf.txt")]
    assert (crlf[0].range.start.line, crlf[0].range.start.character) == (2, 5)

    listed = await command(client, "grepls.listMatches")
    assert [(m["uri"].rsplit("/", 1)[-1], m["range"]["start"]["line"]) for m in listed] == [
        ("a.txt", 0),
        ("b.txt", 0),
        ("b.txt", 1),
        ("b.txt", 1),
        ("crlf.txt", 2),
    ]
    assert listed[0]["text"] == "one TODO here"
    assert "pattern" not in listed[0]  # one pattern only

    again = await command(client, "grepls.setPattern", "TODO")
    assert again["workspace"]["files"] >= 0
    await showing(client, tree, SEARCHED)


async def test_the_scan_reports_progress_and_its_totals(client: LanguageClient, tree: Path) -> None:
    await start(client, tree, "visual-studio-code")
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)

    def ended() -> bool:
        return any(
            reports and getattr(reports[-1], "kind", None) == "end"
            for reports in client.progress_reports.values()
        )

    await eventually(ended, what="the scan's progress to end")
    (reports,) = [r for r in client.progress_reports.values() if r]
    assert reports[0].kind == "begin"
    assert "5 matches in 3 of" in reports[-1].message
    assert "1 large" in reports[-1].message and "1 binary" in reports[-1].message
    # Once the scan ended, setPattern's totals (of the scan it starts) come from a scan too.
    result = await command(client, "grepls.setPattern", "TODO")
    assert result["workspace"]["complete"] is False


async def test_an_open_document_wins_and_is_searched_from_disk_again_when_closed(
    client: LanguageClient, tree: Path
) -> None:
    await start(client, tree)
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    a = uri(tree, "src/a.txt")
    # The editor holds other text than the disk: its matches win.
    open_document(client, a, "TODO TODO\nTODO\n", version=4)
    await eventually(lambda: len(client.diagnostics[a]) == 3 and client.log[-1][2] == 4)
    change_document(client, a, 5, edit((0, 0), (0, 0), "x"))
    await eventually(lambda: client.log[-1][2] == 5)
    listed = await command(client, "grepls.listMatches")
    assert sum(1 for m in listed if m["uri"] == a) == 3
    # Closed: the disk's text again (one match), published without a version.
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=a))
    )
    await eventually(lambda: client.log[-1][0] == a and len(client.log[-1][1]) == 1)
    assert client.log[-1][2] is None


@pytest.mark.parametrize("pattern", ["TODO", {"pattern": "\\bTODO\\b", "regex": True}])
async def test_files_named_with_a_newline_or_bytes_that_are_not_utf8_are_searched(
    client: LanguageClient, tmp_path: Path, pattern: Any
) -> None:
    """Names a file system allows: ripgrep names them (with and without its prefilter), their
    URIs quote the name's own bytes, and they open and close like any file."""
    root = tmp_path / "names"
    root.mkdir()
    (root / "plain.txt").write_text("TODO\n")
    (root / "new\nline.txt").write_text("TODO\n")
    latin1 = root / os.fsdecode(b"caf\xe9.txt")
    latin1.write_text("TODO TODO\n")
    await start(client, root)
    await command(client, "grepls.setPattern", pattern)
    await showing(client, root, {"plain.txt": 1, "new%0Aline.txt": 1, "caf%E9.txt": 2})
    assert latin1.as_uri().endswith("/caf%E9.txt")
    open_document(client, latin1.as_uri(), "TODO\n")
    await eventually(lambda: len(client.diagnostics[latin1.as_uri()]) == 1)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=latin1.as_uri())
        )
    )
    await showing(client, root, {"plain.txt": 1, "new%0Aline.txt": 1, "caf%E9.txt": 2})
    listed = await command(client, "grepls.listMatches")
    assert [m["uri"].rsplit("/", 1)[-1] for m in listed] == [
        "caf%E9.txt",
        "caf%E9.txt",
        "new%0Aline.txt",
        "plain.txt",
    ]


async def test_a_closed_document_without_matches_on_disk_is_cleared(
    client: LanguageClient, tree: Path
) -> None:
    await start(client, tree)
    await command(client, "grepls.setPattern", "TODO")
    notes = uri(tree, "notes.md")
    await showing(client, tree, SEARCHED)
    open_document(client, notes, "TODO typed but not saved\n")
    await eventually(lambda: counts(client, tree).get("notes.md") == 1)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=notes))
    )
    await eventually(lambda: client.log[-1] == (notes, [], None), what="an empty publish")


async def test_files_changed_created_and_deleted_are_searched_again(
    client: LanguageClient, tree: Path
) -> None:
    await start(client, tree, "visual-studio-code")  # registers didChangeWatchedFiles
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    publishes = len(client.log)

    (tree / "src/a.txt").write_text("TODO TODO\n")
    (tree / "src/new.txt").write_text("new TODO\n")
    (tree / "src/b.txt").unlink()
    (tree / "src/crlf.txt").write_text("nothing left\n")
    watched(client, tree, ("src/a.txt", 2), ("src/new.txt", 1), ("src/b.txt", 3))
    watched(client, tree, ("src/crlf.txt", 2))
    expected = {"src/a.txt": 2, "src/new.txt": 1}
    await showing(client, tree, expected)
    # Only the files that changed were published again.
    again = {u.rsplit("/", 1)[-1] for u, _, _ in client.log[publishes:]}
    assert again == {"a.txt", "new.txt", "b.txt", "crlf.txt"}

    # A file the ignore rules now cover leaves the scope; an ignored file they release joins it.
    (tree / ".gitignore").write_text("build/\nsrc/new.txt\n")
    watched(client, tree, (".gitignore", 2))
    await eventually(
        lambda: counts(client, tree) == {"src/a.txt": 2, "ignored.txt": 1},
        what="the new ignore rules",
    )


def many_files(
    tree: Path, text: Callable[[int], str] = lambda number: f"line {number}\n"
) -> list[str]:
    """1,500 files in 15 folders under ``many/``, each holding ``text(its number)``; their names."""
    names = [f"many/{number // 100}/{number}.txt" for number in range(1500)]
    for number, name in enumerate(names):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text(text(number))
    return names


async def test_files_changed_during_a_scan_end_up_as_on_disk(
    client: LanguageClient, tree: Path
) -> None:
    many_files(tree)
    await start(client, tree, "visual-studio-code")
    await command(client, "grepls.setPattern", {"pattern": "TODO|line 7$", "regex": True})
    # Straight away, while the scan runs: one file changed, one created, one deleted.
    (tree / "many/0/7.txt").write_text("no more\n")
    (tree / "many/14/extra.txt").write_text("TODO extra\n")
    (tree / "src/a.txt").unlink()
    watched(client, tree, ("many/0/7.txt", 2), ("many/14/extra.txt", 1), ("src/a.txt", 3))
    expected = {"src/b.txt": 3, "src/crlf.txt": 1, "many/14/extra.txt": 1}
    await showing(client, tree, expected)
    listed = await command(client, "grepls.listMatches")
    assert len(listed) == 5


async def test_files_and_folders_deleted_during_a_scan_are_not_shown_again(
    client: LanguageClient, tree: Path
) -> None:
    """A file the scan read just before it was deleted: the deletion is the newest word on it,
    whenever the read's result arrives (a whole folder's deletion too)."""
    names = many_files(tree, lambda number: f"TODO {number}\n")
    await start(client, tree, "visual-studio-code", settings={"maxWorkspaceMatches": 10_000})
    await command(client, "grepls.setPattern", "TODO")
    await eventually(lambda: len(counts(client, tree)) == 1500 + 3, what="the first scan")
    # A pattern ripgrep cannot prefilter: the scan reads every file, while they are deleted.
    await command(client, "grepls.setPattern", {"pattern": "\\bTODO\\b", "regex": True})
    kept = names[:100]
    for start_at in range(100, 1400, 50):
        batch = names[start_at : start_at + 50]
        for name in batch:
            (tree / name).unlink()
        watched(client, tree, *((name, 3) for name in batch))
        await asyncio.sleep(0.005)
    shutil.rmtree(tree / "many/14")
    watched(client, tree, ("many/14", 3))
    expected = {name: 1 for name in kept} | SEARCHED
    await showing(client, tree, expected)
    await asyncio.sleep(1)  # what the scan read before the deletions has all arrived by now
    await showing(client, tree, expected)


async def test_a_checkout_of_many_files_reported_at_once_is_searched_to_the_end(
    client: LanguageClient, tree: Path
) -> None:
    """Searched a slice at a time, between the editor's messages: every file still is. And
    deletions reported at once, of files and of a folder (VS Code reports a folder deleted as
    one event), are forgotten in one look at the held files."""
    changed = many_files(tree)
    await start(client, tree, "visual-studio-code")
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    await eventually(lambda: bool(scan_ends(client)), what="the scan's progress to end")
    for name in changed:
        (tree / name).write_text("TODO checked out\n")
    (tree / "src/b.txt").unlink()
    watched(client, tree, *[(name, 2) for name in changed], ("src/b.txt", 3))
    shown = {"src/a.txt": 1, "src/crlf.txt": 1} | dict.fromkeys(changed, 1)
    await showing(client, tree, shown)

    shutil.rmtree(tree / "many/14")
    deleted = [f"many/13/{n}.txt" for n in range(1300, 1350)]
    for name in deleted:
        (tree / name).unlink()
    (tree / "build/out.txt").unlink()  # ignored: never listed
    watched(client, tree, ("many/14", 3), *[(name, 3) for name in deleted], ("build/out.txt", 3))
    kept = {name: n for name, n in shown.items() if name not in deleted}
    await showing(client, tree, {n: c for n, c in kept.items() if not n.startswith("many/14/")})


async def test_files_named_while_ripgrep_prefilters_end_up_as_on_disk(
    client: LanguageClient, tree: Path
) -> None:
    """With a literal, ripgrep names only the files that may match, and the list of every file
    is made once the scan has ended: what the editor reports meanwhile — a document closed, a
    file changed, created or deleted — is searched (or forgotten) all the same."""
    many_files(tree, lambda number: "TODO\n" if number % 100 == 7 else f"line {number}\n")
    await start(client, tree, "visual-studio-code")
    a = uri(tree, "src/a.txt")
    open_document(client, a, "nothing while open\n")
    await command(client, "grepls.setPattern", "TODO")
    # Straight away, while the scan runs.
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=a))
    )
    (tree / "many/0/7.txt").write_text("no more\n")
    (tree / "many/0/8.txt").write_text("TODO now\n")
    (tree / "many/14/extra.txt").write_text("TODO extra\n")
    (tree / "src/b.txt").unlink()
    watched(
        client,
        tree,
        ("many/0/7.txt", 2),
        ("many/0/8.txt", 2),
        ("many/14/extra.txt", 1),
        ("src/b.txt", 3),
    )
    expected = {"src/a.txt": 1, "src/crlf.txt": 1, "many/0/8.txt": 1, "many/14/extra.txt": 1}
    expected |= {f"many/{n}/{n * 100 + 7}.txt": 1 for n in range(1, 15)}
    await showing(client, tree, expected)
    listed = await command(client, "grepls.listMatches")
    assert len(listed) == sum(expected.values())


async def test_without_client_watching_grepls_watches_the_folders_itself(
    client: LanguageClient, tree: Path
) -> None:
    await start(client, tree, "neovim", watch=False)
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    await written_until_shown(
        client,
        tree,
        {"src/a.txt": "no more\n", "src/c.txt": "TODO TODO\n"},
        {"src/b.txt": 3, "src/crlf.txt": 1, "src/c.txt": 2},
    )


WATCHED = "workspace/didChangeWatchedFiles"


async def test_with_the_watcher_setting_grepls_the_editor_is_never_asked_to_watch(
    client: LanguageClient, tree: Path
) -> None:
    await start(client, tree, "neovim", settings={"watcher": "grepls"}, watch=True)
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    (tree / "src/a.txt").write_text("no more\n")
    (tree / "src/c.txt").write_text("TODO TODO\n")
    await showing(client, tree, {"src/b.txt": 3, "src/crlf.txt": 1, "src/c.txt": 2})
    assert client.registrations == []  # type: ignore[attr-defined]


async def test_switching_watchers_undoes_the_editors_registration_and_back(
    client: LanguageClient, tree: Path
) -> None:
    def reconfigure(**settings: Any) -> None:
        client.set_configuration({**SETTINGS, **settings}, section="grepls")
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"grepls": {**SETTINGS, **settings}})
        )

    registrations: list[str] = client.registrations  # type: ignore[attr-defined]
    await start(client, tree, "neovim", watch=True)
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    await eventually(lambda: registrations == [WATCHED], what="the editor asked to watch")

    reconfigure(watcher="grepls")
    await eventually(lambda: registrations == [], what="the editor's watcher undone")
    # Reported by nobody but grepls now.
    await written_until_shown(client, tree, {"src/c.txt": "TODO\n"}, {**SEARCHED, "src/c.txt": 1})

    scans = len(scan_ends(client))
    reconfigure(watcher="editor")
    await eventually(lambda: registrations == [WATCHED], what="the editor asked again")
    # The switch searched the files again: once that scan ended, a change is the watcher's.
    await eventually(lambda: len(scan_ends(client)) > scans, what="the new scan's end")
    (tree / "src/c.txt").write_text("TODO TODO\n")
    await asyncio.sleep(0.3)  # grepls's own watcher is gone: nothing changes unreported
    assert counts(client, tree)["src/c.txt"] == 1
    watched(client, tree, ("src/c.txt", 2))
    await showing(client, tree, {**SEARCHED, "src/c.txt": 2})


async def test_a_new_pattern_cancels_the_scan_and_old_matches_never_follow_it(
    client: LanguageClient, tree: Path
) -> None:
    for number in range(800):
        (tree / f"f{number}.txt").write_text("TODO FIXME\n")
    await start(client, tree, settings={"maxWorkspaceMatches": 100_000})
    await command(client, "grepls.setPattern", "TODO")
    await command(client, "grepls.setPattern", "FIXME")
    await eventually(
        lambda: (
            len(counts(client, tree)) == 800
            and all(m == ['matches "FIXME"'] for u, m, _ in client.log[-800:])
        ),
        what="every file with FIXME",
    )
    log: list[tuple[str, list[str], Any]] = client.log  # type: ignore[attr-defined]
    first = next(n for n, (_, messages, _) in enumerate(log) if 'matches "FIXME"' in messages)
    assert not any('matches "TODO"' in messages for _, messages, _ in log[first:])


async def test_past_max_workspace_matches_the_scan_stops_and_says_so_once(
    client: LanguageClient, tree: Path
) -> None:
    for number in range(50):
        (tree / f"f{number:02}.txt").write_text("TODO\n")
    await start(client, tree, settings={"maxWorkspaceMatches": 10})
    await command(client, "grepls.setPattern", "TODO")

    def told() -> list[str]:
        return [m.message for m in client.log_messages if "maxWorkspaceMatches" in m.message] + [
            m.message for m in client.messages if "maxWorkspaceMatches" in m.message
        ]

    await eventually(lambda: bool(told()), what="the cap's message")
    await asyncio.sleep(0.3)
    assert len(told()) == 1
    assert "more than 10 matches" in told()[0]
    assert 10 <= sum(counts(client, tree).values()) <= 11
    # The files it stopped after are those taken, not the worker's whole last batch: each named
    # by ripgrep holds a match, but for the binary and the large one.
    stopped = re.search(r"stopped after (\d+) files? with (\d+) match", told()[0])
    assert stopped is not None, told()[0]
    assert int(stopped[1]) <= int(stopped[2]) + 2, told()[0]
    listed = await command(client, "grepls.listMatches")
    assert len(listed) <= 10


def scan_ends(client: LanguageClient) -> list[str]:
    """The end messages of the scans' work-done progress, in order."""
    return [
        reports[-1].message or ""
        for reports in client.progress_reports.values()
        if reports and getattr(reports[-1], "kind", None) == "end"
    ]


async def scanned_past_a_cap_of_ten(client: LanguageClient, tree: Path, pattern: Any) -> None:
    """Fifty more files of one match each, ``maxWorkspaceMatches`` 10, ``pattern`` set: the
    scan has ended (cut)."""
    for number in range(50):
        (tree / f"f{number:02}.txt").write_text("TODO\n")
    await start(client, tree, "visual-studio-code", settings={"maxWorkspaceMatches": 10})
    await command(client, "grepls.setPattern", pattern)
    await eventually(lambda: bool(scan_ends(client)), what="the scan's progress to end")


async def test_past_max_workspace_matches_the_scan_ends_saying_it_was_cut(
    client: LanguageClient, tree: Path
) -> None:
    await scanned_past_a_cap_of_ten(client, tree, "TODO")
    assert "cut at grepls.maxWorkspaceMatches (10)" in scan_ends(client)[-1]
    assert len(await command(client, "grepls.listMatches")) == 10
    # The VS Code extension shows "+" by these words (scanWasCut): the same on both sides.
    extension = REPO / "clients" / "vscode" / "src" / "workspaceMatches.ts"
    assert f'SCAN_CUT = "{SCAN_CUT}"' in extension.read_text(encoding="utf-8")


async def test_exactly_max_workspace_matches_is_a_complete_scan_not_a_cut_one(
    client: LanguageClient, tree: Path
) -> None:
    await start(client, tree, "visual-studio-code", settings={"maxWorkspaceMatches": 5})
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    await eventually(lambda: bool(scan_ends(client)), what="the scan's progress to end")
    assert "5 matches in 3 of" in scan_ends(client)[-1]
    assert "maxWorkspaceMatches" not in scan_ends(client)[-1]
    assert len(await command(client, "grepls.listMatches")) == 5
    assert not [m for m in client.messages if "maxWorkspaceMatches" in m.message]


async def test_a_pattern_cleared_or_the_scope_set_back_to_open_clears_closed_files(
    client: LanguageClient, tree: Path
) -> None:
    await start(client, tree)
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    client.set_configuration({**SETTINGS, "scope": "open"}, section="grepls")
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"grepls": {**SETTINGS, "scope": "open"}})
    )
    await showing(client, tree, {})
    assert await command(client, "grepls.listMatches") == []


async def test_workspace_folders_added_and_removed(
    client: LanguageClient, tree: Path, other_folder: Path
) -> None:
    await start(client, tree)
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    folders_changed(client, [other_folder.as_uri()], [tree.as_uri()])
    await showing(client, tree, {})
    await eventually(lambda: bool(client.diagnostics.get((other_folder / "o.txt").as_uri())))


@pytest.mark.parametrize("pattern", ["TODO", {"pattern": "\\bTODO\\b", "regex": True}])
async def test_a_folder_inside_another_is_searched_once(
    client: LanguageClient, tree: Path, pattern: Any
) -> None:
    """Two workspace folders, one inside the other: each file is searched and counted once."""
    await start(client, tree, "visual-studio-code")
    await command(client, "grepls.setPattern", pattern)
    await showing(client, tree, SEARCHED)
    await eventually(lambda: len(scan_ends(client)) == 1, what="the first scan's end")
    folders_changed(client, [(tree / "src").as_uri()], [])
    await eventually(lambda: len(scan_ends(client)) == 2, what="the second scan's end")
    first, second = scan_ends(client)
    assert second == first
    await showing(client, tree, SEARCHED)


async def test_pull_clients_get_workspace_reports_with_result_ids_and_partial_results(
    client: LanguageClient, tree: Path
) -> None:
    await start(client, tree, "visual-studio-code", pull=True)
    await command(client, "grepls.setPattern", "TODO")

    async def pull(previous: dict[str, str], token: str | None = None) -> Any:
        return await asyncio.wait_for(
            client.workspace_diagnostic_async(
                types.WorkspaceDiagnosticParams(
                    previous_result_ids=[
                        types.PreviousResultId(uri=u, value=v) for u, v in previous.items()
                    ],
                    partial_result_token=token,
                )
            ),
            TIMEOUT,
        )

    held: dict[str, Any] = {}
    while sum(len(r.items) for r in held.values() if r.kind == "full") < 5:
        report = await pull({u: r.result_id for u, r in held.items()})
        held.update({r.uri: r for r in report.items if r.kind == "full"})
    assert {u.rsplit("/", 1)[-1]: len(r.items) for u, r in held.items()} == {
        "a.txt": 1,
        "b.txt": 3,
        "crlf.txt": 1,
    }
    assert not client.diagnostics  # pull only: never pushed

    previous = {u: r.result_id for u, r in held.items()}
    waiting = asyncio.ensure_future(pull(previous))
    await asyncio.sleep(0.2)
    assert not waiting.done()  # nothing new: the request waits (a long poll)
    (tree / "src/a.txt").write_text("TODO TODO\n")
    watched(client, tree, ("src/a.txt", 2))
    report = await waiting
    kinds = {r.uri.rsplit("/", 1)[-1]: (r.kind, len(getattr(r, "items", []))) for r in report.items}
    assert kinds == {"a.txt": ("full", 2), "b.txt": ("unchanged", 0), "crlf.txt": ("unchanged", 0)}

    # Streamed: the reports come as partial results, the answer itself is empty.
    streamed = await pull({}, token="partial-1")
    assert list(streamed.items) == []
    partials = client.partials["partial-1"]  # type: ignore[attr-defined]
    assert sorted(p["uri"].rsplit("/", 1)[-1] for p in partials) == ["a.txt", "b.txt", "crlf.txt"]

    # A file that lost its matches is answered once with an empty report.
    (tree / "src/b.txt").write_text("none\n")
    watched(client, tree, ("src/b.txt", 2))
    previous = {p["uri"]: p["resultId"] for p in partials}
    report = await pull(previous)
    emptied = [r for r in report.items if r.uri.endswith("b.txt")]
    assert emptied and emptied[0].kind == "full" and list(emptied[0].items) == []


async def test_pull_clients_are_told_unchanged_for_files_searched_again_to_the_same_report(
    client: LanguageClient, tree: Path
) -> None:
    """A rescan (a folder added, a pattern added that a file does not hold) searches every file
    again: those whose report is the same keep their result ids, and are not sent again."""
    await start(client, tree, "visual-studio-code", pull=True)
    await command(client, "grepls.setPattern", "TODO")

    async def pull(previous: dict[str, str]) -> dict[str, Any]:
        report = await asyncio.wait_for(
            client.workspace_diagnostic_async(
                types.WorkspaceDiagnosticParams(
                    previous_result_ids=[
                        types.PreviousResultId(uri=u, value=v) for u, v in previous.items()
                    ]
                )
            ),
            TIMEOUT,
        )
        return {r.uri.rsplit("/", 1)[-1]: r for r in report.items}

    held: dict[str, Any] = {}
    while sum(len(r.items) for r in held.values()) < 5:
        answer = await pull({uri(tree, "src/" + n): r.result_id for n, r in held.items()})
        held.update({n: r for n, r in answer.items() if r.kind == "full"})
    previous = {uri(tree, "src/" + n): r.result_id for n, r in held.items()}

    # A pattern added that only a.txt holds ("one TODO here"): a.txt is sent, the others not.
    await command(client, "grepls.addPattern", {"pattern": "one", "id": "one"})
    report = await pull(previous)
    while "a.txt" not in report or report["a.txt"].kind != "full":
        report = await pull(previous)
    assert len(report["a.txt"].items) == 2
    assert {n: r.kind for n, r in report.items() if n != "a.txt"} == {
        "b.txt": "unchanged",
        "crlf.txt": "unchanged",
    }
    previous[uri(tree, "src/a.txt")] = report["a.txt"].result_id
    # A folder added inside: everything is searched again, and nothing is new.
    folders_changed(client, [(tree / "src").as_uri()], [])
    await asyncio.sleep(0.5)
    waiting = asyncio.ensure_future(pull(previous))
    await asyncio.sleep(0.5)
    if waiting.done():  # answered: only with unchanged reports
        assert {r.kind for r in waiting.result().values()} == {"unchanged"}
    waiting.cancel()


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0,
    reason="root reads a file whatever its mode (CI runs as root)",
)
async def test_an_unreadable_file_is_skipped_and_counted(
    client: LanguageClient, tree: Path
) -> None:
    locked = tree / "src/locked.txt"
    locked.write_text("TODO locked\n")
    locked.chmod(0)
    await start(client, tree, "visual-studio-code")
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    await eventually(
        lambda: any(
            r and "unreadable" in (getattr(r[-1], "message", "") or "")
            for r in client.progress_reports.values()
        )
    )


async def test_closed_files_over_the_cap_are_told_in_one_message_not_one_a_file(
    client: LanguageClient, tmp_path: Path
) -> None:
    """A message per file would be hundreds in a large tree, and Neovim stops for "Press
    ENTER" at each: a scan tells of every file over the cap at once, when it ends; a file that
    goes over later is told of on its own."""
    root = tmp_path / "project"
    for n in range(30):
        (root / f"dir{n % 3}").mkdir(parents=True, exist_ok=True)
        text = "TODO\n" * 5 + ("FIXME\n" * 4 if n < 7 else "")
        (root / f"dir{n % 3}" / f"f{n}.txt").write_text(text)
    await start(client, root, settings={"maxMatchesPerDocument": 3}, watch=True)
    await command(client, "grepls.addPattern", {"pattern": "FIXME"})
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, root, {f"dir{n % 3}/f{n}.txt": 6 if n < 7 else 3 for n in range(30)})
    await eventually(lambda: told_of_cap(client) != [])
    assert told_of_cap(client) == [
        'grepls: closed files with more than 3 matches: 7 of "FIXME", 30 of "TODO";'
        " showing the first 3 in each (setting grepls.maxMatchesPerDocument)"
    ]
    (root / "dir0" / "f3.txt").write_text("TODO\n" * 5)  # over already: not told again
    (root / "dir1" / "f10.txt").write_text("TODO\n" * 5 + "FIXME\n" * 9)
    watched(client, root, ("dir0/f3.txt", 2), ("dir1/f10.txt", 2))
    await eventually(lambda: len(told_of_cap(client)) == 2)
    assert told_of_cap(client)[1] == (
        'grepls: more than 3 matches of "FIXME" in f10.txt; showing the first 3'
        " (setting grepls.maxMatchesPerDocument)"
    )


def told_of_cap(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages if "maxMatchesPerDocument" in m.message]


async def test_a_closed_file_opened_under_another_spelling_of_its_uri_is_not_shown_twice(
    client: LanguageClient, tree: Path
) -> None:
    """grepls publishes ``plus+at.txt`` as ``plus%2Bat.txt``; an editor that opens it as
    ``plus+at.txt`` (as valid a URI) has the held file's diagnostics emptied, not left beside its
    own."""
    (tree / "src" / "plus+at.txt").write_text("TODO\n")
    await start(client, tree)
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, {**SEARCHED, "src/plus%2Bat.txt": 1})
    open_document(client, tree.as_uri() + "/src/plus+at.txt", "nothing here now\n")
    await showing(client, tree, SEARCHED)


async def test_a_folder_moved_away_and_back_is_searched_again(
    client: LanguageClient, tree: Path
) -> None:
    """Its deletion drops what was held of it; its files are searched again once it is back,
    though no event names them."""
    await start(client, tree, "visual-studio-code")
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    (tree / "src").rename(tree / "src.away")
    (tree / "src.away").rename(tree / "src")
    watched(client, tree, ("src", 3))
    watched(client, tree, ("src", 1))
    await asyncio.sleep(0.5)  # the deletion's drop, and the list made again, are done
    await showing(client, tree, SEARCHED)


async def test_a_scan_cut_at_the_cap_stays_cut_when_a_file_is_created(
    client: LanguageClient, tree: Path
) -> None:
    """The files a cut scan never reached are not searched because another file was made."""
    # A pattern ripgrep cannot prefilter: the scan lists every file as it reads them.
    await scanned_past_a_cap_of_ten(client, tree, {"pattern": "\\bTODO\\b", "regex": True})
    await asyncio.sleep(0.3)  # the list after the scan is made
    shown = counts(client, tree)
    (tree / "new.txt").write_text("TODO\n")
    watched(client, tree, ("new.txt", 1))
    await eventually(lambda: "new.txt" in counts(client, tree), what="the new file")
    await asyncio.sleep(0.3)
    assert counts(client, tree) == {**shown, "new.txt": 1}


async def test_a_folder_renamed_and_files_let_in_during_a_later_scan_are_searched(
    client: LanguageClient, tree: Path
) -> None:
    """While a scan runs (not the first, so grepls holds a list of the files from before), a
    folder is renamed and `.gitignore` lets a folder in: no event names their files, which the
    scan may not have seen; they are searched once it ends."""
    names = many_files(tree, lambda number: f"TODO {number}\n")
    await start(client, tree, "visual-studio-code", settings={"maxWorkspaceMatches": 10_000})
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, {name: 1 for name in names} | SEARCHED)
    # The second scan, of a pattern ripgrep prefilters; straight away, while it runs:
    await command(client, "grepls.setPattern", {"pattern": "todo", "caseSensitive": False})
    (tree / "many/3").rename(tree / "renamed3")
    (tree / ".gitignore").write_text("ignored.txt\n")
    watched(client, tree, ("many/3", 3), ("renamed3", 1), (".gitignore", 2))
    moved = {name.replace("many/3/", "renamed3/"): 1 for name in names}
    await showing(client, tree, moved | SEARCHED | {"build/out.txt": 1})

"""End to end: grepls's own file watcher — a helper process, never a thread of the server.

watchfiles walks every folder of the workspace when it starts, without letting go of the GIL: in
a thread of the server, that stopped the server for a quarter of a second on the Linux tree,
keystrokes included (``make bench-workspace`` with ``--watcher grepls``). So the watcher is a
process of its own (``python -m grepls.watch FOLDER...``). The real server and its real watcher
here: a test finds the watcher among the server's children, kills it, and checks what the editor
sees; and the watcher process alone, spoken to as the server speaks to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest_lsp
from conftest import TIMEOUT, command, eventually
from grepls.helper_process import NICENESS, Frames
from lsprotocol import types
from pytest_lsp import LanguageClient
from test_lsp_workspace import (
    CONFIG,
    SEARCHED,
    SETTINGS,
    folders_changed,
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


async def test_grepls_watches_from_a_process_of_its_own_at_a_lower_priority(
    client: LanguageClient, tree: Path
) -> None:
    """At nice, not on idle CPU only: on a busy machine, a saved file's news must not wait."""
    pid = await scanned_with_grepls_watching(client, tree)
    command_line = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert os.fsencode(tree) in command_line
    server_nice = os.getpriority(os.PRIO_PROCESS, server_pid(client))
    await eventually(
        lambda: os.getpriority(os.PRIO_PROCESS, pid) == server_nice + NICENESS, what="nice"
    )
    assert os.sched_getscheduler(pid) == os.SCHED_OTHER
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


async def test_the_watcher_starts_once_the_scan_has_read_the_files_and_loses_no_change(
    client: LanguageClient, tree: Path
) -> None:
    await start(client, tree, "neovim", watch=False)
    await command(client, "grepls.listPatterns")  # the settings are taken in
    assert watchers(client) == [], "no pattern, nothing to keep current: no watcher yet"
    asked = time.time_ns()
    await command(client, "grepls.setPattern", "TODO")
    # Started once the scan has ended, and held before its watch begins (its imports alone take
    # a tenth of a second): what changes now, after the scan read the files, only its look back
    # can find.
    watcher = await the_watcher(client)
    os.kill(watcher, signal.SIGSTOP)
    try:
        await showing(client, tree, SEARCHED)
        command_line = Path(f"/proc/{watcher}/cmdline").read_bytes().split(b"\0")
        (since,) = [int(a[len(b"--since=") :]) for a in command_line if a.startswith(b"--since=")]
        assert since <= asked + 1_000_000_000, "it looks back to when the scan was asked for"
        # Once the list of every file, made after the scan, is made: it would see the deletion.
        await asyncio.sleep(0.5)
        (tree / "src/a.txt").write_text("TODO TODO\n")
        (tree / "src/b.txt").unlink()
    finally:
        os.kill(watcher, signal.SIGCONT)
    await showing(client, tree, {"src/a.txt": 2, "src/crlf.txt": 1})


def looked_back(process: subprocess.Popen[bytes]) -> list[Any]:
    """The frames ``process`` sends until its look back, which it sends once it watches."""
    assert process.stdout is not None
    frames, received = Frames(), []
    deadline = time.monotonic() + TIMEOUT
    while not any(message[0] == "looked back" for message in received):
        assert time.monotonic() < deadline, f"no look back, got {received}"
        with contextlib.suppress(BlockingIOError):
            received += frames.feed(os.read(process.stdout.fileno(), 1 << 16))
        time.sleep(0.02)
    return received


def watcher_process(*arguments: str) -> subprocess.Popen[bytes]:
    """``python -m grepls.watch ARGUMENT...`` as the server starts it; its stdout does not block,
    its stderr is kept."""
    environment = {**os.environ, "PYTHONPATH": str(REPO / "server")}
    process = subprocess.Popen(
        [sys.executable, "-m", "grepls.watch", *arguments],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )
    assert process.stdin is not None and process.stdout is not None
    os.set_blocking(process.stdout.fileno(), False)
    return process


def test_the_watcher_process_reports_what_changed_since_it_was_asked_for(
    tmp_path: Path,
) -> None:
    folder, elsewhere = tmp_path / "folder", tmp_path / "elsewhere"
    (folder / ".cache").mkdir(parents=True)
    elsewhere.mkdir()
    (folder / "before.txt").write_text("TODO\n")
    (elsewhere / "moved.txt").write_text("TODO\n")
    os.utime(elsewhere / "moved.txt", (time.time() - 60, time.time() - 60))
    (elsewhere / "folder" / "deep").mkdir(parents=True)
    (elsewhere / "folder" / "deep" / "old.txt").write_text("TODO\n")
    time.sleep(0.2)
    asked = time.time_ns()
    (folder / "new.txt").write_text("TODO\n")
    (folder / ".cache" / "new.txt").write_text("TODO\n")  # a hidden folder: not the scan's
    (elsewhere / "moved.txt").rename(folder / "moved.txt")  # old times, but moved in now
    # A folder moved in: only its own status-change time is new; every file of it is.
    (elsewhere / "folder").rename(folder / "moved-in")
    process = watcher_process(f"--since={asked}", str(folder))
    assert process.stdin is not None and process.stdout is not None
    try:
        # Changed before the process started, nothing since: only its look back finds them.
        received = looked_back(process)
        assert received[-1][0] == "looked back"
        assert set(received[-1][1]) == {
            str(folder / "new.txt"),
            str(folder / "moved.txt"),
            str(folder / "moved-in" / "deep" / "old.txt"),
        }
        assert [m for m in received if m[0] != "looked back"] == []  # no change since
        process.stdin.close()
        assert process.wait(timeout=TIMEOUT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_watcher_process_sends_changes_as_frames_and_ends_with_its_stdin(
    tmp_path: Path,
) -> None:
    process = watcher_process(str(tmp_path))
    assert process.stdin is not None and process.stdout is not None
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


async def test_grepls_watcher_follows_a_repository_made_or_removed_and_what_ripgrep_lists(
    client: LanguageClient, tree: Path
) -> None:
    """Removing ``.git`` turns the tree's ``.gitignore`` off (ripgrep applies it only inside a
    repository), ``git init`` turns it on again; a file in ``node_modules`` or ``__pycache__``,
    or a backup ``notes.txt~``, is listed by ripgrep when nothing ignores it, so it is followed."""
    await scanned_with_grepls_watching(client, tree)
    # Once a write is seen, the watch has begun: what follows is seen as it happens.
    await written_until_shown(client, tree, {"src/c.txt": "TODO\n"}, {**SEARCHED, "src/c.txt": 1})
    shown = {**SEARCHED, "src/c.txt": 1}
    subprocess.run(["rm", "-rf", str(tree / ".git")], check=True)
    no_repository = {**shown, "ignored.txt": 1, "build/out.txt": 1}
    await showing(client, tree, no_repository)
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    await showing(client, tree, shown)
    for name in ("node_modules/pkg/index.js", "__pycache__/notes.txt", "notes.txt~"):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text("TODO\n")
        shown[name] = 1
        await showing(client, tree, shown)


def test_the_watcher_process_watches_the_folders_there_and_not_a_repositorys_objects(
    tmp_path: Path,
) -> None:
    """A workspace folder that is not there does not stop the others being watched, and is
    watched once it is made (its files reported); the changes under ``.git`` that are sent are
    the folder itself and its ``info/exclude`` only."""
    project = tmp_path / "project"
    wanted = [
        project / "node_modules" / "pkg" / "index.js",
        project / "backup.txt~",
        project / ".git" / "info" / "exclude",
    ]
    quiet = project / ".git" / "objects" / "ab" / "cdef"
    for path in [*wanted, quiet]:
        path.parent.mkdir(parents=True, exist_ok=True)
    process = watcher_process(str(tmp_path / "missing"), str(project))
    assert process.stdin is not None and process.stdout is not None
    frames, received = Frames(), []

    def reported() -> set[str]:
        changed = {path for kind, events in received if kind == "changed" for path, _ in events}
        return changed | {
            path for kind, paths in received if kind == "looked back" for path in paths
        }

    try:
        deadline = time.monotonic() + TIMEOUT
        while not {str(path) for path in wanted} <= reported():
            assert time.monotonic() < deadline, f"not all reported: {reported()}"
            for path in [*wanted, quiet]:
                path.write_text("TODO\n")  # again, until the watch has begun
            time.sleep(0.2)
            with contextlib.suppress(BlockingIOError):
                received += frames.feed(os.read(process.stdout.fileno(), 1 << 16))
        assert not any("objects" in path for path in reported())
        # The missing folder comes, with an old file in it (moved in): the file is reported,
        # and the folder is watched from then on.
        old = tmp_path / "elsewhere" / "sub" / "late.txt"
        old.parent.mkdir(parents=True)
        old.write_text("TODO\n")
        os.utime(old, (time.time() - 60, time.time() - 60))
        (tmp_path / "elsewhere").rename(tmp_path / "missing")
        late = tmp_path / "missing" / "sub" / "late.txt"
        later = tmp_path / "missing" / "later.txt"
        while str(later) not in reported():
            assert time.monotonic() < deadline + TIMEOUT, f"not reported: {reported()}"
            if str(late) in reported():
                later.write_text("TODO\n")  # again, until the new watch has begun
            time.sleep(0.2)
            with contextlib.suppress(BlockingIOError):
                received += frames.feed(os.read(process.stdout.fileno(), 1 << 16))
        process.stdin.close()
        assert process.wait(timeout=TIMEOUT) == 0
        assert process.stderr is not None
        assert b"not watching" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


async def test_a_workspace_folder_made_after_it_was_added_is_searched_and_followed(
    client: LanguageClient, tree: Path, tmp_path: Path
) -> None:
    """A folder added to the workspace before it exists: the rest is watched meanwhile, and once
    the folder is made its files are searched, and a file changed in it later too."""
    later = tmp_path / "later"
    await scanned_with_grepls_watching(client, tree)
    folders_changed(client, [later.as_uri()], [])
    await written_until_shown(client, tree, {"src/c.txt": "TODO\n"}, {**SEARCHED, "src/c.txt": 1})
    later.mkdir()
    (later / "first.txt").write_text("TODO made with the folder\n")
    await eventually(
        lambda: bool(client.diagnostics.get((later / "first.txt").as_uri())),
        what="the new folder's file searched",
    )
    (later / "first.txt").write_text("no match now\n")
    await eventually(
        lambda: len(client.diagnostics.get((later / "first.txt").as_uri(), [1])) == 0,
        what="the new folder's file followed",
    )


async def test_an_editor_that_refuses_to_watch_leaves_it_to_grepls(
    client: LanguageClient, tree: Path
) -> None:
    """The client says it can register a watcher, then answers the registration with an error:
    grepls watches the files itself, so a file changed on disk is still searched again."""
    client.refuses_registrations = True  # type: ignore[attr-defined]
    await start(client, tree, "neovim", watch=True)
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    await written_until_shown(client, tree, {"src/c.txt": "TODO\n"}, {**SEARCHED, "src/c.txt": 1})
    assert await the_watcher(client)


class Reports:
    """What a watcher process has sent, read as it comes."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.frames = Frames()
        self.received: list[Any] = []

    def paths(self, kind: int | None = None) -> set[str]:
        """Every path reported (changed, or looked back), or only changes of ``kind``."""
        changed = {
            path
            for what, events in self.received
            if what == "changed"
            for path, was in events
            if kind is None or was == kind
        }
        if kind is not None:
            return changed
        looked_back = {p for what, paths in self.received if what == "looked back" for p in paths}
        return changed | looked_back

    def until(self, wanted: Path | str, deadline: float, step: Callable[[], object]) -> None:
        """Take ``step`` (a write, until the watch has begun) until ``wanted`` is reported."""
        assert self.process.stdout is not None
        while str(wanted) not in self.paths():
            assert time.monotonic() < deadline, f"{wanted} not reported: {self.received}"
            assert self.process.poll() is None, self.process.stderr and self.process.stderr.read()
            step()
            time.sleep(0.2)
            with contextlib.suppress(BlockingIOError):
                self.received += self.frames.feed(os.read(self.process.stdout.fileno(), 1 << 16))

    def end(self) -> None:
        """Close its stdin, as the server ending does: it exits, with status 0."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=TIMEOUT) == 0


def test_the_watcher_process_goes_on_past_a_name_that_is_not_utf8(tmp_path: Path) -> None:
    """watchfiles ends its watch on a path it cannot decode; the watcher watches again, reports
    that file (ripgrep lists it, grepls searches it) and what changes after it."""
    process = watcher_process(str(tmp_path))
    reports = Reports(process)
    first, bad = tmp_path / "first.txt", os.fsencode(tmp_path) + b"/bad\xff.txt"
    try:
        deadline = time.monotonic() + TIMEOUT
        reports.until(first, deadline, lambda: first.write_text("TODO\n"))
        with open(bad, "wb") as file:
            file.write(b"TODO\n")
        after = tmp_path / "after.txt"
        reports.until(after, deadline, lambda: after.write_text("TODO\n"))
        assert os.fsdecode(bad) in reports.paths()
        reports.end()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_watcher_process_follows_a_folder_deleted_and_made_again(tmp_path: Path) -> None:
    """A watched workspace folder deleted (or replaced) leaves a watch of nothing: the watcher
    reports the folder deleted, and once it is made again, its files, and what changes in it."""
    folder = tmp_path / "A"
    folder.mkdir()
    process = watcher_process(str(folder))
    reports = Reports(process)
    first = folder / "first.txt"
    try:
        deadline = time.monotonic() + TIMEOUT
        reports.until(first, deadline, lambda: first.write_text("TODO\n"))
        subprocess.run(["rm", "-rf", str(folder)], check=True)
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        old = elsewhere / "old.txt"
        old.write_text("TODO\n")
        os.utime(old, (time.time() - 60, time.time() - 60))
        elsewhere.rename(folder)  # made again, by a move: its file has old times
        reports.until(folder / "old.txt", deadline + TIMEOUT, lambda: None)
        later = folder / "later.txt"
        reports.until(later, deadline + TIMEOUT, lambda: later.write_text("TODO\n"))
        assert str(folder) in reports.paths(kind=3)  # deleted
        reports.end()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

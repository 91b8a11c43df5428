"""Watching: who tells grepls that files changed on disk.

**Kept current.** Files created, changed or deleted are searched again — only those. The client
reports them (``workspace/didChangeWatchedFiles``, registered dynamically when the client can), or
else grepls's own watcher does (watchfiles: inotify and its kin), in a helper process of its own
(``python -m grepls.watch FOLDER...``, see :mod:`grepls.helper_process`) that sends the server
each debounced batch as a frame ``("changed", [(path, type), ...])``. Not in a thread of the
server: watchfiles walks every folder when it starts, a quarter of a second on the Linux tree,
without letting go of the GIL, and in a thread that stopped the server as long — keystrokes
during a scan's first quarter second waited up to 220 ms. Either way the changes reach one
callback, as (path, LSP FileChangeType) pairs; what a change means for the workspace's matches
is :meth:`~grepls.workspace.Workspace.file_events`'s concern. If the watcher process ends, the
next scan starts another once it has ended.

**Started once a scan has read the files, no change lost.** watchfiles's walk of every folder takes
CPU that a first scan of the same tree wants (on the Linux tree, started together, the first scan
took twice ripgrep's time instead of 1.6-1.7 times). So grepls's own watcher is started only when
the first scan of its folders has ended (:meth:`Watcher.watch` with ``after_scan``, then
:meth:`Watcher.scanned`; with no pattern there is nothing to keep current), and it is given the
time it was asked for (``--since``), before the scan read a file. Once its watch has begun, the
watcher walks the folders once and reports, as changed, every file changed or moved in since then
(by its modification or status-change time, allowing for the coarse clocks file systems stamp with;
every file of a folder moved in), in a frame ``("looked back", [path, ...])``; the workspace then
looks for the files it holds matches of (one deleted meanwhile). A file reported that did not
change costs one search.

**What it reports, and folders not there yet.** Every path ripgrep may list (not watchfiles's
default filter, which drops ``node_modules`` and editor backups), and of a ``.git`` folder only
the folder itself and its ``info/exclude`` (:func:`reported`). A workspace folder that is not
there (added before it is made, or deleted) is looked for every second while the others are
watched; once it is there the watch starts again with it, its files are reported as created, and
what changed elsewhere meanwhile is looked back for.

**Whose watcher** is the setting ``watcher``'s choice: ``"editor"`` (the default: the client's,
when it can register one) or ``"grepls"`` (always grepls's own). An editor's watcher is not always
cheap: Emacs's eglot, asked to watch ``**/*``, lists every file of the project and adds a watch
for each folder, in Lisp, before it reads the next message — on the Linux tree, Emacs froze for
2.5-3.3 s when a scan began. Switching from the editor's watcher to grepls's own unregisters the
editor's; switching back registers it again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from grepls import helper_process
from grepls.helper_process import Frames, frame

if TYPE_CHECKING:
    from watchfiles import Change

    from grepls.rpc import Endpoint

logger = logging.getLogger("grepls.workspace")

CREATED, CHANGED, DELETED = 1, 2, 3  # LSP FileChangeType (watchfiles numbers them alike)

REGISTRATION = {"id": "grepls-workspace-files", "method": "workspace/didChangeWatchedFiles"}
WATCH_EVERYTHING = {"watchers": [{"globPattern": "**/*"}]}

Events = Callable[[list[tuple[str, int]]], None]
"""Where changes go: (path, LSP FileChangeType) pairs, on the event loop."""
LookedBack = Callable[[], None]
"""Called once grepls's own watcher has watched and reported what changed before its watch."""


class Watcher:
    """The changes of the workspace folders: from the client if it can register a watcher, else
    from grepls's own."""

    def __init__(self, endpoint: Endpoint, events: Events, looked_back: LookedBack) -> None:
        self.endpoint = endpoint
        self.events = events
        self.looked_back = looked_back
        self.by_client = False
        """Whether the client registers ``workspace/didChangeWatchedFiles`` dynamically."""
        self._registered = False
        self.command = [sys.executable, "-m", "grepls.watch"]
        """How grepls's own watcher is started (the folders follow)."""
        self._folders: tuple[str, ...] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._frames = Frames()
        self._held: tuple[str, ...] | None = None
        """The folders of a watch held back until a scan has ended."""
        self._since: int | None = None
        """When the watch held back was first asked for (``time.time_ns()``)."""
        self._wanted: tuple[str, ...] | None = None
        """The folders the client was asked to watch (``None``: none yet, no pattern): what
        grepls watches itself if the client refuses."""

    def watch(self, folders: tuple[str, ...], own: bool = False, after_scan: bool = False) -> None:
        """Have the changes of ``folders`` reported (again, if they changed): by the client if it
        can register a watcher, unless ``own`` asks for grepls's own watcher anyway. grepls's own
        is started at once, or, with ``after_scan``, by :meth:`scanned`, looking back to now."""
        if self.by_client and not own:
            self._wanted = folders
            self._register()
            return
        self._unregister()
        if self._folders == folders and self.running:
            return  # (one that ended is started again, whether or not its end was read yet)
        since = self._since if self._since is not None else time.time_ns()
        self.stop()
        if after_scan:
            self._held, self._since = folders, since
        else:
            self._start(folders, since)

    def idle(self, folders: tuple[str, ...], own: bool = False) -> None:
        """No pattern yet, so nothing to keep current: the client's watcher is asked for (it
        costs grepls nothing); grepls's own goes on if it watches ``folders``, and is not
        started."""
        if self.by_client and not own:
            self._wanted = None
            self._register()
            return
        self._unregister()
        if not (self._folders == folders and self.running):
            self.stop()

    def _register(self) -> None:
        self.stop()
        if not self._registered:
            self._registered = True
            asked = time.time_ns()

            def refused(error: Any) -> None:
                # The client said it could, then would not: grepls watches itself from now on,
                # looking back to the registration (nothing changed since is lost).
                logger.warning(
                    "the editor refused to watch the files (%s): grepls watches them itself", error
                )
                self.by_client = self._registered = False
                if self._wanted is not None:
                    self._start(self._wanted, asked)

            self.endpoint.request(
                "client/registerCapability",
                {"registrations": [{**REGISTRATION, "registerOptions": WATCH_EVERYTHING}]},
                _ignore,
                refused,
            )

    def _unregister(self) -> None:
        if self._registered:
            self._registered = False
            self.endpoint.request(
                "client/unregisterCapability", {"unregisterations": [REGISTRATION]}, _ignore
            )

    def scanned(self) -> None:
        """The scan that held the watch back has ended: start grepls's own watcher now."""
        if self._held is not None and self._since is not None:
            self._start(self._held, self._since)

    @property
    def running(self) -> bool:
        """Whether grepls's own watcher process runs."""
        return self._process is not None and self._process.poll() is None

    def _start(self, folders: tuple[str, ...], since: int) -> None:
        self.stop()
        self._folders = folders
        self._frames = Frames()
        with contextlib.suppress(RuntimeError):  # no event loop: a test that drives parts
            # At nice, not on idle CPU only: on a machine kept busy, news of a saved file must
            # not wait for a CPU nobody wants (see grepls.helper_process).
            self._process = helper_process.start(
                [*self.command, f"--since={since}", *folders], self._readable, idle_only=False
            )

    def stop(self) -> None:
        """Stop grepls's own watcher, if it runs, or forget the one held back."""
        process, self._process = self._process, None
        if process is not None:
            helper_process.end(process)
        self._folders = self._held = self._since = None

    def _readable(self, process: subprocess.Popen[bytes]) -> None:
        data = helper_process.read(process)
        if data is None:
            if process is self._process:
                self._process = None
                code = helper_process.end(process)
                logger.warning(
                    "grepls's file watcher ended (exit status %s): files changed on disk are "
                    "not followed until the next scan has ended",
                    code,
                )
            return
        for message in self._frames.feed(data):
            if process is not self._process:
                continue
            if message[0] == "changed":
                self.events(message[1])
            elif message[0] == "looked back":
                if message[1]:
                    self.events([(path, CHANGED) for path in message[1]])
                self.looked_back()


def _ignore(result: object) -> None:
    """The client's answer to a registration (or its undoing) carries nothing."""


# -- the watcher process ---------------------------------------------------------------------------


CLOCK_SLACK_NS = 50_000_000
"""How far a file's times may lag the clock: Linux stamps them from a coarse clock (a tick, at
most 10 ms). Not more, or a file written just before the scan began, and read by it, would be
searched twice (and pass a cut scan's ``maxWorkspaceMatches``)."""
WHOLE_SECONDS_SLACK_NS = 2_000_000_000
"""Where a file system keeps whole seconds (FAT keeps even ones), its times lag up to two."""
LOOK_BACK_AFTER_MS = 1000
"""How long after its watch has begun (unless a change comes first) the watcher looks for what
changed before: its walk of every file (a quarter of a second on the Linux tree) then leaves the
CPUs to what follows a scan's end (the list of every file, the editor's keystrokes)."""


def reported(change: object, path: str) -> bool:
    """Whether a change is sent to the server: every path ripgrep may list (not watchfiles's
    default filter, which drops ``node_modules``, ``__pycache__``, editor backups and more — all
    listed outside a repository, or when no ignore file names them), and of a ``.git`` folder
    only the folder itself and its ``info/exclude`` (a repository made or removed, its own
    ignore rules), not the objects every commit writes."""
    inside = f"{os.sep}.git{os.sep}"
    return inside not in path or path.endswith(f"{inside}info{os.sep}exclude")


def changed_since(since: int, folders: list[str]) -> Iterator[str]:
    """The files under ``folders`` changed, created or moved in since ``since`` (a
    ``time.time_ns()``), hidden folders left out and symbolic links not followed, as the scan
    does. A folder moved in keeps its files' times (only the folder's status-change time is
    new): all of its files are. (``scandir``'s entries rather than ``os.walk``: a third less
    time on the Linux tree.)"""
    waiting = [(folder, False) for folder in folders]
    while waiting:
        folder, all_of_it = waiting.pop()
        try:
            entries = os.scandir(folder)
        except OSError:
            continue  # gone, or unreadable: the scan skips it too
        with entries:
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if not entry.name.startswith("."):
                            # Moved in (or its mode changed): new status, old contents.
                            status = entry.stat(follow_symlinks=False)
                            moved_in = _since(status.st_ctime_ns, since) and not _since(
                                status.st_mtime_ns, since
                            )
                            waiting.append((entry.path, all_of_it or moved_in))
                        continue
                    status = entry.stat(follow_symlinks=False)
                except OSError:
                    continue  # gone meanwhile: its deletion is the watch's to see
                if all_of_it or _since(max(status.st_mtime_ns, status.st_ctime_ns), since):
                    yield entry.path


def _since(stamp: int, since: int) -> bool:
    """Whether a file time ``stamp`` may be ``since`` or later, its file system's clock allowed
    for."""
    whole = stamp % 1_000_000_000 == 0
    return stamp >= since - (WHOLE_SECONDS_SLACK_NS if whole else CLOCK_SLACK_NS)


def main() -> None:
    """Watch the folders named on the command line until stdin closes (the server ended); send
    each debounced batch of changes to stdout as a frame, and first what changed since
    ``--since`` before the watch began."""
    helper_process.lower_priority()
    # stdout carries the frames: anything printed by accident goes to stderr instead.
    results = os.dup(1)
    os.dup2(2, 1)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    folders = sys.argv[1:]
    since: int | None = None
    if folders and folders[0].startswith("--since="):
        since = int(folders.pop(0).removeprefix("--since="))
    server_gone = threading.Event()
    stop = threading.Event()
    """Ends the current watch (a new one for each): the server ended, or a folder is not the one
    watched any more."""

    def wait_for_the_server() -> None:
        while os.read(0, 1 << 16):
            pass
        server_gone.set()
        stop.set()

    threading.Thread(target=wait_for_the_server, daemon=True).start()

    def send(message: tuple[object, ...]) -> None:
        data = frame(message)
        while data:
            data = data[os.write(results, data) :]

    # A folder that is not there (a root since deleted, a folder added before it is made) would
    # end the watch of every other one: the others are watched, and it is looked for every
    # second; once it is there, the watch starts again with it, its files are reported, and
    # what changed elsewhere while the watch started again is looked back for. A root deleted,
    # or replaced by another folder of its name, while it is watched leaves a watch of nothing:
    # it is looked at every second too, and the watch starts again without it, or with the
    # new one, whose files are all reported.
    appeared: list[str] = []
    while not server_gone.is_set():
        identities = {folder: _identity(folder) for folder in folders}
        watched = [folder for folder in folders if identities[folder] is not None]
        missing = [folder for folder in folders if folder not in watched]
        for folder in missing:
            logger.warning("not watching %s until it is made: no such folder", folder)
        stop = threading.Event()  # this watch's own: its look at the folders ends with it
        threading.Thread(
            target=_look_at_folders, args=(identities, stop, server_gone), daemon=True
        ).start()
        failed = False
        ended: set[str] = set()
        """Watched folders reported deleted themselves (a new one may have the old's inode)."""
        try:
            with contextlib.suppress(BrokenPipeError):  # the server ended
                # The first batch (changes, or none when the timeout comes first) comes from a
                # watch that has begun: only then are the changes before it looked for.
                for changes in _watch(watched, stop):
                    if changes:
                        send(("changed", [(path, int(change)) for change, path in changes]))
                    if since is not None:
                        send(("looked back", list(changed_since(since, watched))))
                        since = None
                    if appeared:
                        created = list(changed_since(0, appeared))
                        send(("changed", [(path, CREATED) for path in created]))
                        appeared = []
                    ended = {
                        path
                        for change, path in changes
                        if path in identities and int(change) == DELETED
                    }
                    if ended:
                        break
        except OSError as error:  # a folder watched went away as the watch began
            logger.warning("watching %s: %s", " ".join(watched), error)
            failed = True
        except RuntimeError as error:
            # watchfiles ends the watch on a path it cannot decode (a name that is not UTF-8,
            # which ripgrep lists and grepls searches): watched again at once, the changes
            # since shortly before it looked back for, that file among them.
            logger.warning("watching %s: %s; watching again", " ".join(watched), error)
        stop.set()
        again = time.time_ns() - LOOK_BACK_AGAIN_NS
        since = again if since is None else min(since, again)
        if failed:
            server_gone.wait(MISSING_LOOK_SECONDS)
        left = [f for f in watched if f in ended or _identity(f) != identities[f]]
        if left:  # deleted, moved away or replaced: what the server holds of it is gone
            with contextlib.suppress(BrokenPipeError):
                send(("changed", [(folder, DELETED) for folder in left]))
        appeared += [
            folder
            for folder in folders
            if (now := _identity(folder)) is not None
            and (folder in ended or now != identities[folder])
        ]


def _identity(folder: str) -> tuple[int, int] | None:
    """Which folder ``folder`` names (device and inode); ``None``: no folder there."""
    try:
        status = os.stat(folder)
    except OSError:
        return None
    return (status.st_dev, status.st_ino) if stat.S_ISDIR(status.st_mode) else None


def _watch(folders: list[str], stop: threading.Event) -> Iterator[set[tuple[Change, str]]]:
    """watchfiles's batches of changes under ``folders`` until ``stop``; with no folder, none."""
    from watchfiles import watch

    if not folders:
        stop.wait()
        return
    yield from watch(
        *folders,
        debounce=50,
        step=20,
        stop_event=stop,
        raise_interrupt=False,
        rust_timeout=LOOK_BACK_AFTER_MS,
        yield_on_timeout=True,
        watch_filter=reported,
    )


LOOK_BACK_AGAIN_NS = 1_000_000_000
"""When a watch starts again, how far back it looks for changes: to before the last one ended
(it stops within a step of 20 ms once told; a file reported that did not change costs a search)."""
MISSING_LOOK_SECONDS = 1.0
"""How often grepls's watcher looks whether its workspace folders are the ones it watches (one
not there yet, one deleted or replaced)."""


def _look_at_folders(
    identities: dict[str, tuple[int, int] | None],
    stop: threading.Event,
    server_gone: threading.Event,
) -> None:
    """Set ``stop`` once a folder is not the one watched any more — one missing made, one
    watched deleted or replaced — (or the server ended)."""
    while not server_gone.wait(MISSING_LOOK_SECONDS):
        if stop.is_set():
            return  # the watch ended for another reason
        if any(_identity(folder) != identity for folder, identity in identities.items()):
            stop.set()
            return


if __name__ == "__main__":
    main()

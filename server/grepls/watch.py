"""Watching: the workspace scope kept current as files change on disk.

**Kept current.** Files created, changed or deleted are searched again — only those — when the
client reports them (``workspace/didChangeWatchedFiles``, registered dynamically when the client
can), or else from grepls's own watcher (watchfiles). A changed file already listed is searched at
once; a created file, or a changed ignore file, makes grepls ask ripgrep for the list again and
search only what joined it (and forget what left it). A file that cannot be read, or vanished, is
skipped and counted — never fatal.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Iterable

from grepls.workspace_scan import WorkspaceScan, _spawn

logger = logging.getLogger("grepls.workspace")

CREATED, CHANGED, DELETED = 1, 2, 3  # LSP FileChangeType (watchfiles numbers them alike)
IGNORE_FILES = frozenset({".gitignore", ".ignore", ".rgignore"})


class Watching(WorkspaceScan):
    """Changes on disk, from the client or from watchfiles (a part of the
    :class:`~grepls.workspace.Workspace`, which sets this state up)."""

    watch_registration: bool
    _watching: tuple[str, ...] | None
    _registered: bool
    _watch_task: asyncio.Task[None] | None

    def file_events(self, events: Iterable[tuple[str, int]]) -> None:
        """Files created, changed or deleted on disk (path, LSP FileChangeType)."""
        if not self.active:
            return
        relist = False
        for path, kind in events:
            path = os.path.normpath(path)
            if not any(path == f or path.startswith(f.rstrip("/") + "/") for f in self.folders):
                continue
            name = os.path.basename(path)
            if "/.git/" in path or path.endswith("/.git"):
                relist = relist or path.endswith("/.git/info/exclude")
                continue
            if name in IGNORE_FILES:
                relist = True
            if kind == DELETED:
                self._deleted(path)
            elif path in self.listed:
                self._research(path)
            else:
                self._pending.add(path)  # searched once the list says it is in scope
                relist = True
        if relist:
            self._relist_soon()
        self.flush()

    def _watch(self) -> None:
        """Have file changes reported: by the client if it can register a watcher, else by our
        own watcher of the folders."""
        if self.watch_registration:
            if not self._registered:
                self._registered = True
                registration = {
                    "id": "grepls-workspace-files",
                    "method": "workspace/didChangeWatchedFiles",
                    "registerOptions": {"watchers": [{"globPattern": "**/*"}]},
                }
                self.endpoint.request(
                    "client/registerCapability", {"registrations": [registration]}, _ignore
                )
            return
        if self._watching == self.folders and self._watch_task is not None:
            return
        self._stop_watching()
        self._watching = self.folders
        self._watch_task = _spawn(self._own_watcher(self.folders))

    def _stop_watching(self) -> None:
        if self._watch_task is not None:
            self._watch_task.cancel()
            self._watch_task = None
        self._watching = None

    async def _own_watcher(self, folders: tuple[str, ...]) -> None:
        """Watch ``folders`` with watchfiles (inotify and its kin) in a thread of its own, and
        hand each debounced batch of changes to :meth:`file_events` on the event loop."""
        try:
            from watchfiles import watch
        except ImportError:  # pragma: no cover - a dependency
            logger.warning("watchfiles is not installed: files changed on disk are not followed")
            return
        loop = asyncio.get_running_loop()
        stop = threading.Event()

        def run() -> None:
            try:
                for changes in watch(
                    *folders, debounce=50, step=20, stop_event=stop, raise_interrupt=False
                ):
                    events = [(path, int(change)) for change, path in changes]
                    loop.call_soon_threadsafe(self.file_events, events)
            except Exception:
                logger.exception("watching %s failed: changes on disk are not followed", folders)

        thread = threading.Thread(target=run, name="grepls-watch", daemon=True)
        thread.start()
        try:
            await asyncio.Event().wait()  # until cancelled
        finally:
            stop.set()


def _ignore(result: object) -> None:
    """The client's answer to a registration carries nothing."""

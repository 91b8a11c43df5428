"""Watching: who tells grepls that files changed on disk.

**Kept current.** Files created, changed or deleted are searched again — only those. The client
reports them (``workspace/didChangeWatchedFiles``, registered dynamically when the client can), or
else grepls's own watcher does (watchfiles: inotify and its kin, in a thread of its own, its
debounced batches handed to the event loop). Either way the changes reach one callback, as (path,
LSP FileChangeType) pairs; what a change means for the workspace's matches is
:meth:`~grepls.workspace.Workspace.file_events`'s concern.

**Whose watcher** is the setting ``watcher``'s choice: ``"editor"`` (the default: the client's,
when it can register one) or ``"grepls"`` (always grepls's own). An editor's watcher is not always
cheap: Emacs's eglot, asked to watch ``**/*``, lists every file of the project and adds a watch
for each folder, in Lisp, before it reads the next message — on the Linux tree, Emacs froze for
2.5-3.3 s when a scan began. Switching from the editor's watcher to grepls's own unregisters the
editor's; switching back registers it again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from grepls.rpc import Endpoint

logger = logging.getLogger("grepls.workspace")

CREATED, CHANGED, DELETED = 1, 2, 3  # LSP FileChangeType (watchfiles numbers them alike)

REGISTRATION = {"id": "grepls-workspace-files", "method": "workspace/didChangeWatchedFiles"}
WATCH_EVERYTHING = {"watchers": [{"globPattern": "**/*"}]}

Events = Callable[[list[tuple[str, int]]], None]
"""Where changes go: (path, LSP FileChangeType) pairs, on the event loop."""


class Watcher:
    """The changes of the workspace folders: from the client if it can register a watcher, else
    from grepls's own."""

    def __init__(self, endpoint: Endpoint, events: Events) -> None:
        self.endpoint = endpoint
        self.events = events
        self.by_client = False
        """Whether the client registers ``workspace/didChangeWatchedFiles`` dynamically."""
        self._registered = False
        self._folders: tuple[str, ...] | None = None
        self._task: asyncio.Task[None] | None = None

    def watch(self, folders: tuple[str, ...], own: bool = False) -> None:
        """Have the changes of ``folders`` reported (again, if they changed): by the client if it
        can register a watcher, unless ``own`` asks for grepls's own watcher anyway."""
        if self.by_client and not own:
            self.stop()
            if not self._registered:
                self._registered = True
                self.endpoint.request(
                    "client/registerCapability",
                    {"registrations": [{**REGISTRATION, "registerOptions": WATCH_EVERYTHING}]},
                    _ignore,
                )
            return
        if self._registered:
            self._registered = False
            self.endpoint.request(
                "client/unregisterCapability", {"unregisterations": [REGISTRATION]}, _ignore
            )
        if self._folders == folders and self._task is not None:
            return
        self.stop()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop: a test that drives objects directly
            return
        self._folders = folders
        self._task = loop.create_task(self._own_watcher(folders))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._folders = None

    async def _own_watcher(self, folders: tuple[str, ...]) -> None:
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
                    loop.call_soon_threadsafe(self.events, events)
            except Exception:
                logger.exception("watching %s failed: changes on disk are not followed", folders)

        thread = threading.Thread(target=run, name="grepls-watch", daemon=True)
        thread.start()
        try:
            await asyncio.Event().wait()  # until cancelled
        finally:
            stop.set()


def _ignore(result: object) -> None:
    """The client's answer to a registration (or its undoing) carries nothing."""

"""The workspace scope: the matches of files that are not open, found fast and kept current.

With the setting ``scope: "workspace"``, every file under the workspace folders is searched with the
very matchers the open documents use (:mod:`grepls.disk` reads and splits each file as
:mod:`grepls.lines` splits an open one), so a pattern finds the same matches in a file whether it is
open or not. The model, in four parts:

**Which files.** Those ripgrep lists, minus the ``exclude`` globs; too large and binary files are
skipped and counted; ripgrep also prefilters the files a pattern may match in
(:mod:`grepls.ripgrep`).

**A scan.** Binding new patterns or settings starts one scan and cancels the one running; files are
read in a worker thread and searched in slices between the editor's messages, up to
``maxWorkspaceMatches`` (:mod:`grepls.workspace_scan`), with work-done progress
(:mod:`grepls.progress`).

**What is held.** For each closed file with matches, its matching lines' spans, shown to the
publisher like an open document without a version; an open document wins (:mod:`grepls.closed`).

**Kept current.** Files created, changed or deleted are searched again — only those — as the client
or grepls's own watcher reports them (:mod:`grepls.watch`).

This module holds the :class:`Workspace` — the state of all four parts, set up in one place — and
what the server calls on it; each part's behaviour lives in the module named above, as a base class
of :class:`Workspace`. Paths and URIs: :mod:`grepls.uris`.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor

from grepls.closed import ClosedFile, ClosedTrack, Scope
from grepls.document import Document
from grepls.matcher import Matcher
from grepls.progress import PROGRESS_SECONDS, Progress, Totals
from grepls.ripgrep import (
    RG_NICENESS,
    WARNING,
    Options,
    _encodable,
    _escape,
    _same_in_ripgrep,
    rg_binary,
)
from grepls.rpc import Endpoint
from grepls.uris import folders_from_initialize, path_to_uri, uri_to_path
from grepls.watch import CHANGED, CREATED, DELETED, IGNORE_FILES, Watching
from grepls.workspace_scan import BATCH_FILES, PIECE_CHARACTERS, SLICE_SECONDS, _spawn

__all__ = [
    "BATCH_FILES",
    "CHANGED",
    "CREATED",
    "DELETED",
    "IGNORE_FILES",
    "PIECE_CHARACTERS",
    "PROGRESS_SECONDS",
    "RG_NICENESS",
    "SLICE_SECONDS",
    "WARNING",
    "ClosedFile",
    "ClosedTrack",
    "Options",
    "Progress",
    "Scope",
    "Totals",
    "Workspace",
    "_encodable",
    "_escape",
    "_same_in_ripgrep",
    "folders_from_initialize",
    "path_to_uri",
    "rg_binary",
    "uri_to_path",
]


class Workspace(Watching):
    """The closed files of the workspace folders, their matches, the scan and the watch."""

    files: dict[str, ClosedFile]
    """URI → a closed file that has matches (files without any are not held)."""
    listed: set[str]
    """The paths ripgrep lists: what the scope searches."""
    folders: tuple[str, ...]
    options: Options
    totals: Totals

    def __init__(self, endpoint: Endpoint, documents: Mapping[str, Document]) -> None:
        self.endpoint = endpoint
        self.documents = documents
        self.files = {}
        self.listed = set()
        self.folders = ()
        self.options = Options()
        self.totals = Totals(complete=True)
        self.matchers: list[tuple[str, Matcher]] = []
        self.mark: Callable[[str], None] = lambda uri: None
        """Tell the publisher ``uri``'s matches changed (set by the server)."""
        self.forget: Callable[[str], None] = lambda uri: None
        """Tell the publisher ``uri`` has no matches any more (set by the server)."""
        self.flush: Callable[[], None] = lambda: None
        """Show what changed (the server's ``after_batch``)."""
        self.progress_supported = False
        self.watch_registration = False
        """Whether the client registers ``workspace/didChangeWatchedFiles`` dynamically."""
        self._uris: dict[str, str] = {}
        """Path → URI of every held file."""
        self._client_uris: dict[str, str] = {}
        """Path → the URI the client used for it when it was open."""
        self._open: set[str] = set()
        """Paths of the open documents."""
        self._serial = 0
        """Bumped by each scan: a result of an older one is dropped."""
        self._task: asyncio.Task[None] | None = None
        self._relist_task: asyncio.Task[None] | None = None
        self._relist_wanted = False
        self._tick = 0
        """Counts the files searched again on their own (events, closed documents)."""
        self._fresh: dict[str, int] = {}
        """Path → the tick at which it was last searched on its own: a scan's read of it that
        began before then is older, and dropped."""
        self._pending: set[str] = set()
        """Paths events named that were not listed then: searched at the next listing."""
        self._seen: set[str] = set()
        """Paths searched by the running scan (or by events meanwhile)."""
        self._watching: tuple[str, ...] | None = None
        self._registered = False
        self._watch_task: asyncio.Task[None] | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._rg = rg_binary()
        nice = shutil.which("nice")
        self._nice = [nice, "-n", str(RG_NICENESS)] if nice else []
        """ripgrep runs at a lower priority than the server: on a busy machine, the editor's
        keystrokes are answered first."""
        self._told_missing = False

    # -- what the server calls -----------------------------------------------------------------

    def rescan(self, matchers: list[tuple[str, Matcher]], options: Options) -> None:
        """Search every file again for ``matchers`` with ``options``: the running scan is
        cancelled, held matches of a pattern that changed are dropped at once."""
        self.matchers = list(matchers)
        self.options = options
        self._cancel()
        current = dict(self.matchers)
        for uri, entry in list(self.files.items()):
            kept = {
                identifier: track
                for identifier, track in entry.tracks.items()
                if current.get(identifier) is track.matcher
            }
            if not kept or not self.active:
                self._drop(uri)
            elif len(kept) != len(entry.tracks):
                self._hold(ClosedFile(uri, entry.path, kept))
        if not self.active:
            self.totals = Totals(complete=True)
            self._stop_watching()
            return
        self._serial += 1
        self.totals = Totals(matches=sum(e.count for e in self.files.values()))
        self._task = _spawn(self._scan(self._serial))
        self._watch()

    def set_folders(self, folders: Iterable[str]) -> None:
        self.folders = tuple(dict.fromkeys(folders))

    def opened(self, uri: str) -> None:
        """``uri`` was opened: its matches now come from the editor's text."""
        path = uri_to_path(uri)
        if path is None:
            return
        self._open.add(path)
        self._client_uris[path] = uri
        held = self._uris.pop(path, None)
        if held is not None and (entry := self.files.pop(held, None)) is not None:
            self.totals.matches -= entry.count

    def closed(self, uri: str) -> bool:
        """``uri`` was closed: search its file from disk if the scope holds it; return whether it
        has matches there (then it is marked for the publisher)."""
        path = uri_to_path(uri)
        if path is None:
            return False
        self._open.discard(path)
        if not self.active or path not in self.listed:
            return False
        self._research(path)
        return self._uris.get(path) in self.files

    def list_paths(self) -> list[str]:
        """The URIs of every closed file with matches, in path order."""
        return [self._uris[path] for path in sorted(self._uris)]

    def shutdown(self) -> None:
        self._cancel()
        self._stop_watching()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

"""The workspace scope: the matches of files that are not open, found fast and kept current.

With the setting ``scope: "workspace"``, every file under the workspace folders is searched with the
very matchers the open documents use (:mod:`grepls.disk` reads and splits each file as
:mod:`grepls.lines` splits an open one), so a pattern finds the same matches in a file whether it is
open or not. The model, in four parts:

**Which files.** Exactly those ripgrep would search by default — ``.gitignore`` inside a git
repository, ``.ignore``, ``.rgignore``, ``.git/info/exclude``; hidden files and folders skipped;
symbolic links not followed — minus the ``exclude`` globs. grepls does not reimplement those rules:
it asks ripgrep itself (``rg --files``; the ``ripgrep`` wheel ships the binary), and applies the two
rules of its own while reading: larger than ``maxFileSize`` and binary (a NUL byte in the first
8 KB) are skipped and counted. ripgrep also names the files where a pattern may match (``rg
--files-with-matches --text``: literals as fixed strings, case folded when any pattern folds case),
so that grepls reads only those; this *prefilter* must never miss a file, so a regex is handed to
ripgrep only when both engines read it alike (no ``\\b``, ``\\w``, ``\\d``, ``\\s`` — ASCII in
RE2, Unicode in ripgrep —, no ``^``, ``$``, ``\\A``, ``\\z``, flag groups), when it cannot match
the empty string (LSP counts an empty last line that ripgrep does not) and ripgrep compiles it;
else every listed file is read and searched. For a regex (or a literal holding U+FFFD) ripgrep
reads files as grepls does (``--encoding utf-8``: bytes that are not UTF-8 become U+FFFD).

**A scan.** Binding new patterns or settings starts one scan and cancels the one running at once
(its subprocess killed, its results dropped): nothing found for an old pattern is published after
the new one's first publish. Files are read a batch at a time in a worker thread while the event
loop searches the previous batch, in slices of a couple of milliseconds; after each slice the
publisher is flushed and the loop answers whatever the editor sent meanwhile — a keystroke never
waits for the scan. A scan stops past ``maxWorkspaceMatches`` matches (the user is told once, with
the numbers). Work-done progress reports files and matches while it runs.

**What is held.** For each closed file with matches, a :class:`ClosedFile`: per pattern the
matching lines' spans (as far as ``maxMatchesPerDocument``), and the text of those lines (for
``listMatches`` reads those lines again) — never the file's text, so memory follows the matches,
not the tree. A
:class:`ClosedFile` looks to the :class:`~grepls.publisher.Publisher` like an open document without
a version, and :class:`Scope` shows it the open documents and the closed files as one mapping, open
documents first: **an open document wins**, its matches come from the editor's text; when it closes
its file is searched again from disk.

**Kept current.** Files created, changed or deleted are searched again — only those — when the
client reports them (``workspace/didChangeWatchedFiles``, registered dynamically when the client
can), or else from grepls's own watcher (watchfiles). A changed file already listed is searched at
once; a created file, or a changed ignore file, makes grepls ask ripgrep for the list again and
search only what joined it (and forget what left it). A file that cannot be read, or vanished, is
skipped and counted — never fatal.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import shutil
import sys
import sysconfig
import threading
import time
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, unquote, urlparse

from grepls.disk import FileMatches, Skip, decode, line_texts, read_file, read_files, search
from grepls.document import Document
from grepls.matcher import Matcher
from grepls.params import dig
from grepls.positions import SPAN
from grepls.rpc import Endpoint
from grepls.scan import Found

logger = logging.getLogger(__name__)

WARNING = 2  # window/showMessage's MessageType.Warning

BATCH_FILES = 32
"""Files read per batch by the worker thread."""
SLICE_SECONDS = 0.001
"""The longest the scan searches before the event loop answers the editor."""
PIECE_CHARACTERS = 1 << 16
"""A larger text is searched this much (in whole lines) at a time between the editor's messages."""
RG_NICENESS = 10
"""How much lower ripgrep's scheduling priority is than the server's."""
PROGRESS_SECONDS = 0.25
"""At most one progress report this often."""

CREATED, CHANGED, DELETED = 1, 2, 3  # LSP FileChangeType (watchfiles numbers them alike)
IGNORE_FILES = frozenset({".gitignore", ".ignore", ".rgignore"})

_generations = itertools.count(1)


# -- paths and URIs ------------------------------------------------------------------------------


def path_to_uri(path: str) -> str:
    """A file URI as editors write it (VS Code quotes all but ``A-Za-z0-9-._~/``, as does
    Python's ``quote``)."""
    return "file://" + quote(path, safe="/")


def uri_to_path(uri: str) -> str | None:
    """The local path of a ``file:`` URI (``None`` for any other scheme)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return os.path.normpath(unquote(parsed.path)) if parsed.path else None


def folders_from_initialize(params: Any) -> tuple[str, ...]:
    """The workspace folders' paths: ``workspaceFolders``, else ``rootUri``, else ``rootPath``."""
    folders = dig(params, "workspaceFolders")
    if isinstance(folders, list):
        paths = [uri_to_path(f.get("uri", "")) for f in folders if isinstance(f, dict)]
        return tuple(dict.fromkeys(p for p in paths if p))
    root = dig(params, "rootUri")
    if isinstance(root, str) and (path := uri_to_path(root)):
        return (path,)
    root_path = dig(params, "rootPath")
    if isinstance(root_path, str) and root_path:
        return (os.path.normpath(root_path),)
    return ()


def rg_binary() -> str | None:
    """The ``rg`` the ripgrep wheel installed beside this Python, else one on ``PATH``."""
    for folder in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        candidate = os.path.join(folder, "rg")
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("rg")


# -- what the publisher is shown -----------------------------------------------------------------


class ClosedTrack:
    """One pattern's matches in a closed file (a :class:`~grepls.document.Track`'s look-alike)."""

    __slots__ = ("index", "matcher")

    def __init__(self, matcher: Matcher, index: FileMatches) -> None:
        self.matcher = matcher
        self.index = index


class ClosedFile:
    """A file that is not open, with its matches: shown like an open document without a version."""

    __slots__ = ("count", "path", "tracks", "uri", "version")

    def __init__(self, uri: str, path: str, tracks: dict[str, ClosedTrack]) -> None:
        self.uri = uri
        self.path = path
        self.version: int | None = None
        self.tracks = tracks
        """Pattern id → its matches, in pattern order."""
        self.count = sum(len(spans) for t in tracks.values() for spans in t.index.lines.values())

    def texts(self, max_size: int) -> dict[int, str]:
        """Line → its text, for the lines that hold a match (read from disk again: only the
        matches are kept)."""
        wanted = {line for track in self.tracks.values() for line in track.index.lines}
        return line_texts(self.path, wanted, max_size)


class Scope(Mapping[str, "Document | ClosedFile"]):
    """The open documents and the closed files with matches, as one mapping: open ones win."""

    def __init__(self, documents: Mapping[str, Document], workspace: Workspace) -> None:
        self.documents = documents
        self.workspace = workspace

    def __getitem__(self, uri: str) -> Document | ClosedFile:
        document = self.documents.get(uri)
        if document is not None:
            return document
        return self.workspace.files[uri]

    def __iter__(self) -> Iterator[str]:
        yield from self.documents
        yield from (uri for uri in self.workspace.files if uri not in self.documents)

    def __len__(self) -> int:
        return len(self.documents) + len(self.workspace.files)


# -- the scan ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Totals:
    """What a scan has done so far."""

    files: int = 0
    """Files searched (or, for literals, looked at by ripgrep)."""
    matches: int = 0
    """Matches held in closed files (each pattern's at most ``maxMatchesPerDocument`` per file)."""
    skipped: dict[str, int] = field(
        default_factory=lambda: {"large": 0, "binary": 0, "unreadable": 0}
    )
    complete: bool = False
    """The scan ran to the end (not cut at ``maxWorkspaceMatches``, nor still running)."""

    def summary(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "matches": self.matches,
            "complete": self.complete,
            "skipped": dict(self.skipped),
        }


class _Capped(Exception):
    """The scan passed ``maxWorkspaceMatches``."""


@dataclass(frozen=True, slots=True)
class Options:
    """The settings a scan depends on."""

    scope: str = "open"
    """``"open"`` or ``"workspace"``."""
    exclude: tuple[str, ...] = ()
    max_file_size: int = 1_048_576
    max_matches: int = 20_000
    per_document: int = 10_000


class Workspace:
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

    @property
    def active(self) -> bool:
        return self.options.scope == "workspace" and bool(self.matchers) and bool(self.folders)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

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

    def shutdown(self) -> None:
        self._cancel()
        self._stop_watching()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    # -- holding results -----------------------------------------------------------------------

    def _hold(self, entry: ClosedFile) -> None:
        old = self.files.get(entry.uri)
        self.totals.matches += entry.count - (old.count if old is not None else 0)
        self.files[entry.uri] = entry
        self._uris[entry.path] = entry.uri
        self.mark(entry.uri)

    def _drop(self, uri: str) -> None:
        entry = self.files.pop(uri, None)
        if entry is None:
            return
        self._uris.pop(entry.path, None)
        self.totals.matches -= entry.count
        self.forget(uri)

    def _store(self, path: str, text: str | None) -> None:
        """The file at ``path`` now reads ``text`` (``None``: it has none we search)."""
        found = search(text, self.matchers, self.options.per_document) if text is not None else {}
        self._store_found(path, found)

    def _store_found(self, path: str, found: dict[str, Found]) -> None:
        """The file at ``path`` holds what the scans ``found`` (pattern id → its scan)."""
        matches: dict[str, ClosedTrack] = {}
        for identifier, matcher in self.matchers:
            each = found.get(identifier)
            if each is not None and each.matches:
                exact = each.searched == each.lines and not each.cut
                index = FileMatches(each.matches, each.count, exact, next(_generations))
                matches[identifier] = ClosedTrack(matcher, index)
        uri = self._uris.get(path)
        if not matches:
            if uri is not None:
                self._drop(uri)
            return
        uri = uri or self._client_uris.get(path) or path_to_uri(path)
        self._hold(ClosedFile(uri, path, matches))

    async def _search_in_pieces(self, text: str, serial: int) -> dict[str, Found]:
        """:func:`~grepls.disk.search` of a large text broken by ``\\n`` only, a piece of whole
        lines at a time, yielding to the event loop between pieces: one file never holds up a
        keystroke for longer than a piece takes."""
        limit = self.options.per_document
        matches: dict[str, dict[int, list[SPAN]]] = {i: {} for i, _ in self.matchers}
        counts = dict.fromkeys(matches, 0)
        stopped: dict[str, Found] = {}
        line = start = 0
        length = len(text)
        while start <= length:
            end = text.find("\n", start + PIECE_CHARACTERS)
            if end < 0:
                end = length
            piece = text[start:end]
            running = [(i, m) for i, m in self.matchers if i not in stopped]
            lines = piece.count("\n") + 1
            for identifier, matcher in running:
                found = matcher.scan([], piece, limit - counts[identifier])
                held = matches[identifier]
                for number, spans in found.matches.items():
                    held[line + number] = spans
                counts[identifier] += found.count
                if found.searched < found.lines or found.cut:
                    stopped[identifier] = Found(held, line + found.searched, -1, found.cut)
            line += lines
            start = end + 1
            if start <= length:
                await asyncio.sleep(0)
                if serial != self._serial:
                    raise asyncio.CancelledError
        return {
            identifier: stopped.get(identifier) or Found(held, line, line)
            for identifier, held in matches.items()
        }

    def _research(self, path: str) -> None:
        """Search one file again, now (a file is at most ``maxFileSize``: milliseconds)."""
        if path in self._open:
            return
        self._seen.add(path)
        self._fresh[path] = self._tick
        self._tick += 1
        data = read_file(path, self.options.max_file_size)
        self._store(path, decode(data) if isinstance(data, bytes) else None)

    def _deleted(self, path: str) -> None:
        inside = path + "/"
        for gone in [p for p in self.listed if p == path or p.startswith(inside)]:
            self.listed.discard(gone)
        for held in [p for p in self._uris if p == path or p.startswith(inside)]:
            self._drop(self._uris[held])

    # -- the scan ------------------------------------------------------------------------------

    def _cancel(self) -> None:
        self._serial += 1
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _scan(self, serial: int) -> None:
        progress = Progress(self.endpoint) if self.progress_supported else None
        totals = self.totals
        self._seen = set()
        listing: asyncio.Task[set[str]] | None = None
        try:
            prefilter = await self._prefilter() if self._rg is not None else None
            if prefilter is not None:
                # ripgrep names the files that may hold a match; the list of every file (for
                # the watch, and the count) is made meanwhile.
                listing = asyncio.ensure_future(self._list())
                await self._search(serial, self._rg_lines(prefilter), progress, listing=False)
            else:
                self.listed = set()
                await self._search(serial, self._rg_lines(["--files"]), progress, listing=True)
            totals.complete = True
        except _Capped:
            self._tell_capped()
        except asyncio.CancelledError:
            if listing is not None:
                listing.cancel()
            if progress is not None:
                progress.end("cancelled")
            raise
        if listing is not None:
            self.listed = await listing
            totals.files = len(self.listed)
        if serial != self._serial:
            return
        for path in [p for p in self._uris if p not in self._seen]:
            self._drop(self._uris[path])
        if progress is not None:
            progress.end(self._describe())
        self.flush()
        if self._relist_wanted:  # files were created while it ran
            self._relist_wanted = False
            self._relist_task = _spawn(self._relist(self._serial))

    async def _list(self) -> set[str]:
        listed: set[str] = set()
        async with contextlib.aclosing(self._rg_lines(["--files"])) as lines:
            async for paths in lines:
                listed.update(paths)
        return listed

    async def _search(
        self,
        serial: int,
        lines: AsyncGenerator[list[str], None],
        progress: Progress | None,
        listing: bool,
    ) -> None:
        """Read the files ripgrep names in a worker thread, a batch at a time, and search each
        batch on the event loop while the next one is read."""
        loop = asyncio.get_running_loop()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="grepls-read")
        pool, size = self._pool, self.options.max_file_size
        waiting: list[str] = []
        reading: tuple[list[str], asyncio.Future[list[bytes | Skip]], int] | None = None
        clock = [time.perf_counter(), time.perf_counter()]  # slice start, last progress

        async def read_next(final: bool) -> None:
            nonlocal reading, waiting
            while len(waiting) >= BATCH_FILES or (waiting and (reading is None or final)):
                batch, waiting = waiting[:BATCH_FILES], waiting[BATCH_FILES:]
                future = loop.run_in_executor(pool, read_files, batch, size)
                if reading is not None:
                    done, done_future, tick = reading
                    read = await done_future
                    await self._searched(serial, done, read, tick, clock, progress)
                reading = (batch, future, self._tick)

        async with contextlib.aclosing(lines) as paths:
            async for found in paths:
                if listing:
                    self.listed.update(found)
                waiting.extend(found)
                await read_next(final=False)
        await read_next(final=True)
        if reading is not None:
            done, done_future, tick = reading
            read = await done_future
            await self._searched(serial, done, read, tick, clock, progress)

    async def _searched(
        self,
        serial: int,
        batch: list[str],
        read: list[bytes | Skip],
        tick: int,
        clock: list[float],
        progress: Progress | None,
    ) -> None:
        """Search a batch read from ``tick`` on, yielding to the event loop every slice."""
        totals, limit = self.totals, self.options.max_matches
        for path, data in zip(batch, read, strict=True):
            if serial != self._serial:
                raise asyncio.CancelledError
            totals.files += 1
            self._seen.add(path)
            if path in self._open or self._fresh.get(path, -1) >= tick:
                continue  # open, or searched again since this read began: that is newer
            text = decode(data) if isinstance(data, bytes) else None
            if text is None:
                totals.skipped[data if isinstance(data, str) else "binary"] += 1
            if text is not None and len(text) > PIECE_CHARACTERS and "\r" not in text:
                found = await self._search_in_pieces(text, serial)
                if path not in self._open and self._fresh.get(path, -1) < tick:
                    self._store_found(path, found)  # unless opened or searched again meanwhile
            else:
                self._store(path, text)
            if totals.matches > limit:
                raise _Capped
            now = time.perf_counter()
            if now - clock[0] > SLICE_SECONDS:
                self.flush()
                if progress is not None and now - clock[1] > PROGRESS_SECONDS:
                    clock[1] = now
                    progress.report(self._describe())
                await asyncio.sleep(0)
                clock[0] = time.perf_counter()

    async def _prefilter(self) -> list[str] | None:
        """ripgrep's arguments that name every file where some pattern may match (a superset),
        or ``None`` when no such arguments are known to be safe: then every file is read."""
        patterns: list[str] = []
        fold = literal = False
        for _, matcher in self.matchers:
            spec = matcher.spec
            if matcher.zero_width:
                # It matches the empty line an empty file, or a text ending in a line break, ends
                # with (LSP counts it; ripgrep does not): every file must be read.
                return None
            if "\0" in spec.pattern or not _encodable(spec.pattern):
                return None
            if spec.regex and not _same_in_ripgrep(spec.pattern):
                return None
            patterns.append(spec.pattern if spec.regex else _escape(spec.pattern))
            literal = literal or not spec.regex
            fold = fold or not spec.case_sensitive
        regexes = [m.spec.pattern for _, m in self.matchers if m.spec.regex]
        if regexes and not await self._ripgrep_accepts(regexes):
            return None
        arguments = ["--files-with-matches", "--text"]
        if regexes or any("\ufffd" in pattern for pattern in patterns):
            # Read as grepls reads: bytes that are not UTF-8 become U+FFFD (ripgrep searches raw
            # bytes otherwise, and "." would not match them). Plain literals need no transcoding.
            arguments += ["--encoding", "utf-8"]
        if not regexes:
            arguments.append("--fixed-strings")
            patterns = [m.spec.pattern for _, m in self.matchers]
        if fold:
            arguments.append("--ignore-case")
        for pattern in patterns:
            arguments += ["--regexp", pattern]
        return arguments

    async def _ripgrep_accepts(self, regexes: list[str]) -> bool:
        """Whether ripgrep compiles every regex (its syntax is nearly RE2's, not quite)."""
        assert self._rg is not None
        command = [self._rg, "--no-config", "--quiet"]
        for regex in regexes:
            command += ["--regexp", regex]
        process = await asyncio.create_subprocess_exec(
            *command,
            os.devnull,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        return await process.wait() in (0, 1)  # 2: an error

    async def _rg_lines(self, arguments: list[str]) -> AsyncGenerator[list[str], None]:
        """The paths ripgrep prints for ``arguments`` over the folders, as they come."""
        if self._rg is None:
            if not self._told_missing:
                self._told_missing = True
                self._message(
                    "grepls: the workspace scope needs ripgrep (rg), which was not found; "
                    "install the ripgrep package (pip install ripgrep)"
                )
            return
        command = [*self._nice, self._rg, "--no-config", "--no-messages", *arguments]
        for glob in self.options.exclude:
            command += ["--glob", "!" + glob]
        # ripgrep matches globs against paths relative to its working directory: run it in each
        # folder, and make the paths it prints absolute again.
        for folder in self.folders:
            if not os.path.isdir(folder):
                continue
            process = await asyncio.create_subprocess_exec(
                *command,
                cwd=folder,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
            assert process.stdout is not None
            prefix = folder.rstrip("/") + "/"
            encoding = sys.getfilesystemencoding()
            rest = b""
            try:
                while chunk := await process.stdout.read(1 << 16):
                    lines = (rest + chunk).split(b"\n")
                    rest = lines.pop()
                    names = b"\n".join(lines).decode(encoding, "surrogateescape").split("\n")
                    yield [prefix + name for name in names if name]
                if rest:
                    yield [prefix + os.fsdecode(rest)]
                await process.wait()
            finally:
                if process.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
                    with contextlib.suppress(Exception):
                        await process.wait()

    # -- kept current --------------------------------------------------------------------------

    def _relist_soon(self) -> None:
        """List the files again (a file was created, an ignore file changed): search what joined
        the list, forget what left it."""
        if self.running or (self._relist_task is not None and not self._relist_task.done()):
            self._relist_wanted = True
            return
        self._relist_wanted = False
        self._relist_task = _spawn(self._relist(self._serial))

    async def _relist(self, serial: int) -> None:
        listed = await self._list()
        if serial != self._serial:
            return
        joined, left = listed - self.listed, self.listed - listed
        # Files named by events meanwhile: the scan may have read them before they were written.
        joined |= self._pending & listed
        self._pending.clear()
        self.totals.files += len(listed) - len(self.listed)
        self.listed = listed
        for path in left:
            if (uri := self._uris.get(path)) is not None:
                self._drop(uri)
        started = time.perf_counter()
        for path in sorted(joined):
            if serial != self._serial:
                return
            self._research(path)
            if time.perf_counter() - started > SLICE_SECONDS:
                self.flush()
                await asyncio.sleep(0)
                started = time.perf_counter()
        self.flush()
        if self._relist_wanted:
            self._relist_wanted = False
            self._relist_task = _spawn(self._relist(self._serial))

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

    # -- telling the user ----------------------------------------------------------------------

    def _describe(self) -> str:
        totals = self.totals
        skipped = ", ".join(f"{n:,} {why}" for why, n in totals.skipped.items() if n)
        text = f"{totals.matches:,} matches in {len(self.files):,} of {totals.files:,} files"
        return text + (f" (skipped: {skipped})" if skipped else "")

    def _tell_capped(self) -> None:
        self._message(
            f"grepls: more than {self.options.max_matches:,} matches in the workspace; the search "
            f"stopped after {self.totals.files:,} files with {self.totals.matches:,} matches "
            "(setting grepls.maxWorkspaceMatches)"
        )

    def _message(self, text: str) -> None:
        self.endpoint.notify("window/showMessage", {"type": WARNING, "message": text})


class Progress:
    """One scan's work-done progress: begun once the client has created the token (if the scan
    ended before that, begun and ended at once, so that the user sees its totals)."""

    _tokens = itertools.count(1)

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.token = f"grepls-scan-{next(self._tokens)}"
        self.state: Literal["asked", "begun", "ended"] = "asked"
        self.final = ""
        """The message the progress ended with."""
        endpoint.request("window/workDoneProgress/create", {"token": self.token}, self._created)

    def _created(self, result: object) -> None:
        ended, self.state = self.state == "ended", "begun"
        self._send({"kind": "begin", "title": "grepls", "message": "searching the workspace"})
        if ended:  # the scan was quicker than the client: still show how it ended
            self.end(self.final)

    def report(self, message: str) -> None:
        if self.state == "begun":
            self._send({"kind": "report", "message": message})

    def end(self, message: str) -> None:
        if self.state == "begun":
            self._send({"kind": "end", "message": message})
        self.state = "ended"
        self.final = message

    def _send(self, value: dict[str, Any]) -> None:
        self.endpoint.notify("$/progress", {"token": self.token, "value": value})


# RE2 and ripgrep's Rust regex read these the same way: escapes of punctuation, \t \n \r \f \v,
# \x hex, \p classes. Not \b \w \d \s and their negations (ASCII in RE2, Unicode in ripgrep),
# \A \z, \Q…\E, flags groups, nor ^ and $ (a lone \r ends a line for LSP, not for ripgrep): a
# pattern with any of those is not prefiltered.
_SAFE_ESCAPES = frozenset("tnrfvxpP")
_META = frozenset("\\.+*?()|[]{}^$")


def _same_in_ripgrep(pattern: str) -> bool:
    """Whether ripgrep finds a superset of RE2's matches of ``pattern`` on every line."""
    escaped = False
    for number, char in enumerate(pattern):
        if escaped:
            if char.isalnum() and char not in _SAFE_ESCAPES:
                return False
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "^$":
            return False  # lines end at a lone \r for LSP, not for ripgrep
        elif (
            char == "("
            and pattern.startswith("?", number + 1)
            and not pattern.startswith(("?:", "?P<"), number + 1)
        ):
            return False
    return not escaped


def _escape(literal: str) -> str:
    return "".join("\\" + char if char in _META else char for char in literal)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _spawn(coroutine: Any) -> asyncio.Task[None] | None:
    """Run ``coroutine`` on the running loop (none in a test that drives objects directly)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        coroutine.close()
        return None
    task: asyncio.Task[None] = loop.create_task(coroutine)
    task.add_done_callback(_log_failure)
    return task


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (failure := task.exception()) is not None:
        logger.error("workspace task failed", exc_info=failure)


def _ignore(result: object) -> None:
    """The client's answer to a registration carries nothing."""

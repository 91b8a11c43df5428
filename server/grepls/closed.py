"""The closed files' matches: what the workspace scope holds, and how the publisher sees it.

**What is held.** For each closed file with matches, a :class:`ClosedFile`: per pattern the
matching lines' spans (as far as ``maxMatchesPerDocument``) — never the file's text, so memory
follows the matches, not the tree (``listMatches`` reads the lines it shows again). A
:class:`ClosedFile` looks to the :class:`~grepls.publisher.Publisher` like an open document without
a version, and :class:`Scope` shows it the open documents and the closed files as one mapping, open
documents first: **an open document wins**, its matches come from the editor's text; when it closes
its file is searched again from disk.

**Which read is newest.** A file can be read by a scan (in a worker thread, a batch at a time) and,
meanwhile, searched again on its own (it changed on disk, or its document closed). The
:class:`ClosedFiles` store stamps each search of its own with a tick, and a scan's read that began
before that tick is older: :meth:`ClosedFiles.newer` says so, and it is dropped.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

from grepls.disk import FileMatches, line_texts, read_file, search_data
from grepls.document import Document
from grepls.matcher import Matcher
from grepls.progress import Totals
from grepls.scan import Found
from grepls.uris import path_to_uri

_generations = itertools.count(1)


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


class HoldsClosedFiles(Protocol):
    """Whatever holds the closed files with matches (the workspace)."""

    @property
    def files(self) -> Mapping[str, ClosedFile]: ...


class Scope(Mapping[str, "Document | ClosedFile"]):
    """The open documents and the closed files with matches, as one mapping: open ones win."""

    def __init__(self, documents: Mapping[str, Document], closed: HoldsClosedFiles) -> None:
        self.documents = documents
        self.closed = closed

    def __getitem__(self, uri: str) -> Document | ClosedFile:
        document = self.documents.get(uri)
        if document is not None:
            return document
        return self.closed.files[uri]

    def __iter__(self) -> Iterator[str]:
        yield from self.documents
        yield from (uri for uri in self.closed.files if uri not in self.documents)

    def __len__(self) -> int:
        return len(self.documents) + len(self.closed.files)


class ClosedFiles:
    """The held closed files, the open ones that are not searched from disk, and which search of a
    file is the newest."""

    def __init__(self, changed: Callable[[str], None], gone: Callable[[str], None]) -> None:
        self.files: dict[str, ClosedFile] = {}
        """URI → a closed file that has matches (files without any are not held)."""
        self.totals = Totals(complete=True)
        """The running (or last) scan's totals: ``matches`` follows what is held."""
        self.open: set[str] = set()
        """Paths of the open documents."""
        self.seen: set[str] = set()
        """Paths searched by the running scan (or on their own meanwhile)."""
        self._changed = changed
        """Tell the publisher a URI's matches changed."""
        self._gone = gone
        """Tell the publisher a URI has no matches any more."""
        self._uris: dict[str, str] = {}
        """Path → URI of every held file."""
        self._client_uris: dict[str, str] = {}
        """Path → the URI the client used for it when it was open."""
        self._tick = 0
        """Counts the files searched again on their own (events, closed documents)."""
        self._fresh: dict[str, int] = {}
        """Path → the tick at which it was last searched on its own, or deleted."""
        self._deleted_folders: dict[str, int] = {}
        """Deleted folder (or file not held) → the tick at which it went: a running scan's read
        of a file inside began before, and is not the newest word on it."""

    # -- open documents ----------------------------------------------------------------------

    def opened(self, path: str, uri: str) -> None:
        """The file at ``path`` is open as ``uri``: what was held of it is let go."""
        self.open.add(path)
        self._client_uris[path] = uri
        held = self._uris.pop(path, None)
        if held is not None and (entry := self.files.pop(held, None)) is not None:
            self.totals.matches -= entry.count
            if held != uri:
                # Opened under another spelling of its URI (`+` or `%2B`): the client keeps
                # diagnostics by URI, so the held file's must be emptied, not left beside the
                # open document's.
                self._gone(held)

    def uri_of(self, path: str) -> str | None:
        """The URI a held file is published under."""
        return self._uris.get(path)

    def paths(self) -> list[str]:
        """The paths of the held files."""
        return list(self._uris)

    # -- which search is newest --------------------------------------------------------------

    def tick(self) -> int:
        """The stamp a read that begins now carries."""
        # Folders deleted before now are nothing to a read that begins now (a scan that began
        # earlier is cancelled when a new one starts).
        self._deleted_folders.clear()
        return self._tick

    def newer(self, path: str, tick: int) -> bool:
        """Whether a read of ``path`` begun at ``tick`` is still the newest word on it (the file
        is not open, nor searched again on its own, nor deleted since)."""
        if path in self.open or self._fresh.get(path, -1) >= tick:
            return False
        return not self._deleted_folders or not _deleted_since(path, self._deleted_folders, tick)

    def _stamp(self, path: str) -> None:
        """``path`` was searched again on its own, or deleted, now."""
        self._fresh[path] = self._tick
        self._tick += 1

    # -- holding ---------------------------------------------------------------------------

    def keep_only(self, current: Mapping[str, Matcher], active: bool) -> None:
        """Drop the held matches of patterns no longer in force (all of them if not ``active``)."""
        for uri, entry in list(self.files.items()):
            kept = {
                identifier: track
                for identifier, track in entry.tracks.items()
                if current.get(identifier) is track.matcher
            }
            if not kept or not active:
                self.drop(uri)
            elif len(kept) != len(entry.tracks):
                self._hold(ClosedFile(uri, entry.path, kept))

    def drop(self, uri: str) -> None:
        entry = self.files.pop(uri, None)
        if entry is None:
            return
        self._uris.pop(entry.path, None)
        self.totals.matches -= entry.count
        self._gone(uri)

    def drop_unseen(self) -> None:
        """Drop every held file the scan that just ended did not search (it left the scope)."""
        for path in [p for p in self._uris if p not in self.seen]:
            self.drop(self._uris[path])

    def deleted(self, path: str) -> None:
        """The file at ``path`` is gone (a running scan's read of it is stale)."""
        self._stamp(path)
        uri = self._uris.get(path)
        if uri is not None:
            self.drop(uri)

    def deleted_under(self, gone: set[str]) -> None:
        """The files or folders at the paths ``gone`` are gone: every held file that is one of
        them, or inside one, is dropped (a look up each of its folders, not a scan of ``gone``),
        and a running scan's reads of what they held are stale."""
        for path in gone:
            self._deleted_folders[path] = self._tick
        self._tick += 1
        for held in [p for p in self._uris if _inside(p, gone)]:
            self.drop(self._uris[held])

    def store(
        self, path: str, found: Mapping[str, Found], matchers: list[tuple[str, Matcher]]
    ) -> None:
        """The file at ``path`` holds what the scans ``found`` (pattern id → its scan)."""
        matches: dict[str, ClosedTrack] = {}
        for identifier, matcher in matchers:
            each = found.get(identifier)
            if each is not None and each.matches:
                exact = each.searched == each.lines and not each.cut
                index = FileMatches(each.matches, each.count, exact, next(_generations))
                matches[identifier] = ClosedTrack(matcher, index)
        uri = self._uris.get(path)
        if not matches:
            if uri is not None:
                self.drop(uri)
            return
        uri = uri or self._client_uris.get(path) or path_to_uri(path)
        self._hold(ClosedFile(uri, path, matches))

    def research(
        self, path: str, matchers: list[tuple[str, Matcher]], limit: int, max_size: int
    ) -> None:
        """Search one file again, now, on its own (a file is at most ``maxFileSize``:
        milliseconds)."""
        if path in self.open:
            return
        self.seen.add(path)
        self._stamp(path)
        self.store(path, search_data(read_file(path, max_size), matchers, limit)[0], matchers)

    def _hold(self, entry: ClosedFile) -> None:
        old = self.files.get(entry.uri)
        self.totals.matches += entry.count - (old.count if old is not None else 0)
        self.files[entry.uri] = entry
        self._uris[entry.path] = entry.uri
        self._changed(entry.uri)


def _inside(path: str, folders: set[str]) -> bool:
    """Whether ``path`` is one of ``folders`` or inside one."""
    return any(folder in folders for folder in _self_and_parents(path))


def _deleted_since(path: str, deleted: dict[str, int], tick: int) -> bool:
    """Whether ``path``, or a folder it is in, was deleted at ``tick`` or later."""
    return any(deleted.get(folder, -1) >= tick for folder in _self_and_parents(path))


def _self_and_parents(path: str) -> Iterator[str]:
    while True:
        yield path
        parent = os.path.dirname(path)
        if parent == path:
            return
        path = parent

"""The closed files' matches: what the workspace scope holds, and how the publisher sees it.

**What is held.** For each closed file with matches, a :class:`ClosedFile`: per pattern the
matching lines' spans (as far as ``maxMatchesPerDocument``), and the text of those lines (for
``listMatches`` reads those lines again) — never the file's text, so memory follows the matches,
not the tree. A
:class:`ClosedFile` looks to the :class:`~grepls.publisher.Publisher` like an open document without
a version, and :class:`Scope` shows it the open documents and the closed files as one mapping, open
documents first: **an open document wins**, its matches come from the editor's text; when it closes
its file is searched again from disk.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from grepls.disk import FileMatches, decode, line_texts, read_file, search
from grepls.document import Document
from grepls.matcher import Matcher
from grepls.progress import Totals
from grepls.ripgrep import Options
from grepls.scan import Found
from grepls.uris import path_to_uri

if TYPE_CHECKING:
    from grepls.workspace import Workspace

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


class ClosedFiles:
    """The held closed files and how a file's search result is kept (a part of the
    :class:`~grepls.workspace.Workspace`, which sets this state up)."""

    files: dict[str, ClosedFile]
    listed: set[str]
    options: Options
    totals: Totals
    matchers: list[tuple[str, Matcher]]
    mark: Callable[[str], None]
    forget: Callable[[str], None]
    _uris: dict[str, str]
    _client_uris: dict[str, str]
    _open: set[str]
    _tick: int
    _fresh: dict[str, int]
    _seen: set[str]

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

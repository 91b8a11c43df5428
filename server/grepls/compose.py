"""Composition: one document's diagnostics as JSON, in document order, kept current line by line.

A publish sends every diagnostic of a document (LSP has no partial update), so the JSON of all of
them must be at hand after each keystroke without rendering them all again. A
:class:`Composition` holds it as one chunk of JSON per line that has matches, in line order, each
chunk merging the line's matches of every pattern by position, then by pattern order. A publish is
then one C-level join of the chunks.

After a keystroke, each pattern's :class:`~grepls.index.MatchIndex` says which lines it touched
(``touched``); when no line moved and no pattern is past its cap, only those lines' chunks are
rendered again — work in proportion to the edit, for any number of patterns and matches. Anything
else (lines inserted or deleted above matches, a pattern at its cap, new patterns) rebuilds the
chunks, still reusing each line's rendering where its span list is the very one rendered before
(the index gives a changed or moved line a new list).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import NamedTuple, Protocol

from grepls.index import MatchIndex
from grepls.positions import SPAN
from grepls.render import DiagnosticRenderer

# A patch touching more lines than this beyond the lines with matches costs more than a rebuild.
_PATCH_SLACK = 64


class Rendered(NamedTuple):
    """One line's diagnostics of one pattern, with the spans they were rendered from."""

    spans: list[SPAN]
    items: list[bytes]
    joined: bytes


class Matches(Protocol):
    """One pattern's matches in one document or file: a match index, or what a scan found."""

    @property
    def lines(self) -> dict[int, list[SPAN]]: ...

    @property
    def count(self) -> int: ...

    @property
    def exact(self) -> bool: ...

    @property
    def generation(self) -> int: ...


class Searched(Protocol):
    """One pattern's search of one document or file."""

    @property
    def index(self) -> Matches: ...


class Shown(Protocol):
    """What is shown: an open document, or a closed file of the workspace (version ``None``)."""

    @property
    def uri(self) -> str: ...

    @property
    def version(self) -> int | None: ...

    @property
    def tracks(self) -> Mapping[str, Searched]: ...


Pairs = Sequence[tuple[DiagnosticRenderer, Searched]]
"""The document's tracks with their renderers, in pattern order."""


class Composition:
    """The diagnostics JSON of one document, one chunk per line with matches."""

    __slots__ = ("_capped", "_cells", "_chunks", "_lines", "_tracks")

    def __init__(self) -> None:
        self._tracks: tuple[Searched, ...] = ()
        """The tracks the chunks were composed from, in order."""
        self._lines: list[int] = []
        """The lines that have diagnostics, in order."""
        self._chunks: list[bytes] = []
        """Each of those lines' diagnostics as JSON array items (parallel to ``_lines``)."""
        self._cells: dict[tuple[int, int], Rendered] = {}
        """(pattern order, line) → that pattern's diagnostics on that line."""
        self._capped = True
        """Whether some pattern showed only its first ``cap`` matches at the last rebuild."""

    def json(self, document: Shown, renderers: dict[str, DiagnosticRenderer], cap: int) -> bytes:
        """The document's diagnostics as JSON array items, brought up to date."""
        pairs = [
            (renderer, track)
            for identifier, renderer in renderers.items()
            if (track := document.tracks.get(identifier)) is not None
        ]
        tracks = tuple(track for _, track in pairs)
        touched: set[int] | None = set()
        for track in tracks:
            events = _take_touched(track.index)
            if events is None or touched is None:
                touched = None
                continue
            for first, removed, added in events:
                if removed != added:  # lines moved: their chunks hold old line numbers
                    touched = None
                    break
                touched.update(range(first, first + added))
        if (
            touched is not None
            and not self._capped
            and len(tracks) == len(self._tracks)
            and all(new is old for new, old in zip(tracks, self._tracks, strict=True))
            and all(track.index.exact and track.index.count <= cap for track in tracks)
            and len(touched) <= len(self._lines) + _PATCH_SLACK
        ):
            for line in sorted(touched):
                self._patch(line, pairs)
        else:
            self._rebuild(pairs, cap)
        self._tracks = tracks
        return b",".join(self._chunks)

    def _patch(self, line: int, pairs: Pairs) -> None:
        """Render one line again, for every pattern."""
        entries: list[tuple[int, Rendered]] = []
        for order, (renderer, track) in enumerate(pairs):
            spans = track.index.lines.get(line)
            if spans:
                entries.append((order, self._cell(order, line, spans, renderer)))
            else:
                self._cells.pop((order, line), None)
        lines = self._lines
        position = bisect_left(lines, line)
        present = position < len(lines) and lines[position] == line
        if entries:
            if present:
                self._chunks[position] = _merged(entries)
            else:
                lines.insert(position, line)
                self._chunks.insert(position, _merged(entries))
        elif present:
            del lines[position], self._chunks[position]

    def _cell(
        self, order: int, line: int, spans: list[SPAN], renderer: DiagnosticRenderer
    ) -> Rendered:
        cell = self._cells.get((order, line))
        if cell is None or cell.spans is not spans:
            items = renderer.line(line, spans)
            cell = Rendered(spans, items, b",".join(items))
            self._cells[(order, line)] = cell
        return cell

    def _rebuild(self, pairs: Pairs, cap: int) -> None:
        """Compose every line again: the first ``cap`` matches of each pattern."""
        held, self._cells = self._cells, {}
        by_line: dict[int, list[tuple[int, Rendered]]] = {}
        capped = False
        for order, (renderer, track) in enumerate(pairs):
            index = track.index
            capped = capped or index.count > cap or not index.exact
            left = cap
            for line in sorted(index.lines):
                spans = index.lines[line]
                if len(spans) > left:  # the cap falls inside this line
                    items = renderer.line(line, spans[:left])
                    cell = Rendered(spans[:left], items, b",".join(items))
                    by_line.setdefault(line, []).append((order, cell))
                    break
                kept = held.get((order, line))
                if kept is not None and kept.spans is spans:
                    cell = kept
                else:
                    items = renderer.line(line, spans)
                    cell = Rendered(spans, items, b",".join(items))
                self._cells[(order, line)] = cell
                by_line.setdefault(line, []).append((order, cell))
                left -= len(spans)
                if not left:
                    break
        self._capped = capped
        self._lines = sorted(by_line)
        self._chunks = [_merged(by_line[line]) for line in self._lines]


def _take_touched(index: Matches) -> list[tuple[int, int, int]] | None:
    """The lines an open document's index touched since the last look (and a fresh log), or
    ``None``: anything may have changed (a closed file's matches keep no log: it is rebuilt)."""
    if not isinstance(index, MatchIndex):
        return None
    events, index.touched = index.touched, []
    return events


def _merged(entries: list[tuple[int, Rendered]]) -> bytes:
    """One line's diagnostics of several patterns: by position, then by pattern order."""
    if len(entries) == 1:
        return entries[0][1].joined
    ordered = sorted(
        (span[0], order, item)
        for order, cell in entries
        for span, item in zip(cell.spans, cell.items, strict=True)
    )
    return b",".join(item for _, _, item in ordered)

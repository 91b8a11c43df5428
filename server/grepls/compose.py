"""Composition: one document's diagnostics as JSON, in document order, kept current line by line.

A publish sends every diagnostic of a document (LSP has no partial update), so the JSON of all of
them must be at hand after each keystroke without rendering them all again. A :class:`Composition`
holds it as one *row* per line that has matches, in line order. A row holds a *cell* per pattern
with matches there — the very list of spans that pattern's index holds for the line, keyed by the
pattern's renderer — and every cell's diagnostics as fragments without their line number (see
:mod:`grepls.render`), merged by position, then by pattern order, as one template. Its *chunk* is
the template with the line number written in; a publish is the chunks one after another, commas
between (:func:`grepls.render.item_pieces`). A cell is no more than the index's own list: twenty
patterns make twenty thousand cells in a document of a thousand matching lines, each one dictionary
entry.

What changed since the last look is read from each pattern's :class:`~grepls.index.MatchIndex`
(``touched``: the ranges its splices replaced, in order), and only that is redone:

* lines **replaced** by an edit are rendered again, for every pattern;
* lines **moved** by an edit (inserted or deleted above them) keep their rows: only their chunks
  are written again with the new number — one ``bytes.replace`` a line, no rendering;
* a pattern **added** gets a cell in the rows of its lines (its fragments merged into them); a
  pattern **removed** loses its cells (its fragments found by their keys); the others' are kept,
  since renderers are kept for patterns that did not change;
* a line edited whose matches did not change keeps its row: a cell is known by its span list,
  which the index never changes in place, or else by comparing the spans.

Past a pattern's cap (``maxMatchesPerDocument``: only its first matches are shown) the same patch
is made, then each pattern cut before or over its cap now is cut again at its cap: a match typed
above pushes the last shown one out, a match deleted lets the next one in — the rows that differ
from what should be shown are composed again, the others kept. Only the rows between the old and
the new cut, and the edited ones, can differ, so only those are compared (:class:`FirstMatches`
says where the cut falls, without copying the index). A pattern shown whole before and now is not
looked at: the patch left its rows right (with twenty patterns and one over its cap, a keystroke
would otherwise compare the rows of all twenty).

Anything a log cannot say — a cut at the horizon, a closed file (whose matches keep no log),
patterns reordered — rebuilds the rows.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from itertools import accumulate, repeat
from operator import attrgetter
from typing import Protocol

from grepls.index import MatchIndex
from grepls.positions import SPAN
from grepls.render import LINE, DiagnosticRenderer, with_line

# A patch touching more lines than this beyond the lines with matches costs more than a rebuild.
_PATCH_SLACK = 64

# A diagnostic's place in its row is one integer: its start column, then its pattern's order.
_RANK_BITS = 20
_RANK_MASK = (1 << _RANK_BITS) - 1

Log = list[tuple[int, int, int]]
"""A match index's ``touched`` ranges: (first line, lines removed, lines added)."""


Cells = dict[DiagnosticRenderer, list[SPAN]]
"""A row's *cells*: each pattern's matches on the line — the very span list its index holds, so
that an unchanged cell is known by identity — keyed by the pattern's renderer, in pattern order."""


class Row:
    """The diagnostics of one line: each pattern's cell, and all their fragments merged.

    A diagnostic's place in the row is its *key*: its start column, then its pattern's place in
    the pattern order (its rank) — one integer, as ints sort fast. A row does not keep its cells'
    ranks: every row's keys are made with the ranks of the composition's patterns, which brings
    them all along when those change (:meth:`rerank`)."""

    __slots__ = ("cells", "fragments", "keys", "template")

    def __init__(self, cells: Cells, ranks: Mapping[DiagnosticRenderer, int]) -> None:
        self.cells = cells
        if len(cells) == 1:  # most lines of most documents: one pattern, its spans in order
            ((renderer, spans),) = cells.items()
            rank = ranks[renderer]
            self.keys = [start << _RANK_BITS | rank for start, _ in spans]
            self.fragments = renderer.fragments(spans)
        else:
            fragment_of: dict[int, bytes] = {}
            for renderer, spans in cells.items():
                rank, form = ranks[renderer], renderer.form
                for span in spans:
                    fragment_of[span[0] << _RANK_BITS | rank] = form % span
            self.keys = sorted(fragment_of)
            self.fragments = list(map(fragment_of.__getitem__, self.keys))
        self.template = b",".join(self.fragments)
        """The merged fragments, line number left out."""

    def add(self, renderer: DiagnosticRenderer, spans: list[SPAN], rank: int) -> None:
        """Merge in the cell of a pattern that had none here."""
        self.cells[renderer] = spans
        keys, fragments, form = self.keys, self.fragments, renderer.form
        for span in spans:  # most often one (a new pattern's cell in each of a thousand rows)
            key = span[0] << _RANK_BITS | rank
            position = bisect_left(keys, key)
            keys.insert(position, key)
            fragments.insert(position, form % span)
        self.template = b",".join(fragments)

    def drop(self, gone: Mapping[DiagnosticRenderer, int]) -> None:
        """Take out the cells of patterns ``gone`` (with the ranks the keys were made with)."""
        keys, fragments = self.keys, self.fragments
        for renderer, rank in gone.items():
            spans = self.cells.pop(renderer, None)
            if spans is None:
                continue
            # Its keys are in the row (unique, in order): found by bisection, not by a walk.
            for start, _ in spans:
                position = bisect_left(keys, start << _RANK_BITS | rank)
                del keys[position], fragments[position]
        self.template = b",".join(fragments)

    def rerank(self, new_rank: Mapping[int, int]) -> None:
        """Give the keys their patterns' new ranks (``new_rank``: old rank to new). The patterns
        keep their order, so the keys keep theirs: nothing is sorted or rendered again."""
        high = ~_RANK_MASK
        self.keys = [key & high | new_rank[key & _RANK_MASK] for key in self.keys]


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
    """The diagnostics JSON of one document, one row per line with matches."""

    __slots__ = ("_chunks", "_cut", "_lines", "_pairs", "_rows")

    def __init__(self) -> None:
        self._pairs: tuple[tuple[DiagnosticRenderer, Searched], ...] = ()
        """The (renderer, track) pairs the rows were composed from, in pattern order."""
        self._lines: list[int] = []
        """The lines that have diagnostics, in order."""
        self._rows: list[Row] = []
        """Those lines' rows (parallel to ``_lines``)."""
        self._chunks: list[bytes] = []
        """Those lines' diagnostics as JSON array items (parallel to ``_lines``)."""
        self._cut: set[DiagnosticRenderer] = set()
        """The patterns that showed only their first ``cap`` matches at the last look: after an
        update, only they and the patterns over their cap now are cut again (the rows of a
        pattern shown whole before and now hold every match it has, once patched)."""

    def rows(
        self, document: Shown, renderers: dict[str, DiagnosticRenderer], cap: int
    ) -> list[bytes]:
        """The document's diagnostics as JSON, brought up to date: one chunk of array items per
        line with matches, in line order (joined with commas, the array's items). The list is
        the composition's own, changed by the next update: use it before then."""
        pairs = tuple(
            (renderer, track)
            for identifier, renderer in renderers.items()
            if (track := document.tracks.get(identifier)) is not None
        )
        # Every log is taken (and emptied) whatever happens next: it tells what changed since now.
        logs = [_take_touched(track.index) for _, track in pairs]
        within = all(track.index.exact and track.index.count <= cap for _, track in pairs)
        if not self._repattern(pairs, logs, cap):
            patched = self._update(pairs, logs)
            if patched is None:
                self._rebuild(pairs, cap)
            elif self._cut or not within:
                self._recut(pairs, cap, patched)
        self._pairs = pairs
        return self._chunks

    def _update(self, pairs: Pairs, logs: list[Log | None]) -> set[int] | None:
        """Bring the rows up to date from the logs; the lines patched, or ``None`` (nothing
        done) when they cannot say what changed."""
        old = dict(self._pairs)
        ranks = {renderer: rank for rank, (renderer, _) in enumerate(pairs)}
        moves: Log | None = None
        dirty: set[int] = set()
        fresh: list[tuple[DiagnosticRenderer, Searched]] = []
        kept: list[DiagnosticRenderer] = []
        for (renderer, track), log in zip(pairs, logs, strict=True):
            if old.get(renderer) is not track:
                fresh.append((renderer, track))
                continue
            if log is None:
                return None
            kept.append(renderer)
            # Every track of a document is sent the same splices: their moves agree.
            moved = [event for event in log if event[1] != event[2]]
            if moves is None:
                moves = moved
            elif moved != moves:
                return None
            dirty |= _replaced_lines(log)
        if not kept or len(dirty) > len(self._lines) + _PATCH_SLACK:
            return None  # nothing to keep (a new search pattern), or more to patch than to build
        previous = {renderer: rank for rank, (renderer, _) in enumerate(self._pairs)}
        if [previous[renderer] for renderer in kept] != sorted(previous[r] for r in kept):
            return None  # patterns reordered: rows merged in the old order
        now = dict(pairs)
        gone = {renderer for renderer, track in old.items() if now.get(renderer) is not track}
        for first, removed, added in moves or ():
            self._move(first, removed, added)
        if gone or any(previous[renderer] != ranks[renderer] for renderer in kept):
            self._reorder({renderer: previous[renderer] for renderer in gone}, previous, ranks)
        for line in sorted(dirty):
            self._patch(line, pairs, ranks)
        for renderer, track in fresh:
            self._add(renderer, ranks[renderer], track.index.lines, dirty)
        self._cut -= gone  # a fresh pattern's cells were all dropped, then merged whole
        return dirty

    def _repattern(self, pairs: Pairs, logs: list[Log | None], cap: int) -> bool:
        """Patterns added or removed, and nothing edited since the last look: drop the cells of
        the patterns gone, and merge in each new pattern's first ``cap`` matches. The kept
        patterns' rows were cut at their caps already and their matches did not change, so
        nothing else is read (no recut of twenty patterns for one added). ``False`` (nothing
        done) when this is not such a change."""
        if not self._pairs or pairs == self._pairs:
            return False
        old = dict(self._pairs)
        previous = {renderer: rank for rank, (renderer, _) in enumerate(self._pairs)}
        kept: list[DiagnosticRenderer] = []
        fresh: list[tuple[int, DiagnosticRenderer, Searched]] = []
        for rank, ((renderer, track), log) in enumerate(zip(pairs, logs, strict=True)):
            if old.get(renderer) is not track:
                fresh.append((rank, renderer, track))
            elif log != []:
                return False  # edited (or anything may have changed): the update's business
            else:
                kept.append(renderer)
        if not kept or [previous[r] for r in kept] != sorted(previous[r] for r in kept):
            return False  # nothing to keep, or patterns reordered: rows merged in the old order
        ranks = {renderer: rank for rank, (renderer, _) in enumerate(pairs)}
        now = dict(pairs)
        gone = {renderer for renderer, track in old.items() if now.get(renderer) is not track}
        if gone or any(previous[renderer] != ranks[renderer] for renderer in kept):
            self._reorder({renderer: previous[renderer] for renderer in gone}, previous, ranks)
        self._cut -= gone
        for rank, renderer, track in fresh:
            index = track.index
            if index.exact and index.count <= cap:
                self._add(renderer, rank, index.lines, set())
            else:
                self._cut.add(renderer)
                self._add(renderer, rank, FirstMatches(index.lines, cap).shown(), set())
        return True

    def _move(self, first: int, removed: int, added: int) -> None:
        """Lines ``first .. first + removed - 1`` were replaced by ``added`` lines: drop their
        rows (their lines are patched after) and renumber the rows below."""
        lines, rows, chunks = self._lines, self._rows, self._chunks
        start = bisect_left(lines, first)
        end = bisect_left(lines, first + removed)
        del lines[start:end], rows[start:end], chunks[start:end]
        shift = added - removed
        if start < len(lines):
            # Every row below is written again (most of a keystroke past the cap): one C-level
            # pass each for the numbers, their digits and the replace, no Python code per row.
            # The digits come from one format of them all: twice as fast as one each.
            moved = list(map(shift.__add__, lines[start:]))
            lines[start:] = moved
            digits = (b"%d," * len(moved) % tuple(moved)).split(b",")
            chunks[start:] = map(bytes.replace, map(_template, rows[start:]), repeat(LINE), digits)

    def _reorder(
        self,
        gone: Mapping[DiagnosticRenderer, int],
        previous: Mapping[DiagnosticRenderer, int],
        ranks: Mapping[DiagnosticRenderer, int],
    ) -> None:
        """Drop the cells of patterns ``gone`` (with their old ranks), and give the keys of the
        others their new ranks (``previous``: the ranks the rows were made with)."""
        lines, rows, chunks = self._lines, self._rows, self._chunks
        new_rank = {
            rank: ranks[renderer] for renderer, rank in previous.items() if renderer in ranks
        }
        reranked = any(old != new for old, new in new_rank.items())
        keep: list[int] = []
        for position, row in enumerate(rows):
            if not row.cells.keys().isdisjoint(gone):
                row.drop(gone)
                if not row.cells:
                    continue
                chunks[position] = with_line(row.template, lines[position])
            if reranked:
                row.rerank(new_rank)
            keep.append(position)
        if len(keep) < len(rows):
            self._lines = [lines[position] for position in keep]
            self._rows = [rows[position] for position in keep]
            self._chunks = [chunks[position] for position in keep]

    def _patch(
        self,
        line: int,
        pairs: Pairs,
        ranks: dict[DiagnosticRenderer, int],
        shown: Mapping[DiagnosticRenderer, Lookup] | None = None,
    ) -> None:
        """Render one line again, for every pattern (reusing cells whose spans are unchanged):
        its matches in the index, or in ``shown`` for the patterns it names (cut at their cap)."""
        lines = self._lines
        position = bisect_left(lines, line)
        present = position < len(lines) and lines[position] == line
        cells: Cells = {}
        for renderer, track in pairs:
            matches: Lookup = track.index.lines if shown is None else shown[renderer]
            spans = matches.get(line)
            if spans:
                cells[renderer] = spans
        if present and _same_cells(self._rows[position].cells, cells):
            self._rows[position].cells = cells  # the same matches: known by identity next time
        elif cells:
            row = Row(cells, ranks)
            if present:
                self._rows[position] = row
                self._chunks[position] = with_line(row.template, line)
            else:
                lines.insert(position, line)
                self._rows.insert(position, row)
                self._chunks.insert(position, with_line(row.template, line))
        elif present:
            del lines[position], self._rows[position], self._chunks[position]

    def _add(
        self,
        renderer: DiagnosticRenderer,
        rank: int,
        matches: dict[int, list[SPAN]],
        patched: set[int],
    ) -> None:
        """Merge the cells of a pattern just added into the rows of its lines (but the lines
        ``patched``, which have every pattern's cell already)."""
        lines, rows, chunks = self._lines, self._rows, self._chunks
        position = 0
        own_rank = {renderer: rank}
        for line in sorted(matches):
            if patched and line in patched:
                continue
            spans = matches[line]
            position = bisect_left(lines, line, position)  # the lines come in order
            if position < len(lines) and lines[position] == line:
                row = rows[position]
                row.add(renderer, spans, rank)
                chunks[position] = row.template.replace(LINE, b"%d" % line)
            else:
                row = Row({renderer: spans}, own_rank)
                lines.insert(position, line)
                rows.insert(position, row)
                chunks.insert(position, row.template.replace(LINE, b"%d" % line))

    def _recut(self, pairs: Pairs, cap: int, patched: set[int]) -> None:
        """After an update, show each pattern's first ``cap`` matches again: the update patched
        the edited lines (``patched``) with all their matches and kept the rows it had, so past a
        cap a match typed above pushes the last one out, and one deleted lets the next one in.
        Only the rows whose cells differ from what should be shown are composed again.

        Those lie at the end of what is shown: above both the last line to show and the last
        line shown before (the last row the update did not patch), the rows already are what
        should be shown — the kept ones hold whole lines below the old cut, the patched ones
        every match of their line — so only the rows from there on are compared."""
        ranks = {renderer: rank for rank, (renderer, _) in enumerate(pairs)}
        shown: dict[DiagnosticRenderer, Lookup] = {}
        changed: set[int] = set()
        lines, rows = self._lines, self._rows
        cut: set[DiagnosticRenderer] = set()
        for renderer, track in pairs:
            index = track.index
            if index.exact and index.count <= cap:
                if renderer not in self._cut:
                    # Shown whole before and now: the update left its rows right. Nothing to
                    # compare (with twenty patterns and one over its cap, this is most of them).
                    shown[renderer] = index.lines
                    continue
            else:
                cut.add(renderer)
            wanted = shown[renderer] = FirstMatches(index.lines, cap)
            last_kept = _last_kept(self, renderer, patched)
            tail = min(wanted.cut, last_kept)
            # Below both cuts, only a patched row can hold a cell of this pattern (a kept one
            # there has none, by what the last kept row is), and none should: the rest of the
            # document need not be read.
            start = bisect_left(lines, tail)
            stop = bisect_right(lines, max(wanted.cut, last_kept))
            below = [line for line in patched if line > lines[stop - 1]] if stop else [*patched]
            for line, row in zip(lines[start:stop], rows[start:stop], strict=True):
                held = row.cells.get(renderer)
                spans = wanted.get(line)
                if held is None:
                    if spans is not None:
                        changed.add(line)
                elif spans is None or (held is not spans and held != spans):
                    changed.add(line)
            for line in below:
                position = bisect_left(lines, line)
                present = position < len(lines) and lines[position] == line
                if present and renderer in rows[position].cells:
                    changed.add(line)
            # Lines to show that have no row: past the kept ones, so from ``tail`` on too.
            for line in wanted.lines[bisect_left(wanted.lines, tail) :]:
                position = bisect_left(lines, line)
                if position == len(lines) or lines[position] != line:
                    changed.add(line)
        for line in sorted(changed):
            self._patch(line, pairs, ranks, shown)
        self._cut = cut

    def _rebuild(self, pairs: Pairs, cap: int) -> None:
        """Compose every line again: the first ``cap`` matches of each pattern."""
        by_line: dict[int, Cells] = {}
        cells_of = by_line.get
        cut: set[DiagnosticRenderer] = set()
        for renderer, track in pairs:
            index = track.index
            matches: Mapping[int, list[SPAN]] = index.lines
            if index.count > cap or not index.exact:
                cut.add(renderer)
                matches = FirstMatches(matches, cap).shown()
            # Twenty patterns make twenty thousand cells in a document just opened: the lines in
            # any order (sorted once, below), one dictionary entry a cell, nothing rendered yet.
            for line, spans in matches.items():
                cells = cells_of(line)
                if cells is None:
                    by_line[line] = {renderer: spans}
                else:
                    cells[renderer] = spans
        ranks = {renderer: rank for rank, (renderer, _) in enumerate(pairs)}
        self._cut = cut
        self._lines = sorted(by_line)
        self._rows = [Row(by_line[line], ranks) for line in self._lines]
        self._chunks = [
            with_line(row.template, line) for row, line in zip(self._rows, self._lines, strict=True)
        ]


class Lookup(Protocol):
    """A pattern's spans by line, as the rows should show them."""

    def get(self, line: int, /) -> list[SPAN] | None: ...


class FirstMatches:
    """A pattern's first ``cap`` matches in document order, as :meth:`Composition._rebuild`
    shows them: every match of the lines above the *cut* (the line the cap falls on, or the last
    line with matches), the first ones of the cut line. A view of the index: nothing copied."""

    __slots__ = ("cut", "cut_spans", "lines", "matches")

    def __init__(self, matches: Mapping[int, list[SPAN]], cap: int) -> None:
        self.matches = matches
        spans_of = matches.__getitem__
        ordered = sorted(matches)
        # Most lines hold one match: the cap then falls on the cap-th line.
        shown = ordered[: max(cap, 0)]
        total = sum(map(len, map(spans_of, shown)))
        if total > cap:  # some lines hold several: it falls on the line whose count reaches it
            totals = list(accumulate(map(len, map(spans_of, shown))))
            shown = shown[: bisect_left(totals, cap) + 1]
            total = totals[len(shown) - 1]
        self.lines = shown
        """The lines shown, in order."""
        self.cut = shown[-1] if shown else -1
        spans = matches[self.cut] if shown else []
        self.cut_spans = spans[: len(spans) - (total - cap)] if total > cap else spans
        """The cut line's matches shown: all of them, or the first ones (a new list)."""

    def shown(self) -> dict[int, list[SPAN]]:
        """The spans shown, by line (a new dict)."""
        spans_of = self.matches.__getitem__
        first = {line: spans_of(line) for line in self.lines}
        if self.lines:
            first[self.cut] = self.cut_spans
        return first

    def get(self, line: int, /) -> list[SPAN] | None:
        if line < self.cut:
            return self.matches.get(line)
        return self.cut_spans if line == self.cut else None


def _last_kept(composition: Composition, renderer: DiagnosticRenderer, patched: set[int]) -> int:
    """The last line with a cell of ``renderer`` that the update did not patch (it may be the
    line the cap fell inside, cut short), or -1."""
    lines, rows = composition._lines, composition._rows
    for position in range(len(lines) - 1, -1, -1):
        if lines[position] not in patched and renderer in rows[position].cells:
            return lines[position]
    return -1


_template: Callable[[Row], bytes] = attrgetter("template")


def _take_touched(index: Matches) -> Log | None:
    """The lines an open document's index touched since the last look (and a fresh log), or
    ``None``: anything may have changed (a closed file's matches keep no log: it is rebuilt)."""
    if not isinstance(index, MatchIndex):
        return None
    events, index.touched = index.touched, []
    return events


def _replaced_lines(log: Log) -> set[int]:
    """The lines a log's splices replaced, numbered as they are after the last of them."""
    lines: set[int] = set()
    for first, removed, added in log:
        end = first + removed
        if added != removed:
            shift = added - removed
            lines = {
                line + shift if line >= end else line for line in lines if not first <= line < end
            }
        lines.update(range(first, first + added))
    return lines


def _same_cells(held: Cells, cells: Cells) -> bool:
    """Whether a row's cells hold the same matches as ``cells``, in the same patterns."""
    if held.keys() != cells.keys():
        return False
    for renderer, spans in cells.items():
        was = held[renderer]
        if was is not spans and was != spans:
            return False
    return True

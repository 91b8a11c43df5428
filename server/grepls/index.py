"""The match index: where one document's matches are, line by line, kept current by its coroutine.

Only lines that have matches are stored, keyed by line number, each with its matches as (start, end)
client columns. A splice replaces the entries of the lines it covers and, when it changes the number
of lines, renumbers the entries below it — work in proportion to the edit and to the matches, never
to the document.

What a publisher may rely on:

* ``lines[n]`` is never changed in place. A line whose matches change gets a new list; a line
  that moves to another line number keeps its list. So a rendering cached against the list object
  (``is``), and not against the line number, is still right exactly when the list is the same
  object.
* ``generation`` is bumped whenever the matches change (a result id for pull diagnostics).
* ``count`` counts the matches held; ``exact`` says whether they are all of the document's.
* ``touched`` lists the line ranges whose matches may have changed since its reader last emptied
  it, as (first line, lines removed, lines added) — or is ``None`` when more changed than a list
  of ranges says (a cut at the horizon, a clear, a long burst): then everything may have.
  ``tokens_touched`` is the same log for a second reader, the semantic tokens
  (:mod:`grepls.tokens`).
"""

from __future__ import annotations

from grepls.positions import SPAN
from grepls.scan import Found

# Past this many changed ranges between two reads, say "anything may have changed" instead.
_MOST_TOUCHED = 256


class MatchIndex:
    """The matches of one document."""

    __slots__ = ("_cut", "count", "generation", "horizon", "lines", "tokens_touched", "touched")

    lines: dict[int, list[SPAN]]
    """Line number → the matches on that line, in client columns (lines without matches absent)."""
    count: int
    """Total number of matches held."""
    generation: int
    """Bumped whenever the matches change; pull diagnostics use it as the result id."""
    horizon: int | None
    """The first line not searched (``None``: the whole document was). Lines past it may hold
    matches; they are searched only when fewer matches than can be shown lie before it."""
    touched: list[tuple[int, int, int]] | None
    """Line ranges changed since the reader last took them (``None``: anything may have)."""
    tokens_touched: list[tuple[int, int, int, bool]] | None
    """The same, for the semantic tokens, which read it at another time than the publisher; each
    range says whether it was only read on past the horizon (no line moved, nothing edited)."""
    _cut: set[int]
    """Lines holding more matches than were kept (a huge line is searched only as far as can be
    shown)."""

    def __init__(self) -> None:
        self.lines = {}
        self.count = 0
        self.generation = 0
        self.horizon = None
        self.touched = self.tokens_touched = None
        self._cut = set()

    @property
    def exact(self) -> bool:
        """Whether every match in the document is held (so ``count`` is the document's count)."""
        return self.horizon is None and not self._cut

    @property
    def held_until(self) -> int | None:
        """The first line whose matches may not all be held: the horizon, or a line cut short
        before it (``None``: every line's are)."""
        ends = [*self._cut] if self.horizon is None else [*self._cut, self.horizon]
        return min(ends, default=None)

    def splice(self, first: int, removed: int, found: Found) -> None:
        """Lines ``first .. first + removed - 1`` became ``found.lines`` lines, searched as
        ``found`` says (its line 0 is line ``first``)."""
        lines = self.lines
        added = found.lines
        end = first + removed
        horizon = self.horizon
        # Take out the old entries of the replaced lines, walking whichever is shorter.
        covered = (
            range(first, end) if removed <= len(lines) else [n for n in lines if first <= n < end]
        )
        old: dict[int, list[SPAN]] = {}
        for line in covered:
            if (spans := lines.pop(line, None)) is not None:
                old[line - first] = spans
                self.count -= len(spans)
        cut = self._cut
        if cut:
            cut = {line for line in cut if not first <= line < end}
        changed = old != found.matches
        shift = added - removed
        if found.searched == added and (horizon is None or end <= horizon):
            # Everything below the edit stays searched: its entries move with it.
            if shift and lines and max(lines) >= end:
                changed = True
                self.lines = lines = {
                    (line + shift if line >= end else line): spans for line, spans in lines.items()
                }
                cut = {line + shift if line >= end else line for line in cut}
            self.horizon = None if horizon is None else horizon + shift
            self._touch(first, removed, added)
        else:
            self.touched = self.tokens_touched = None
            # The search stopped inside the edit: what lies below is now past the horizon.
            for line in [line for line in lines if line >= end]:
                self.count -= len(lines.pop(line))
                changed = True
            cut = {line for line in cut if line < first}
            self.horizon = first + found.searched
        self._add(first, found)
        self._cut = cut | self._cut_of(first, found)
        if changed:
            self.generation += 1

    def forget_from(self, start: int) -> None:
        """Let go of the matches held on lines ``start ..`` (a line cut short, about to be searched
        again): ``start`` becomes the horizon."""
        lines = self.lines
        if self._cut:
            gone = [line for line in lines if line >= start]
            for line in gone:
                self.count -= len(lines.pop(line))
            self._cut = {line for line in self._cut if line < start}
            if gone:
                self._touch(start, max(gone) + 1 - start, max(gone) + 1 - start)
                self.generation += 1
        self.horizon = start

    def holds_all_before(self, line: int, column: int) -> bool:
        """Whether every match that starts before ``(line, column)`` is held: the line is before
        any line whose matches may not all be held, or it is a line cut short whose held matches
        (the first ones) reach ``column``."""
        held_until = self.held_until
        if held_until is None or line < held_until:
            return True
        if line > held_until or line not in self._cut:
            return False
        return self.lines[line][-1][0] >= column

    def extend(self, start: int, found: Found, to_end: bool) -> None:
        """Lines ``start ..``, from the horizon (a line cut short let go first: see
        :meth:`forget_from`), were searched as ``found`` says; ``to_end``: they run to the end of
        the document."""
        self._add(start, found)
        self._touch(start, found.searched, found.searched, read_on=True)
        self._cut |= self._cut_of(start, found)
        horizon = start + found.searched
        self.horizon = None if to_end and found.searched == found.lines else horizon
        if found.matches:
            self.generation += 1

    def _touch(self, first: int, removed: int, added: int, read_on: bool = False) -> None:
        touched = self.touched
        if touched is not None:
            if len(touched) < _MOST_TOUCHED:
                touched.append((first, removed, added))
            else:
                self.touched = None
        tokens_touched = self.tokens_touched
        if tokens_touched is not None:
            if len(tokens_touched) < _MOST_TOUCHED:
                tokens_touched.append((first, removed, added, read_on))
            else:
                self.tokens_touched = None

    def _add(self, first: int, found: Found) -> None:
        lines = self.lines
        for offset, spans in found.matches.items():
            lines[first + offset] = spans
            self.count += len(spans)

    @staticmethod
    def _cut_of(first: int, found: Found) -> set[int]:
        return {first + found.searched - 1} if found.cut else set()

    def clear(self) -> None:
        """Forget every match (the coroutine is closing)."""
        if self.lines:
            self.generation += 1
        self.lines.clear()
        self.touched = self.tokens_touched = None
        self._cut.clear()
        self.count = 0
        self.horizon = None

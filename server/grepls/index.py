"""The match index: where one document's matches are, line by line, kept current by its coroutine.

Only lines that have matches are stored, keyed by line number, each with its matches as (start, end)
client columns. A splice replaces the entries of the lines it covers and, when it changes the number
of lines, renumbers the entries below it — work in proportion to the edit and to the matches, never
to the document.

The index also keeps, per line, the rendered JSON of that line's diagnostics (see
:mod:`grepls.publish`): a keystroke re-renders only the lines it touched, so publishing 1,000
matches is one join, not 1,000 object conversions. A line whose entry changes or moves is marked
stale until the publisher renders it again.
"""

from __future__ import annotations

from grepls.positions import SPAN


class MatchIndex:
    """The matches of one document."""

    __slots__ = ("count", "generation", "horizon", "lines", "rendered", "stale")

    lines: dict[int, list[SPAN]]
    """Line number → the matches on that line, in client columns (lines without matches absent)."""
    rendered: dict[int, bytes]
    """Line number → that line's diagnostics as JSON array items (a cache for the publisher)."""
    stale: set[int]
    """Lines with matches whose rendering is missing or out of date."""
    count: int
    """Total number of matches."""
    generation: int
    """Bumped whenever the matches change; pull diagnostics use it as the result id."""
    horizon: int | None
    """The first line not searched (``None``: the whole document was). Lines past it may hold
    matches; they are searched only when fewer matches than can be shown lie before it."""

    @property
    def exact(self) -> bool:
        return self.horizon is None

    def __init__(self) -> None:
        self.lines = {}
        self.rendered = {}
        self.stale = set()
        self.count = 0
        self.generation = 0
        self.horizon = None

    def splice(
        self,
        first: int,
        removed: int,
        added: int,
        found: dict[int, list[SPAN]],
        searched: int | None = None,
    ) -> None:
        """Lines ``first .. first + removed - 1`` became ``added`` lines, of which the first
        ``searched`` (all, by default) were searched and hold the matches ``found`` (keyed from
        0 = line ``first``)."""
        if searched is None:
            searched = added
        lines, rendered = self.lines, self.rendered
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
                self._unrender(line)
                self.count -= len(spans)
        changed = old != found
        shift = added - removed
        if searched == added and (horizon is None or end <= horizon):
            # Everything below the edit stays searched: its entries move with it.
            if shift and lines and max(lines) >= end:
                changed = True
                self.lines = lines = {
                    (line + shift if line >= end else line): spans for line, spans in lines.items()
                }
                self.rendered = {line: text for line, text in rendered.items() if line < end}
                moved = {line for line in lines if line >= end + shift}
                self.stale = {line for line in self.stale if line < end} | moved
            self.horizon = None if horizon is None else horizon + shift
        else:
            # The search stopped inside the edit: what lies below is now past the horizon.
            for line in [line for line in lines if line >= end]:
                self.count -= len(lines.pop(line))
                self._unrender(line)
                changed = True
            self.horizon = first + searched
        for offset, spans in found.items():
            lines[first + offset] = spans
            self.stale.add(first + offset)
            self.count += len(spans)
        if changed:
            self.generation += 1

    def extend(self, start: int, found: dict[int, list[SPAN]], searched: int, total: int) -> None:
        """Lines ``start .. start + searched - 1``, just past the horizon, were searched and hold
        ``found`` (keyed from 0 = line ``start``); ``total`` is the document's line count."""
        for offset, spans in found.items():
            self.lines[start + offset] = spans
            self.stale.add(start + offset)
            self.count += len(spans)
        horizon = start + searched
        self.horizon = None if horizon >= total else horizon
        if found:
            self.generation += 1

    def _unrender(self, line: int) -> None:
        self.rendered.pop(line, None)
        self.stale.discard(line)

    def forget_rendering(self) -> None:
        """Drop every rendered line (the severity or message changed)."""
        self.rendered.clear()
        self.stale = set(self.lines)

    def clear(self) -> None:
        """Forget every match (the coroutine is closing)."""
        if self.lines:
            self.generation += 1
        self.lines.clear()
        self.rendered.clear()
        self.stale.clear()
        self.count = 0
        self.horizon = None

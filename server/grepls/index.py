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

    __slots__ = ("count", "generation", "lines", "rendered", "stale")

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

    def __init__(self) -> None:
        self.lines = {}
        self.rendered = {}
        self.stale = set()
        self.count = 0
        self.generation = 0

    def splice(self, first: int, removed: int, added: int, found: dict[int, list[SPAN]]) -> None:
        """Lines ``first .. first + removed - 1`` became ``added`` lines whose matches are ``found``
        (keyed from 0 = line ``first``)."""
        lines, rendered = self.lines, self.rendered
        end = first + removed
        # Take out the old entries of the replaced lines, walking whichever is shorter.
        covered = (
            range(first, end) if removed <= len(lines) else [n for n in lines if first <= n < end]
        )
        old: dict[int, list[SPAN]] = {}
        for line in covered:
            if (spans := lines.pop(line, None)) is not None:
                old[line - first] = spans
                rendered.pop(line, None)
                self.stale.discard(line)
                self.count -= len(spans)
        changed = old != found
        shift = added - removed
        if shift and lines and max(lines) >= end:
            changed = True
            self.lines = lines = {
                (line + shift if line >= end else line): spans for line, spans in lines.items()
            }
            self.rendered = {line: text for line, text in rendered.items() if line < end}
            moved = {line for line in lines if line >= end + shift}
            self.stale = {line for line in self.stale if line < end} | moved
        for offset, spans in found.items():
            lines[first + offset] = spans
            self.stale.add(first + offset)
            self.count += len(spans)
        if changed:
            self.generation += 1

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

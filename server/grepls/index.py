"""The match index: where one document's matches are, line by line, kept current by its coroutine.

Only lines that have matches are stored, keyed by line number, each with its matches as (start, end)
client columns. A splice replaces the entries of the lines it covers and, when it changes the number
of lines, renumbers the entries below it — work in proportion to the edit and to the matches, never
to the document.

The index also keeps, per line, the rendered JSON of that line's diagnostics (see
:mod:`grepls.publish`): a keystroke re-renders only the lines it touched, so publishing 1,000
matches is a string join, not 1,000 object conversions. A line's rendering is dropped whenever its
entry changes or moves.
"""

from __future__ import annotations

from grepls.positions import SPAN


class MatchIndex:
    """The matches of one document."""

    __slots__ = ("count", "generation", "lines", "rendered")

    lines: dict[int, list[SPAN]]
    """Line number → the matches on that line, in client columns (lines without matches absent)."""
    rendered: dict[int, str]
    """Line number → that line's diagnostics as JSON array items (a cache for the publisher)."""
    count: int
    """Total number of matches."""
    generation: int
    """Bumped whenever the matches change; pull diagnostics use it as the result id."""

    def __init__(self) -> None:
        self.lines = {}
        self.rendered = {}
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
                self.count -= len(spans)
        changed = old != found
        shift = added - removed
        if shift and lines and max(lines) >= end:
            changed = True
            self.lines = lines = {
                (line + shift if line >= end else line): spans for line, spans in lines.items()
            }
            self.rendered = {line: text for line, text in rendered.items() if line < end}
        for offset, spans in found.items():
            lines[first + offset] = spans
            self.count += len(spans)
        if changed:
            self.generation += 1

    def clear(self) -> None:
        """Forget every match (the coroutine is closing)."""
        if self.lines:
            self.generation += 1
        self.lines.clear()
        self.rendered.clear()
        self.count = 0

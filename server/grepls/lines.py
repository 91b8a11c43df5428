"""The line store: one document's text, held once, as lines, exactly as LSP counts them.

LSP knows three line breaks: ``\\n``, ``\\r\\n`` and ``\\r``. Nothing else ends a line — not form
feed, ``\\x0b``, ``\\x1c`` to ``\\x1e``, ``\\x85``, U+2028 or U+2029, all of which Python's
``str.splitlines`` would split on. A document of N line breaks has N + 1 lines; the last line has no
break (it may be empty).

The store keeps two parallel lists: ``texts[i]`` is line *i* without its break, ``breaks[i]`` is the
break that ends it (``""`` for the last line). Edits arrive as (start, end, new text) in code-point
coordinates; :meth:`LineStore.replace` re-splits only the lines the edit touches (plus a neighbour
when a ``\\r`` and a ``\\n`` come together or apart across the edit's edge) and returns a
:class:`Splice` saying which lines went and which came — exactly what the grep coroutine needs to
hear. A keystroke costs in proportion to the edited lines, never to the document.

A text just opened is kept whole until something needs its lines: splitting a million lines takes
a tenth of a second, and the first matches of a whole text can be found without it (see
:meth:`~grepls.pattern.Matcher.scan_text`). So ``didOpen`` publishes first and splits after. Only
texts broken by ``\n`` alone wait like this; any ``\r`` means the exact split at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# One C pass over the text; the alternation order makes "\r\n" win over "\r". Python's own engine,
# not RE2: the text may hold lone surrogates (JSON carries them), which RE2's wrapper cannot encode,
# and this pattern cannot backtrack.
_BREAK = re.compile("\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Splice:
    """Lines ``first .. first + removed - 1`` were replaced by ``texts`` — or, when ``whole`` is
    set, by the lines of ``whole``, a text not split yet (``texts`` is then empty)."""

    first: int
    removed: int
    texts: list[str]
    whole: str | None = None
    """A whole text whose only line break is ``"\\n"``, sent instead of its lines."""


def split_lines(text: str) -> tuple[list[str], list[str]]:
    """Split ``text`` at LSP line breaks into (texts, breaks); always at least one line."""
    if "\r" not in text:
        texts = text.split("\n")
        breaks = ["\n"] * len(texts)
        breaks[-1] = ""
        return texts, breaks
    if text.count("\r\n") == text.count("\r") == text.count("\n"):
        texts = text.split("\r\n")
        breaks = ["\r\n"] * len(texts)
        breaks[-1] = ""
        return texts, breaks
    # Mixed breaks: rare, so a slower but exact walk is fine.
    texts = []
    breaks = []
    start = 0
    for found in _BREAK.finditer(text):
        texts.append(text[start : found.start()])
        breaks.append(found.group())
        start = found.end()
    texts.append(text[start:])
    breaks.append("")
    return texts, breaks


class LineStore:
    """The lines of one open document."""

    __slots__ = ("_breaks", "_texts", "_unsplit")

    _texts: list[str]
    _breaks: list[str]
    _unsplit: str | None
    """The whole text while it waits to be split (then ``_texts`` and ``_breaks`` are empty)."""

    def __init__(self, text: str = "") -> None:
        if "\r" in text:
            self._texts, self._breaks = split_lines(text)
            self._unsplit = None
        else:
            self._texts, self._breaks = [], []
            self._unsplit = text

    @property
    def texts(self) -> list[str]:
        """Line contents without their breaks."""
        if self._unsplit is not None:
            self.split()
        return self._texts

    @property
    def breaks(self) -> list[str]:
        """The break ending each line: ``"\\n"``, ``"\\r\\n"``, ``"\\r"``, or ``""`` (last line)."""
        if self._unsplit is not None:
            self.split()
        return self._breaks

    @property
    def unsplit(self) -> str | None:
        """The whole text, if it has not been split into lines yet."""
        return self._unsplit

    def split(self) -> None:
        """Split a text kept whole into its lines (done at the first need, or when idle)."""
        if self._unsplit is not None:
            self._texts, self._breaks = split_lines(self._unsplit)
            self._unsplit = None

    def __len__(self) -> int:
        return len(self.texts)

    def text(self) -> str:
        """The whole document (O(document): for tests and the demo, not the keystroke path)."""
        if self._unsplit is not None:
            return self._unsplit
        return "".join(t + b for t, b in zip(self._texts, self._breaks, strict=True))

    def reset(self, text: str) -> Splice:
        """Replace the whole document (a content change without a range)."""
        if self._unsplit is not None:
            removed = self._unsplit.count("\n") + 1  # no need to split what is thrown away
            self._unsplit = None
        else:
            removed = len(self._texts)
        self._texts, self._breaks = split_lines(text)
        return Splice(0, removed, self._texts)

    def replace(self, start: tuple[int, int], end: tuple[int, int], new_text: str) -> Splice:
        """Replace the text between two (line, code point) positions inside the document.

        A range whose start is after its end is read the other way round.
        """
        if end < start:
            start, end = end, start
        first, first_index = start
        last, last_index = end
        texts, breaks = self.texts, self.breaks
        # The edited region runs from the start of line `first` through the break of line `last`,
        # so it always ends on a break (or at the end of the document).
        merged = texts[first][:first_index] + new_text + texts[last][last_index:] + breaks[last]
        if first_index == 0 and first > 0 and breaks[first - 1] == "\r" and merged[:1] == "\n":
            # A lone "\r" before the edit meets a "\n" after it: together they are one "\r\n"
            # break, so the line before joins the region.
            first -= 1
            merged = texts[first] + "\r" + merged
        new_texts, new_breaks = split_lines(merged)
        if breaks[last] != "":
            # The tail carried this line's break, so the split leaves an empty remainder after it.
            new_texts.pop()
            new_breaks.pop()
        removed = last - first + 1
        texts[first : last + 1] = new_texts
        breaks[first : last + 1] = new_breaks
        return Splice(first, removed, new_texts)

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

**Whole texts.** Some clients (Vim's ALE among them) ignore incremental sync and send the whole text
in every change. :meth:`LineStore.reset` compares it with the text the client sent last — the common
prefix and suffix, found by C-level comparisons of slices, never a Python loop over characters or
lines — and replaces only the lines between them, through the same :meth:`LineStore.replace` an
incremental change takes: the grep coroutine hears a splice of the edited lines. What is left per
keystroke that grows with the document is those comparisons and a count of the line breaks on the
shorter side of the edit: C passes over the text, about 2 ms for 100,000 lines of 60 characters
(decoding the message the text came in costs several times more). To compare, the store holds the
last whole text (one more copy of the document), but only once a client has sent one: a ranged
change drops it, and the first whole text is compared with the lines joined.

**The deferred split.** Splitting a million lines takes a tenth of a second, and the first matches
of a whole text can be found without it (see :mod:`grepls.scan`). So a text just opened is kept
whole, and split a slice at a time (:meth:`LineStore.split_some`, called from the event loop after
the first publish) from the top down. Meanwhile the store holds the first lines split and the rest
as one string (``_rest`` from ``_rest_at`` on). Whatever needs a line not split yet splits down to
it and no further: a keystroke at the top of a document just opened, where the cursor is, costs
what any keystroke costs. Only texts broken by ``\n`` alone wait like this; any ``\r`` means the
exact split at once.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

# One C pass over the text; the alternation order makes "\r\n" win over "\r". Python's own engine,
# not RE2: the text may hold lone surrogates (JSON carries them), which RE2's wrapper cannot encode,
# and this pattern cannot backtrack.
_BREAK = re.compile("\r\n|\r|\n")


# How much of a text a split step takes: about 4,000 lines of 60 characters, half a millisecond of
# CPU (a million lines: 250 steps, 0.12 s in all — what splitting at once costs). And the first step
# when a line is needed; the steps double until they reach it.
SPLIT_CHARACTERS = 1 << 18
FIRST_STEP_CHARACTERS = 1 << 14

# How much two whole texts are compared at a time (a C ``==`` of two slices) before the comparison
# narrows by halves to the first character that differs: small enough that the slices stay in
# cache, large enough that a million lines take a few hundred steps.
COMPARE_CHARACTERS = 1 << 16


@dataclass(frozen=True, slots=True)
class Sifted:
    """The lines of a splice that some patterns may match, found in one pass for all of them (see
    :mod:`grepls.sieve`): those patterns' scans read only these lines."""

    numbers: list[int]
    """The candidate lines, in order, numbered from the splice's first line (0)."""
    texts: list[str]
    """Their texts."""
    total: int
    """How many lines the splice brings in all."""
    readers: frozenset[object]
    """The matchers that have no match outside the candidates."""


@dataclass(frozen=True, slots=True)
class Splice:
    """Lines ``first .. first + removed - 1`` were replaced by ``texts`` followed by the lines of
    ``tail``, a text broken by ``"\\n"`` only and not split yet (a document just opened)."""

    first: int
    removed: int
    texts: list[str]
    tail: str | None = None
    sifted: Sifted | None = None
    """The candidate lines of some patterns, when a sieve has read the splice."""


@dataclass(frozen=True, slots=True)
class ReadOn:
    """Lines ``first ..`` of the document, unchanged, sent because the grep coroutine stopped
    searching before them and now needs more (see :mod:`grepls.coroutine`)."""

    first: int
    texts: list[str]
    to_end: bool
    """Whether ``texts`` run to the end of the document."""


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


def lone_return_before(breaks: list[str], line: int) -> int | None:
    """The first line before line ``line`` whose break (in ``breaks``) is a lone ``"\\r"``."""
    try:
        return breaks.index("\r", 0, max(line, 0))
    except ValueError:
        return None


class LineStore:
    """The lines of one open document."""

    __slots__ = ("_breaks", "_rest", "_rest_at", "_rest_lines", "_texts", "_whole")

    _texts: list[str]
    """Line contents without their breaks: every line, or the first ones while a split is
    pending."""
    _breaks: list[str]
    _rest: str | None
    """While a split is pending, the text whose part from ``_rest_at`` on holds the lines not split
    yet (broken by ``"\\n"`` only); ``None`` once every line is split."""
    _rest_at: int
    _rest_lines: int | None
    """How many lines the part not split yet holds, once counted."""
    _whole: str | None
    """The whole text the client sent last, while its changes come without a range: the next one
    is compared with it. ``None`` for clients that send ranges (most), and after any ranged
    change."""

    def __init__(self, text: str = "") -> None:
        self._whole = None
        self._rest_at = 0
        self._rest_lines = None
        if "\r" in text:
            self._texts, self._breaks = split_lines(text)
            self._rest = None
        else:
            self._texts, self._breaks = [], []
            self._rest = text

    # -- the deferred split --------------------------------------------------------------------

    @property
    def split_pending(self) -> bool:
        """Whether some lines are not split yet."""
        return self._rest is not None

    @property
    def pending_characters(self) -> int:
        """How many characters wait to be split."""
        return 0 if self._rest is None else len(self._rest) - self._rest_at

    def split_some(self, characters: int = SPLIT_CHARACTERS) -> bool:
        """Split the next lines, about ``characters`` of text (at least one line); return whether
        more remain."""
        rest = self._rest
        if rest is None:
            return False
        at = self._rest_at
        stop = at + characters
        cut = rest.rfind("\n", at, stop) if stop < len(rest) else -1
        if cut < 0 and stop < len(rest):
            cut = rest.find("\n", stop)  # one line longer than a step: take it whole
        if cut < 0:  # the last lines
            texts = rest[at:].split("\n")
            breaks = ["\n"] * len(texts)
            breaks[-1] = ""
            self._rest = self._rest_lines = None
        else:
            texts = rest[at:cut].split("\n")
            breaks = ["\n"] * len(texts)
            self._rest_at = cut + 1
            if self._rest_lines is not None:
                self._rest_lines -= len(texts)
        self._texts += texts
        self._breaks += breaks
        return self._rest is not None

    def split(self) -> None:
        """Split every line not split yet."""
        if self._rest is not None:
            self.split_some(len(self._rest))

    def _split_through(self, line: int) -> None:
        """Split as far as line ``line`` (or the end), and not much further."""
        step = FIRST_STEP_CHARACTERS
        while self._rest is not None and len(self._texts) <= line:
            self.split_some(step)
            step *= 2

    # -- reading -------------------------------------------------------------------------------

    @property
    def texts(self) -> list[str]:
        """Line contents without their breaks (splits every line: not for the keystroke path)."""
        self.split()
        return self._texts

    @property
    def breaks(self) -> list[str]:
        """The break ending each line: ``"\\n"``, ``"\\r\\n"``, ``"\\r"``, or ``""`` (last line)."""
        self.split()
        return self._breaks

    def lone_return_before(self, line: int) -> int | None:
        """The first line before line ``line`` that ends in a lone ``"\\r"``, if any: LSP ends a
        line there and Vim, Neovim and Emacs do not, so in those editors every position after it
        names other text. (Lines not split yet hold no ``"\\r"``: see the deferred split.)"""
        return lone_return_before(self._breaks, line)

    def line(self, number: int) -> str:
        """The text of one line, without its break (``IndexError`` past the last line)."""
        if number < 0:
            raise IndexError(number)
        self._split_through(number)
        return self._texts[number]

    def __len__(self) -> int:
        if self._rest is None:
            return len(self._texts)
        if self._rest_lines is None:
            self._rest_lines = self._rest.count("\n", self._rest_at) + 1
        return len(self._texts) + self._rest_lines

    def text(self) -> str:
        """The whole document (O(document): for tests and the demo, not the keystroke path)."""
        split = "".join(itertools.chain.from_iterable(zip(self._texts, self._breaks, strict=True)))
        return split if self._rest is None else split + self._rest[self._rest_at :]

    def everything(self) -> Splice:
        """Every line, as one splice from line 0 (to send to a new grep coroutine): the lines split
        so far, and the text not split yet as the splice's tail."""
        rest = self._rest
        tail = None if rest is None else rest[self._rest_at :]
        return Splice(0, 0, self._texts, tail)

    def read(self, first: int, count: int) -> ReadOn:
        """Lines ``first .. first + count - 1`` (fewer at the end of the document)."""
        self._split_through(first + count - 1)
        texts = self._texts[first : first + count]
        return ReadOn(first, texts, self._rest is None and first + count >= len(self._texts))

    # -- editing -------------------------------------------------------------------------------

    def reset(self, text: str) -> Splice:
        """Replace the whole document (a content change without a range) by replacing only the
        lines where ``text`` differs from the document held."""
        old = self._whole
        if old is None:
            old = self.text()  # once per client that sends whole texts: one join
        self._whole = text
        prefix = common_prefix(old, text)
        suffix = common_suffix(old, text, min(len(old), len(text)) - prefix)
        start, end = prefix, len(old) - suffix
        # An edge between the "\r" and the "\n" of one break is no position: widen past it.
        if 0 < start < len(old) and old[start - 1] == "\r" and old[start] == "\n":
            start -= 1
        if 0 < end < len(old) and old[end - 1] == "\r" and old[end] == "\n":
            end += 1
        new_text = text[start : len(text) - (len(old) - end)]
        start_position, end_position = _positions(old, len(self), start, end)
        return self._replace(start_position, end_position, new_text)

    def replace(self, start: tuple[int, int], end: tuple[int, int], new_text: str) -> Splice:
        """Replace the text between two (line, code point) positions inside the document.

        A range whose start is after its end is read the other way round.
        """
        self._whole = None  # the client sends ranges: no whole text to compare with any more
        return self._replace(start, end, new_text)

    def _replace(self, start: tuple[int, int], end: tuple[int, int], new_text: str) -> Splice:
        if end < start:
            start, end = end, start
        first, first_index = start
        last, last_index = end
        self._split_through(last)
        texts, breaks = self._texts, self._breaks
        # The edited region runs from the start of line `first` through the break of line `last`,
        # so it always ends on a break (or at the end of the document). While a split is pending,
        # that break is a "\n" ending a split line, so the lines split stay whole lines.
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


def common_prefix(old: str, new: str) -> int:
    """How many characters ``old`` and ``new`` share at their start."""
    limit = min(len(old), len(new))
    at = 0
    while at < limit:
        stop = min(at + COMPARE_CHARACTERS, limit)
        if old[at:stop] == new[at:stop]:
            at = stop
            continue
        # The first difference is in [at, stop): halve the range until it is one character.
        while stop - at > 1:
            middle = (at + stop) // 2
            if old[at:middle] == new[at:middle]:
                at = middle
            else:
                stop = middle
        return at
    return limit


def common_suffix(old: str, new: str, limit: int) -> int:
    """How many characters, at most ``limit``, ``old`` and ``new`` share at their end."""
    old_end, new_end = len(old), len(new)
    at = 0
    while at < limit:
        stop = min(at + COMPARE_CHARACTERS, limit)
        if old[old_end - stop : old_end - at] == new[new_end - stop : new_end - at]:
            at = stop
            continue
        while stop - at > 1:
            middle = (at + stop) // 2
            if old[old_end - middle : old_end - at] == new[new_end - middle : new_end - at]:
                at = middle
            else:
                stop = middle
        return at
    return limit


def _positions(text: str, lines: int, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """The (line, code point) positions of offsets ``start`` <= ``end`` in ``text`` of ``lines``
    lines, neither inside a ``"\r\n"``: the breaks are counted on the shorter side of ``start``
    (C counts), then only between ``start`` and ``end``."""
    if start <= len(text) - start:
        start_line = _breaks_in(text, 0, start)
    else:
        start_line = lines - 1 - _breaks_in(text, start, len(text))
    end_line = start_line + _breaks_in(text, start, end)
    return (start_line, start - _line_start(text, start)), (end_line, end - _line_start(text, end))


def _breaks_in(text: str, start: int, end: int) -> int:
    """How many LSP line breaks ``text[start:end]`` holds (neither edge inside a ``"\r\n"``)."""
    breaks = text.count("\n", start, end)
    if text.find("\r", start, end) >= 0:  # a search that stops early: most texts have no "\r"
        breaks += text.count("\r", start, end) - text.count("\r\n", start, end)
    return breaks


def _line_start(text: str, offset: int) -> int:
    """Where the line holding ``offset`` starts: searching back only as far as its start."""
    start = text.rfind("\n", 0, offset) + 1
    lone = text.rfind("\r", start, offset)  # a "\r" after the last "\n" ends a line alone
    return start if lone < 0 else lone + 1

"""Scanning: the matches of many lines at once, by a strategy chosen once per pattern.

The grep coroutine is sent lines — a few on a keystroke, every line of a document when it is opened
or the pattern changes — and sometimes a whole text not split into lines yet (a document just
opened, see :mod:`grepls.lines`). Searching them one Python call per line would cost a second on a
large document, so the :class:`~grepls.matcher.Matcher` picks, when it is built, one of:

:class:`LiteralScan`
    A plain case-sensitive literal: C-level substring tests (``in``, ``str.find``) pick out the
    few lines that hold it; only those are searched for columns.
:class:`BulkScan`
    A regex that means the same on lines joined by ``"\\n"``: one RE2 pass over the joined (or
    whole, unsplit) text replaces a Python loop over every line.
:class:`LineScan`
    A regex with whole-text anchors (``\\A``, ``\\z``, ``(?-m)``), which would mean the start of
    the document in a joined text: line by line, as the rules say.

Every strategy answers both questions — lines given as a list, and lines given as one text broken
by ``"\\n"`` — with one :class:`Found`.

With a ``limit``, a scan stops at the first line that starts after more than ``limit`` matches were
found, so a pattern that matches nearly everywhere costs what the editor can show, not what the
document holds; and a single line is searched only as far as its first ``limit`` + 1 matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from grepls.engine import Search
from grepls.positions import SPAN, Encoding, byte_spans_to_columns, encode_line, next_boundary

if TYPE_CHECKING:
    from grepls.lines import Sifted

# Up to this many lines, a Python loop beats joining them for one RE2 pass.
_BULK_LINES = 64
# The same for a whole word found without RE2 (see WordScan).
_WORD_LINES = 4096


class Matcher(Protocol):
    """What a scan reads of the pattern it searches for: :class:`grepls.matcher.Matcher`, which
    chooses its scan when it is built (so the matcher knows this module, and not the reverse)."""

    @property
    def encoding(self) -> Encoding: ...

    @property
    def zero_width(self) -> bool: ...

    @property
    def whole_word(self) -> bool: ...

    @property
    def literal(self) -> str | None: ...

    @property
    def word(self) -> str | None: ...

    @property
    def bulk(self) -> Search | None: ...

    def line(self, text: str, limit: int | None = None) -> tuple[list[SPAN], bool]: ...


@dataclass(frozen=True, slots=True)
class Found:
    """What a scan found."""

    matches: dict[int, list[SPAN]]
    """Line (0 = the first line scanned) → its matches in client columns; lines without absent."""
    searched: int
    """How many lines were searched: every line before this one, none after it."""
    lines: int
    """How many lines the scan was given."""
    cut: bool = False
    """Whether the last line searched holds more matches than it was given (``limit`` + 1)."""

    @property
    def count(self) -> int:
        return sum(map(len, self.matches.values()))


class Scan:
    """A scanning strategy bound to one matcher."""

    __slots__ = ("matcher",)

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher

    def __call__(
        self,
        texts: list[str],
        tail: str | None = None,
        limit: int | None = None,
        sifted: Sifted | None = None,
    ) -> Found:
        """The matches of ``texts`` followed by the lines of ``tail`` (a text broken by ``"\\n"``
        only), searched as far as ``limit`` allows — reading only the candidate lines ``sifted``
        when it stands for this pattern."""
        if sifted is not None and self.matcher in sifted.readers:
            return self.candidates(sifted, limit)
        found = self.lines(texts, limit) if texts else Found({}, 0, 0)
        if tail is None:
            return found
        if found.searched < found.lines:  # stopped early: the tail only needs counting
            lines = found.lines + tail.count("\n") + 1
            return Found(found.matches, found.searched, lines, found.cut)
        rest = self.text(tail, None if limit is None else limit - found.count)
        shift = found.lines
        matches = found.matches
        for line, spans in rest.matches.items():
            matches[shift + line] = spans
        return Found(matches, shift + rest.searched, shift + rest.lines, rest.cut)

    def candidates(self, sifted: Sifted, limit: int | None) -> Found:
        """The matches of a splice of which only the candidate lines ``sifted`` may match: the
        matches reading every line finds. Stopped at its limit, the search has read every line
        before the first candidate it did not read (the others hold no match) — or, stopped
        inside a line (``cut``), every line up to that one, which is the last it read."""
        numbers = sifted.numbers
        found = self.lines(sifted.texts, limit)
        matches = {numbers[line]: spans for line, spans in found.matches.items()}
        if found.cut:
            searched = numbers[found.searched - 1] + 1
        elif found.searched == len(numbers):
            searched = sifted.total
        else:
            searched = numbers[found.searched]
        return Found(matches, searched, sifted.total, found.cut)

    def lines(self, texts: list[str], limit: int | None) -> Found:
        """The matches of a list of lines."""
        return _line_by_line(self.matcher, texts, limit)

    def text(self, text: str, limit: int | None) -> Found:
        """The matches of the lines of ``text``, broken by ``"\\n"`` only."""
        return _line_by_line(self.matcher, text.split("\n"), limit)


class LineScan(Scan):
    """Line by line: for patterns that must not see lines joined."""

    __slots__ = ()


class LiteralScan(Scan):
    """A plain literal: substring tests find the lines, the matcher their columns."""

    __slots__ = ("literal",)

    def __init__(self, matcher: Matcher, literal: str) -> None:
        super().__init__(matcher)
        self.literal = literal

    def lines(self, texts: list[str], limit: int | None) -> Found:
        literal, line_matches = self.literal, self.matcher.line
        found: dict[int, list[SPAN]] = {}
        count = 0
        for line in [line for line, text in enumerate(texts) if literal in text]:
            if limit is not None and count > limit:
                return Found(found, line, len(texts))
            spans, cut = line_matches(texts[line], limit)
            found[line] = spans
            count += len(spans)
            if cut:
                return Found(found, line + 1, len(texts), cut=True)
        return Found(found, len(texts), len(texts))

    def text(self, text: str, limit: int | None) -> Found:
        # str.find jumps from match to match and str.count numbers the lines in between: two C
        # passes over the text, and Python work only on the lines that match.
        literal, line_matches = self.literal, self.matcher.line
        find, count_breaks = text.find, text.count
        found: dict[int, list[SPAN]] = {}
        count = 0
        line = 0  # the line number at `after`
        after = 0  # the start of the first line not yet searched
        position = find(literal)
        while position >= 0:
            line += count_breaks("\n", after, position)
            if limit is not None and count > limit:
                return Found(found, line, line + 1 + count_breaks("\n", position))
            start = max(text.rfind("\n", after, position) + 1, after)
            end = find("\n", position)
            spans, cut = line_matches(text[start:] if end < 0 else text[start:end], limit)
            found[line] = spans
            count += len(spans)
            if end < 0:
                return Found(found, line + 1, line + 1, cut)
            if cut:
                return Found(found, line + 1, line + 1 + count_breaks("\n", end), cut)
            line += 1
            after = end + 1
            position = find(literal, after)
        lines = line + 1 + count_breaks("\n", after)
        return Found(found, lines, lines)


class BulkScan(Scan):
    """One RE2 pass over lines joined by ``"\\n"`` (or a whole text), in multi-line mode."""

    __slots__ = ()

    def lines(self, texts: list[str], limit: int | None) -> Found:
        if len(texts) <= _BULK_LINES:
            return _line_by_line(self.matcher, texts, limit)
        return self._blob("\n".join(texts).encode("utf-8", "surrogatepass"), texts, limit)

    def text(self, text: str, limit: int | None) -> Found:
        return self._blob(text.encode("utf-8", "surrogatepass"), None, limit)

    def _blob(self, blob: bytes, texts: list[str] | None, limit: int | None) -> Found:
        """Scan ``blob``, lines joined by ``"\\n"`` and encoded; ``texts`` are those lines, or
        ``None`` to decode the few that are needed from ``blob``."""
        matcher = self.matcher
        search = matcher.bulk
        assert search is not None, "a bulk scan needs the matcher's multi-line search"
        budget = limit if limit is not None else -1
        # For plain patterns the pass yields the matches themselves; for whole words and
        # zero-width patterns, whose line-by-line iteration differs, it yields lines to check.
        exact = not matcher.zero_width and not matcher.whole_word
        encoding = matcher.encoding
        found: dict[int, list[SPAN]] = {}
        count = 0
        length = len(blob)
        position = 0
        line = 0
        line_start = 0
        line_end = blob.find(b"\n")
        if line_end < 0:
            line_end = length

        def line_text() -> str:
            if texts is not None:
                return texts[line]
            return blob[line_start:line_end].decode("utf-8", "surrogatepass")

        def stopped(cut: bool = False) -> Found:
            total = len(texts) if texts is not None else line + 1 + blob.count(b"\n", line_end)
            return Found(found, line + 1, total, cut)

        spans: list[SPAN] = []
        while position <= length:
            start, end = search(blob, position, length)
            if start < 0:
                break
            if start > line_end:
                if spans:
                    found[line] = _columns_of(line_text(), spans, encoding)
                    spans = []
                if budget >= 0 and count > budget:
                    return stopped()
                line += 1 + blob.count(b"\n", line_end + 1, start)
                line_start = blob.rfind(b"\n", 0, start) + 1
                line_end = blob.find(b"\n", start)
                if line_end < 0:
                    line_end = length
            if exact:
                if budget >= 0 and len(spans) > budget:
                    # A huge line (minified code): the rest of it is past what can be shown.
                    found[line] = _columns_of(line_text(), spans, encoding)
                    return stopped(cut=True)
                spans.append((start - line_start, end - line_start))
                count += 1
                position = end if end > start else next_boundary(blob, end)
            else:
                checked, cut = matcher.line(line_text(), limit)
                if checked:
                    found[line] = checked
                    count += len(checked)
                if cut:
                    return stopped(cut=True)
                position = line_end + 1
        if spans:
            found[line] = _columns_of(line_text(), spans, encoding)
        total = len(texts) if texts is not None else line + 1 + blob.count(b"\n", line_end)
        return Found(found, total, total)


class WordScan(BulkScan):
    """A whole word of ASCII word characters: up to a few thousand lines (an edit, a document's
    candidate lines), each line alone — found with ``str.find``, cheaper than one RE2 call a line
    — and one RE2 pass over more."""

    __slots__ = ()

    def lines(self, texts: list[str], limit: int | None) -> Found:
        if len(texts) <= _WORD_LINES:
            return _line_by_line(self.matcher, texts, limit)
        return super().lines(texts, limit)


def choose_scan(matcher: Matcher) -> Scan:
    """The strategy for ``matcher``'s pattern."""
    if matcher.literal is not None:
        return LiteralScan(matcher, matcher.literal)
    if matcher.word is not None and matcher.bulk is not None:
        return WordScan(matcher)
    if matcher.bulk is None:
        return LineScan(matcher)
    return BulkScan(matcher)


def _line_by_line(matcher: Matcher, texts: list[str], limit: int | None) -> Found:
    line_matches = matcher.line
    found: dict[int, list[SPAN]] = {}
    count = 0
    for line, text in enumerate(texts):
        if limit is not None and count > limit:
            return Found(found, line, len(texts))
        spans, cut = line_matches(text, limit)
        if spans:
            found[line] = spans
            count += len(spans)
        if cut:
            return Found(found, line + 1, len(texts), cut=True)
    return Found(found, len(texts), len(texts))


def _columns_of(text: str, spans: list[SPAN], encoding: Encoding) -> list[SPAN]:
    if text.isascii() or encoding == "utf-8":
        return spans
    return byte_spans_to_columns(text, encode_line(text), spans, encoding)

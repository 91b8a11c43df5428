"""The matcher: one pattern compiled with RE2, and the rules of what a match is on one line.

RE2 is the linear-time engine: no pattern a user types can stall the server (Python's ``re`` takes
over ten seconds on ``(a+)+$`` against 28 a's). Syntax RE2 does not support — back-references,
look-around — is refused with a clear error; there is no fallback engine that could hang. Every
private name of google-re2 is fenced in :mod:`grepls.engine`.

Matching rules, the same for every line:

* Matches never span lines.
* **Whole word** is Unicode-aware: a match counts only if the characters around it are not letters,
  digits, combining marks or ``_`` (so ``cafe`` is not a whole word in ``cafeé`` or ``_cafe``).
  RE2's ``\\b`` is ASCII-only, so we spell the boundary out with Unicode classes.
* **Zero-width matches** (``^``, ``$``, ``\\b``, ``a*``): a pattern that can match the empty string
  reports at most one match per line — its first, which may be empty. ``^`` therefore marks every
  line once, ``^$`` every empty line, and nothing floods the editor with a match between every pair
  of characters.
* **Matches start and end on character boundaries.** RE2 searches UTF-8 bytes and tries every byte
  offset, so an empty match (``\\B``, ``x?``, ``(|a)``) can fall between the bytes of one
  character — ``\\B`` holds between two bytes of an emoji, neither of which is a word character.
  Such a match is skipped, and the search goes on from the next character: a column inside a
  character exists in no encoding. (A non-empty match cannot start inside a character: no pattern
  RE2 accepts from us consumes a lone continuation byte — ``\\C``, which would, is refused.)
* ``\\b``, ``\\B``, ``\\w``, ``\\d`` and ``\\s`` are RE2's: ASCII-only.

A lone surrogate (which JSON can carry) has no UTF-8 encoding, so a regex cannot hold one; a plain
literal can, and finds it (the text is encoded with ``surrogatepass`` the same way).

How many lines are searched at once, and how, is :mod:`grepls.scan`'s concern: the strategy for
this pattern is chosen once, here, and kept as :attr:`Matcher.scan`.
"""

from __future__ import annotations

import re

from grepls.engine import NO_MATCH, Compiled, Search, enclosable, error, escape
from grepls.pattern import PatternError, PatternSpec, quoted, shortened
from grepls.positions import SPAN, Encoding, byte_spans_to_columns, encode_line, next_boundary
from grepls.scan import Scan, choose_scan

# Letters, digits, combining marks and "_" make up words; anything else, or the line's edge,
# bounds one.
_WORD = rb"\pL\pN\pM_"
_WHOLE_WORD = b"(?:^|[^" + _WORD + b"])(%s)(?:[^" + _WORD + b"]|$)"
# The same, with the word bounded by a character before it: for searching again from the start of
# a line, where "^" would find the first match a second time.
_WHOLE_WORD_AFTER = b"[^" + _WORD + b"](%s)(?:[^" + _WORD + b"]|$)"

# An empty string in every context a zero-width assertion can tell apart — (text, position) with
# the start of the line, a word or a non-word character before it, and the end of the line, a word
# or a non-word character after it. RE2's assertions (^ $ \b \B) are all ASCII-based, so these nine
# contexts are all there are.
_CONTEXTS = (
    (b"", 0),
    (b"a", 0),
    (b" ", 0),
    (b"a", 1),
    (b" ", 1),
    (b"aa", 1),
    (b"a ", 1),
    (b" a", 1),
    (b"  ", 1),
)

# Beyond this, RE2's automaton no longer fits its memory budget and matching turns slow (a
# 20,000-character literal: 0.6 s per 100 kB line). Alternations of many words stay far below it.
MAX_PROGRAM_SIZE = 5_000

# Whole-text anchors (\A, \z) and switching multi-line mode off make a pattern mean something else
# when lines are searched joined by "\n": such patterns are searched line by line.
_WHOLE_TEXT_ONLY = re.compile(r"\\[Az]|\(\?[a-zA-Z]*-")

_SURROGATE = re.compile("[\ud800-\udfff]")

# A whole word made of these alone is found on ASCII lines without RE2 (see Matcher.word).
_ASCII_WORD = re.compile("[A-Za-z0-9_]+")


def _literal_search(needle: bytes) -> Search:
    size = len(needle)

    def find(data: bytes, position: int, end: int) -> SPAN:
        start = data.find(needle, position, end)
        return (start, start + size) if start >= 0 else NO_MATCH

    return find


def _literal_spans(text: str, literal: str, limit: int | None) -> tuple[list[SPAN], bool]:
    """Every non-overlapping occurrence of ``literal`` in an ASCII ``text`` (as
    :meth:`Matcher.line` says: with a ``limit``, the first ``limit`` + 1, and whether there are
    more)."""
    find, size = text.find, len(literal)
    spans: list[SPAN] = []
    position = find(literal)
    while position >= 0:
        if limit is not None and len(spans) > limit:
            return spans, True
        spans.append((position, position + size))
        position = find(literal, position + size)
    return spans, False


def _word_spans(text: str, word: str, fold: bool, limit: int | None) -> tuple[list[SPAN], bool]:
    """Every whole-word occurrence of ``word`` (ASCII word characters only) in an ASCII ``text``,
    as :meth:`Matcher.line` says. Such an occurrence is a whole token of word characters, so they
    never overlap, and on ASCII text case folding is ``str.lower`` (RE2's other folds, like the
    Kelvin sign for ``k``, are not ASCII)."""
    haystack = text.lower() if fold else text
    find, size, length = haystack.find, len(word), len(text)
    spans: list[SPAN] = []
    position = find(word)
    while position >= 0:
        end = position + size
        if (position == 0 or not _is_word(text[position - 1])) and (
            end == length or not _is_word(text[end])
        ):
            if limit is not None and len(spans) > limit:
                return spans, True
            spans.append((position, end))
            position = find(word, end + 1)
        else:
            position = find(word, position + 1)
    return spans, False


def _is_word(char: str) -> bool:
    """Whether an ASCII character is a word character (a letter, digit or ``_``)."""
    return char.isalnum() or char == "_"


def on_boundaries(search: Search) -> Search:
    """``search``, skipping matches that start between the bytes of one character."""

    def found(data: bytes, position: int, end: int) -> SPAN:
        while True:
            span = search(data, position, end)
            start = span[0]
            if start < 0 or start >= len(data) or (data[start] & 0xC0) != 0x80:
                return span
            position = next_boundary(data, start)  # inside a character: go on after it

    return found


class Matcher:
    """A compiled pattern that finds the matches on one line, in client columns."""

    __slots__ = (
        "_search",
        "_search_after",
        "bulk",
        "encoding",
        "literal",
        "scan",
        "spec",
        "whole_word",
        "word",
        "zero_width",
    )

    spec: PatternSpec
    encoding: Encoding
    """The position encoding of the columns :meth:`columns` returns."""
    zero_width: bool
    """Whether the pattern can match the empty string (then: one match per line at most)."""
    whole_word: bool
    literal: str | None
    """The pattern, when it is a plain case-sensitive literal (found without a regex engine)."""
    word: str | None
    """A whole word of ASCII letters, digits and ``_`` (lower case when case does not matter): on
    an ASCII line it is found with ``str.find`` and two character tests, without RE2."""
    bulk: Search | None
    """Finds a match in lines joined by ``"\\n"`` (``None``: the pattern must go line by line)."""
    scan: Scan
    """How many lines at once are searched: the strategy chosen for this pattern."""
    _search: Search
    """Finds a match within one line."""
    _search_after: Search
    """Finds a whole word again from the start of a line, after a first one there."""

    def __init__(self, spec: PatternSpec, encoding: Encoding = "utf-16") -> None:
        self.spec = spec
        self.encoding = encoding
        self.zero_width = False
        self.whole_word = spec.whole_word
        self.literal = None
        self.word = None
        if spec.whole_word and not spec.regex and _ASCII_WORD.fullmatch(spec.pattern):
            self.word = spec.pattern if spec.case_sensitive else spec.pattern.lower()
        pattern = spec.pattern.encode("utf-8", "surrogatepass")
        if not spec.regex and (b"\n" in pattern or b"\r" in pattern):
            raise PatternError("the pattern holds a line break, but matches never span lines")
        if not spec.regex and spec.case_sensitive and not spec.whole_word:
            # A plain literal — the common case — needs no regex engine: bytes.find is fast for
            # needles of any length (RE2's automaton gives up on very long ones).
            self._search = self._search_after = self.bulk = _literal_search(pattern)
            self.literal = spec.pattern
            self.scan = choose_scan(self)
            return
        if spec.regex:
            _refuse_unsearchable(spec.pattern)
            core = enclosable(pattern)
        else:
            core = escape(pattern)
        source = _WHOLE_WORD % core if spec.whole_word else core
        line = _compiled(source, spec, multiline=False)
        if line.program_size > MAX_PROGRAM_SIZE:
            raise PatternError(
                _too_large(f"RE2 program size {line.program_size:,}, limit {MAX_PROGRAM_SIZE:,}")
            )
        group = 1 if spec.whole_word else 0
        self._search = self._search_after = on_boundaries(line.searcher(group))
        if spec.whole_word:
            after = _compiled(_WHOLE_WORD_AFTER % core, spec, multiline=False)
            self._search_after = on_boundaries(after.searcher(1))
        # Zero-width: the pattern itself (not the whole-word frame around it) can match the empty
        # string in some context — whether or not, at a given place, a longer match wins.
        core_alone = line if not spec.whole_word else _compiled(core, spec, multiline=False)
        self.zero_width = any(core_alone.matches_empty_at(*context) for context in _CONTEXTS)
        if spec.regex and _WHOLE_TEXT_ONLY.search(spec.pattern):
            self.bulk = None
        else:
            self.bulk = _compiled(source, spec, multiline=True).searcher(0)
        self.scan = choose_scan(self)

    def _spans(self, data: bytes, limit: int | None = None) -> tuple[list[SPAN], bool]:
        """Every non-overlapping match in one line's bytes (for a whole word, the word itself),
        and whether the line holds more than the ``limit`` + 1 returned."""
        search = self._search
        length = len(data)
        spans: list[SPAN] = []
        position = 0
        while position <= length:
            if spans and position == 0:
                start, end = self._search_after(data, position, length)
            else:
                start, end = search(data, position, length)
            if start < 0:
                break
            if limit is not None and len(spans) > limit:
                return spans, True  # a huge line (minified code): the rest is past what is shown
            spans.append((start, end))
            if end == start:
                position = next_boundary(data, end)  # step over an empty match
            elif self.whole_word:
                # The character after a whole word may be the boundary before the next one, so
                # the next search starts inside this match: at its last character.
                position = end - 1
                while position > start and (data[position] & 0xC0) == 0x80:
                    position -= 1
            else:
                position = end
        return spans, False

    def byte_spans(self, data: bytes, limit: int | None = None) -> list[SPAN]:
        """The matches in one line's UTF-8 bytes, as byte spans."""
        return self._byte_spans(data, limit)[0]

    def _byte_spans(self, data: bytes, limit: int | None) -> tuple[list[SPAN], bool]:
        if self.zero_width:
            found = self._search(data, 0, len(data))
            return ([] if found[0] < 0 else [found]), False
        return self._spans(data, limit)

    def line(self, text: str, limit: int | None = None) -> tuple[list[SPAN], bool]:
        """The matches on one line as (start, end) client columns — with a ``limit``, only the
        first ``limit`` + 1 — and whether the line holds more than were returned."""
        literal = self.literal
        if literal is not None and text.isascii():
            return _literal_spans(text, literal, limit)  # columns are indices: no encoding
        word = self.word
        if word is not None and text.isascii():
            return _word_spans(text, word, not self.spec.case_sensitive, limit)
        data = encode_line(text)
        spans, cut = self._byte_spans(data, limit)
        if spans and not text.isascii():
            spans = byte_spans_to_columns(text, data, spans, self.encoding)
        return spans, cut

    def columns(self, text: str, limit: int | None = None) -> list[SPAN]:
        """The matches on one line, as (start, end) client columns; with a ``limit``, only the
        first ``limit`` + 1 of them."""
        return self.line(text, limit)[0]


def _compiled(source: bytes, spec: PatternSpec, *, multiline: bool) -> Compiled:
    try:
        return Compiled(source, case_sensitive=spec.case_sensitive, multiline=multiline)
    except error as failure:
        raise PatternError(_explain(failure, spec)) from None


def _too_large(measure: str) -> str:
    return (
        f"the pattern is too large to search in linear time without slowing the editor "
        f"({measure}); a literal, case-sensitive pattern has no such limit"
    )


def _explain(failure: error, spec: PatternSpec) -> str:
    """Why RE2 refused to compile ``spec``: a literal is never called a regex, and neither the
    pattern nor what RE2's message echoes of it is quoted whole."""
    detail = failure.args[0] if failure.args else str(failure)
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    if detail.startswith("pattern too large"):
        # Its program outgrew RE2's memory budget before its size could be measured (a long
        # literal with caseSensitive false): the refusal of a program over MAX_PROGRAM_SIZE.
        return _too_large(
            f"RE2 ran out of memory compiling it; limit: program size {MAX_PROGRAM_SIZE:,}"
        )
    if not spec.regex:
        return f"cannot search for {quoted(spec.pattern)}: {detail}"
    hint = ""
    if "invalid escape sequence: \\1" in detail or any(
        f"\\{digit}" in detail for digit in "123456789"
    ):
        hint = " (back-references are not supported: grepls uses RE2, a linear-time engine)"
    elif "invalid perl operator: (?=" in detail or "(?!" in detail or "(?<" in detail:
        hint = " (look-around is not supported: grepls uses RE2, a linear-time engine)"
    # RE2 ends its message with the part of the pattern it stumbled on: most of it, maybe.
    problem, colon, part = detail.partition(": ")
    return f"invalid regex {quoted(spec.pattern)}: {problem}{colon}{shortened(part)}{hint}"


def _refuse_unsearchable(pattern: str) -> None:
    """Refuse what would put a match inside a character or cannot be encoded for RE2: ``\\C``
    (any byte) and lone surrogates."""
    if found := _SURROGATE.search(pattern):
        raise PatternError(
            f"invalid regex {quoted(pattern)}: it holds a lone surrogate "
            f"(U+{ord(found.group()):04X}), which has no UTF-8 encoding for RE2 to search; search "
            "for it as a plain (non-regex, case-sensitive) pattern instead"
        )
    escaped = False
    for char in pattern:
        if escaped:
            if char == "C":
                raise PatternError(
                    f"invalid regex {quoted(pattern)}: \\C (any byte) is not supported; use . "
                    "instead"
                )
            escaped = False
        elif char == "\\":
            escaped = True

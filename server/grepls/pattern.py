"""Patterns: what the user asked for, validated, and compiled into a linear-time matcher.

A :class:`PatternSpec` is the user's request — the text, and whether it is a regex, case
sensitive, a whole word. :func:`parse_pattern_argument` turns the raw ``grepls.setPattern`` argument
into one or raises :class:`PatternError` with a message fit to show the user.

A :class:`Matcher` is a spec compiled with RE2, the linear-time engine: no pattern a user types can
stall the server (Python's ``re`` takes over ten seconds on ``(a+)+$`` against 28 a's). Syntax RE2
does not support — back-references, look-around — is refused with a clear error; there is no
fallback engine that could hang.

Matching rules, the same for every line:

* Matches never span lines.
* **Whole word** is Unicode-aware: a match counts only if the characters around it are not letters,
  digits, combining marks or ``_`` (so ``cafe`` is not a whole word in ``cafeé`` or ``_cafe``).
  RE2's ``\\b`` is ASCII-only, so we spell the boundary out with Unicode classes.
* **Zero-width matches** (``^``, ``$``, ``\\b``, ``a*``): a pattern that can match the empty string
  reports at most one match per line — its first, which may be empty. ``^`` therefore marks every
  line once, ``^$`` every empty line, and nothing floods the editor with a match between every pair
  of characters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import re2

from grepls.positions import SPAN, Encoding, byte_spans_to_columns, encode_line

# Letters, digits, combining marks and "_" make up words; anything else, or the line's edge,
# bounds one.
_WORD = rb"\pL\pN\pM_"
_WHOLE_WORD = b"(?:^|[^" + _WORD + b"])(%s)(?:[^" + _WORD + b"]|$)"
# The same, with the word bounded by a character before it: for searching again from the start of
# a line, where "^" would find the first match a second time.
_WHOLE_WORD_AFTER = b"[^" + _WORD + b"](%s)(?:[^" + _WORD + b"]|$)"

# Empty strings in every context a zero-width assertion can tell apart: start/end of line, and a
# word or non-word character on either side.
_ZERO_WIDTH_PROBES = (b"", b"a", b" ", b"aa", b"  ", b"a ", b" a")

_UNANCHORED = re2._Anchor.UNANCHORED

# Above this many lines, one RE2 pass over the joined text beats a Python loop over the lines.
_BULK_LINES = 64

_OPTION_KEYS = {"pattern": str, "regex": bool, "caseSensitive": bool, "wholeWord": bool}

MAX_PATTERN_LENGTH = 1_000_000

# Beyond this, RE2's automaton no longer fits its memory budget and matching turns slow (a
# 20,000-character literal: 0.6 s per 100 kB line). Alternations of many words stay far below it.
MAX_PROGRAM_SIZE = 5_000


class PatternError(ValueError):
    """A pattern the user gave cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class PatternSpec:
    """What the user asked to find."""

    pattern: str
    regex: bool = False
    case_sensitive: bool = True
    whole_word: bool = False

    def describe(self) -> str:
        """How the pattern reads in a diagnostic message: "TODO", /TOD+/i, and so on."""
        flags = ("" if self.case_sensitive else "i") + ("w" if self.whole_word else "")
        if self.regex:
            return f"/{self.pattern}/{flags}"
        return f'"{self.pattern}"' + (f" ({flags})" if flags else "")


def parse_pattern_argument(arguments: list[Any] | None) -> PatternSpec:
    """The ``grepls.setPattern`` arguments: one string, or one object of options."""
    if not arguments or len(arguments) != 1:
        count = 0 if not arguments else len(arguments)
        raise PatternError(
            f"grepls.setPattern takes exactly one argument (a string or an object), got {count}"
        )
    (argument,) = arguments
    if isinstance(argument, str):
        return checked_spec(PatternSpec(argument))
    if not isinstance(argument, dict):
        raise PatternError(
            "grepls.setPattern argument must be a string or an object like "
            f'{{"pattern": "TODO", "regex": false}}, got {_json_type(argument)}'
        )
    return checked_spec(spec_from_options(argument, "grepls.setPattern"))


def spec_from_options(options: dict[str, Any], where: str) -> PatternSpec:
    unknown = sorted(set(options) - set(_OPTION_KEYS))
    if unknown:
        raise PatternError(
            f"{where}: unknown option {', '.join(map(repr, unknown))}; "
            f"known options are {', '.join(_OPTION_KEYS)}"
        )
    if "pattern" not in options:
        raise PatternError(f'{where}: the object needs a "pattern" string')
    for key, wanted in _OPTION_KEYS.items():
        if key in options and not isinstance(options[key], wanted):
            raise PatternError(
                f"{where}: {key!r} must be a {_json_name(wanted)}, got {_json_type(options[key])}"
            )
    return PatternSpec(
        pattern=options["pattern"],
        regex=options.get("regex", False),
        case_sensitive=options.get("caseSensitive", True),
        whole_word=options.get("wholeWord", False),
    )


def checked_spec(spec: PatternSpec) -> PatternSpec:
    if spec.pattern == "":
        raise PatternError("the pattern is empty: give at least one character to search for")
    if len(spec.pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(
            f"the pattern is {len(spec.pattern):,} characters long; the limit is "
            f"{MAX_PATTERN_LENGTH:,}"
        )
    return spec


def _json_name(kind: type) -> str:
    return {str: "string", bool: "boolean"}[kind]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _explain(error: re2.error, pattern: str) -> str:
    detail = error.args[0] if error.args else str(error)
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    hint = ""
    if "invalid escape sequence: \\1" in detail or any(
        f"\\{digit}" in detail for digit in "123456789"
    ):
        hint = " (back-references are not supported: grepls uses RE2, a linear-time engine)"
    elif "invalid perl operator: (?=" in detail or "(?!" in detail or "(?<" in detail:
        hint = " (look-around is not supported: grepls uses RE2, a linear-time engine)"
    return f"invalid regex {pattern!r}: {detail}{hint}"


def _refuse_any_byte(pattern: str) -> None:
    """Refuse ``\\C``, which matches half a character and would put a match inside one."""
    escaped = False
    for char in pattern:
        if escaped:
            if char == "C":
                raise PatternError(
                    f"invalid regex {pattern!r}: \\C (any byte) is not supported; use . instead"
                )
            escaped = False
        elif char == "\\":
            escaped = True


def _compile(source: bytes, case_sensitive: bool, *, multiline: bool) -> Any:
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = case_sensitive
    options.max_mem = 64 << 20
    if multiline:
        options.never_nl = True
        source = b"(?m)" + source
    return re2.compile(source, options)


Finder = Callable[[bytes, int, int], SPAN]
"""Finds the first match in ``data[position:length]``: its byte span, or (-1, -1)."""


def _literal_finder(needle: bytes) -> Finder:
    size = len(needle)

    def find(data: bytes, position: int, length: int) -> SPAN:
        start = data.find(needle, position, length)
        return (start, start + size) if start >= 0 else (-1, -1)

    return find


def _regex_finder(regexp: Any, group: int) -> Finder:
    # RE2's C++ object directly: the Python wrapper's match objects cost microseconds each.
    match = regexp.Match

    def search(data: bytes, position: int, length: int) -> SPAN:
        span: SPAN = match(_UNANCHORED, data, position, length)[group]
        return span

    return search


class Matcher:
    """A compiled pattern that finds the matches on one line, in client columns."""

    __slots__ = (
        "_group",
        "_literal",
        "_search_after",
        "_search_bulk",
        "_search_line",
        "encoding",
        "spec",
        "zero_width",
    )

    spec: PatternSpec
    encoding: Encoding
    """The position encoding of the columns :meth:`columns` returns."""
    zero_width: bool
    """Whether the pattern can match the empty string (then: one match per line at most)."""
    _search_line: Finder
    """Finds a match within one line."""
    _search_after: Finder
    """Finds a whole word again from the start of a line, after a first one there."""
    _search_bulk: Finder | None
    """Finds a match in lines joined by "\\n" (``None``: the pattern must go line by line)."""

    def __init__(self, spec: PatternSpec, encoding: Encoding = "utf-16") -> None:
        self.spec = spec
        self.encoding = encoding
        self.zero_width = False
        self._literal: str | None = None
        self._group = 1 if spec.whole_word else 0
        pattern = spec.pattern.encode("utf-8", "surrogatepass")
        if not spec.regex and (b"\n" in pattern or b"\r" in pattern):
            raise PatternError("the pattern holds a line break, but matches never span lines")
        if not spec.regex and spec.case_sensitive and not spec.whole_word:
            # A plain literal — the common case — needs no regex engine: bytes.find is fast for
            # needles of any length (RE2's automaton gives up on very long ones).
            self._search_line = self._search_bulk = _literal_finder(pattern)
            self._search_after = self._search_line
            self._literal = spec.pattern
            return
        if spec.regex:
            _refuse_any_byte(spec.pattern)
            core = pattern
        else:
            core = re2.escape(pattern)
        source = _WHOLE_WORD % core if spec.whole_word else core
        try:
            line = _compile(source, spec.case_sensitive, multiline=False)._regexp
        except re2.error as error:
            raise PatternError(_explain(error, spec.pattern)) from None
        if line.ProgramSize() > MAX_PROGRAM_SIZE:
            raise PatternError(
                f"the pattern is too large to search in linear time without slowing the editor "
                f"(RE2 program size {line.ProgramSize():,}, limit {MAX_PROGRAM_SIZE:,}); a "
                "literal, case-sensitive pattern has no such limit"
            )
        self._search_line = self._search_bulk = _regex_finder(line, self._group)
        self._search_after = self._search_line
        if spec.whole_word:
            after = _compile(_WHOLE_WORD_AFTER % core, spec.case_sensitive, multiline=False)
            self._search_after = _regex_finder(after._regexp, 1)
        self.zero_width = any(
            start == end for probe in _ZERO_WIDTH_PROBES for start, end in self._all_spans(probe)
        )
        # The whole-text scan treats the document as one string with "\n" between lines; that
        # only agrees with line-by-line matching when the pattern has no whole-text anchors and
        # cannot switch multi-line mode off.
        if spec.regex and re2.search(r"\\[Az]|\(\?[a-zA-Z]*-", spec.pattern):
            self._search_bulk = None
        else:
            bulk = _compile(source, spec.case_sensitive, multiline=True)._regexp
            self._search_bulk = _regex_finder(bulk, 0)

    def _all_spans(self, data: bytes, limit: int | None = None) -> list[SPAN]:
        """Every non-overlapping match in one line's bytes (for a whole word, the word itself)."""
        search = self._search_line
        whole_word = bool(self._group)
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
            spans.append((start, end))
            if limit is not None and len(spans) > limit:
                break  # a huge line (minified code): the rest is past what can be shown
            if end == start:
                position = end + 1  # step over an empty match (only probes and scans meet one)
            elif whole_word:
                # The character after a whole word may be the boundary before the next one, so
                # the next search starts inside this match: at its last character.
                position = end - 1
                while position > start and (data[position] & 0xC0) == 0x80:
                    position -= 1
            else:
                position = end
        return spans

    def byte_spans(self, data: bytes, limit: int | None = None) -> list[SPAN]:
        """The matches in one line's UTF-8 bytes, as byte spans."""
        if self.zero_width:
            found = self._search_line(data, 0, len(data))
            return [] if found[0] < 0 else [found]
        return self._all_spans(data, limit)

    def columns(self, text: str, limit: int | None = None) -> list[SPAN]:
        """The matches in one line, as (start, end) client columns; with a ``limit``, only the
        first ``limit`` + 1 of them."""
        data = encode_line(text)
        spans = self.byte_spans(data, limit)
        if not spans:
            return spans
        return byte_spans_to_columns(text, data, spans, self.encoding)

    def scan(self, texts: list[str], limit: int | None = None) -> tuple[dict[int, list[SPAN]], int]:
        """The matches of many lines: (line number → matches for the lines that have any, how many
        lines were searched).

        With a ``limit``, the search stops at the first line that starts after more than
        ``limit`` matches were found, so a pattern that matches nearly everywhere costs what the
        editor can show, not what the document holds; every line before the returned count was
        searched, none after it.

        One RE2 pass over the lines joined by ``"\\n"`` replaces a Python loop over every line —
        the difference between milliseconds and a second on a large document. A plain literal
        needs no join: C-level substring tests pick out its lines faster than encoding would.
        """
        if self._search_bulk is None or len(texts) <= _BULK_LINES:
            return self._scan_lines(texts, limit)
        if self._literal is not None:
            return self._scan_literal(texts, self._literal, limit)
        blob = "\n".join(texts).encode("utf-8", "surrogatepass")
        found, searched, _ = self._scan_blob(blob, texts, limit, count_lines=False)
        return found, searched

    def scan_text(
        self, text: str, limit: int | None = None
    ) -> tuple[dict[int, list[SPAN]], int, int]:
        """:meth:`scan` for the lines of a whole text broken by ``"\\n"`` only, without
        splitting it: (matches by line, lines searched, lines in the text).

        This is how a document just opened gets its first matches: a million-line text is
        searched in the time splitting it into lines would take. Only for a matcher that
        :attr:`searches_whole_text`.
        """
        if self._literal is not None:
            return self._scan_text_literal(text, self._literal, limit)
        assert self._search_bulk is not None, "this pattern must be searched line by line"
        return self._scan_blob(text.encode("utf-8", "surrogatepass"), None, limit, count_lines=True)

    @property
    def searches_whole_text(self) -> bool:
        """Whether :meth:`scan_text` can search a text without splitting it into lines (not for
        whole-text anchors such as ``\\A``, which mean the start of each line to grep)."""
        return self._search_bulk is not None

    def _scan_lines(self, texts: list[str], limit: int | None) -> tuple[dict[int, list[SPAN]], int]:
        found: dict[int, list[SPAN]] = {}
        count = 0
        for line, text in enumerate(texts):
            if limit is not None and count > limit:
                return found, line
            if on_line := self.columns(text, limit):
                found[line] = on_line
                count += len(on_line)
        return found, len(texts)

    def _scan_blob(
        self, blob: bytes, texts: list[str] | None, limit: int | None, *, count_lines: bool
    ) -> tuple[dict[int, list[SPAN]], int, int]:
        """Scan lines joined by ``"\\n"`` and encoded, ``blob``; ``texts`` are those lines, or
        ``None`` to decode the few that are needed from ``blob``. Returns (matches by line,
        lines searched, lines in ``blob`` — or -1 unless ``count_lines``)."""
        budget = limit if limit is not None else -1
        found: dict[int, list[SPAN]] = {}
        count = 0
        # For plain patterns the pass yields the matches themselves; for whole words and
        # zero-width patterns, whose line-by-line iteration differs, it yields lines to check.
        exact = not self.zero_width and not self._group
        search = self._search_bulk
        assert search is not None
        encoding = self.encoding
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

        def total() -> int:
            return line + 1 + blob.count(b"\n", line_end) if count_lines else -1

        spans: list[SPAN] = []
        while position <= length:
            start, end = search(blob, position, length)
            if start < 0:
                break
            if start > line_end:
                if spans and exact:
                    found[line] = self._columns_of(line_text(), spans, encoding)
                    spans = []
                if budget >= 0 and count > budget:
                    return found, line + 1, total()
                line += 1 + blob.count(b"\n", line_end + 1, start)
                line_start = blob.rfind(b"\n", 0, start) + 1
                line_end = blob.find(b"\n", start)
                if line_end < 0:
                    line_end = length
            if exact:
                spans.append((start - line_start, end - line_start))
                count += 1
                position = end if end > start else end + 1
                if budget >= 0 and len(spans) > budget:
                    # A huge line (minified code): the rest of it is past what can be shown.
                    found[line] = self._columns_of(line_text(), spans, encoding)
                    return found, line + 1, total()
            else:
                if checked := self.columns(line_text(), limit):
                    found[line] = checked
                    count += len(checked)
                position = line_end + 1
        if spans:
            found[line] = self._columns_of(line_text(), spans, encoding)
        lines = total()
        return found, (len(texts) if texts is not None else lines), lines

    def _scan_literal(
        self, texts: list[str], literal: str, limit: int | None
    ) -> tuple[dict[int, list[SPAN]], int]:
        found: dict[int, list[SPAN]] = {}
        count = 0
        for line in [line for line, text in enumerate(texts) if literal in text]:
            if limit is not None and count > limit:
                return found, line
            spans = self.columns(texts[line], limit)
            found[line] = spans
            count += len(spans)
        return found, len(texts)

    def _scan_text_literal(
        self, text: str, literal: str, limit: int | None
    ) -> tuple[dict[int, list[SPAN]], int, int]:
        # str.find jumps from match to match and str.count numbers the lines in between: two C
        # passes over the text, and Python work only on the lines that match.
        find, count_breaks = text.find, text.count
        found: dict[int, list[SPAN]] = {}
        count = 0
        line = 0  # the line number at `after`
        after = 0  # the start of the first line not yet searched
        position = find(literal)
        while position >= 0:
            line += count_breaks("\n", after, position)
            if limit is not None and count > limit:
                return found, line, line + 1 + count_breaks("\n", position)
            start = max(text.rfind("\n", after, position) + 1, after)
            end = find("\n", position)
            spans = self.columns(text[start:] if end < 0 else text[start:end], limit)
            found[line] = spans
            count += len(spans)
            if end < 0:
                return found, line + 1, line + 1
            line += 1
            after = end + 1
            position = find(literal, after)
        lines = line + 1 + count_breaks("\n", after)
        return found, lines, lines

    @staticmethod
    def _columns_of(text: str, spans: list[SPAN], encoding: Encoding) -> list[SPAN]:
        if text.isascii() or encoding == "utf-8":
            return spans
        return byte_spans_to_columns(text, encode_line(text), spans, encoding)

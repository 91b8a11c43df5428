"""The oracle: what the matches *should* be, computed from scratch with none of the server's code.

The server keeps matches incrementally (a line store, splices, a coroutine, RE2 over UTF-8 bytes).
This module recomputes them the slow, obvious way, so that a disagreement points at the server:

* the client's text is a plain ``str``; edits are applied by slicing it at offsets computed here;
* lines are ``re.split(r"\\r\\n|\\r|\\n", text)`` — LSP's three breaks and nothing else;
* matching is Python's ``re`` (a different engine from the server's RE2), line by line;
* columns are measured by encoding each prefix in the negotiated encoding.

Whole word is written with look-around over a class of the word characters present on the line
(letters, digits, marks and ``_`` by ``unicodedata``), rather than the server's boundary groups.
A pattern that can match the empty string reports only its first match on each line; whether it
can is decided by the caller (the pattern generator knows it from the grammar), not by probing.

The semantics of regex assertions are RE2's, modelled here with Python's look-around:

* ``\\b`` and ``\\B`` are ASCII-based: a word character is ``[0-9A-Za-z_]`` whatever the case
  option (Python's own ``\\b`` is Unicode-aware, and under ``IGNORECASE`` its classes would take in
  the Kelvin sign), and the line's edges count as non-word.
* Matches are between code points — the oracle has no other positions — which is what the server
  promises: an empty match never falls inside a character, in any encoding.
* ``^`` and ``$`` are the line's start and end (lines hold no break).

This is the one oracle: the in-process tests, the reliability tests and the benchmark's checks all
ask it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

Span = tuple[int, int, int, int]
"""(start line, start column, end line, end column) in client columns."""

LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Search:
    """A pattern as the client asked for it, plus whether it can match the empty string."""

    pattern: str
    regex: bool = False
    case_sensitive: bool = True
    whole_word: bool = False
    nullable: bool = False

    def argument(self) -> dict[str, object]:
        """The ``grepls.setPattern`` argument that asks for this search."""
        return {
            "pattern": self.pattern,
            "regex": self.regex,
            "caseSensitive": self.case_sensitive,
            "wholeWord": self.whole_word,
        }


def lines_of(text: str) -> list[str]:
    return LINE_BREAK.split(text)


def line_starts(text: str) -> list[int]:
    """The offset in ``text`` where each line begins."""
    return [0] + [found.end() for found in LINE_BREAK.finditer(text)]


def width(text: str, encoding: str) -> int:
    """How many client columns ``text`` spans."""
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    assert encoding == "utf-32", encoding
    return len(text)


def column_of(line: str, index: int, encoding: str) -> int:
    return width(line[:index], encoding)


def index_of(line: str, column: int, encoding: str) -> int:
    """The code point index of a client column: clamped to the line, rounded down when the column
    falls inside a character."""
    if column <= 0:
        return 0
    used = 0
    for index, char in enumerate(line):
        used += width(char, encoding)
        if used > column:
            return index
    return len(line)


def offset_of(text: str, line: int, column: int, encoding: str) -> int:
    """Where an LSP position points in ``text``, with the documented clamping: a negative line is
    the start of the document, a line past the end is its end, a column past the line's end is the
    line's end."""
    starts = line_starts(text)
    if line < 0:
        return 0
    if line >= len(starts):
        return len(text)
    content = lines_of(text)[line]
    return starts[line] + index_of(content, column, encoding)


def apply_change(text: str, change: dict[str, object], encoding: str) -> str:
    """Apply one LSP content change (``{"text": ...}`` or ``{"range": ..., "text": ...}``)."""
    new_text = change["text"]
    assert isinstance(new_text, str)
    where = change.get("range")
    if where is None:
        return new_text
    assert isinstance(where, dict)
    start = offset_of(text, where["start"]["line"], where["start"]["character"], encoding)
    end = offset_of(text, where["end"]["line"], where["end"]["character"], encoding)
    if end < start:
        start, end = end, start
    return text[:start] + new_text + text[end:]


def is_word_char(char: str) -> bool:
    return char == "_" or unicodedata.category(char)[0] in "LNM"


_ASCII_WORD = "(?-i:[0-9A-Za-z_])"
_ASSERTIONS = {
    # RE2's \b: a word character on exactly one side (the line's edges are non-word).
    "b": f"(?:(?<={_ASCII_WORD})(?!{_ASCII_WORD})|(?<!{_ASCII_WORD})(?={_ASCII_WORD}))",
    # RE2's \B: word characters on both sides, or on neither.
    "B": f"(?:(?<={_ASCII_WORD})(?={_ASCII_WORD})|(?<!{_ASCII_WORD})(?!{_ASCII_WORD}))",
}


def re2_assertions(pattern: str) -> str:
    """``pattern`` with ``\\b`` and ``\\B`` (outside classes) spelled as RE2 means them."""
    out: list[str] = []
    escaped = in_class = False
    for char in pattern:
        if escaped:
            escaped = False
            if not in_class and char in _ASSERTIONS:
                out[-1] = _ASSERTIONS[char]
                continue
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        out.append(char)
    return "".join(out)


def _compiled(search: Search, line: str) -> re.Pattern[str]:
    core = re2_assertions(search.pattern) if search.regex else re.escape(search.pattern)
    source = f"(?:{core})"
    if search.whole_word:
        words = sorted({char for char in line if is_word_char(char)})
        if words:
            klass = "[" + "".join(re.escape(char) for char in words) + "]"
            source = f"(?<!{klass}){source}(?!{klass})"
    return re.compile(source, 0 if search.case_sensitive else re.IGNORECASE)


def line_matches(search: Search, line: str) -> list[tuple[int, int]]:
    """The (start, end) code point indexes of the matches on one line."""
    compiled = _compiled(search, line)
    if search.nullable:
        found = compiled.search(line)
        return [] if found is None else [found.span()]
    return [found.span() for found in compiled.finditer(line)]


def expected_matches(search: Search | None, text: str, encoding: str) -> list[Span]:
    """Every match of ``search`` in ``text``, in document order, as client-column spans."""
    return [span for span, _, _ in _matches(search, text, encoding)]


EXCERPT = 1000
"""The README's rule for ``listMatches``: a line longer than this is cut to this many characters
around the match, a quarter of them before it, with "…" where it was cut."""


def excerpt(line: str, start: int) -> str:
    """The text ``listMatches`` gives for a match starting at code point ``start``."""
    if len(line) <= EXCERPT:
        return line
    first = max(0, min(start - EXCERPT // 4, len(line) - EXCERPT))
    last = first + EXCERPT
    return ("…" if first else "") + line[first:last] + ("…" if last < len(line) else "")


def expected_lines(search: Search | None, text: str, encoding: str) -> list[tuple[Span, str]]:
    """Like :func:`expected_matches`, each with its line as ``listMatches`` gives it."""
    return [(span, excerpt(line, start)) for span, line, start in _matches(search, text, encoding)]


def _matches(search: Search | None, text: str, encoding: str) -> list[tuple[Span, str, int]]:
    """Every match: its span, its line and its start in code points."""
    if search is None:
        return []
    listed: list[tuple[Span, str, int]] = []
    for number, line in enumerate(lines_of(text)):
        # Columns measured from the previous one (matches come in order), so that a huge line
        # with many matches stays linear.
        index = column = 0
        for start, end in line_matches(search, line):
            column += width(line[index:start], encoding)
            start_column = column
            column += width(line[start:end], encoding)
            index = end
            listed.append(((number, start_column, number, column), line, start))
    return listed


def expected_replace(search: Search, replacement: str, text: str) -> str:
    """``text`` after ``grepls.replace`` of every match of ``search`` (never nullable) with
    ``replacement`` — RE2's own ``re2.sub``, line by line, breaks kept. In a regex replacement
    ``\\0`` is the match and ``\\\\`` a backslash (the only escapes the step draws); a literal's is
    inserted as it is. Whole words (which RE2 cannot say in Unicode) and lines holding a lone
    surrogate (which its wrapper cannot encode) are spliced at this oracle's own matches."""
    import re2  # the server's engine, but through its public API, not the server's code

    assert not search.nullable, "nothing to replace: the server refuses nullable patterns"

    def new_text(matched: str) -> str:
        if not search.regex:
            return replacement
        return "".join(
            matched if piece == "\\0" else piece[-1]
            for piece in re.findall(r"\\[0\\]|[^\\]", replacement, re.S)
        )

    options = re2.Options()
    options.case_sensitive = search.case_sensitive
    source = search.pattern if search.regex else re2.escape(search.pattern)
    compiled = None if search.whole_word else re2.compile(source, options)
    pieces = LINE_BREAK.split(text)
    breaks = [*LINE_BREAK.findall(text), ""]
    out = []
    for line, brk in zip(pieces, breaks, strict=True):
        if compiled is not None and not re.search("[\ud800-\udfff]", line):
            line = compiled.sub(lambda found: new_text(found.group(0)), line)
        else:
            for start, end in reversed(line_matches(search, line)):
                line = line[:start] + new_text(line[start:end]) + line[end:]
        out.append(line + brk)
    return "".join(out)

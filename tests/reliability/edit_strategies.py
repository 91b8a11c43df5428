"""Hypothesis strategies for what an editor sends: texts, LSP edits and search patterns.

Texts are built from *tokens* chosen to hit the server's hard cases: all three LSP line breaks
(and ``\\r\\n\\r``, which an edit can re-pair), characters that other splitters treat as breaks
(form feed, ``\\x85``, U+2028), astral characters (two UTF-16 units, four UTF-8 bytes), combining
marks (word characters for whole-word search), case pairs whose folding is not ASCII (ß/ẞ, the
Kelvin sign), NUL, and a lone low surrogate (which JSON can carry and no high surrogate can pair
with). Edits are drawn against the text the client currently holds, with positions that are
mostly valid but sometimes past the end of a line or the document, inside a surrogate pair or a
UTF-8 sequence, negative, or reversed — all of which the server documents how it reads.

Regexes come from a small grammar whose constructs mean the same in Python's ``re`` and RE2 (with
``\\b`` and ``\\B`` as the oracle models RE2's), including the zero-width ``^``, ``$``, ``\\b``,
``\\B`` and empty alternatives, and which tracks in which contexts each pattern can match the empty
string (the oracle needs that, and must not ask the server). Case pairs on which the two engines'
folding disagrees (İ/i) are left out.
"""

from __future__ import annotations

from typing import Any

from grep_oracle import Search, lines_of, width
from hypothesis import strategies as st

TOKENS = [
    "TODO",
    "todo",
    "ToDo",
    "TODO_",
    "a",
    "b",
    "_",
    " ",
    "  ",
    "é",
    "e\u0301",
    "É",
    "ß",
    "ẞ",
    "中",
    "😀",
    "𝄞",
    "\u212a",
    "k",
    "1",
    "٣",
    "\t",
    "\x0c",
    "\u2028",
    "\x85",
    "\x00",
    "\udfff",
    "\r\n",
    "\r",
    "\n",
    "\r\n\r",
    "\n\r",
]
# Common tokens repeat so that most documents hold matches of most patterns.
TEXT_TOKENS = st.sampled_from([*TOKENS, "TODO", "TODO", "a", "a", " ", " ", "\n", "é", "😀"])
ENCODINGS = ["utf-16", "utf-8", "utf-32"]


def texts(max_tokens: int = 40) -> st.SearchStrategy[str]:
    # The length is drawn first, uniformly: plain lists stay short, and long texts find more.
    return st.integers(0, max_tokens).flatmap(
        lambda size: st.lists(TEXT_TOKENS, min_size=size, max_size=size).map("".join)
    )


# -- positions and edits -----------------------------------------------------------------------


@st.composite
def positions(draw: Any, text: str, encoding: str) -> tuple[int, int]:
    """An LSP position in ``text``: usually valid, sometimes out of range in a documented way."""
    lines = lines_of(text)
    kind = draw(st.sampled_from(["valid"] * 8 + ["inside", "past-line", "past-doc", "negative"]))
    if kind == "past-doc":
        return len(lines) + draw(st.integers(0, 3)), draw(st.integers(0, 5))
    if kind == "negative":
        return draw(st.integers(-3, -1)), draw(st.integers(-2, 5))
    line = draw(st.integers(0, len(lines) - 1))
    content = lines[line]
    if kind == "past-line":
        return line, width(content, encoding) + draw(st.integers(1, 4))
    if kind == "inside":
        # Any column, which may fall inside a multi-unit character (the server rounds down).
        return line, draw(st.integers(0, width(content, encoding)))
    index = draw(st.integers(0, len(content)))
    return line, width(content[:index], encoding)


@st.composite
def changes(draw: Any, text: str, encoding: str) -> dict[str, Any]:
    """One content change against ``text``: an insertion, deletion, replacement or a new text."""
    kind = draw(st.sampled_from(["insert"] * 3 + ["delete"] * 2 + ["replace"] * 2 + ["whole"]))
    if kind == "whole":
        return {"text": draw(texts())}
    start = draw(positions(text, encoding))
    end = start if kind == "insert" else draw(positions(text, encoding))
    new_text = "" if kind == "delete" else draw(texts(max_tokens=6))
    return {
        "range": {
            "start": {"line": start[0], "character": start[1]},
            "end": {"line": end[0], "character": end[1]},
        },
        "text": new_text,
    }


# -- patterns --------------------------------------------------------------------------------------

LITERALS = [
    "TODO",
    "TODO",
    "a",
    "a",
    "todo",
    "O",
    "OD",
    "DO_",
    "a",
    "_",
    " ",
    "é",
    "É",
    "e\u0301",
    "ß",
    "ẞ",
    "😀",
    "𝄞",
    "\u212a",
    "k",
    "1",
    "\x0c",
    "\u2028",
    "\x85",
    "\x00",
    "TODO\n",
    "\r",
    "O\tT",
]
_SPECIAL = set(".^$*+?()[]{}|\\")


def _escaped(char: str) -> str:
    return "\\" + char if char in _SPECIAL else char


# Each regex strategy yields (source, contexts): the contexts in which the regex can match the
# empty string, as (before, after) pairs — "start", "word" or "other" before the position, "end",
# "word" or "other" after it. Nullable means some context. (Whether a longer match wins at a given
# place does not matter: the server reports one match per line for any pattern that *can* match
# empty; see grepls.matcher.) Word characters are RE2's ASCII ones, as the oracle models them.
Contexts = frozenset[tuple[str, str]]
ALL: Contexts = frozenset(
    (before, after) for before in ("start", "word", "other") for after in ("end", "word", "other")
)
NONE: Contexts = frozenset()
Regex = tuple[str, Contexts]

_ASSERTIONS: list[Regex] = [
    ("^", frozenset(c for c in ALL if c[0] == "start")),
    ("$", frozenset(c for c in ALL if c[1] == "end")),
    ("\\b", frozenset(c for c in ALL if (c[0] == "word") != (c[1] == "word"))),
    ("\\B", frozenset(c for c in ALL if (c[0] == "word") == (c[1] == "word"))),
]
_ATOMS = st.sampled_from(
    [(_escaped(c), NONE) for c in "TODOtoab_ é1ß😀.\u212a"]
    + [
        (".", NONE),
        ("[TD]", NONE),
        ("[^ a]", NONE),
        ("[a-z]", NONE),
        ("[0-9]", NONE),
        ("[😀𝄞]", NONE),
        ("TODO", NONE),
        ("\\.", NONE),
        ("e\u0301", NONE),  # a combining mark
        ("\u0301", NONE),
    ]
)
# (suffix, whether it allows zero repetitions)
_QUANTIFIERS = st.sampled_from(
    [
        ("?", True),
        ("*", True),
        ("+", False),
        ("{1,2}", False),
        ("{0,2}", True),
        ("??", True),
        ("*?", True),
        ("+?", False),
        ("{2}", False),
    ]
)


def _quantified(inner: st.SearchStrategy[Regex]) -> st.SearchStrategy[Regex]:
    @st.composite
    def build(draw: Any) -> Regex:
        source, contexts = draw(inner)
        if draw(st.booleans()):
            return source, contexts
        suffix, optional = draw(_QUANTIFIERS)
        if (
            len(source) > 1
            and not (source.startswith("[") and source.endswith("]"))
            and not (source.startswith("\\") and len(source) == 2)
        ):
            source = f"(?:{source})"
        return source + suffix, ALL if optional else contexts

    return build()


def _sequence(items: st.SearchStrategy[Regex]) -> st.SearchStrategy[Regex]:
    # An empty match of a sequence is every part's empty match at one place: the contexts meet.
    def joined(parts: list[Regex]) -> Regex:
        contexts = ALL
        for _, part in parts:
            contexts &= part
        return "".join(source for source, _ in parts), contexts

    # Assertions are never quantified (Python refuses "^*"), only placed between parts.
    parts = st.one_of(items, items, st.sampled_from(_ASSERTIONS))
    return st.lists(parts, min_size=1, max_size=4).map(joined)


# Groups may only be made optional: a group under * or + whose inside repeats too ((?:a+)+x) sends
# the oracle's backtracking engine into exponential time, while RE2 stays linear.
_OPTIONAL = st.sampled_from([("", False), ("?", True), ("??", True)])


def _optional(group: st.SearchStrategy[Regex]) -> st.SearchStrategy[Regex]:
    return st.tuples(group, _OPTIONAL).map(
        lambda g: (g[0][0] + g[1][0], ALL if g[1][1] else g[0][1])
    )


_EMPTY: Regex = ("", ALL)
"""An empty alternative, as in ``(|a)`` or ``(?:a|)``."""

_BRANCH = st.recursive(
    _quantified(_ATOMS),
    lambda inner: _optional(
        st.one_of(
            _sequence(inner).map(lambda p: (f"(?:{p[0]})", p[1])),
            _sequence(inner).map(lambda p: (f"({p[0]})", p[1])),
            st.tuples(_sequence(inner) | st.just(_EMPTY), _sequence(inner) | st.just(_EMPTY)).map(
                lambda ab: (f"(?:{ab[0][0]}|{ab[1][0]})", ab[0][1] | ab[1][1])
            ),
        )
    ),
    max_leaves=6,
)


@st.composite
def regex_sources(draw: Any) -> Regex:
    """A regex and the contexts in which it can match the empty string."""
    kind = draw(st.sampled_from(["one"] * 4 + ["alternation", "bare-assertion"]))
    if kind == "bare-assertion":
        return draw(st.sampled_from([*_ASSERTIONS, ("^$", frozenset({("start", "end")}))]))
    first = draw(_sequence(_BRANCH))
    if kind == "one":
        return first
    second = draw(_sequence(_BRANCH) | st.just(_EMPTY))
    return f"{first[0]}|{second[0]}", first[1] | second[1]


@st.composite
def searches(draw: Any) -> Search:
    """A pattern as a client would set it: literal or regex, with case and whole-word options."""
    case_sensitive = draw(st.booleans())
    whole_word = draw(st.integers(0, 3)) == 0
    if draw(st.booleans()):
        source, contexts = draw(regex_sources())
        return Search(source, True, case_sensitive, whole_word, bool(contexts))
    literal = draw(
        st.one_of(
            st.sampled_from(LITERALS), st.sampled_from(LITERALS), texts(max_tokens=3).filter(bool)
        )
    )
    # The equivalence tests keep to patterns the server accepts: it refuses a line break in a
    # literal (matches never span lines) and a lone surrogate outside a plain literal (RE2
    # searches UTF-8); test_malformed_input.py covers both refusals.
    literal = literal.replace("\udfff", "?").replace("\r", "?").replace("\n", "?") or "?"
    return Search(literal, False, case_sensitive, whole_word, False)

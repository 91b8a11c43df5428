"""Regexes with zero-width parts, on astral and combining characters, agree with the oracle.

The state machines of test_edit_equivalence.py check whole editing sessions; this checks many more
patterns against many more lines, directly on a :class:`~grepls.matcher.Matcher` and a
:class:`~grepls.document.Document`: ``\\b``, ``\\B``, ``^``, ``$`` and empty alternatives, whose
empty matches RE2 could place between the bytes of one character, in every position encoding.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import small_first_steps
from edit_strategies import ENCODINGS, changes, searches, texts
from grep_oracle import Search, apply_change, expected_matches
from grepls.document import Change, Document
from grepls.matcher import Matcher
from grepls.pattern import PatternSpec
from hypothesis import given, settings
from hypothesis import strategies as st
from profiles import slow_only

# (pattern, whether it can match the empty string)
ZERO_WIDTH = [
    ("\\b", True),
    ("\\B", True),
    ("^", True),
    ("$", True),
    ("(|a)", True),
    ("x?", True),
    ("a*", True),
    ("\\B.", False),
    (".\\B", False),
    ("\\b😀|é\\B", False),
    ("\\B|😀", True),
]
HARD_LINES = ["😀", "a😀", "😀a", "é\u0301😀x", "", "  ", "中文", "\udfff", "𝄞𝄞", "ab cd"]


def spec(search: Search) -> PatternSpec:
    return PatternSpec(search.pattern, search.regex, search.case_sensitive, search.whole_word)


def held(document: Document) -> list[tuple[int, int, int, int]]:
    lines = document.tracks["search"].index.lines
    return [(n, start, n, end) for n in sorted(lines) for start, end in lines[n]]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize(("pattern", "nullable"), ZERO_WIDTH)
def test_an_empty_match_never_falls_inside_a_character(
    pattern: str, nullable: bool, encoding: str
) -> None:
    text = "\n".join(HARD_LINES)
    search = Search(pattern, regex=True, nullable=nullable)
    document = Document("file:///hard.txt", 1, text)
    document.bind([("search", Matcher(spec(search), encoding))], 1000)  # type: ignore[arg-type]
    assert held(document) == expected_matches(search, text, encoding)
    # An edit that puts an emoji where the match was keeps the pipeline alive and right.
    document.apply([Change("😀", (1, 0, 1, 0))], encoding)  # type: ignore[arg-type]
    text = document.lines.text()
    assert held(document) == expected_matches(search, text, encoding)


def check(search: Search, text: str, encoding: str) -> None:
    matcher = Matcher(spec(search), encoding)  # type: ignore[arg-type]
    assert matcher.zero_width == search.nullable, "the oracle and the server disagree on empty"
    document = Document("file:///generated.txt", 1, text)
    document.bind([("search", matcher)], 10_000)
    assert held(document) == expected_matches(search, text, encoding)


REGEXES = searches().filter(lambda search: search.regex)


@settings(max_examples=400)
@given(search=REGEXES, text=texts(), encoding=st.sampled_from(ENCODINGS))
def test_generated_regexes_agree_with_the_oracle(search: Search, text: str, encoding: str) -> None:
    check(search, text, encoding)


@slow_only
@settings(max_examples=20_000)
@given(search=REGEXES, text=texts(), encoding=st.sampled_from(ENCODINGS))
def test_generated_regexes_agree_with_the_oracle_long(
    search: Search, text: str, encoding: str
) -> None:
    check(search, text, encoding)


def as_change(change: dict[str, Any]) -> Change:
    where = change.get("range")
    if where is None:
        return Change(change["text"])
    start, end = where["start"], where["end"]
    where_tuple = (start["line"], start["character"], end["line"], end["character"])
    return Change(change["text"], where_tuple)


@settings(max_examples=300)
@given(
    data=st.data(),
    text=texts(),
    search=searches(),
    encoding=st.sampled_from(ENCODINGS),
    limit=st.sampled_from([2, 10_000]),
)
def test_edits_while_a_text_is_split_slice_by_slice_agree_with_the_oracle(
    data: st.DataObject, text: str, search: Search, encoding: str, limit: int
) -> None:
    """A document just opened is split a slice at a time between messages (grepls.lines); edits
    and read-ons that arrive meanwhile see the same lines as after a whole split."""
    with small_first_steps():
        document = Document("file:///opened.txt", 1, text)
        document.bind([("search", Matcher(spec(search), encoding))], limit)  # type: ignore[arg-type]
        edit_and_split(data, document, text, search, encoding, limit)


def edit_and_split(
    data: st.DataObject, document: Document, text: str, search: Search, encoding: str, limit: int
) -> None:
    for _ in range(data.draw(st.integers(1, 8), label="steps")):
        if data.draw(st.booleans(), label="split"):
            document.lines.split_some(data.draw(st.integers(1, 20), label="characters"))
        else:
            change = data.draw(changes(text, encoding), label="change")
            text = apply_change(text, change, encoding)
            document.apply([as_change(change)], encoding)  # type: ignore[arg-type]
        assert document.lines.text() == text
        shown = expected_matches(search, text, encoding)[: limit + 1]
        assert held(document)[: limit + 1] == shown

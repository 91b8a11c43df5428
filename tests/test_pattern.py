"""Patterns: literal by default, RE2 regexes, Unicode whole words, one zero-width match per line."""

from __future__ import annotations

import time
from typing import Any

import pytest
from grepls.matcher import Matcher
from grepls.pattern import PatternError, PatternSpec, parse_pattern_argument
from hypothesis import given, settings
from hypothesis import strategies as st


def columns(pattern: str, line: str, **options: bool) -> list[tuple[int, int]]:
    return Matcher(PatternSpec(pattern, **options)).columns(line)


def test_a_literal_pattern_is_not_a_regex() -> None:
    assert columns("a.b", "axb a.b") == [(4, 7)]
    assert columns("(", "f(x)") == [(1, 2)]


def test_case_insensitive_matching_is_unicode_aware() -> None:
    assert columns("straße", "STRASSE Straße", case_sensitive=False) == [(8, 14)]
    assert columns("é", "É é", case_sensitive=False) == [(0, 1), (2, 3)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("cafe", [(0, 4)]),
        ("cafeé", []),
        ("_cafe", []),
        ("cafe\u0301", []),  # a combining accent continues the word
        ("café cafe,cafe", [(5, 9), (10, 14)]),
        ("1cafe cafe2", []),
    ],
)
def test_whole_words_are_bounded_by_non_word_unicode_characters(
    line: str, expected: list[tuple[int, int]]
) -> None:
    assert columns("cafe", line, whole_word=True) == expected


def test_adjacent_whole_words_separated_by_one_character_both_match() -> None:
    assert columns("ab", "ab ab ab", whole_word=True) == [(0, 2), (3, 5), (6, 8)]


@pytest.mark.parametrize(
    ("pattern", "line", "expected"),
    [
        ("^", "abc", [(0, 0)]),
        ("$", "abc", [(3, 3)]),
        ("^$", "", [(0, 0)]),
        ("^$", "x", []),
        ("x*", "axx", [(0, 0)]),
        (r"\b", "  ab", [(2, 2)]),
    ],
)
def test_zero_width_patterns_report_their_first_match_only(
    pattern: str, line: str, expected: list[tuple[int, int]]
) -> None:
    matcher = Matcher(PatternSpec(pattern, regex=True))
    assert matcher.zero_width
    assert matcher.columns(line) == expected


def test_patterns_that_cannot_match_empty_report_every_match() -> None:
    matcher = Matcher(PatternSpec(r"x+", regex=True))
    assert not matcher.zero_width
    assert matcher.columns("x xx") == [(0, 1), (2, 4)]


def test_a_catastrophic_pattern_is_linear() -> None:
    matcher = Matcher(PatternSpec("(a+)+$", regex=True))
    started = time.monotonic()
    assert matcher.columns("a" * 100_000 + "!") == []
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("(a)\\1", "back-references are not supported"),
        ("(?=x)", "look-around is not supported"),
        ("(?<!x)", "look-around is not supported"),
        ("[a", "missing ]"),
        ("\\C", "any byte"),
    ],
)
def test_unsupported_syntax_is_refused_with_a_reason(pattern: str, says: str) -> None:
    with pytest.raises(PatternError, match=says.replace("(", r"\(")):
        Matcher(PatternSpec(pattern, regex=True))


def test_the_command_argument_is_a_string_or_an_options_object() -> None:
    assert parse_pattern_argument(["TODO"]) == PatternSpec("TODO")
    assert parse_pattern_argument(
        [{"pattern": "x", "regex": True, "caseSensitive": False, "wholeWord": True}]
    ) == PatternSpec("x", regex=True, case_sensitive=False, whole_word=True)
    with pytest.raises(PatternError, match="must be a boolean"):
        parse_pattern_argument([{"pattern": "x", "wholeWord": 1}])


SCAN_LINES = ["a TODO", "", "😀TODO TODO", "ab ab", "todo", "x", "TODO"]


SCAN_OPTIONS = [
    {"pattern": "TODO"},
    {"pattern": "todo", "case_sensitive": False},
    {"pattern": "ab", "whole_word": True},
    {"pattern": "^", "regex": True},
    {"pattern": "^$", "regex": True},
    {"pattern": r"\Atodo|x$", "regex": True},  # whole-text anchors: no whole-text scan
    {"pattern": r"(?-m)^T", "regex": True},
    {"pattern": r"\s|O\b", "regex": True},
]


@pytest.mark.parametrize("options", SCAN_OPTIONS)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_scanning_many_lines_at_once_agrees_with_line_by_line(
    options: dict[str, Any], encoding: str
) -> None:
    matcher = Matcher(PatternSpec(**options), encoding)  # type: ignore[arg-type]
    many = SCAN_LINES * 20  # enough lines for the whole-text scan
    by_line = {n: spans for n, text in enumerate(many) if (spans := matcher.columns(text))}
    found = matcher.scan(many)
    assert (found.matches, found.searched, found.lines) == (by_line, len(many), len(many))
    found = matcher.scan(SCAN_LINES)
    assert (found.matches, found.searched) == (
        {n: spans for n, spans in by_line.items() if n < len(SCAN_LINES)},
        len(SCAN_LINES),
    )
    assert by_line or options["pattern"] == "^$"


@pytest.mark.parametrize("lines", [10, 1000])
def test_a_limited_scan_stops_after_the_line_that_passes_the_limit(lines: int) -> None:
    texts = ["a e e", "x"] * (lines // 2)
    found = Matcher(PatternSpec("e")).scan(texts, limit=5)
    # Lines 0 and 2 hold 4 matches, line 4 brings it to 6 > 5: the search stops after line 4.
    assert found.matches == {0: [(2, 3), (4, 5)], 2: [(2, 3), (4, 5)], 4: [(2, 3), (4, 5)]}
    assert found.searched in (5, 6)  # line 5 holds no match: it may or may not have been read


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.sampled_from([*SCAN_LINES, "é ab", "TODO😀TODO", "xx"]), max_size=150),
    options=st.sampled_from(SCAN_OPTIONS),
    encoding=st.sampled_from(["utf-8", "utf-16"]),
    limit=st.none() | st.integers(0, 12),
)
def test_a_text_searched_whole_or_as_lines_gives_each_lines_own_matches(
    lines: list[str], options: dict[str, Any], encoding: str, limit: int | None
) -> None:
    """What a document just opened gets from its unsplit text is what its lines would give."""
    matcher = Matcher(PatternSpec(**options), encoding)  # type: ignore[arg-type]
    text = "\n".join(lines)
    texts = text.split("\n")
    whole = matcher.scan([], text, limit)
    assert whole.lines == len(texts)
    as_lines = matcher.scan(texts, None, limit)
    same = (whole.matches, whole.searched) == (as_lines.matches, as_lines.searched)
    assert same or limit is not None
    expected = {n: spans for n, line in enumerate(texts) if (spans := matcher.columns(line, limit))}
    assert whole.matches == {n: spans for n, spans in expected.items() if n < whole.searched}
    if whole.searched < whole.lines:  # stopped early: only past `limit` matches
        assert limit is not None and whole.count > limit
    # Split into lines and a tail anywhere: the same first matches (the tail is searched only as
    # far as the matches left to show, so a line there may keep fewer of its own).
    split = len(texts) // 3
    mixed = matcher.scan(texts[:split], "\n".join(texts[split:]), limit)
    assert mixed.lines == len(texts)
    shown = None if limit is None else limit + 1
    assert flat(mixed.matches)[:shown] == flat(expected)[:shown]


def flat(matches: dict[int, list[tuple[int, int]]]) -> list[tuple[int, int, int]]:
    return [(line, *span) for line in sorted(matches) for span in matches[line]]


@pytest.mark.parametrize(
    ("encoding", "expected"), [("utf-8", [(5, 5)]), ("utf-16", [(3, 3)]), ("utf-32", [(2, 2)])]
)
def test_an_empty_match_lands_between_characters_not_inside_an_emoji(
    encoding: str, expected: list[tuple[int, int]]
) -> None:
    # RE2 finds \B first between two bytes of the emoji (neither is a word character); the first
    # place between characters where it holds is the end of the line.
    matcher = Matcher(PatternSpec(r"\B", regex=True), encoding)  # type: ignore[arg-type]
    assert matcher.columns("a😀") == expected


def test_a_regex_holding_a_lone_surrogate_is_refused_with_a_reason() -> None:
    with pytest.raises(PatternError, match="lone surrogate"):
        Matcher(PatternSpec("\ud800", regex=True))
    # As a plain literal it is found like any other character.
    assert Matcher(PatternSpec("\ud800")).columns("a\ud800") == [(1, 2)]


def test_a_line_with_more_matches_than_the_limit_says_it_was_cut() -> None:
    matcher = Matcher(PatternSpec("e", regex=True))
    assert matcher.line("e" * 10, limit=3) == ([(0, 1), (1, 2), (2, 3), (3, 4)], True)
    assert matcher.line("e" * 4, limit=3) == ([(0, 1), (1, 2), (2, 3), (3, 4)], False)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet="tToOdD_1a -.", max_size=40),
    word=st.sampled_from(["to", "todo", "TODO", "a_1", "o", "_"]),
    case_sensitive=st.booleans(),
    limit=st.one_of(st.none(), st.integers(0, 3)),
)
def test_an_ascii_whole_word_found_without_re2_is_what_re2_finds(
    text: str, word: str, case_sensitive: bool, limit: int | None
) -> None:
    matcher = Matcher(PatternSpec(word, case_sensitive=case_sensitive, whole_word=True))
    assert matcher.word is not None  # the str.find road, on ASCII lines
    assert matcher.line(text, limit)[0] == matcher.byte_spans(text.encode(), limit)  # RE2's road

"""An open document: its pipeline survives failures, counts exactly, and opens without waiting."""

from __future__ import annotations

import logging
from inspect import GEN_SUSPENDED, getgeneratorstate
from typing import Any

import pytest
from conftest import small_first_steps
from grep_oracle import Search, expected_matches
from grepls.coroutine import grep
from grepls.document import Change, Document
from grepls.index import MatchIndex
from grepls.lines import ReadOn, Splice
from grepls.matcher import Matcher
from grepls.pattern import PatternSpec
from grepls.scan import Found
from hypothesis import given, settings
from hypothesis import strategies as st
from inprocess import InProcess


def held(document: Document) -> list[tuple[int, int, int, int]]:
    lines = document.tracks["search"].index.lines
    return [(n, start, n, end) for n in sorted(lines) for start, end in lines[n]]


def flaky(matcher: Matcher, fail_on: set[int]) -> None:
    """Make the matcher's scan raise on the given calls (counted from 1)."""
    real = matcher.scan
    calls = 0

    def scan(*arguments: Any) -> Found:
        nonlocal calls
        calls += 1
        if calls in fail_on:
            raise RuntimeError(f"injected failure in scan call {calls}")
        return real(*arguments)

    matcher.scan = scan  # type: ignore[assignment]


# -- failures ----------------------------------------------------------------------------------


def test_a_search_that_fails_once_is_logged_and_later_edits_still_update_the_matches(
    caplog: pytest.LogCaptureFixture,
) -> None:
    matcher = Matcher(PatternSpec("TODO"))
    flaky(matcher, fail_on={2})  # the bind is call 1; the first edit fails
    document = Document("file:///flaky.txt", 1, "TODO\nx")
    document.bind([("search", matcher)], 100)
    with caplog.at_level(logging.ERROR, logger="grepls.document"):
        document.apply([Change("TODO ", (1, 0, 1, 0))], "utf-16")
    assert "grep failed on file:///flaky.txt" in caplog.text
    assert held(document) == [(0, 0, 0, 4), (1, 0, 1, 4)]  # rebuilt from the line store
    assert (
        document.tracks["search"].grep is not None
        and getgeneratorstate(document.tracks["search"].grep) == GEN_SUSPENDED
    )
    document.apply([Change("", (0, 0, 0, 4))], "utf-16")
    assert held(document) == [(1, 0, 1, 4)]


def test_a_search_that_keeps_failing_shows_no_matches_and_never_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    matcher = Matcher(PatternSpec("TODO"))
    flaky(matcher, fail_on=set(range(2, 100)))
    document = Document("file:///broken.txt", 1, "TODO\nx")
    document.bind([("search", matcher)], 100)
    with caplog.at_level(logging.ERROR, logger="grepls.document"):
        document.apply([Change("TODO ", (1, 0, 1, 0))], "utf-16")
        document.apply([Change("y", (0, 0, 0, 0))], "utf-16")
    assert "grep failed again on file:///broken.txt" in caplog.text
    assert held(document) == [] and document.tracks["search"].index.count == 0
    assert document.lines.text() == "yTODO\nTODO x"  # the text itself is kept


def test_a_failure_while_binding_is_contained_too() -> None:
    matcher = Matcher(PatternSpec("TODO"))
    flaky(matcher, fail_on={1})
    document = Document("file:///bind.txt", 1, "a TODO")
    document.bind([("search", matcher)], 100)
    assert held(document) == [(0, 2, 0, 6)]


# -- counting --------------------------------------------------------------------------------------


def test_one_line_with_more_matches_than_the_limit_is_not_counted_exactly() -> None:
    document = Document("file:///minified.js", 1, "e" * 50)
    document.bind([("search", Matcher(PatternSpec("e")))], 5)
    assert document.tracks["search"].index.horizon is None  # the only line was searched...
    assert not document.tracks["search"].index.exact  # ...but not to its end
    assert document.tracks["search"].index.count == 6
    document.apply([Change("", (0, 0, 0, 44))], "utf-16")  # six left: all of them held
    assert document.tracks["search"].index.exact and document.tracks["search"].index.count == 6


def test_set_pattern_reports_an_incomplete_count_for_one_huge_line() -> None:
    driver = InProcess(options={"maxMatchesPerDocument": 5})
    driver.open("file:///minified.js", "x\n" + "e," * 100)
    result = driver.command("grepls.setPattern", "e")
    assert (result["matches"], result["complete"]) == (6, False)
    notices = [m["message"] for m in driver.messages("window/showMessage")]
    assert notices == [
        'grepls: more than 5 matches of "e" in minified.js; showing the first 5 '
        "(setting grepls.maxMatchesPerDocument)"
    ]


# -- what the publisher relies on --------------------------------------------------------------


def test_a_line_whose_matches_change_gets_a_new_list_and_a_moved_one_keeps_its_own() -> None:
    document = Document("file:///moves.txt", 1, "TODO\nx\nTODO")
    document.bind([("search", Matcher(PatternSpec("TODO")))], 100)
    index = document.tracks["search"].index
    before = dict(index.lines)
    generation = index.generation
    document.apply([Change("y", (1, 0, 1, 0))], "utf-16")  # nothing moves
    assert index.lines[0] is before[0] and index.lines[2] is before[2]
    assert index.generation == generation  # no match changed
    document.apply([Change("\n", (1, 0, 1, 0))], "utf-16")  # line 2 moves to 3
    assert index.lines[0] is before[0]
    assert index.lines[3] is before[2]  # moved: its rendering (without line number) still holds
    assert index.generation > generation
    document.apply([Change("TODO ", (3, 0, 3, 0))], "utf-16")  # changed: a new list
    assert index.lines[3] is not before[2] and index.lines[3] == [(0, 4), (5, 9)]


# -- the deferred split ------------------------------------------------------------------------


def test_an_edit_at_the_top_of_a_document_just_opened_does_not_split_the_rest() -> None:
    text = "".join(f"line {n} TODO\n" for n in range(200_000))
    document = Document("file:///big.txt", 1, text)
    document.bind([("search", Matcher(PatternSpec("TODO")))], 1000)
    assert document.split_pending
    document.apply([Change("", (0, 7, 0, 11))], "utf-16")  # delete the first TODO
    assert document.split_pending
    assert document.lines.pending_characters > len(text) * 0.9
    assert held(document)[:2] == [(1, 7, 1, 11), (2, 7, 2, 11)]
    assert (
        document.tracks["search"].index.count == 1001
    )  # read on past the horizon to show the cap again
    while document.split_some():
        pass
    assert document.lines.texts[:2] == ["line 0 ", "line 1 TODO"]


def test_a_line_cut_short_is_searched_again_when_matches_above_it_go() -> None:
    """At a limit of 3 the search stops inside the long line; as the matches above it are deleted
    one by one, the lines read on must start with that line's other matches, not skip them."""
    search = Search("TODO")
    text = "TODO\nTODO\nTODO\nTODO\nx\nTODO TODO TODO TODO TODO TODO\nx\nTODO"
    document = Document("file:///cut.txt", 1, text)
    document.bind([("search", Matcher(PatternSpec("TODO"), "utf-16"))], 3)
    for line in range(4):
        document.apply([Change("", (line, 0, line, 4))], "utf-16")
        expected = expected_matches(search, document.lines.text(), "utf-16")
        assert held(document)[:4] == expected[:4], f"after deleting the TODO of line {line}"
    index = document.tracks["search"].index
    assert index.count == 4 and not index.exact


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(
        st.sampled_from(["TODO", "x", "", "é😀TODO", "a TODO b", "TODO TODO😀TODO TODO"]),
        max_size=80,
    ),
    steps=st.lists(
        st.one_of(
            st.just(("split",)),
            st.tuples(
                st.just("edit"),
                st.integers(0, 90),
                st.integers(0, 12),
                st.integers(0, 3),
                st.sampled_from(["", "TODO", "\n", "x\nTODO\n", "😀", "TODO TODO TODO"]),
            ),
        ),
        max_size=15,
    ),
    limit=st.sampled_from([2, 1000]),
)
def test_edits_between_split_steps_keep_the_matches_of_the_whole_text(
    lines: list[str], steps: list[tuple[Any, ...]], limit: int
) -> None:
    with small_first_steps():
        interleave("\n".join(lines), steps, limit)


def interleave(text: str, steps: list[tuple[Any, ...]], limit: int) -> None:
    search = Search("TODO")
    document = Document("file:///interleaved.txt", 1, text)
    document.bind([("search", Matcher(PatternSpec("TODO"), "utf-16"))], limit)
    for step in steps:
        if step[0] == "split":
            document.lines.split_some(16)
        else:
            _, line, column, down, new_text = step
            document.apply([Change(new_text, (line, column, line + down, column))], "utf-16")
        text = document.lines.text()
        expected = expected_matches(search, text, "utf-16")
        assert held(document)[: limit + 1] == expected[: limit + 1]
    document.lines.split()
    lines = document.lines
    assert "".join(t + b for t, b in zip(lines.texts, lines.breaks, strict=True)) == text


# -- the coroutine reads only what it is sent ----------------------------------------------------


def test_grep_asks_for_the_lines_past_its_horizon_instead_of_reading_them() -> None:
    index = MatchIndex()
    coroutine = grep(Matcher(PatternSpec("e")), index, 2)
    assert coroutine.send(Splice(0, 0, ["e", "e", "e", "x", "e"])) is None  # 3 > 2: enough
    assert index.horizon in (3, 4)  # line 3 holds no match: either is a true horizon
    wanted = coroutine.send(Splice(0, 1, []))  # a line with a match went: 2 left
    assert wanted is not None and wanted == index.horizon  # read on from there
    text = ["e", "e", "x", "e"]
    assert coroutine.send(ReadOn(wanted, text[wanted:], to_end=True)) is None
    assert sorted(index.lines) == [0, 1, 3] and index.horizon is None

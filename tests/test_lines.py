"""The line store splits at LSP's three line breaks only, and edits touch only the edited lines."""

from __future__ import annotations

import pytest
from conftest import small_first_steps
from grepls.lines import LineStore, ReadOn, Splice, split_lines
from hypothesis import given, settings
from hypothesis import strategies as st

# Python's str.splitlines splits on every one of these; LSP on none.
NOT_BREAKS = "f\x0cv\x0bs\x1c\x1d\x1en\x85l\u2028p\u2029"


@pytest.mark.parametrize(
    ("text", "texts", "breaks"),
    [
        ("", [""], [""]),
        ("a\nb", ["a", "b"], ["\n", ""]),
        ("a\r\nb\r\n", ["a", "b", ""], ["\r\n", "\r\n", ""]),
        ("a\rb\nc\r\nd", ["a", "b", "c", "d"], ["\r", "\n", "\r\n", ""]),
        ("\r\r\n\n", ["", "", "", ""], ["\r", "\r\n", "\n", ""]),
        (
            NOT_BREAKS,
            [NOT_BREAKS],
            [""],
        ),
    ],
)
def test_only_lf_crlf_and_cr_break_lines(text: str, texts: list[str], breaks: list[str]) -> None:
    assert split_lines(text) == (texts, breaks)
    assert LineStore(text).text() == text


def test_an_edit_reports_only_the_lines_it_touched() -> None:
    store = LineStore("zero\none\ntwo\nthree\n")
    splice = store.replace((1, 1), (2, 1), "N\nE\nW")
    assert (splice.first, splice.removed, splice.texts) == (1, 2, ["oN", "E", "Wwo"])
    assert store.text() == "zero\noN\nE\nWwo\nthree\n"


def test_typing_inside_a_line_replaces_that_line_only() -> None:
    store = LineStore("a\nbc\nd")
    splice = store.replace((1, 1), (1, 1), "X")
    assert (splice.first, splice.removed, splice.texts) == (1, 1, ["bXc"])


def test_a_range_given_backwards_is_read_forwards() -> None:
    store = LineStore("abcdef")
    store.replace((0, 4), (0, 1), "")
    assert store.text() == "aef"


def test_a_lone_cr_meeting_an_lf_becomes_one_crlf() -> None:
    store = LineStore("a\rX\nb")
    splice = store.replace((1, 0), (1, 1), "")
    assert store.texts == ["a", "b"]
    assert store.breaks == ["\r\n", ""]
    assert (splice.first, splice.removed, splice.texts) == (0, 2, ["a"])


def test_typing_a_cr_before_an_lf_makes_a_crlf() -> None:
    store = LineStore("a\nb")
    store.replace((0, 1), (0, 1), "\r")
    assert (store.texts, store.breaks) == (["a", "b"], ["\r\n", ""])


def test_splitting_a_crlf_apart_makes_two_breaks() -> None:
    store = LineStore("a\r\nb")
    store.replace((0, 1), (0, 1), "\rX")
    assert store.text() == "a\rX\r\nb"
    assert store.texts == ["a", "X", "b"]


def test_a_whole_document_reset_replaces_every_line() -> None:
    store = LineStore("1\n2\n3")
    splice = store.reset("x\r\ny")
    assert (splice.first, splice.removed, splice.texts) == (0, 3, ["x", "y"])
    assert store.breaks == ["\r\n", ""]


def test_adding_a_final_newline_adds_an_empty_last_line() -> None:
    store = LineStore("ab")
    store.replace((0, 2), (0, 2), "\n")
    assert (store.texts, store.breaks) == (["ab", ""], ["\n", ""])


def test_a_text_is_kept_whole_until_its_lines_are_needed() -> None:
    store = LineStore("zero\none\n")
    assert store.split_pending
    assert store.text() == "zero\none\n"
    assert len(store) == 3
    splice = store.replace((1, 0), (1, 3), "ONE")  # the first edit splits as far as it needs
    assert (splice.first, splice.removed, splice.texts) == (1, 1, ["ONE"])
    assert (store.texts, store.breaks) == (["zero", "ONE", ""], ["\n", "\n", ""])
    assert not store.split_pending


def test_a_text_with_a_cr_is_split_at_once() -> None:
    store = LineStore("a\r\nb")
    assert not store.split_pending
    assert (store.texts, store.breaks) == (["a", "b"], ["\r\n", ""])


def test_replacing_a_text_kept_whole_counts_the_lines_it_had() -> None:
    store = LineStore("a\nb\nc")
    splice = store.reset("x\r\ny")
    assert (splice.first, splice.removed, splice.texts) == (0, 3, ["x", "y"])
    assert not store.split_pending
    assert store.text() == "x\r\ny"


def test_an_edit_at_the_top_of_a_text_just_opened_does_not_split_the_rest() -> None:
    text = "".join(f"line {n}\n" for n in range(200_000))
    store = LineStore(text)
    splice = store.replace((0, 0), (0, 4), "LINE")
    assert splice.texts == ["LINE 0"]
    assert store.split_pending
    assert store.pending_characters > len(text) * 0.9  # only a small slice was split
    assert len(store) == 200_001
    assert store.text() == "LINE 0\n" + text[7:]


def test_split_some_splits_a_slice_at_a_time_until_done() -> None:
    text = "".join(f"line {n}\n" for n in range(100_000))
    store = LineStore(text)
    steps = 0
    while store.split_some():
        steps += 1
        assert store.pending_characters > 0
    assert steps >= 3  # a bounded slice each time
    assert store.texts == text.split("\n")
    assert not store.split_pending
    assert not store.split_some()


def test_a_line_longer_than_a_split_step_is_split_whole() -> None:
    long = "x" * 100
    store = LineStore(f"{long}\n{long}")
    assert store.split_some(10)
    assert store.line(0) == long and store.split_pending
    assert not store.split_some(10)
    assert store.texts == [long, long]


def test_reading_past_the_end_says_so() -> None:
    store = LineStore("a\nb\nc")
    assert store.read(1, 5) == ReadOn(1, ["b", "c"], to_end=True)
    assert store.read(0, 2) == ReadOn(0, ["a", "b"], to_end=False)


def test_every_line_of_a_text_partly_split_is_the_lines_and_the_rest() -> None:
    store = LineStore("a\nb\nc")
    store.split_some(1)
    assert store.everything() == Splice(0, 0, ["a"], "b\nc")


_PIECES = st.sampled_from(["a", "b", "\n", "\n", "\r", "\r\n", "é", "😀", ""])


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.sampled_from(["", "a", "bb", "é😀", "x" * 40]), min_size=0, max_size=60),
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("split"), st.integers(1, 50)),
            st.tuples(
                st.just("edit"),
                st.tuples(st.integers(0, 70), st.integers(0, 45)),
                st.tuples(st.integers(0, 70), st.integers(0, 45)),
                st.lists(_PIECES, max_size=4).map("".join),
            ),
        ),
        max_size=12,
    ),
)
def test_splitting_a_slice_at_a_time_between_edits_is_splitting_at_once(
    lines: list[str], steps: list[tuple[object, ...]]
) -> None:
    text = "\n".join(lines)
    with small_first_steps():
        lazy, eager = LineStore(text), LineStore(text)
        eager.split()
        replay(lazy, eager, steps)
    assert (lazy.texts, lazy.breaks) == (eager.texts, eager.breaks)


def replay(lazy: LineStore, eager: LineStore, steps: list[tuple[object, ...]]) -> None:
    for step in steps:
        if step[0] == "split":
            lazy.split_some(step[1])  # type: ignore[arg-type]
            continue
        _, start, end, new_text = step
        start, end = clamp(eager, start), clamp(eager, end)  # type: ignore[arg-type]
        assert lazy.replace(start, end, new_text) == eager.replace(start, end, new_text)  # type: ignore[arg-type]
        assert len(lazy) == len(eager)
        assert lazy.text() == eager.text()


def clamp(store: LineStore, position: tuple[int, int]) -> tuple[int, int]:
    line = min(position[0], len(store) - 1)
    return line, min(position[1], len(store.line(line)))

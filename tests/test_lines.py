"""The line store splits at LSP's three line breaks only, and edits touch only the edited lines."""

from __future__ import annotations

import pytest
from grepls.lines import LineStore, split_lines

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
    assert store.unsplit == "zero\none\n"
    assert store.text() == "zero\none\n"
    splice = store.replace((1, 0), (1, 3), "ONE")  # the first edit splits it
    assert store.unsplit is None
    assert (splice.first, splice.removed, splice.texts) == (1, 1, ["ONE"])
    assert (store.texts, store.breaks) == (["zero", "ONE", ""], ["\n", "\n", ""])


def test_a_text_with_a_cr_is_split_at_once() -> None:
    store = LineStore("a\r\nb")
    assert store.unsplit is None
    assert (store.texts, store.breaks) == (["a", "b"], ["\r\n", ""])


def test_replacing_a_text_kept_whole_counts_the_lines_it_had() -> None:
    store = LineStore("a\nb\nc")
    splice = store.reset("x\r\ny")
    assert (splice.first, splice.removed, splice.texts) == (0, 3, ["x", "y"])
    assert store.unsplit is None
    assert store.text() == "x\r\ny"

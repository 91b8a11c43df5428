"""Columns in the negotiated encoding: an emoji is two UTF-16 units, four UTF-8 bytes."""

from __future__ import annotations

import pytest
from grepls.positions import (
    byte_spans_to_columns,
    column_to_index,
    encode_line,
    index_to_column,
)
from hypothesis import given, settings
from hypothesis import strategies as st

LINE = "a😀b é"  # a, emoji (astral), b, space, é


@pytest.mark.parametrize(
    ("encoding", "columns"),
    [
        ("utf-16", [0, 1, 3, 4, 5, 6]),
        ("utf-8", [0, 1, 5, 6, 7, 9]),
        ("utf-32", [0, 1, 2, 3, 4, 5]),
    ],
)
def test_index_and_column_convert_both_ways(encoding: str, columns: list[int]) -> None:
    for index, column in enumerate(columns):
        assert index_to_column(LINE, index, encoding) == column  # type: ignore[arg-type]
        assert column_to_index(LINE, column, encoding) == index  # type: ignore[arg-type]


def test_a_column_inside_a_character_rounds_down() -> None:
    assert column_to_index(LINE, 2, "utf-16") == 1  # half of the surrogate pair
    assert column_to_index(LINE, 3, "utf-8") == 1  # inside the four UTF-8 bytes


def test_columns_past_the_end_clamp_to_the_line_end() -> None:
    assert column_to_index(LINE, 99, "utf-16") == len(LINE)
    assert column_to_index("abc", 99, "utf-8") == 3
    assert column_to_index("abc", -5, "utf-16") == 0


def test_byte_spans_become_client_columns() -> None:
    data = encode_line(LINE)
    spans = [(0, 1), (1, 5), (5, 6), (7, 9)]
    assert byte_spans_to_columns(LINE, data, spans, "utf-16") == [(0, 1), (1, 3), (3, 4), (5, 6)]
    assert byte_spans_to_columns(LINE, data, spans, "utf-32") == [(0, 1), (1, 2), (2, 3), (4, 5)]
    assert byte_spans_to_columns(LINE, data, spans, "utf-8") == spans


def test_a_lone_surrogate_is_one_utf16_unit() -> None:
    text = "x\ud800y"
    assert index_to_column(text, 3, "utf-16") == 3
    assert column_to_index(text, 2, "utf-16") == 2
    data = encode_line(text)
    assert byte_spans_to_columns(text, data, [(4, 5)], "utf-16") == [(2, 3)]


def _walked(text: str, column: int, encoding: str) -> int:
    """The definition, one code point at a time: the index of the character a column falls in
    (its start rounding down), or the line's end."""
    used = 0
    for index, char in enumerate(text):
        if encoding == "utf-16":
            used += 2 if char > "\uffff" else 1
        else:
            used += len(char.encode("utf-8", "surrogatepass"))
        if used > column:
            return index
    return len(text)


@settings(max_examples=500, deadline=None)
@given(
    text=st.lists(st.sampled_from(["a", "é", "中", "😀", "\ud83d", "\ude00", "\udc00"])).map(
        "".join
    ),
    column=st.integers(0, 40),
    encoding=st.sampled_from(["utf-16", "utf-8"]),
)
def test_column_to_index_is_the_walk_over_code_points(
    text: str, column: int, encoding: str
) -> None:
    """Reading only the code points a column can lie in gives what walking the line gives,
    lone and separated surrogate halves included (two edits can leave them side by side), on a
    line that ends there or runs on."""
    for line in (text, text + "x" * 50):
        assert column_to_index(line, column, encoding) == _walked(line, column, encoding)  # type: ignore[arg-type]

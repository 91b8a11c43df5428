"""Fuzzing the two pure foundations — the line store and column conversion — against plain models.

The line store is checked against a plain ``str`` edited by slicing: after every replace, its text
equals the model, its lines equal ``re.split`` of the model, and the :class:`Splice` it returned,
applied to the old list of lines, gives the new one (the contract the grep coroutine relies on).
Column conversion is checked against counting code units character by character: index → column →
index round-trips on every character boundary, a column inside a character rounds down, and byte
spans convert to the same columns as the oracle's prefix widths.

The short runs here go with every ``make test``; the long ones (tens of thousands of inputs) only
with ``make test-slow``.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from edit_strategies import ENCODINGS
from grep_oracle import index_of, width
from grepls.lines import LineStore
from grepls.positions import byte_spans_to_columns, column_to_index, encode_line, index_to_column
from hypothesis import given, settings
from hypothesis import strategies as st
from profiles import slow_only

BREAKS = re.compile(r"\r\n|\r|\n")

# Characters for the line store: every break and near-break, plus the awkward code points.
STORE_TOKENS = st.sampled_from(
    [
        "a",
        "b",
        "\r",
        "\n",
        "\r\n",
        "\x0c",
        "\x0b",
        "\x1c",
        "\x85",
        "\u2028",
        "\u2029",
        "😀",
        "\udfff",
        "\ud800",
        "é",
    ]
)
# Characters for column conversion: one to four UTF-8 bytes, one or two UTF-16 units, lone
# surrogates of both kinds (which can sit next to each other as two code points).
LINE_CHARS = st.sampled_from(
    ["a", "é", "中", "😀", "𝄞", "\u0301", "\x00", "\ud83d", "\ude00", "\udfff", "\ud800", " "]
)


def store_texts(max_size: int = 20) -> st.SearchStrategy[str]:
    return st.lists(STORE_TOKENS, max_size=max_size).map("".join)


def line_texts(max_size: int = 12) -> st.SearchStrategy[str]:
    return st.lists(LINE_CHARS, max_size=max_size).map("".join)


def offset(text: str, line: int, index: int) -> int:
    starts = [0] + [found.end() for found in BREAKS.finditer(text)]
    return starts[line] + index


@st.composite
def store_position(draw: Any, text: str) -> tuple[int, int]:
    lines = BREAKS.split(text)
    line = draw(st.integers(0, len(lines) - 1))
    return line, draw(st.integers(0, len(lines[line])))


@st.composite
def edit_sessions(draw: Any) -> tuple[str, list[tuple[tuple[int, int], tuple[int, int], str]]]:
    text = draw(store_texts())
    model = text
    edits = []
    for _ in range(draw(st.integers(1, 8))):
        start = draw(store_position(model))
        end = draw(store_position(model))
        new_text = draw(store_texts(max_size=5))
        first, last = sorted([offset(model, *start), offset(model, *end)])
        model = model[:first] + new_text + model[last:]
        edits.append((start, end, new_text))
    return text, edits


def check_line_store(session: tuple[str, list[Any]]) -> None:
    text, edits = session
    store = LineStore(text)
    model = text
    assert store.text() == model
    for start, end, new_text in edits:
        before = list(store.texts)
        splice = store.replace(start, end, new_text)
        first, last = sorted([offset(model, *start), offset(model, *end)])
        model = model[:first] + new_text + model[last:]
        assert store.text() == model
        assert store.texts == BREAKS.split(model)
        assert store.breaks == [found.group() for found in BREAKS.finditer(model)] + [""]
        rebuilt = before[: splice.first] + splice.texts + before[splice.first + splice.removed :]
        assert rebuilt == store.texts, "the splice does not describe the edit"
    reset_text = model[::-1]
    before = list(store.texts)
    splice = store.reset(reset_text)
    assert store.text() == reset_text
    rebuilt = before[: splice.first] + splice.texts + before[splice.first + splice.removed :]
    assert rebuilt == BREAKS.split(reset_text), "the whole text's splice does not describe it"


def check_columns(line: str, encoding: str) -> None:
    total = width(line, encoding)
    for index in range(len(line) + 1):
        column = index_to_column(line, index, encoding)
        assert column == width(line[:index], encoding)
        assert column_to_index(line, column, encoding) == index
    for column in range(-1, total + 3):
        assert column_to_index(line, column, encoding) == index_of(line, column, encoding)
    data = encode_line(line)
    boundaries = [len(encode_line(line[:i])) for i in range(len(line) + 1)]
    spans = list(itertools.pairwise(boundaries))
    expected = [
        (width(line[:i], encoding), width(line[: i + 1], encoding)) for i in range(len(line))
    ]
    assert byte_spans_to_columns(line, data, spans, encoding) == expected


# -- known cases (each failed once) ----------------------------------------------------------


def test_mixed_breaks_with_a_lone_surrogate_split() -> None:
    # Mixed breaks take the exact walk, which must accept what JSON can carry.
    store = LineStore("\udfff\r\n\r")
    assert store.texts == ["\udfff", "", ""]
    assert store.breaks == ["\r\n", "\r", ""]
    store.replace((0, 0), (0, 1), "x\n\ud800\r")
    assert store.text() == "x\n\ud800\r\r\n\r"


def test_utf16_columns_after_a_surrogate_pair_held_as_two_code_points() -> None:
    # Two edits can leave a high and a low surrogate side by side as two code points; each is one
    # UTF-16 unit, and the columns after them must still land on the right code points.
    line = "a\ud83d\ude00b"
    assert [column_to_index(line, c, "utf-16") for c in range(5)] == [0, 1, 2, 3, 4]
    assert [index_to_column(line, i, "utf-16") for i in range(5)] == [0, 1, 2, 3, 4]


# -- properties -----------------------------------------------------------------------------


@settings(max_examples=200)
@given(edit_sessions())
def test_line_store_follows_a_plain_string(session: Any) -> None:
    check_line_store(session)


@settings(max_examples=200)
@given(line_texts(), st.sampled_from(ENCODINGS))
def test_columns_round_trip(line: str, encoding: str) -> None:
    check_columns(line, encoding)


@slow_only
@settings(max_examples=30_000)
@given(edit_sessions())
def test_line_store_follows_a_plain_string_long(session: Any) -> None:
    check_line_store(session)


@slow_only
@settings(max_examples=30_000)
@given(line_texts(max_size=24), st.sampled_from(ENCODINGS))
def test_columns_round_trip_long(line: str, encoding: str) -> None:
    check_columns(line, encoding)

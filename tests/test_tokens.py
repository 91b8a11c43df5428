"""Semantic tokens, in process: the relative encoding and the delta between two results."""

from __future__ import annotations

from array import array
from itertools import islice

from grepls.index import MatchIndex
from grepls.positions import SPAN
from grepls.scan import Found
from grepls.tokens import Encoded, edits, encode, encode_index, patch
from hypothesis import given, settings
from hypothesis import strategies as st


def _spans(pairs: list[tuple[int, int]]) -> list[SPAN]:
    """Non-overlapping spans in order from (gap, length) pairs (length 0: an empty match)."""
    spans: list[SPAN] = []
    column = 0
    for gap, length in pairs:
        start = column + gap + (1 if spans and spans[-1][0] == spans[-1][1] else 0)
        spans.append((start, start + length))
        column = start + length
    return spans


def _found(lines: list[list[SPAN] | None]) -> Found:
    """A scan of these lines (``None``: no match on that line), every line searched."""
    matches = {offset: spans for offset, spans in enumerate(lines) if spans}
    return Found(matches, len(lines), len(lines))


def apply(old: array[int], changes: list[dict[str, object]]) -> list[int]:
    result = old.tolist()
    # Every edit's start is an index of the old array: apply the last one first.
    for change in sorted(changes, key=lambda change: change["start"], reverse=True):  # type: ignore[arg-type, return-value]
        start, count, data = change["start"], change["deleteCount"], change["data"]
        assert isinstance(start, int) and isinstance(count, int) and isinstance(data, list)
        result[start : start + count] = data
    return result


def test_tokens_are_relative_to_the_previous_one_on_the_same_line_or_not() -> None:
    data = encode([(2, (4, 8)), (2, (10, 14)), (5, (1, 5))])
    assert data.tolist() == [2, 4, 4, 0, 0, 0, 6, 4, 0, 0, 3, 1, 4, 0, 0]


def test_an_empty_match_is_not_a_token() -> None:
    assert encode([(0, (0, 0)), (1, (3, 3)), (1, (5, 6))]).tolist() == [1, 5, 1, 0, 0]


def test_a_line_inserted_above_many_matches_is_one_small_edit() -> None:
    before = encode((line * 2, (0, 4)) for line in range(1000))
    after = encode([(0, (0, 4)), (1, (0, 4))] + [(line * 2 + 1, (0, 4)) for line in range(1, 1000)])
    changes = edits(before, after)
    assert len(changes) == 1
    data = changes[0]["data"]
    assert isinstance(data, list) and len(data) <= 10
    assert apply(before, changes) == after.tolist()


def test_equal_results_need_no_edit_and_any_results_round_trip() -> None:
    first = encode([(0, (0, 4)), (3, (2, 6))])
    assert edits(first, first) == []
    for other in (
        [],
        [(0, (0, 4))],
        [(3, (2, 6)), (9, (0, 1))],
        [(0, (0, 4)), (3, (2, 6)), (3, (8, 9))],
    ):
        second = encode(other)
        assert apply(first, edits(first, second)) == second.tolist()
        assert apply(second, edits(second, first)) == first.tolist()


# -- patching: the encoding after an edit, from the one before it -----------------------------

SPANS = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=3).map(
    _spans
)


def expected(index: MatchIndex, cap: int) -> list[int]:
    held = index.lines
    return encode(
        islice(((line, span) for line in sorted(held) for span in held[line]), cap)
    ).tolist()


def data_of(encoded: Encoded | array[int]) -> array[int]:
    return encoded.data if isinstance(encoded, Encoded) else encoded


EDIT = st.tuples(
    st.floats(0, 1),  # where, as a fraction of the document
    st.integers(0, 3),  # lines removed
    st.lists(st.one_of(st.none(), SPANS), max_size=4),  # the new lines' matches
    st.booleans(),  # a second edit before the tokens are asked for
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.none(), SPANS), min_size=0, max_size=30),
    st.integers(1, 12),
    st.lists(EDIT, max_size=12),
)
def test_a_patched_encoding_is_the_full_one_and_its_delta_applies(
    initial: list[list[tuple[int, int]] | None],
    cap: int,
    edits_made: list[tuple[float, int, list[list[tuple[int, int]] | None], bool]],
) -> None:
    index = MatchIndex()
    index.splice(0, 0, _found(initial))
    length = len(initial)
    kept = encode_index(index, cap)
    assert data_of(kept).tolist() == expected(index, cap)
    for where, removed, new_lines, twice in edits_made:
        for _ in range(2 if twice else 1):
            first = int(where * length)
            removed = min(removed, length - first)
            index.splice(first, removed, _found(new_lines))
            length += len(new_lines) - removed
        old = data_of(kept)
        kept = patch(kept, cap) if isinstance(kept, Encoded) else encode_index(index, cap)
        new = data_of(kept)
        assert new.tolist() == expected(index, cap)
        split = kept.split if isinstance(kept, Encoded) else None
        assert apply(old, edits(old, new, split)) == new.tolist()
        assert apply(old, edits(old, new)) == new.tolist()


def test_a_line_inserted_above_a_thousand_matches_is_patched_into_one_integer() -> None:
    index = MatchIndex()
    index.splice(0, 0, _found([[(0, 4)] if line % 2 else None for line in range(2000)]))
    kept = encode_index(index, 1000)
    assert isinstance(kept, Encoded) and len(kept.data) == 5000
    index.splice(10, 0, _found([None]))
    patched = patch(kept, 1000)
    assert isinstance(patched, Encoded)
    assert patched.data.tolist() == expected(index, 1000)
    assert edits(kept.data, patched.data) == [{"start": 25, "deleteCount": 1, "data": [3]}]
    # A match typed on the new line: one token more, the last one falls off at the cap.
    index.splice(10, 1, _found([[(2, 6)]]))
    typed = patch(patched, 1000)
    assert isinstance(typed, Encoded)
    assert typed.data.tolist() == expected(index, 1000) and len(typed.data) == 5000
    changes = edits(patched.data, typed.data, typed.split)
    assert sum(len(change["data"]) for change in changes) <= 10  # type: ignore[arg-type]
    assert apply(patched.data, changes) == typed.data.tolist()
    # ... and taken away: the one that fell off is read back from the index.
    index.splice(10, 1, _found([]))
    back = patch(typed, 1000)
    assert isinstance(back, Encoded)
    assert back.data.tolist() == expected(index, 1000) == kept.data.tolist()
    changes = edits(typed.data, back.data, back.split)
    assert sum(len(change["data"]) for change in changes) <= 10  # type: ignore[arg-type]
    assert apply(typed.data, changes) == back.data.tolist()

"""Semantic tokens, in process: the relative encoding and the delta between two results."""

from __future__ import annotations

from array import array

from grepls.tokens import edits, encode


def apply(old: array[int], changes: list[dict[str, object]]) -> list[int]:
    result = old.tolist()
    for change in changes:
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

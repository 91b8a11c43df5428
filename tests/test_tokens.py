"""Semantic tokens, in process: the relative encoding, the modifiers, overlaps, and the delta
between two results (patched after an edit, with one pattern or several)."""

from __future__ import annotations

from array import array
from itertools import islice

from grepls.index import MatchIndex
from grepls.positions import SPAN
from grepls.scan import Found
from grepls.tokens import (
    TOKEN_MODIFIERS,
    Encoded,
    Match,
    ShiftedLines,
    edits,
    encode,
    encode_whole,
    modifiers_for,
    patch,
    tokens_of,
)
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


def plain(matches: list[tuple[int, SPAN]], modifiers: int = 0) -> array[int]:
    """One pattern's (line, span) matches, in order, encoded."""
    return encode(tokens_of(((line, s, 0, e, modifiers) for line, (s, e) in matches), False))


def test_tokens_are_relative_to_the_previous_one_on_the_same_line_or_not() -> None:
    data = plain([(2, (4, 8)), (2, (10, 14)), (5, (1, 5))])
    assert data.tolist() == [2, 4, 4, 0, 0, 0, 6, 4, 0, 0, 3, 1, 4, 0, 0]


def test_an_empty_match_is_not_a_token() -> None:
    assert plain([(0, (0, 0)), (1, (3, 3)), (1, (5, 6))]).tolist() == [1, 5, 1, 0, 0]


def test_each_severity_is_its_own_modifier_and_the_search_pattern_has_one_more() -> None:
    names = [
        [TOKEN_MODIFIERS[bit] for bit in range(len(TOKEN_MODIFIERS)) if modifiers >> bit & 1]
        for modifiers in (modifiers_for(severity, False) for severity in (1, 2, 3, 4))
    ]
    assert names == [["error"], ["warning"], ["information"], ["hint"]]
    search = modifiers_for(3, True)
    assert [TOKEN_MODIFIERS[bit] for bit in range(5) if search >> bit & 1] == [
        "information",
        "search",
    ]


def test_overlapping_matches_of_two_patterns_are_two_tokens_only_where_the_client_takes_them() -> (
    None
):
    index_todo, index_word = MatchIndex(), MatchIndex()
    # "TODO(ann) TODO": TODO at 0 and 10 (a warning), "TODO(ann)" at 0-9 (an error).
    index_todo.splice(0, 0, _found([[(0, 4), (10, 14)]]))
    index_word.splice(0, 0, _found([[(0, 9)]]))
    warning, error = modifiers_for(2, False), modifiers_for(1, False)
    both = encode_whole([index_todo, index_word], [warning, error], 10, overlap=True)
    assert both.data.tolist() == [0, 0, 4, 0, warning, 0, 0, 9, 0, error, 0, 10, 4, 0, warning]
    apart = encode_whole([index_todo, index_word], [warning, error], 10, overlap=False)
    # Without overlap support the first in position, then pattern order, wins.
    assert apart.data.tolist() == [0, 0, 4, 0, warning, 0, 10, 4, 0, warning]
    reversed_order = encode_whole([index_word, index_todo], [error, warning], 10, overlap=False)
    assert reversed_order.data.tolist() == [0, 0, 9, 0, error, 0, 10, 4, 0, warning]


def test_a_line_inserted_above_many_matches_is_one_small_edit() -> None:
    before = plain([(line * 2, (0, 4)) for line in range(1000)])
    after = plain([(0, (0, 4)), (1, (0, 4))] + [(line * 2 + 1, (0, 4)) for line in range(1, 1000)])
    changes = edits(before, after)
    assert len(changes) == 1
    data = changes[0]["data"]
    assert isinstance(data, list) and len(data) <= 10
    assert apply(before, changes) == after.tolist()


def test_equal_results_need_no_edit_and_any_results_round_trip() -> None:
    first = plain([(0, (0, 4)), (3, (2, 6))])
    assert edits(first, first) == []
    for other in (
        [],
        [(0, (0, 4))],
        [(3, (2, 6)), (9, (0, 1))],
        [(0, (0, 4)), (3, (2, 6)), (3, (8, 9))],
    ):
        second = plain(other)
        assert apply(first, edits(first, second)) == second.tolist()
        assert apply(second, edits(second, first)) == first.tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 50), max_size=40).map(sorted),
    st.lists(
        st.tuples(
            st.floats(0, 1),
            st.integers(0, 4),
            st.lists(st.integers(0, 50), max_size=5),
            st.integers(-5, 5),
        ),
        max_size=20,
    ),
)
def test_shifted_lines_are_the_lines_edited_in_place(
    initial: list[int], steps: list[tuple[float, int, list[int], int]]
) -> None:
    lines = ShiftedLines(list(initial))
    model = list(initial)
    for where, removed, new, shift in steps:
        low = int(where * len(model))
        high = min(len(model), low + removed)
        floor = model[low - 1] if low else 0
        shift = max(shift, floor - (model[high] if high < len(model) else floor))
        ceiling = model[high] + shift if high < len(model) else floor + 100
        values = sorted(min(max(v, floor), ceiling) for v in new)
        lines.replace(low, high, values, shift)
        model[low:high] = values
        model[low + len(values) :] = [v + shift for v in model[low + len(values) :]]
        assert lines.all() == model
        for probe in range(-1, 60):
            assert lines.bisect(probe) == sum(1 for v in model if v < probe)


# -- patching: the encoding after an edit, from the one before it -----------------------------

SPANS = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=3).map(
    _spans
)
LINES = st.lists(st.one_of(st.none(), SPANS), max_size=4)


def expected(indices: list[MatchIndex], modifiers: list[int], cap: int, overlap: bool) -> list[int]:
    """The oracle: each pattern's first ``cap`` matches, sorted by position then pattern order,
    empty ones out and, without overlap support, those overlapping the token kept before them on
    their line; encoded relative to each other."""
    matches: list[Match] = []
    for order, index in enumerate(indices):
        held = index.lines
        first = islice(((line, span) for line in sorted(held) for span in held[line]), cap)
        matches += [(line, s, order, e, modifiers[order]) for line, (s, e) in first]
    data, previous_line, previous_start, previous_end = [], 0, 0, -1
    kept_line = -1
    for line, start, _, end, bits in sorted(matches):
        if end <= start or (not overlap and line == kept_line and start < previous_end):
            continue
        relative = start - previous_start if line == previous_line else start
        data += [line - previous_line, relative, end - start, 0, bits]
        previous_line, previous_start, previous_end, kept_line = line, start, end, line
    return data


def changes_of(old: array[int], kept: Encoded) -> list[dict[str, object]]:
    """The delta the server sends: the patched parts, or a comparison when encoded whole."""
    return kept.changes if kept.changes is not None else edits(old, kept.data)


EDIT = st.tuples(
    st.floats(0, 1),  # where, as a fraction of the document
    st.integers(0, 3),  # lines removed
    st.integers(0, 4),  # lines added
    st.data(),  # each pattern's matches on the new lines
    st.booleans(),  # a second edit before the tokens are asked for
)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 4),
    st.data(),
    st.integers(1, 12),
    st.booleans(),
    st.lists(EDIT, max_size=12),
)
def test_a_patched_encoding_is_the_whole_one_and_its_delta_applies(
    patterns: int,
    draw: st.DataObject,
    cap: int,
    overlap: bool,
    edits_made: list[tuple[float, int, int, st.DataObject, bool]],
) -> None:
    """One to four patterns (their matches overlapping at random), random edits: after each,
    the patched tokens are the whole encoding of the matches shown, and the edits sent turn the
    tokens the client held into them."""
    length = draw.draw(st.integers(0, 30))
    indices = []
    for _ in range(patterns):
        index = MatchIndex()
        index.splice(
            0,
            0,
            _found(
                draw.draw(st.lists(st.one_of(st.none(), SPANS), min_size=length, max_size=length))
            ),
        )
        indices.append(index)
    modifiers = [modifiers_for(1 + order % 4, order == 3) for order in range(patterns)]
    kept = encode_whole(indices, modifiers, cap, overlap)
    assert kept.data.tolist() == expected(indices, modifiers, cap, overlap)
    for where, removed, added, lines, twice in edits_made:
        for _ in range(2 if twice else 1):
            first = int(where * length)
            removed = min(removed, length - first)
            for index in indices:
                new = lines.draw(
                    st.lists(st.one_of(st.none(), SPANS), min_size=added, max_size=added)
                )
                index.splice(first, removed, _found(new))
            length += added - removed
        old = array("I", kept.data)  # the patch edits it in place
        kept = patch(kept)
        assert kept.data.tolist() == expected(indices, modifiers, cap, overlap)
        assert apply(old, changes_of(old, kept)) == kept.data.tolist()
        assert kept.lines.all() == [
            sum(kept.data[5 * k] for k in range(at + 1)) for at in range(len(kept.starts))
        ]


def test_a_line_inserted_above_a_thousand_matches_is_patched_into_one_integer() -> None:
    index = MatchIndex()
    index.splice(0, 0, _found([[(0, 4)] if line % 2 else None for line in range(2000)]))
    kept = encode_whole([index], [0], 1000, False)
    assert len(kept.data) == 5000
    before = array("I", kept.data)
    index.splice(10, 0, _found([None]))
    patched = patch(kept)
    assert patched.data.tolist() == expected([index], [0], 1000, False)
    assert patched.changes == [{"start": 25, "deleteCount": 1, "data": [3]}]
    # A match typed on the new line: one token more, the last one falls off at the cap.
    before = array("I", patched.data)
    index.splice(10, 1, _found([[(2, 6)]]))
    typed = patch(patched)
    assert typed.data.tolist() == expected([index], [0], 1000, False) and len(typed.data) == 5000
    assert typed.changes is not None
    assert sum(len(change["data"]) for change in typed.changes) <= 10  # type: ignore[arg-type]
    assert apply(before, typed.changes) == typed.data.tolist()
    # ... and taken away: the one that fell off is read back from the index.
    before = array("I", typed.data)
    index.splice(10, 1, _found([]))
    back = patch(typed)
    assert back.data.tolist() == expected([index], [0], 1000, False)
    assert back.changes is not None
    assert sum(len(change["data"]) for change in back.changes) <= 10  # type: ignore[arg-type]
    assert apply(before, back.changes) == back.data.tolist()


def test_with_twenty_patterns_a_keystroke_is_patched_into_a_few_integers() -> None:
    """20 patterns of 1,000 matches each, interleaved: a line inserted at the top moves one
    integer; a match of one pattern typed there adds its token and drops that pattern's last."""
    indices = []
    for order in range(20):
        index = MatchIndex()
        index.splice(
            0, 0, _found([[(order, order + 1)] if line % 2 else None for line in range(2400)])
        )
        indices.append(index)
    modifiers = [modifiers_for(1 + order % 4, False) for order in range(20)]
    kept = encode_whole(indices, modifiers, 1000, False)
    assert len(kept.data) == 5 * 20 * 1000
    for index in indices:
        index.splice(0, 0, _found([None]))
    before = array("I", kept.data)
    kept = patch(kept)
    assert kept.changes == [{"start": 0, "deleteCount": 1, "data": [2]}]
    assert apply(before, kept.changes) == kept.data.tolist()
    before = array("I", kept.data)
    for order, index in enumerate(indices):
        index.splice(0, 1, _found([[(30, 34)] if order == 7 else None]))
    kept = patch(kept)
    assert kept.data.tolist() == expected(indices, modifiers, 1000, False)
    assert kept.changes is not None
    assert sum(len(change["data"]) for change in kept.changes) <= 20  # type: ignore[arg-type]
    assert apply(before, kept.changes) == kept.data.tolist()

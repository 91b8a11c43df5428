"""End to end: ``grepls.nextMatch`` and ``grepls.previousMatch``, the jump to the nearest match.

Clients that paint only the lines on screen hold no list of matches to walk (`]d` has nothing to
go to), so they ask: the match of any pattern starting first after (last before) a position,
wrapping around the document's end, past ``maxMatchesPerDocument`` too. Checked against the
oracle at many positions, with two patterns, in both clients' position encodings.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import change_document, command, edit, open_document, published
from grep_oracle import Search, expected_matches
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import LanguageClient

URI = "file:///work/jump.txt"
NEXT, PREVIOUS = "grepls.nextMatch", "grepls.previousMatch"


def at(answer: Any) -> tuple[int, int, int, str, bool]:
    start, end = answer["range"]["start"], answer["range"]["end"]
    assert start["line"] == end["line"]
    return start["line"], start["character"], end["character"], answer["pattern"], answer["wrapped"]


def count(answer: Any) -> tuple[int | None, int, bool]:
    """Where the match found stands: its place among the document's matches, their count, and
    whether that count is the document's whole count."""
    return answer["index"], answer["matches"], answer["complete"]


async def test_next_and_previous_walk_past_the_cap_and_wrap(client: LanguageClient) -> None:
    # 5,000 matches, one every fourth line: the diagnostics stop at the 1,000th (line 3,996).
    lines = ["TODO here" if n % 4 == 0 else f"line {n}" for n in range(20_000)]
    open_document(client, URI, "\n".join(lines) + "\n", version=1)
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [(n, 0, n, 4) for n in range(0, 4_000, 4)])

    assert at(await command(client, NEXT, URI, 15_000, 0)) == (15_004, 0, 4, "search", False)
    assert at(await command(client, PREVIOUS, URI, 15_000, 0)) == (14_996, 0, 4, "search", False)
    # Strictly after / before: from inside a match, the match itself is behind, not ahead.
    assert at(await command(client, NEXT, URI, 15_000, 2)) == (15_004, 0, 4, "search", False)
    assert at(await command(client, PREVIOUS, URI, 15_000, 2)) == (15_000, 0, 4, "search", False)
    # Around the ends.
    assert at(await command(client, NEXT, URI, 19_996, 0)) == (0, 0, 4, "search", True)
    assert at(await command(client, PREVIOUS, URI, 0, 0)) == (19_996, 0, 4, "search", True)
    # A position past the document's end counts as its last line.
    assert at(await command(client, NEXT, URI, 90_000, 0)) == (0, 0, 4, "search", True)

    # Where a match stands: counted from the match index, which stops a match past the cap
    # (1,001 held): before the horizon its place is known, past it not, and the count is a
    # lower bound either way.
    assert count(await command(client, NEXT, URI, 0, 0)) == (2, 1_001, False)
    assert count(await command(client, PREVIOUS, URI, 3_997, 0)) == (1_000, 1_001, False)
    assert count(await command(client, NEXT, URI, 15_000, 0)) == (None, 1_001, False)

    # A match typed past the index's horizon is found, at the new version.
    change_document(client, URI, 2, edit((15_001, 0), (15_001, 0), "TODO "))
    answer = await command(client, NEXT, URI, 15_000, 0)
    assert at(answer) == (15_001, 0, 4, "search", False) and answer["version"] == 2


async def test_a_long_way_without_a_match_is_crossed(client: LanguageClient) -> None:
    lines = ["nothing"] * 100_000
    lines[99_998] = "at the end: TODO"
    open_document(client, URI, "\n".join(lines) + "\n")
    await command(client, "grepls.setPattern", "TODO")
    assert at(await command(client, NEXT, URI, 3, 0)) == (99_998, 12, 16, "search", False)
    assert at(await command(client, PREVIOUS, URI, 3, 0)) == (99_998, 12, 16, "search", True)


async def test_every_position_against_the_oracle_with_two_patterns(client: LanguageClient) -> None:
    text = "😀 TODO fixme\ncafé 𝄞TODO TODO\n中文 FIXME\nnothing\n" * 700
    open_document(client, URI, text)
    await command(client, "grepls.setPattern", "TODO")
    await command(client, "grepls.addPattern", {"pattern": "fixme", "caseSensitive": False})
    encoding = client.encoding  # type: ignore[attr-defined]
    # Pattern order: kept patterns, then the search pattern; at one position the first wins.
    found = sorted(
        (line, start, order, end, identifier)
        for order, (identifier, search) in enumerate(
            [("fixme", Search("fixme", case_sensitive=False)), ("search", Search("TODO"))]
        )
        for line, start, _, end in expected_matches(search, text, encoding)
    )
    assert len(found) == 700 * 5  # past both caps (1,000 a pattern)

    def oracle(line: int, character: int, forward: bool) -> tuple[int, int, int, str, bool]:
        if forward:
            after = [m for m in found if (m[0], m[1]) > (line, character)]
            hit, wrapped = (after[0], False) if after else (found[0], True)
        else:
            before = [m for m in found if (m[0], m[1]) < (line, character)]
            last = before[-1] if before else found[-1]
            same = [m for m in found if (m[0], m[1]) == (last[0], last[1])]
            hit, wrapped = same[0], not before
        return hit[0], hit[1], hit[3], hit[4], wrapped

    for line in [0, 1, 2, 3, 1_400, 1_401, 2_799]:
        for character in [0, 1, 3, 5, 8, 40]:
            for name, forward in ((NEXT, True), (PREVIOUS, False)):
                answer = at(await command(client, name, URI, line, character))
                assert answer == oracle(line, character, forward), (name, line, character)


async def test_each_match_found_says_where_it_stands_among_the_documents_matches(
    client: LanguageClient,
) -> None:
    """Under both caps every match is counted: its place ("3 of 500") is its place in the
    diagnostics' order (position, then pattern order), checked against the oracle."""
    text = "😀 TODO fixme\ncafé 𝄞TODO TODO\n中文 FIXME\nnothing\n" * 100
    open_document(client, URI, text)
    await command(client, "grepls.setPattern", "TODO")
    await command(client, "grepls.addPattern", {"pattern": "fixme", "caseSensitive": False})
    encoding = client.encoding  # type: ignore[attr-defined]
    found = sorted(
        (line, start, order)
        for order, search in enumerate([Search("fixme", case_sensitive=False), Search("TODO")])
        for line, start, _, _ in expected_matches(search, text, encoding)
    )
    assert len(found) == 500
    places = {(line, start): place for place, (line, start, _) in enumerate(found, 1)}
    for line in [0, 1, 2, 3, 200, 201, 399]:
        for character in [0, 3, 8, 40]:
            for name in (NEXT, PREVIOUS):
                answer = await command(client, name, URI, line, character)
                hit = (answer["range"]["start"]["line"], answer["range"]["start"]["character"])
                assert count(answer) == (places[hit], 500, True), (name, line, character)
    # The last match, and a walk back around to it.
    assert count(await command(client, PREVIOUS, URI, 0, 0)) == (500, 500, True)


async def test_two_patterns_at_one_position_answer_the_first_in_pattern_order(
    client: LanguageClient,
) -> None:
    open_document(client, URI, "x TODO y\n")
    await command(client, "grepls.setPattern", "TODO")
    await command(client, "grepls.addPattern", {"pattern": "TOD", "id": "tod"})  # kept: first
    assert at(await command(client, NEXT, URI, 0, 0)) == (0, 2, 5, "tod", False)
    assert at(await command(client, PREVIOUS, URI, 0, 7)) == (0, 2, 5, "tod", False)
    # One place, however many patterns match there: counted as a find widget counts places, so
    # stepping reads 1, 2, 3 of 3, none skipped (it read 1, 3, 5 of 6).
    assert count(await command(client, NEXT, URI, 0, 0)) == (1, 1, True)
    change_document(client, URI, 2, edit((0, 0), (0, 0), "TODO TODO "))
    stepped, position = [], (0, 0)
    for _ in range(3):
        found = await command(client, NEXT, URI, *position)
        stepped.append(count(found))
        position = (found["range"]["start"]["line"], found["range"]["start"]["character"])
    assert stepped == [(2, 3, True), (3, 3, True), (1, 3, True)]


async def test_a_line_with_more_matches_than_can_be_painted_is_walked_to_its_end(
    client: LanguageClient,
) -> None:
    """A minified file's line with 20,010 matches, past what ``matchesInLines`` answers for a
    line (20,000): the jump still finds the next and previous match, without wrapping."""
    open_document(client, URI, "a " * 20_010 + "\nb\n")
    await command(client, "grepls.setPattern", "a")
    assert at(await command(client, NEXT, URI, 0, 40_010)) == (0, 40_012, 40_013, "search", False)
    assert at(await command(client, PREVIOUS, URI, 1, 0)) == (0, 40_018, 40_019, "search", False)
    before = await command(client, PREVIOUS, URI, 0, 40_012)
    assert at(before) == (0, 40_010, 40_011, "search", False)


async def test_a_match_on_a_line_cut_short_within_the_cap_says_its_place(
    client: LanguageClient,
) -> None:
    """One line with 1,500 matches: the index holds its first 1,001, so the 2nd's place is known
    (before, only matches on lines above such a line had one)."""
    open_document(client, URI, "a " * 1_500 + "\n")
    await command(client, "grepls.setPattern", "a")
    assert count(await command(client, NEXT, URI, 0, 0)) == (2, 1_001, False)
    assert count(await command(client, NEXT, URI, 0, 1_996)) == (1_000, 1_001, False)
    assert count(await command(client, NEXT, URI, 0, 1_998)) == (1_001, 1_001, False)
    assert count(await command(client, NEXT, URI, 0, 2_000)) == (None, 1_001, False)


async def test_a_count_steps_as_many_matches_as_the_jump_repeated(client: LanguageClient) -> None:
    """``3]g``: the count-th match, as three jumps would land, one per position (the first
    pattern's at two at one place), round the document again when the count is longer."""
    text = "TODO todo\nnothing\n😀 TODO x TODO\n" * 3
    open_document(client, URI, text)
    await command(client, "grepls.setPattern", "TODO")
    await command(client, "grepls.addPattern", {"pattern": "todo", "caseSensitive": False})
    for name in (NEXT, PREVIOUS):
        for line, character in [(0, 0), (2, 3), (7, 40)]:
            stepped, wrapped = (line, character), False
            for steps in range(1, 24):  # six positions a round: three rounds and more
                one = at(await command(client, name, URI, *stepped))
                stepped, wrapped = (one[0], one[1]), wrapped or one[4]
                counted = at(await command(client, name, URI, line, character, steps))
                assert counted == (*one[:4], wrapped), (name, line, character, steps)
    # A count of a hundred thousand is answered at once: the round is walked once.
    assert (
        at(await command(client, NEXT, URI, 0, 0, 100_000))[:2]
        == at(await command(client, NEXT, URI, 0, 0, 100_000 % 6))[:2]
    )


async def test_a_document_without_matches_answers_null(client: LanguageClient) -> None:
    open_document(client, URI, "nothing\nhere\n")
    await command(client, "grepls.setPattern", "TODO")
    assert await command(client, NEXT, URI, 0, 0) is None
    assert await command(client, PREVIOUS, URI, 1, 0) is None
    assert await command(client, NEXT, URI, 0, 0, 5) is None


@pytest.mark.parametrize("name", [NEXT, PREVIOUS])
@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ([URI], "three or four arguments"),
        ([URI, 0, 0, 1, 1], "three or four arguments"),
        ([URI, 0, 0, 0], "count must be from 1 to 100000, got 0"),
        ([URI, 0, 0, 100_001], "count must be from 1"),
        ([URI, 0, 0, "2"], "count must be an integer"),
        ([URI, 0, "1"], "character must be an integer"),
        ([URI, -1, 0], "not a position"),
        (["file:///not/open.txt", 0, 0], "not an open document"),
    ],
)
async def test_bad_positions_get_invalid_params(
    client: LanguageClient, name: str, arguments: list[object], says: str
) -> None:
    open_document(client, URI, "TODO\n")
    await command(client, "grepls.setPattern", "TODO")
    with pytest.raises(JsonRpcInvalidParams, match=says):
        await command(client, name, *arguments)
    assert at(await command(client, name, URI, 0, 0)) == (0, 0, 4, "search", True)


async def test_positions_past_the_end_are_the_end_of_the_line_or_document(
    client: LanguageClient,
) -> None:
    """As every incoming position (README, "Position encodings and line breaks"): a column past
    its line's end is that end, a line past the last is the document's end."""
    open_document(client, URI, "aT x\naT y")
    await command(client, "grepls.setPattern", "aT")
    assert at(await command(client, PREVIOUS, URI, 7, 0)) == (1, 0, 2, "search", False)
    assert at(await command(client, PREVIOUS, URI, 7, 0, 2)) == (0, 0, 2, "search", False)
    assert at(await command(client, NEXT, URI, 7, 0)) == (0, 0, 2, "search", True)
    assert at(await command(client, NEXT, URI, 0, 99)) == (1, 0, 2, "search", False)


async def test_a_column_inside_a_character_is_its_start(client: LanguageClient) -> None:
    """A column that falls inside a character (half an emoji in UTF-16, a byte inside it in
    UTF-8) stands for the character's start: the match there is not before it."""
    encoding = client.encoding  # type: ignore[attr-defined]
    width = {"utf-8": 4, "utf-16": 2, "utf-32": 1}[encoding]
    open_document(client, URI, "x😀y😀")
    await command(client, "grepls.setPattern", "😀")
    second = 2 + width
    for inside in range(second, second + width):
        assert at(await command(client, PREVIOUS, URI, 0, inside)) == (
            0,
            1,
            1 + width,
            "search",
            False,
        ), inside
        assert at(await command(client, NEXT, URI, 0, inside)) == (0, 1, 1 + width, "search", True)

"""End to end: ``grepls.matchesInLines``, the matches of the lines on screen, past the cap too.

Diagnostics stop at ``maxMatchesPerDocument`` (1,000 by default: VS Code keeps no more). A match
typed on line 20,000 of a file with 5,000 matches is in no diagnostic, yet an editor painting the
lines it shows asks for exactly those lines and gets it — the tests check that with the real
server, against the oracle, in both clients' position encodings.
"""

from __future__ import annotations

import pytest
from conftest import change_document, command, edit, open_document, published
from grep_oracle import Search, expected_matches
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import LanguageClient

URI = "file:///work/many.txt"
COMMAND = "grepls.matchesInLines"


def flat(spans: list[tuple[int, int, int, int]], first: int, last: int) -> list[int]:
    """Oracle spans on lines ``[first, last)`` as the command's flat (line, start, end) triples."""
    return [n for line, start, _, end in spans if first <= line < last for n in (line, start, end)]


async def test_a_match_typed_far_past_the_cap_is_answered_for_its_lines(
    client: LanguageClient,
) -> None:
    # 5,000 matches, one every fourth line: the diagnostics carry the first 1,000 (to line 3,996).
    lines = ["TODO here" if n % 4 == 0 else f"line {n}" for n in range(20_000)]
    open_document(client, URI, "\n".join(lines) + "\n", version=1)
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [(n, 0, n, 4) for n in range(0, 4_000, 4)])

    # With the document's count, as far as grepls searched it: the cap's 1,000 and one more.
    past_the_cap = [{"id": "search", "pattern": "TODO", "matches": 1_001, "complete": False}]
    answer = await command(client, COMMAND, URI, 15_000, 15_010)
    assert answer == {
        "version": 1,
        "matches": {"search": [15_000, 0, 4, 15_004, 0, 4, 15_008, 0, 4]},
        "counts": past_the_cap,
    }

    # Typing a match on line 15,001 ("line 15001" → "TODO line 15001"): no diagnostic changes
    # (it is past the cap), but the lines on screen hold it, at the new version.
    change_document(client, URI, 2, edit((15_001, 0), (15_001, 0), "TODO "))
    answer = await command(client, COMMAND, URI, 15_000, 15_003)
    assert answer == {
        "version": 2,
        "matches": {"search": [15_000, 0, 4, 15_001, 0, 4]},
        "counts": past_the_cap,
    }


async def test_a_line_cut_at_the_cap_while_several_patterns_are_read_at_once_is_read_whole(
    client: LanguageClient,
) -> None:
    """Two patterns are read through one sieve: the line where ``b`` passes its cap of 2 is
    known as the line cut short, so its other matches are read on for the lines on screen and
    the next match, and the count says it is a lower bound."""
    client.set_configuration({"maxMatchesPerDocument": 2}, section="grepls")
    await command(client, "grepls.addPattern", {"pattern": "a", "id": "a"})
    await command(client, "grepls.setPattern", "b")
    open_document(client, URI, "b b\nb b b b b\n", version=1)  # both read at once, sifted
    await published(client, URI, [(0, 0, 0, 1), (0, 2, 0, 3)])
    answer = await command(client, COMMAND, URI, 0, 2)
    line_1 = [(1, column, 1, column + 1) for column in range(0, 9, 2)]
    assert answer["matches"]["search"] == [0, 0, 1, 0, 2, 3, *flat(line_1, 0, 2)]
    after = await command(client, "grepls.nextMatch", URI, 1, 4)
    before = await command(client, "grepls.previousMatch", URI, 2, 0)
    assert (after["range"]["start"], after["wrapped"]) == ({"line": 1, "character": 6}, False)
    assert (before["range"]["start"], before["wrapped"]) == ({"line": 1, "character": 8}, False)
    change_document(client, URI, 2, edit((2, 0), (2, 0), "x"))
    answer = await command(client, COMMAND, URI, 0, 3)
    assert {c["id"]: c["complete"] for c in answer["counts"]} == {"a": True, "search": False}


async def test_every_pattern_is_answered_uncapped_in_the_negotiated_encoding(
    client: LanguageClient,
) -> None:
    # 6,000 TODO and 4,000 fixme in 8,000 lines: the lines asked for lie past both caps (1,000).
    text = "😀 TODO fixme\ncafé 𝄞TODO TODO\n中文 FIXME\nnothing\n" * 2_000
    open_document(client, URI, text)
    await command(client, "grepls.setPattern", "TODO")
    await command(
        client, "grepls.addPattern", {"pattern": "fixme", "caseSensitive": False, "id": "fix"}
    )
    encoding = client.encoding  # type: ignore[attr-defined]
    todo = expected_matches(Search("TODO"), text, encoding)
    fixme = expected_matches(Search("fixme", case_sensitive=False), text, encoding)
    answer = await command(client, COMMAND, URI, 7_001, 7_010)
    assert list(answer["matches"]) == ["fix", "search"]  # pattern order: kept ones, then search
    assert answer["matches"]["search"] == flat(todo, 7_001, 7_010) != []
    assert answer["matches"]["fix"] == flat(fixme, 7_001, 7_010) != []
    # Lines the match index holds (before the cap) answer the same way.
    answer = await command(client, COMMAND, URI, 0, 9)
    assert answer["matches"]["search"] == flat(todo, 0, 9)
    assert answer["matches"]["fix"] == flat(fixme, 0, 9)
    # Past the end of the document: the lines there are, none invented.
    answer = await command(client, COMMAND, URI, 7_998, 9_000)
    assert answer["matches"]["search"] == flat(todo, 7_998, 9_000) == []
    assert len(answer["matches"]["fix"]) == 3  # "中文 FIXME" on line 7,998
    assert answer["matches"]["fix"] == flat(fixme, 7_998, 9_000)


async def test_each_patterns_count_in_the_whole_document_comes_with_the_lines(
    client: LanguageClient,
) -> None:
    """Under the caps, exact counts for a status line, whatever lines are asked for; they follow
    an edit anywhere in the document."""
    text = "😀 TODO fixme\ncafé 𝄞TODO TODO\n中文 FIXME\nnothing\n" * 100
    open_document(client, URI, text, version=1)
    await command(client, "grepls.setPattern", "TODO")
    await command(client, "grepls.addPattern", {"pattern": "fixme", "caseSensitive": False})
    answer = await command(client, COMMAND, URI, 3, 4)  # "nothing": no match on the lines asked
    assert answer["matches"] == {"fixme": [], "search": []}
    assert answer["counts"] == [  # in pattern order: kept ones, then search
        {"id": "fixme", "pattern": "fixme", "matches": 200, "complete": True},
        {"id": "search", "pattern": "TODO", "matches": 300, "complete": True},
    ]
    change_document(client, URI, 2, edit((399, 0), (399, 0), "TODO "))  # far from lines 3-4
    answer = await command(client, COMMAND, URI, 3, 4)
    assert answer["counts"][1] == {
        "id": "search",
        "pattern": "TODO",
        "matches": 301,
        "complete": True,
    }


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ([URI], "three arguments"),
        ([URI, 0, "10"], "end line must be an integer"),
        ([URI, 5, 2], r"lines \[5, 2\) are not a range"),
        ([URI, -1, 2], "not a range"),
        ([URI, 0, 10_001], "at most 10000 lines"),
        ([URI, 0, 1e20], "at most 10000 lines at once, not 100000000000000000000"),
        ([URI, 0, 1.5], "end line must be an integer, got 1.5"),
        ([URI, 0, float("inf")], "end line must be an integer, got inf"),
        (["file:///not/open.txt", 0, 10], "not an open document"),
    ],
)
async def test_bad_line_ranges_get_invalid_params_and_keep_the_state(
    client: LanguageClient, arguments: list[object], says: str
) -> None:
    open_document(client, URI, "TODO\n")
    await command(client, "grepls.setPattern", "TODO")
    with pytest.raises(JsonRpcInvalidParams, match=says):
        await command(client, COMMAND, *arguments)
    # A whole number written as a double (Lua's and JavaScript's only numbers) is that number.
    for first, last in ((0, 1), (0.0, 1.0)):
        assert await command(client, COMMAND, URI, first, last) == {
            "version": 1,
            "matches": {"search": [0, 0, 4]},
            "counts": [{"id": "search", "pattern": "TODO", "matches": 1, "complete": True}],
        }


async def test_a_line_with_more_matches_than_can_be_painted_is_answered_in_part(
    client: LanguageClient,
) -> None:
    # One minified-like line holding 30,000 matches: the index keeps 1,001 of them (the cap + 1);
    # the answer searches the line again and stops at 20,000 a pattern, its first ones.
    open_document(client, URI, "x\n" + "a;" * 30_000 + "\n")
    await command(client, "grepls.setPattern", "a")
    answer = await command(client, COMMAND, URI, 0, 2)
    flat = answer["matches"]["search"]
    assert len(flat) == 3 * 20_000
    assert flat[:6] == [1, 0, 1, 1, 2, 3] and flat[-3:] == [1, 39_998, 39_999]


async def test_a_line_cut_short_at_the_cap_is_read_again_as_matches_above_it_go(
    client: LanguageClient,
) -> None:
    """At a cap of 3 the search stops inside the long line (line 5); as the matches above it are
    deleted, what is published, painted and jumped to comes from that line's other matches
    first, never from the lines below it."""
    client.set_configuration({"maxMatchesPerDocument": 3}, section="grepls")
    lines = ["TODO", "TODO", "TODO", "TODO", "x", "TODO TODO TODO TODO TODO TODO", "x", "TODO"]
    open_document(client, URI, "\n".join(lines), version=1)
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [(n, 0, n, 4) for n in range(3)])
    for version, line in enumerate(range(4), 2):
        change_document(client, URI, version, edit((line, 0), (line, 4), ""))
        lines[line] = ""
        spans = expected_matches(Search("TODO"), "\n".join(lines), "utf-16")
        await published(client, URI, spans[:3], version)
        answer = await command(client, COMMAND, URI, 0, len(lines))
        assert answer["matches"]["search"] == flat(spans, 0, len(lines)), version
        assert answer["counts"][0]["matches"] == 4 and not answer["counts"][0]["complete"]
        jump = await command(client, "grepls.nextMatch", URI, 5, 0)
        assert jump["range"]["start"] == {"line": 5, "character": 5}, version
        # Its place is known when it is among the matches held (the cap's 3 and one more).
        place = spans.index((5, 5, 5, 9)) + 1
        assert jump["index"] == (place if place <= 4 else None), version

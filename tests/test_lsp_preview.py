"""End to end: ``grepls.previewPattern``, a pattern tried while it is being typed.

A find widget lights matches up as the user types the pattern, before Enter. Setting the pattern
on every character would publish every open document, start a workspace scan and, for a
half-typed ``e``, tell the user a document is over the cap; the preview changes nothing: it
answers one document's matches on the lines asked for and its count, checked here against the
oracle, and nothing is set, published or said.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import change_document, command, edit, open_document, published
from grep_oracle import Search, expected_matches
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import LanguageClient

URI = "file:///work/preview.txt"
PREVIEW = "grepls.previewPattern"
TEXT = "😀 TODO fixme\ncafé 𝄞todo TODO\r\n中文 FIXME\rnothing\n" * 300


def triples(answer: Any) -> list[tuple[int, int, int]]:
    flat = answer["matches"]
    return [tuple(flat[i : i + 3]) for i in range(0, len(flat), 3)]  # type: ignore[misc]


def oracle(search: Search, text: str, encoding: str, first: int, last: int) -> Any:
    found = expected_matches(search, text, encoding)
    return [(line, start, end) for line, start, _, end in found if first <= line < last], len(found)


@pytest.mark.parametrize(
    "search",
    [
        Search("TODO"),
        Search("todo", case_sensitive=False),
        Search("fixme", case_sensitive=False, whole_word=True),
        Search(r"[A-Z]{4}\b", regex=True),
        Search("𝄞t", regex=True),
    ],
    ids=["literal", "case-insensitive", "whole-word", "regex", "astral"],
)
async def test_the_lines_asked_for_and_the_count_agree_with_the_oracle(
    client: LanguageClient, search: Search
) -> None:
    open_document(client, URI, TEXT)
    encoding = client.encoding  # type: ignore[attr-defined]
    for first, last in [(0, 4), (5, 37), (1_100, 1_300)]:
        answer = await command(client, PREVIEW, URI, first, last, search.argument())
        expected, total = oracle(search, TEXT, encoding, first, last)
        assert triples(answer) == expected, (first, last)
        assert (answer["count"], answer["complete"]) == (min(total, 1_001), total <= 1_000)
        assert answer["version"] == 1
    # A plain string is a literal, case-sensitive pattern, as for setPattern.
    answer = await command(client, PREVIEW, URI, 0, 2, "TODO")
    assert triples(answer) == oracle(Search("TODO"), TEXT, encoding, 0, 2)[0]


async def test_a_preview_sets_nothing_publishes_nothing_and_says_nothing(
    client: LanguageClient,
) -> None:
    open_document(client, URI, "TODO one\ne everywhere\n" * 2_000)
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [(n, 0, n, 4) for n in range(0, 2_000, 2)])
    await command(client, "grepls.listMatches", URI)  # after the cap's message, if any
    publishes, messages = client.publish_count, len(client.messages)  # type: ignore[attr-defined]

    # "every" is on every other line: past the cap, which a set pattern would be told of.
    answer = await command(client, PREVIEW, URI, 0, 4, "every")
    assert triples(answer) == [(1, 2, 7), (3, 2, 7)]
    assert (answer["count"], answer["complete"]) == (1_001, False)

    # The search pattern is still TODO, with its count...
    listed = await command(client, "grepls.listPatterns")
    assert [(p["id"], p["pattern"], p["matches"]) for p in listed] == [("search", "TODO", 1_001)]
    # ... and a request answered after the preview comes after anything the preview could have
    # sent: no publish, no message.
    await command(client, "grepls.listMatches", URI)
    await asyncio.sleep(0.2)
    assert client.publish_count == publishes  # type: ignore[attr-defined]
    assert len(client.messages) == messages


async def test_lines_past_the_cap_are_searched_and_an_edit_is_seen(client: LanguageClient) -> None:
    lines = ["TODO here" if n % 4 == 0 else f"line {n}" for n in range(40_000)]
    open_document(client, URI, "\n".join(lines) + "\n")
    answer = await command(client, PREVIEW, URI, 30_000, 30_010, "TODO")
    assert triples(answer) == [(30_000, 0, 4), (30_004, 0, 4), (30_008, 0, 4)]
    assert (answer["count"], answer["complete"]) == (1_001, False)

    # Under the cap the count is exact, to the last line; an edit is previewed at its version.
    answer = await command(client, PREVIEW, URI, 0, 1, "line 39999")
    assert (answer["count"], answer["complete"]) == (1, True)
    change_document(client, URI, 2, edit((1, 0), (1, 0), "line 39999 again "))
    answer = await command(client, PREVIEW, URI, 0, 3, "line 39999")
    assert (answer["version"], triples(answer), answer["count"]) == (2, [(1, 0, 10)], 2)
    # Lines asked past the document's end are none.
    answer = await command(client, PREVIEW, URI, 39_990, 45_000, "TODO")
    assert triples(answer) == [(39_992, 0, 4), (39_996, 0, 4)]


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        ([URI, 0, 10, {"pattern": "(a", "regex": True}], "missing ): (a"),
        ([URI, 0, 10, ""], "the pattern is empty"),
        ([URI, 0, 10, {"pattern": "a", "regex": "yes"}], "'regex' must be a boolean"),
        ([URI, 0, 10, {"pattern": "a", "colour": "red"}], "unknown option 'colour'"),
        ([URI, 0, 10, 3], "grepls.previewPattern argument must be a string or an object"),
        ([URI, 0, 10], "takes four arguments"),
        ([URI, 10, 0, "a"], "are not a range of lines"),
        ([URI, 0, 20_000, "a"], "at most 10000 lines"),
        (["file:///work/closed.txt", 0, 10, "a"], "is not an open document"),
    ],
    ids=[
        "bad-regex",
        "empty",
        "bad-flag",
        "unknown-key",
        "not-a-pattern",
        "three",
        "backwards",
        "too-many-lines",
        "not-open",
    ],
)
async def test_bad_arguments_are_refused_saying_why_and_the_pattern_stays(
    client: LanguageClient, arguments: list[Any], said: str
) -> None:
    open_document(client, URI, "TODO\n")
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [(0, 0, 0, 4)])
    with pytest.raises(JsonRpcInvalidParams, match=said.replace("(", r"\(").replace(")", r"\)")):
        await command(client, PREVIEW, *arguments)
    listed = await command(client, "grepls.listPatterns")
    assert [(p["pattern"], p["matches"]) for p in listed] == [("TODO", 1)]


@pytest.mark.parametrize("lines", [2, 3, 4, 5, 6])
async def test_every_count_agrees_with_the_preview_around_the_cap(
    client: LanguageClient, lines: int
) -> None:
    """At a cap of 3, a document of ``lines`` matches: every count of the set pattern
    (setPattern, listPatterns, matchesInLines, nextMatch) says the same; it and the preview's are
    each ``complete`` exactly when they are the document's count, and a lower bound of at least
    the cap + 1 otherwise (past the cap, the search may stop)."""
    client.set_configuration({"maxMatchesPerDocument": 3}, section="grepls")
    open_document(client, URI, "b\n" * lines)
    await command(client, "grepls.setPattern", "b")
    # Once the cap is read (the diagnostics stop at it), set again: its answer counts at the cap.
    await published(client, URI, [(n, 0, n, 1) for n in range(min(lines, 3))])
    answer = await command(client, "grepls.setPattern", "b")
    preview = await command(client, PREVIEW, URI, 0, lines, "b")
    counts = [(preview["count"], preview["complete"]), (answer["matches"], answer["complete"])]
    (listed,) = await command(client, "grepls.listPatterns")
    counts.append((listed["matches"], listed["complete"]))
    (painted,) = (await command(client, "grepls.matchesInLines", URI, 0, lines))["counts"]
    counts.append((painted["matches"], painted["complete"]))
    jump = await command(client, "grepls.nextMatch", URI, 0, 0)
    counts.append((jump["matches"], jump["complete"]))
    assert counts[2:] == [counts[1]] * 3
    for count, complete in counts[:2]:
        assert complete == (count == lines) and min(lines, 4) <= count <= lines

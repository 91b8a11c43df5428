"""End to end: matches as semantic tokens — full, a small delta after an edit, client columns,
each pattern's severity as a modifier, overlapping patterns (as tokens that overlap only for a
client that takes them), and diagnostics turned off for people who only want the highlight."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
import pytest_lsp
from conftest import (
    CLIENTS,
    CONFIG,
    TIMEOUT,
    change_document,
    command,
    edit,
    eventually,
    open_document,
)
from grep_oracle import Search, expected_matches
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

URI = "file:///work/tokens.txt"


def expected_literal(text: str, needle: str, encoding: str) -> list[tuple[int, int, int, int]]:
    """Where a literal, case-sensitive ``needle`` occurs, in ``encoding`` columns (the oracle's)."""
    return expected_matches(Search(needle), text, encoding)


@pytest_lsp.fixture(config=CONFIG, params=CLIENTS)
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient) -> Any:
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities(request.param))
    )
    lsp_client.encoding = result.capabilities.position_encoding  # type: ignore[attr-defined]
    lsp_client.server_capabilities = result.capabilities  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def full(client: LanguageClient) -> Any:
    return await asyncio.wait_for(
        client.text_document_semantic_tokens_full_async(
            types.SemanticTokensParams(text_document=types.TextDocumentIdentifier(uri=URI))
        ),
        TIMEOUT,
    )


async def delta(client: LanguageClient, previous: str) -> Any:
    return await asyncio.wait_for(
        client.text_document_semantic_tokens_full_delta_async(
            types.SemanticTokensDeltaParams(
                text_document=types.TextDocumentIdentifier(uri=URI), previous_result_id=previous
            )
        ),
        TIMEOUT,
    )


LEGEND_MODIFIERS = ["error", "warning", "information", "hint", "search"]


def decode_with_modifiers(data: list[int]) -> list[tuple[int, int, int, int, tuple[str, ...]]]:
    """Relative tokens back to (line, start, line, end, modifier names), as the LSP specification
    defines them."""
    found, line, start = [], 0, 0
    for i in range(0, len(data), 5):
        delta_line, delta_start, length, kind, modifiers = data[i : i + 5]
        assert kind == 0
        line += delta_line
        start = start + delta_start if delta_line == 0 else delta_start
        names = tuple(name for bit, name in enumerate(LEGEND_MODIFIERS) if modifiers >> bit & 1)
        found.append((line, start, line, start + length, names))
    return found


def decode(data: list[int]) -> list[tuple[int, int, int, int]]:
    """Relative tokens back to (line, start, line, end); every one the search pattern's."""
    found = []
    for line, start, end_line, end, names in decode_with_modifiers(data):
        assert names == ("information", "search")
        found.append((line, start, end_line, end))
    return found


def apply_edits(data: list[int], edits: list[Any]) -> list[int]:
    result = list(data)
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        result[e.start : e.start + e.delete_count] = list(e.data or [])
    return result


async def test_the_legend_names_the_match_type_and_offers_deltas(client: LanguageClient) -> None:
    provider = client.server_capabilities.semantic_tokens_provider  # type: ignore[attr-defined]
    assert list(provider.legend.token_types) == ["grepMatch"]
    assert list(provider.legend.token_modifiers) == LEGEND_MODIFIERS
    assert provider.full.delta is True


async def test_full_tokens_are_every_match_in_document_order(client: LanguageClient) -> None:
    text = "TODO a TODO\n\nb\nTODO\n" * 3
    open_document(client, URI, text)
    await command(client, "grepls.setPattern", "TODO")
    # The client is told to ask again for the tokens of the new pattern.
    await eventually(lambda: client.tokens_refresh_count == 1, what="a tokens refresh")  # type: ignore[attr-defined]
    result = await full(client)
    assert decode(result.data) == expected_literal(text, "TODO", "utf-16")
    again = await full(client)
    assert again.result_id == result.result_id  # nothing changed: the same result, from the cache


async def test_inserting_a_line_above_hundreds_of_matches_is_a_delta_of_a_few_integers(
    client: LanguageClient,
) -> None:
    text = "".join(f"line {n} TODO here\n" for n in range(900))
    open_document(client, URI, text)
    await command(client, "grepls.setPattern", "TODO")
    first = await full(client)
    assert len(first.data) == 5 * 900

    change_document(client, URI, 2, edit((450, 0), (450, 0), "a new TODO line\n"))
    answer = await delta(client, first.result_id)
    assert answer.result_id != first.result_id
    assert sum(len(e.data or []) for e in answer.edits) <= 10
    new_text = "".join(
        ("a new TODO line\n" if n == 450 else "") + f"line {n} TODO here\n" for n in range(900)
    )
    assert decode(apply_edits(first.data, answer.edits)) == expected_literal(
        new_text, "TODO", "utf-16"
    )

    # A keystroke that moves no match: an empty delta.
    change_document(client, URI, 3, edit((0, 16), (0, 16), "x"))
    same = await delta(client, answer.result_id)
    assert list(same.edits) == []


async def test_deltas_past_the_cap_follow_inserts_deletes_and_typed_matches(
    client: LanguageClient,
) -> None:
    """1,200 matches, 1,000 shown: each delta applied to the tokens held gives the first 1,000
    matches of the text as it is now (tokens fall off the end at the cap and come back)."""
    lines = [
        f"line {n} {'TODO' if n % 3 else 'todo'} here {'TODO' if n % 5 == 0 else ''}"
        for n in range(1500)
    ]
    open_document(client, URI, "\n".join(lines) + "\n")
    await command(client, "grepls.setPattern", "TODO")
    held = await full(client)
    data, result_id = list(held.data), held.result_id
    steps = [
        ((0, 0), (0, 0), "TODO above them all\n"),
        ((0, 0), (1, 0), ""),
        ((700, 0), (700, 0), "\n\n"),
        ((700, 0), (702, 0), ""),
        ((5, 0), (5, 4), "xTODO TODO"),
        ((40, 0), (44, 0), ""),
    ]
    for version, (start, end, text) in enumerate(steps, start=2):
        whole = "\n".join(lines) + "\n"
        offsets = [0]
        for line in lines:
            offsets.append(offsets[-1] + len(line) + 1)
        begin = offsets[start[0]] + start[1]
        finish = offsets[end[0]] + end[1]
        whole = whole[:begin] + text + whole[finish:]
        lines = whole.split("\n")[:-1]
        change_document(client, URI, version, edit(start, end, text))
        answer = await delta(client, result_id)
        # Tokens move below the edit and one falls off (or comes back) at the cap: a few integers.
        assert sum(len(e.data or []) for e in answer.edits) <= 20, f"after step {version - 1}"
        data, result_id = apply_edits(data, answer.edits), answer.result_id
        expected = expected_literal(whole, "TODO", "utf-16")[:1000]
        assert decode(data) == expected, f"after step {version - 1}"


def overlaps(client: LanguageClient) -> bool:
    capabilities = client.capabilities.text_document.semantic_tokens  # type: ignore[union-attr]
    return capabilities.overlapping_token_support is True  # type: ignore[union-attr]


async def test_each_pattern_has_its_severity_as_a_modifier_and_overlaps_only_where_taken(
    client: LanguageClient,
) -> None:
    """TODO a warning, FIXME an error, ``TODO\\(\\w+\\)`` a hint over the TODO it starts with:
    one colour per severity; both of the overlapping ones for a client that takes overlapping
    tokens (Neovim), the first in position and pattern order for one that does not (VS Code)."""
    text = "x TODO and FIXME\nTODO(ann) later\n"
    open_document(client, URI, text)
    await command(client, "grepls.addPattern", {"pattern": "TODO", "severity": "warning"})
    await command(client, "grepls.addPattern", {"pattern": "FIXME", "severity": "error"})
    await command(
        client,
        "grepls.addPattern",
        {"pattern": r"TODO\(\w+\)", "regex": True, "severity": "hint", "id": "owned"},
    )
    tokens = decode_with_modifiers((await full(client)).data)
    owned = [(1, 0, 1, 9, ("hint",))] if overlaps(client) else []
    assert tokens == [
        (0, 2, 0, 6, ("warning",)),
        (0, 11, 0, 16, ("error",)),
        (1, 0, 1, 4, ("warning",)),
        *owned,
    ]
    # A new severity is a new colour: the client is told to ask again, and gets it.
    await command(client, "grepls.addPattern", {"pattern": "FIXME", "severity": "information"})
    await eventually(lambda: client.tokens_refresh_count >= 4, what="a tokens refresh")  # type: ignore[attr-defined]
    again = decode_with_modifiers((await full(client)).data)
    assert again[1] == (0, 11, 0, 16, ("information",))


async def test_deltas_with_several_overlapping_patterns_past_the_cap_give_the_whole_tokens(
    client: LanguageClient,
) -> None:
    """Three patterns, two of them over the cap (``maxMatchesPerDocument`` 50), overlapping each
    other: after each edit, the delta applied to the tokens held is what a full request gives,
    and it stays a few integers."""
    client.set_configuration({"maxMatchesPerDocument": 50}, section="grepls")
    client.set_configuration({"grepls": {"maxMatchesPerDocument": 50}}, section="")
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"grepls": {"maxMatchesPerDocument": 50}})
    )
    lines = [
        f"{n} TODO{'(me)' if n % 3 == 0 else ''} {'FIXME' if n % 4 == 0 else ''}"
        for n in range(300)
    ]
    open_document(client, URI, "\n".join(lines) + "\n")
    await command(client, "grepls.addPattern", {"pattern": "TODO", "severity": "warning"})
    await command(client, "grepls.addPattern", {"pattern": "FIXME", "severity": "error"})
    await command(
        client, "grepls.addPattern", {"pattern": r"TODO\(me\)", "regex": True, "id": "mine"}
    )
    held = await full(client)
    data, result_id = list(held.data), held.result_id
    whole = "\n".join(lines) + "\n"
    assert decode_with_modifiers(data) == shown_tokens(whole, overlaps(client))
    steps = [
        ((0, 0), (0, 0), "TODO(me) FIXME on top\n"),
        ((0, 0), (0, 0), "x"),
        ((0, 0), (1, 0), ""),
        ((20, 0), (20, 0), "\n\n"),
        ((20, 0), (22, 0), ""),
        ((5, 0), (5, 0), "FIXME TODO "),
        ((30, 0), (34, 0), ""),
        ((100, 3), (100, 3), "TODO(me)"),
    ]
    for version, (start, end, text) in enumerate(steps, start=2):
        whole = replaced(whole, start, end, text)
        change_document(client, URI, version, edit(start, end, text))
        answer = await delta(client, result_id)
        # A few integers per line changed, and per match that falls off or comes back at the cap
        # (four lines deleted: each pattern shows its next few matches).
        bound = 80 if (start, end) == ((30, 0), (34, 0)) else 40
        assert sum(len(e.data or []) for e in answer.edits) <= bound, f"after step {version - 1}"
        data, result_id = apply_edits(data, answer.edits), answer.result_id
        assert decode_with_modifiers(data) == shown_tokens(whole, overlaps(client)), (
            f"after step {version - 1}"
        )


def replaced(text: str, start: tuple[int, int], end: tuple[int, int], new: str) -> str:
    """``text`` with the range replaced (ASCII: columns are indices)."""
    offsets = [0]
    for line in text.split("\n")[:-1]:
        offsets.append(offsets[-1] + len(line) + 1)
    return text[: offsets[start[0]] + start[1]] + new + text[offsets[end[0]] + end[1] :]


def shown_tokens(text: str, overlap: bool) -> list[tuple[int, int, int, int, tuple[str, ...]]]:
    """The oracle for the three patterns above: each one's first 50 matches (``re``, line by
    line), by position then pattern order; without overlap support, a match overlapping the
    token kept before it on its line is left out."""
    patterns = [(r"TODO", ("warning",)), (r"FIXME", ("error",)), (r"TODO\(me\)", ("information",))]
    matches = []
    for order, (regex, names) in enumerate(patterns):
        found = [
            (number, m.start(), order, m.end(), names)
            for number, line in enumerate(text.split("\n"))
            for m in re.finditer(regex, line)
        ]
        matches += found[:50]
    tokens: list[tuple[int, int, int, int, tuple[str, ...]]] = []
    for line, start, _, end, names in sorted(matches):
        if not overlap and tokens and tokens[-1][0] == line and start < tokens[-1][3]:
            continue
        tokens.append((line, start, line, end, names))
    return tokens


async def test_token_columns_are_client_columns_after_an_emoji(client: LanguageClient) -> None:
    text = "é 😀 TODO\n😀😀TODO é TODO\n"
    open_document(client, URI, text)
    await command(client, "grepls.setPattern", "TODO")
    encoding = client.encoding  # type: ignore[attr-defined]
    assert decode((await full(client)).data) == expected_literal(text, "TODO", encoding)


async def test_an_unknown_previous_result_gets_every_token(client: LanguageClient) -> None:
    open_document(client, URI, "TODO\n")
    await command(client, "grepls.setPattern", "TODO")
    answer = await delta(client, "no-such-result")
    assert isinstance(answer, types.SemanticTokens)
    assert decode(answer.data) == [(0, 0, 0, 4)]


@pytest_lsp.fixture(config=CONFIG)
async def tokens_only(lsp_client: LanguageClient) -> Any:
    """Neovim's capabilities, diagnostics turned off in the initialization options."""
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("neovim"),
            initialization_options={"diagnostics": False},
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_with_diagnostics_off_matches_come_as_tokens_only(
    tokens_only: LanguageClient,
) -> None:
    client = tokens_only
    open_document(client, URI, "TODO\nTODO\n")
    await command(client, "grepls.setPattern", "TODO")
    assert decode((await full(client)).data) == [(0, 0, 0, 4), (1, 0, 1, 4)]
    change_document(client, URI, 2, edit((0, 0), (0, 0), "TODO "))
    assert len((await full(client)).data) == 15
    # Whatever was published held no diagnostic; and at most one (empty) list was sent.
    await eventually(lambda: URI in client.diagnostics, what="the empty publish")
    assert list(client.diagnostics[URI]) == []
    assert client.publish_count == 1  # type: ignore[attr-defined]


async def test_turning_diagnostics_off_clears_them(client: LanguageClient) -> None:
    open_document(client, URI, "TODO\n")
    await command(client, "grepls.setPattern", "TODO")
    await eventually(lambda: len(client.diagnostics.get(URI, [])) == 1, what="one diagnostic")
    # Answered from workspace/configuration by clients that have it, else read from the push.
    client.set_configuration({"grepls": {"diagnostics": False}}, section="")
    client.set_configuration({"diagnostics": False}, section="grepls")
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"grepls": {"diagnostics": False}})
    )
    await eventually(
        lambda: list(client.diagnostics.get(URI, [None])) == [], what="diagnostics cleared"
    )


def apply_change(text: str, start: tuple[int, int], end: tuple[int, int], new: str) -> str:
    """The text after one change (``\\n`` line breaks, ASCII: columns are code points)."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    return text[: offsets[start[0]] + start[1]] + new + text[offsets[end[0]] + end[1] :]


Change = tuple[tuple[int, int], tuple[int, int], str]

# Per case: the text, the pattern, then the gaps between token requests; each gap is the
# didChange notifications sent in it, each notification its content changes.
EDITS_BETWEEN_REQUESTS: dict[str, tuple[str, str, list[list[list[Change]]]]] = {
    # Enter at the end (no token moves), then a match typed above, a request after each.
    "enter-at-end-then-type-above": (
        "x\nT\nB",
        "x",
        [[[((2, 1), (2, 1), "\n")]], [[((1, 0), (1, 0), "x")]]],
    ),
    # A match broken onto a new line, then one typed above, with no request between.
    "two-notifications-in-one-gap": (
        "x\nb\n",
        "b",
        [[[((1, 0), (1, 1), "\n")], [((0, 1), (0, 1), "b")]]],
    ),
    # Two changes in one didChange, the second above the first; then a match typed.
    "two-changes-in-one-notification": (
        "a\nb\nc\nb\n",
        "b",
        [[[((3, 0), (3, 0), "\n"), ((0, 0), (0, 0), "b\n")]], [[((2, 1), (2, 1), "b")]]],
    ),
}


@pytest.mark.parametrize("ask", ["delta", "full"])
@pytest.mark.parametrize("case", sorted(EDITS_BETWEEN_REQUESTS))
async def test_tokens_stay_right_whatever_edits_come_between_two_requests(
    client: LanguageClient, case: str, ask: str
) -> None:
    """Each gap between two token requests holds one or more edits (in one didChange or
    several); the tokens the client holds after applying each answer are the matches of the
    text as it is now."""
    text, pattern, gaps = EDITS_BETWEEN_REQUESTS[case]
    open_document(client, URI, text)
    await command(client, "grepls.setPattern", pattern)
    held = await full(client)
    data, result_id = list(held.data), held.result_id
    version = 1
    for gap in gaps:
        for notification in gap:
            for start, end, new in notification:
                text = apply_change(text, start, end, new)
            version += 1
            change_document(
                client, URI, version, *(edit(start, end, new) for start, end, new in notification)
            )
        if ask == "delta":
            answer = await delta(client, result_id)
            data = apply_edits(data, answer.edits)
        else:
            answer = await full(client)
            data = list(answer.data)
        result_id = answer.result_id
        assert decode(data) == expected_literal(text, pattern, "utf-16"), repr(text)

"""End to end: several patterns at once — from settings, added by command, and the search — each
with its own id, severity and message, bad entries reported by name and skipped."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_lsp
from conftest import (
    CLIENTS,
    CONFIG,
    change_document,
    command,
    edit,
    eventually,
    open_document,
)
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import LanguageClient, client_capabilities

URI = "file:///work/patterns.txt"

KEPT = [
    {"pattern": "TODO", "severity": "warning"},
    {"pattern": "FIX(ME)?", "regex": True, "id": "fixme", "severity": "error", "message": "fix"},
]


@pytest_lsp.fixture(config=CONFIG, params=CLIENTS)
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient) -> Any:
    """A client whose settings keep two patterns (and answer workspace/configuration alike)."""
    lsp_client.set_configuration({"patterns": KEPT}, section="grepls")
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(request.param),
            initialization_options={"patterns": KEPT},
        )
    )
    yield
    await lsp_client.shutdown_session()


def configure(client: LanguageClient, settings: dict[str, Any]) -> None:
    """The client's settings are now ``settings``, and it says they changed."""
    client.set_configuration(settings, section="grepls")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))


async def told(client: LanguageClient, says: str) -> None:
    """Wait for a message to the user that begins with ``says``."""
    await eventually(
        lambda: any(m.message.startswith(says) for m in client.messages), what=repr(says)
    )


def shown(client: LanguageClient) -> list[tuple[int, int, str, int, str]]:
    """(line, character, code, severity, message) of each diagnostic, in the order received."""
    return [
        (d.range.start.line, d.range.start.character, d.code, d.severity, d.message)
        for d in client.diagnostics.get(URI, [])
    ]


async def showing(client: LanguageClient, expected: list[Any]) -> None:
    await eventually(lambda: shown(client) == expected, what=f"diagnostics {expected}")


async def test_kept_patterns_show_with_their_own_code_severity_and_message(
    client: LanguageClient,
) -> None:
    open_document(client, URI, "FIX TODO\nFIXME later\n")
    await showing(
        client,
        [
            (0, 0, "fixme", 1, "fix"),
            (0, 4, "TODO", 2, 'matches "TODO"'),
            (1, 0, "fixme", 1, "fix"),
        ],
    )
    assert all(d.source == "grepls" for d in client.diagnostics[URI])


async def test_overlapping_matches_of_two_patterns_are_each_reported_in_pattern_order(
    client: LanguageClient,
) -> None:
    open_document(client, URI, "x TODO\n")
    await command(client, "grepls.setPattern", "TO")
    await showing(
        client,
        [(0, 2, "TODO", 2, 'matches "TODO"'), (0, 2, "search", 3, 'matches "TO"')],
    )
    highlights = await client.text_document_document_highlight_async(
        types.DocumentHighlightParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            position=types.Position(line=0, character=0),
        )
    )
    assert highlights is not None
    assert [(h.range.start.character, h.range.end.character) for h in highlights] == [
        (2, 6),
        (2, 4),
    ]
    listed = await command(client, "grepls.listMatches", URI)
    assert [(m["range"]["start"]["character"], m["pattern"]) for m in listed] == [
        (2, "TODO"),
        (2, "search"),
    ]


async def test_added_patterns_are_listed_in_order_replaced_by_id_and_removed(
    client: LanguageClient,
) -> None:
    open_document(client, URI, "TODO HACK hack\n")
    added = await command(
        client, "grepls.addPattern", {"pattern": "hack", "caseSensitive": False, "id": "hack"}
    )
    assert added == {"id": "hack", "matches": 2, "complete": True}
    await command(client, "grepls.setPattern", "TODO")
    listed = await command(client, "grepls.listPatterns")
    assert [(p["id"], p["matches"], p["severity"]) for p in listed] == [
        ("TODO", 1, "warning"),
        ("fixme", 0, "error"),
        ("hack", 2, "information"),
        ("search", 1, "information"),
    ]
    assert listed[2] == {
        "id": "hack",
        "pattern": "hack",
        "regex": False,
        "caseSensitive": False,
        "wholeWord": False,
        "severity": "information",
        "message": 'matches "hack" (i)',
        "matches": 2,
        "complete": True,
    }
    # The same id again replaces it.
    replaced = await command(client, "grepls.addPattern", {"pattern": "HACK", "id": "hack"})
    assert replaced["matches"] == 1
    await eventually(
        lambda: [c for _, _, c, _, _ in shown(client)].count("hack") == 1, what="one hack"
    )
    await command(client, "grepls.removePattern", "hack")
    await eventually(lambda: "hack" not in [c for _, _, c, _, _ in shown(client)], what="removed")
    with pytest.raises(JsonRpcInvalidParams, match="no pattern 'hack'"):
        await command(client, "grepls.removePattern", "hack")


async def test_each_pattern_is_capped_on_its_own(client: LanguageClient) -> None:
    configure(client, {"patterns": KEPT, "maxMatchesPerDocument": 2})
    open_document(client, URI, "TODO FIX\n" * 5)
    await eventually(
        lambda: [c for _, _, c, _, _ in shown(client)] == ["TODO", "fixme", "TODO", "fixme"],
        what="two of each",
    )


async def test_the_cap_names_patterns_that_read_alike_by_their_ids(
    client: LanguageClient,
) -> None:
    """Two patterns of the same text (a kept TODO, and a search for TODO) read apart."""
    configure(client, {"patterns": KEPT, "maxMatchesPerDocument": 2})
    await command(client, "grepls.setPattern", "TODO")
    open_document(client, URI, "TODO FIX\n" * 5)
    says = (
        'grepls: 3 patterns have more than 2 matches in patterns.txt ("TODO" (TODO), /FIX(ME)?/, '
        '"TODO" (search)); showing the first 2 of each'
    )
    await told(client, says)


async def test_the_cap_is_told_with_diagnostics_turned_off_as_cutting_the_lists(
    client: LanguageClient,
) -> None:
    """An editor that paints matches itself (Neovim's module) turns diagnostics off; the cap
    still cuts listMatches and the tokens, and the user is told so (nothing was said)."""
    configure(client, {"patterns": KEPT, "maxMatchesPerDocument": 2, "diagnostics": False})
    open_document(client, URI, "TODO FIX\n" * 5)
    says = (
        'grepls: 2 patterns have more than 2 matches in patterns.txt ("TODO", /FIX(ME)?/); '
        "listing the first 2 of each"
    )
    await told(client, says)
    assert len(await command(client, "grepls.listMatches", URI)) == 4
    assert not client.diagnostics.get(URI)


async def test_a_long_pattern_reads_by_its_start_in_its_diagnostics_and_actions(
    client: LanguageClient,
) -> None:
    """A pasted paragraph is not repeated in full in each of its diagnostics."""
    paragraph = "Lorem ipsum dolor sit amet. " * 40
    open_document(client, URI, paragraph + "\n")
    await command(client, "grepls.setPattern", paragraph)
    start = paragraph[:60] + "…"
    await showing(client, [(0, 0, "search", 3, f'matches "{start}"')])
    listed = await command(client, "grepls.listPatterns")
    assert listed[-1]["message"] == f'matches "{start}"'
    assert listed[-1]["pattern"] == paragraph
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=types.Range(start=types.Position(0, 1), end=types.Position(0, 1)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert actions and all(len(action.title) < 200 for action in actions), actions


async def test_edits_keep_every_pattern_current(client: LanguageClient) -> None:
    open_document(client, URI, "a\nb\n")
    change_document(client, URI, 2, edit((1, 0), (1, 0), "FIXME TODO "))
    await showing(client, [(1, 0, "fixme", 1, "fix"), (1, 6, "TODO", 2, 'matches "TODO"')])
    change_document(client, URI, 3, edit((0, 0), (0, 0), "\n"))
    await showing(client, [(2, 0, "fixme", 1, "fix"), (2, 6, "TODO", 2, 'matches "TODO"')])


async def test_an_added_pattern_waits_behind_a_setting_of_its_id_and_comes_back(
    client: LanguageClient,
) -> None:
    """Clients add their kept patterns as they start, before the settings may be known: a
    setting that takes an added pattern's id hides it while it stands, and never loses it."""
    open_document(client, URI, "FIXME HACK hack\n")
    await command(client, "grepls.addPattern", {"pattern": "HACK", "id": "hack"})

    def setting(patterns: list[Any]) -> None:
        client.set_configuration({"patterns": patterns}, section="grepls")
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"grepls": {"patterns": patterns}})
        )

    def coded() -> list[tuple[int, str]]:
        return [(character, code) for _, character, code, _, _ in shown(client)]

    setting([*KEPT, {"pattern": "hack", "caseSensitive": False, "id": "hack"}])
    await eventually(
        lambda: coded() == [(0, "fixme"), (6, "hack"), (11, "hack")], what="the setting"
    )
    setting(KEPT)
    await eventually(lambda: coded() == [(0, "fixme"), (6, "hack")], what="the added one back")
    listed = await command(client, "grepls.listPatterns")
    assert [(p["id"], p["pattern"], p["matches"]) for p in listed] == [
        ("TODO", "TODO", 0),
        ("fixme", "FIX(ME)?", 1),
        ("hack", "HACK", 1),
    ]


async def test_removing_an_id_the_settings_hold_removes_the_added_pattern_waiting_behind(
    client: LanguageClient,
) -> None:
    """The user removes the pattern they added (a kept one, from a client's list): it is gone
    for good, and the settings' pattern of that id, which only the settings remove, stays."""
    open_document(client, URI, "HACK hack x\n")
    await command(client, "grepls.addPattern", {"pattern": "HACK", "id": "hack"})
    patterns = [{"pattern": "x", "id": "hack"}]
    client.set_configuration({"patterns": patterns}, section="grepls")
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"grepls": {"patterns": patterns}})
    )
    await eventually(lambda: [d[1] for d in shown(client)] == [10], what="the setting")
    assert await command(client, "grepls.removePattern", "hack") is None
    with pytest.raises(JsonRpcInvalidParams, match="comes from the settings"):
        await command(client, "grepls.removePattern", "hack")
    client.set_configuration({"patterns": []}, section="grepls")
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"grepls": {"patterns": []}})
    )
    await eventually(lambda: shown(client) == [], what="no pattern left")
    assert await command(client, "grepls.listPatterns") == []


async def test_a_regex_quoting_to_its_end_keeps_its_matches_beside_others_and_as_a_word(
    client: LanguageClient,
) -> None:
    """RE2 reads ``\\Q`` left open as quoting the rest of the pattern: pasted among other
    patterns (the sieve that finds which lines any pattern may match) or into the whole-word
    frame, it swallowed what came after it (no line matched; the frame's ")" went missing)."""
    await command(client, "grepls.addPattern", {"pattern": r"a\Q.b", "regex": True, "id": "q"})
    await command(client, "grepls.addPattern", {"pattern": r"\Qx\E", "regex": True, "id": "x"})
    open_document(client, URI, "a.b\nx\nTODO\n")  # searched by every pattern at once
    await showing(
        client,
        [
            (0, 0, "q", 3, r"matches /a\Q.b/"),
            (1, 0, "x", 3, r"matches /\Qx\E/"),
            (2, 0, "TODO", 2, 'matches "TODO"'),
        ],
    )
    word = {"pattern": r"\Qa.b", "regex": True, "wholeWord": True}  # refused: "missing )"
    assert (await command(client, "grepls.setPattern", word))["matches"] == 1


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ({"regex": True}, 'needs a "pattern"'),
        ({"pattern": "(", "regex": True, "id": "paren"}, "'paren'"),
        ({"pattern": "x", "severity": "loud"}, "'severity' must be one of"),
        ({"pattern": "TODO"}, "the id 'TODO' is already taken"),
        ({"pattern": "y", "id": "search"}, "the id 'search' is already taken"),
        ("TODO", "must be an object"),
    ],
)
async def test_a_bad_entry_is_reported_by_name_and_the_others_still_apply(
    client: LanguageClient, entry: Any, says: str
) -> None:
    open_document(client, URI, "TODO FIXME\n")
    configure(client, {"patterns": [*KEPT, entry]})
    await eventually(
        lambda: any(says in m.message and "skipped" in m.message for m in client.messages),
        what=f"a message saying {says!r}",
    )
    await eventually(
        lambda: [c for _, _, c, _, _ in shown(client)] == ["TODO", "fixme"], what="both kept"
    )


async def test_bad_commands_are_refused_and_change_nothing(client: LanguageClient) -> None:
    open_document(client, URI, "TODO\n")
    with pytest.raises(JsonRpcInvalidParams, match="taken by a pattern in settings"):
        await command(client, "grepls.addPattern", {"pattern": "x", "id": "TODO"})
    with pytest.raises(JsonRpcInvalidParams, match="invalid regex"):
        await command(client, "grepls.addPattern", {"pattern": "(", "regex": True})
    with pytest.raises(JsonRpcInvalidParams, match="takes one object"):
        await command(client, "grepls.addPattern")
    with pytest.raises(JsonRpcInvalidParams, match="'TODO' comes from the settings"):
        await command(client, "grepls.removePattern", "TODO")
    with pytest.raises(JsonRpcInvalidParams, match="no pattern 'x' \\(patterns in force: 'TODO'"):
        await command(client, "grepls.removePattern", "x")
    listed = await command(client, "grepls.listPatterns")
    assert [p["id"] for p in listed] == ["TODO", "fixme"]

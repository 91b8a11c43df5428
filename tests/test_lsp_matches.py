"""End to end: what an editor sees of its matches, through the real server over stdio."""

from __future__ import annotations

import time

import pytest
from conftest import (
    change_document,
    command,
    edit,
    eventually,
    open_document,
    published,
    ranges,
)
from grep_oracle import Search, expected_matches
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import LanguageClient

URI = "file:///work/notes.txt"
OTHER = "file:///work/other.txt"


async def test_matches_are_published_with_exact_ranges_source_severity_and_version(
    client: LanguageClient,
) -> None:
    text = "TODO first\nnothing here\n  TODO: twice TODO\n"
    open_document(client, URI, text, version=7)
    result = await command(client, "grepls.setPattern", "TODO")
    assert result == {"pattern": "TODO", "matches": 3, "complete": True}
    await published(client, URI, [(0, 0, 0, 4), (2, 2, 2, 6), (2, 14, 2, 18)], version=7)
    for diagnostic in client.diagnostics[URI]:
        assert diagnostic.source == "grepls"
        assert diagnostic.severity == types.DiagnosticSeverity.Information
        assert "TODO" in diagnostic.message


async def test_astral_characters_count_in_the_negotiated_encoding(client: LanguageClient) -> None:
    text = "😀 TODO\ncafé 𝄞TODO\n中文TODO\n"
    open_document(client, URI, text)
    await command(client, "grepls.setPattern", "TODO")
    encoding = client.encoding  # type: ignore[attr-defined]
    expected = expected_matches(Search("TODO"), text, encoding)
    await published(client, URI, expected)
    if encoding == "utf-16":
        assert expected[0] == (0, 3, 0, 7)  # the emoji is two UTF-16 units
    else:
        assert encoding == "utf-8"
        assert expected[0] == (0, 5, 0, 9)  # the emoji is four UTF-8 bytes


async def test_only_lsp_line_breaks_end_lines(client: LanguageClient) -> None:
    # CRLF, CR and LF end lines; form feed, \x0b, \x1c-\x1e, \x85, U+2028 and U+2029 do not.
    text = "a TODO\r\nb TODO\rc TODO\nd\x0cTODO\x0bTODO\x1c\x1d\x1eTODO\x85TODO\u2028TODO\u2029TODO"
    open_document(client, URI, text)
    await command(client, "grepls.setPattern", "TODO")
    expected = expected_matches(Search("TODO"), text, client.encoding)  # type: ignore[attr-defined]
    assert [line for line, *_ in expected] == [0, 1, 2, 3, 3, 3, 3, 3, 3]
    await published(client, URI, expected)


async def test_several_changes_in_one_notification_apply_in_order(client: LanguageClient) -> None:
    open_document(client, URI, "one\ntwo\nthree\n")
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [])
    change_document(
        client,
        URI,
        2,
        edit((0, 0), (0, 0), "TODO "),  # "TODO one"
        edit((1, 3), (1, 3), " TODO"),  # "two TODO"
        edit((0, 0), (0, 5), ""),  # back to "one"
        edit((2, 0), (2, 5), "TO"),  # "TO"
        edit((2, 2), (2, 2), "DO!"),  # "TODO!"
    )
    await published(client, URI, [(1, 4, 1, 8), (2, 0, 2, 4)], version=2)


async def test_inserting_and_deleting_lines_moves_the_matches_below(client: LanguageClient) -> None:
    open_document(client, URI, "x\nTODO a\ny\nTODO b\n")
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [(1, 0, 1, 4), (3, 0, 3, 4)])
    change_document(client, URI, 2, edit((0, 1), (0, 1), "\nnew\nlines"))
    await published(client, URI, [(3, 0, 3, 4), (5, 0, 5, 4)], version=2)
    change_document(client, URI, 3, edit((0, 0), (5, 0), ""))  # delete the lines "x" to "y"
    await published(client, URI, [(0, 0, 0, 4)], version=3)
    change_document(client, URI, 4, edit((0, 6), (1, 0), " "))  # join the last two lines
    matches = await command(client, "grepls.listMatches", URI)
    assert [m["text"] for m in matches] == ["TODO b "]
    # The matches did not change, so nothing new was published.
    assert client.versions[URI] == 3  # type: ignore[attr-defined]


async def test_typing_a_match_character_by_character(client: LanguageClient) -> None:
    open_document(client, URI, "say: \n")
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [])
    for version, character in enumerate("TOD", start=2):
        change_document(client, URI, version, edit((0, 3 + version), (0, 3 + version), character))
    change_document(client, URI, 5, edit((0, 8), (0, 8), "O"))
    await published(client, URI, [(0, 5, 0, 9)], version=5)
    change_document(client, URI, 6, edit((0, 8), (0, 9), ""))  # backspace
    await published(client, URI, [], version=6)


async def test_a_whole_document_change_replaces_everything(client: LanguageClient) -> None:
    open_document(client, URI, "TODO\nTODO\nTODO\n")
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [(0, 0, 0, 4), (1, 0, 1, 4), (2, 0, 2, 4)])
    change_document(
        client, URI, 2, types.TextDocumentContentChangeWholeDocument(text="fresh\r\n  TODO")
    )
    await published(client, URI, [(1, 2, 1, 6)], version=2)


async def test_two_documents_keep_their_own_matches(client: LanguageClient) -> None:
    open_document(client, URI, "TODO here\n")
    open_document(client, OTHER, "no\nTODO there TODO\n")
    result = await command(client, "grepls.setPattern", "TODO")
    assert result["matches"] == 3
    await published(client, URI, [(0, 0, 0, 4)])
    await published(client, OTHER, [(1, 0, 1, 4), (1, 11, 1, 15)])
    change_document(client, OTHER, 2, edit((1, 0), (1, 4), "done"))
    await published(client, OTHER, [(1, 11, 1, 15)], version=2)
    await published(client, URI, [(0, 0, 0, 4)])


async def test_clearing_the_pattern_empties_every_document(client: LanguageClient) -> None:
    open_document(client, URI, "TODO\n")
    open_document(client, OTHER, "TODO\n")
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [(0, 0, 0, 4)])
    await published(client, OTHER, [(0, 0, 0, 4)])
    assert await command(client, "grepls.clearPattern") == {"pattern": None, "matches": 0}
    await published(client, URI, [])
    await published(client, OTHER, [])


async def test_closing_a_document_clears_its_diagnostics(client: LanguageClient) -> None:
    open_document(client, URI, "TODO\n")
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [(0, 0, 0, 4)])
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    await published(client, URI, [])
    result = await command(client, "grepls.setPattern", "TODO")
    assert result["matches"] == 0


async def test_a_new_pattern_replaces_the_old_one(client: LanguageClient) -> None:
    open_document(client, URI, "TODO FIXME\n")
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [(0, 0, 0, 4)])
    await command(client, "grepls.setPattern", "FIXME")
    await published(client, URI, [(0, 5, 0, 10)])
    assert "FIXME" in client.diagnostics[URI][0].message


async def test_an_invalid_regex_is_an_error_and_changes_nothing(client: LanguageClient) -> None:
    open_document(client, URI, "TODO and (a)\n")
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [(0, 0, 0, 4)])
    before = client.publish_count  # type: ignore[attr-defined]
    for bad, says in [
        ("(a", "missing \\)"),
        ("(a)\\1", "back-references are not supported"),
        ("(?=a)", "look-around is not supported"),
    ]:
        with pytest.raises(JsonRpcInvalidParams, match=says):
            await command(client, "grepls.setPattern", {"pattern": bad, "regex": True})
    # The old pattern still holds: an edit is matched against TODO.
    change_document(client, URI, 2, edit((0, 0), (0, 0), "TODO "))
    await published(client, URI, [(0, 0, 0, 4), (0, 5, 0, 9)], version=2)
    assert client.publish_count == before + 1  # type: ignore[attr-defined]


async def test_a_pattern_too_large_is_refused_as_such_and_quoted_by_its_start_only(
    client: LanguageClient,
) -> None:
    """A case-insensitive literal is not called a regex, however RE2 fails on it; and a refusal
    sends back the start of a megabyte pattern and its length, not the whole of it."""
    open_document(client, URI, "TODO\n")
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [(0, 0, 0, 4)])
    too_large = "too large to search in linear time without slowing the editor"
    start = "a" * 59 + "…"
    for pattern, regex, says in [
        ("é" * 999_999, False, too_large),  # RE2 runs out of memory compiling it
        ("é" * 3_000, False, too_large),  # its program is over the limit
        (
            "(" + "a" * 999_990,
            True,
            f"invalid regex '({start}' (999,991 characters): missing ): ({start}",
        ),
    ]:
        with pytest.raises(JsonRpcInvalidParams) as refused:
            await command(
                client,
                "grepls.setPattern",
                {"pattern": pattern, "regex": regex, "caseSensitive": False},
            )
        message = str(refused.value)
        # Checked as booleans: pytest's account of a failed ``in`` on a megabyte takes minutes.
        short, right = len(message) < 300, says in message and (regex or "regex" not in message)
        assert short and right, message[:300]
    assert (await command(client, "grepls.listMatches", URI))[0]["text"] == "TODO"


async def test_a_catastrophic_regex_answers_at_once(client: LanguageClient) -> None:
    line = "a" * 28 + "!"
    open_document(client, URI, "\n".join([line] * 2000))
    started = time.monotonic()
    result = await command(client, "grepls.setPattern", {"pattern": "(a+)+$", "regex": True})
    # Python's re needs over ten seconds per line here; RE2 is linear.
    assert time.monotonic() - started < 5
    assert result["matches"] == 0


async def test_zero_width_patterns_match_at_most_once_per_line(client: LanguageClient) -> None:
    open_document(client, URI, "ab\n\nb\n")
    await command(client, "grepls.setPattern", {"pattern": "^$", "regex": True})
    await published(client, URI, [(1, 0, 1, 0), (3, 0, 3, 0)])
    await command(client, "grepls.setPattern", {"pattern": "^", "regex": True})
    await published(client, URI, [(0, 0, 0, 0), (1, 0, 1, 0), (2, 0, 2, 0), (3, 0, 3, 0)])
    await command(client, "grepls.setPattern", {"pattern": "b*", "regex": True})
    # The first match of each line: empty before "a", "b" on line 2, empty on the empty lines.
    await published(client, URI, [(0, 0, 0, 0), (1, 0, 1, 0), (2, 0, 2, 1), (3, 0, 3, 0)])


async def test_whole_word_is_unicode_aware(client: LanguageClient) -> None:
    open_document(client, URI, "cafe _cafe (cafe) Cafe cafeé cafe\u0301\n")
    await command(client, "grepls.setPattern", {"pattern": "cafe", "wholeWord": True})
    await published(client, URI, [(0, 0, 0, 4), (0, 12, 0, 16)])
    await command(
        client, "grepls.setPattern", {"pattern": "cafe", "wholeWord": True, "caseSensitive": False}
    )
    await published(client, URI, [(0, 0, 0, 4), (0, 12, 0, 16), (0, 18, 0, 22)])


async def test_regex_patterns_match(client: LanguageClient) -> None:
    open_document(client, URI, "error E1234 and E99\nE12345\n")
    result = await command(client, "grepls.setPattern", {"pattern": r"E\d{4}\b", "regex": True})
    assert result["matches"] == 1
    await published(client, URI, [(0, 6, 0, 11)])


async def test_document_highlight_returns_every_match(client: LanguageClient) -> None:
    open_document(client, URI, "TODO a\nb\nc TODO TODO\n")
    await command(client, "grepls.setPattern", "TODO")
    highlights = await client.text_document_document_highlight_async(
        types.DocumentHighlightParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            position=types.Position(line=1, character=0),
        )
    )
    assert highlights is not None
    assert ranges(highlights) == [(0, 0, 0, 4), (2, 2, 2, 6), (2, 7, 2, 11)]
    assert {h.kind for h in highlights} == {types.DocumentHighlightKind.Text}


async def test_list_matches_returns_ranges_and_lines(client: LanguageClient) -> None:
    open_document(client, URI, "x\r\n  TODO: one\r\nTODO two TODO")
    await command(client, "grepls.setPattern", "TODO")
    matches = await command(client, "grepls.listMatches", URI)
    assert [(m["range"]["start"]["line"], m["range"]["start"]["character"]) for m in matches] == [
        (1, 2),
        (2, 0),
        (2, 9),
    ]
    assert [m["text"] for m in matches] == ["  TODO: one", "TODO two TODO", "TODO two TODO"]


@pytest.mark.parametrize(
    ("name", "arguments", "says"),
    [
        ("grepls.noSuchCommand", [], "noSuchCommand"),
        ("grepls.setPattern", [], "exactly one argument"),
        ("grepls.setPattern", ["a", "b"], "exactly one argument"),
        ("grepls.setPattern", [""], "empty"),
        ("grepls.setPattern", [42], "string or an object"),
        ("grepls.setPattern", [{"regex": True}], 'needs a "pattern"'),
        ("grepls.setPattern", [{"pattern": "a", "regex": "yes"}], "'regex' must be a boolean"),
        ("grepls.setPattern", [{"pattern": "a", "color": "red"}], "unknown option 'color'"),
        ("grepls.setPattern", [{"pattern": 5}], "'pattern' must be a string"),
        ("grepls.clearPattern", ["x"], "takes no arguments"),
        ("grepls.listMatches", [1], "document URI"),
        ("grepls.listMatches", ["file:///not/open.txt"], "not an open document"),
    ],
)
async def test_bad_commands_get_invalid_params_and_keep_the_state(
    client: LanguageClient, name: str, arguments: list[object], says: str
) -> None:
    open_document(client, URI, "TODO\n")
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [(0, 0, 0, 4)])
    with pytest.raises(JsonRpcInvalidParams, match=says):
        await command(client, name, *arguments)
    assert (await command(client, "grepls.listMatches", URI))[0]["text"] == "TODO"
    assert ranges(client.diagnostics[URI]) == [(0, 0, 0, 4)]


async def test_a_lone_cr_and_a_new_lf_become_one_line_break(client: LanguageClient) -> None:
    open_document(client, URI, "a\rX\nTODO")
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [(2, 0, 2, 4)])
    change_document(client, URI, 2, edit((1, 0), (1, 1), ""))  # "a\r\nTODO": two lines now
    await published(client, URI, [(1, 0, 1, 4)], version=2)
    matches = await command(client, "grepls.listMatches", URI)
    assert matches[0]["range"]["start"]["line"] == 1


async def test_edits_before_a_pattern_is_set_are_kept(client: LanguageClient) -> None:
    open_document(client, URI, "abc\n")
    change_document(client, URI, 2, edit((0, 0), (0, 0), "TODO\n"))
    result = await command(client, "grepls.setPattern", "TODO")
    assert result["matches"] == 1
    await published(client, URI, [(0, 0, 0, 4)], version=2)
    await eventually(lambda: client.versions[URI] == 2)  # type: ignore[attr-defined]


async def test_a_long_line_is_listed_as_an_excerpt_around_the_match(client: LanguageClient) -> None:
    line = "x" * 5000 + "TODO" + "y" * 5000
    open_document(client, URI, line + "\nshort TODO\n")
    await command(client, "grepls.setPattern", "TODO")
    matches = await command(client, "grepls.listMatches", URI)
    assert matches[0]["range"]["start"] == {"line": 0, "character": 5000}
    excerpt = matches[0]["text"]
    assert "TODO" in excerpt and excerpt.startswith("…") and excerpt.endswith("…")
    assert len(excerpt) == 1002
    assert matches[1]["text"] == "short TODO"


async def test_a_literal_pattern_may_hold_any_character_but_a_line_break(
    client: LanguageClient,
) -> None:
    open_document(client, URI, "a (b) [c] \\d $ a\n")
    result = await command(client, "grepls.setPattern", "(b) [c] \\d $")
    assert result["matches"] == 1
    with pytest.raises(JsonRpcInvalidParams, match="line break"):
        await command(client, "grepls.setPattern", "a\nb")

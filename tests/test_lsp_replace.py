"""End to end: grepls.replace rewrites every match through workspace/applyEdit, which the client
applies like an editor (checking each document's version, then sending didChange) or refuses.

The client here keeps the text of each document it opened, applies the server's WorkspaceEdit to
it the way an editor does, and tells the server with didChange; every expected text is computed
from the original with Python's own string functions, not the server's code.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from typing import Any, Union

import pytest
import pytest_lsp
from conftest import CLIENTS, SERVER, command, eventually, make_client, open_document
from grep_oracle import index_of
from grepls.edits import label_of
from grepls.pattern import PatternSpec
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

A = "file:///work/replace/a.txt"
B = "file:///work/replace/b.txt"
C = "file:///work/replace/c.txt"


class Editor:
    """The documents a client holds, and what it does with the server's workspace edits."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.received: list[types.ApplyWorkspaceEditParams] = []
        self.received_at: list[float] = []
        self.refuse = False
        self.before_apply: Callable[[], None] | None = None

    @property
    def encoding(self) -> str:
        return str(getattr(self.client, "encoding", "utf-16"))

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.texts[uri] = text
        self.versions[uri] = version
        open_document(self.client, uri, text, version)

    def type_text(self, uri: str, text: str) -> None:
        """The user types ``text`` at the start of the document."""
        self.versions[uri] += 1
        self.texts[uri] = text + self.texts[uri]
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[_change(0, 0, 0, 0, text)],
            )
        )

    def apply(self, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        self.received_at.append(time.monotonic())
        self.received.append(params)
        if self.before_apply is not None:
            self.before_apply()
        if self.refuse:
            return types.ApplyWorkspaceEditResult(applied=False, failure_reason="the user said no")
        edit = params.edit
        per_document: list[tuple[str, list[Any]]] = []
        for change in edit.document_changes or []:
            assert isinstance(change, types.TextDocumentEdit)
            uri, version = change.text_document.uri, change.text_document.version
            if version is not None and version != self.versions.get(uri):
                return types.ApplyWorkspaceEditResult(
                    applied=False, failure_reason=f"{uri} changed: version {self.versions[uri]}"
                )
            per_document.append((uri, list(change.edits)))
        for uri, edits in (edit.changes or {}).items():
            per_document.append((uri, list(edits)))
        for uri, edits in per_document:
            self._apply(uri, edits)
        return types.ApplyWorkspaceEditResult(applied=True)

    def _apply(self, uri: str, edits: list[Any]) -> None:
        """Apply ``edits`` (never overlapping) to the text, then tell the server."""
        text = self.texts[uri]
        parts = re.split(r"(\r\n|\r|\n)", text)
        lines = parts[0::2]
        by_line: dict[int, list[Any]] = {}
        for edit in edits:
            assert edit.range.start.line == edit.range.end.line, "a match never spans lines"
            by_line.setdefault(edit.range.start.line, []).append(edit)
        for line, on_line in by_line.items():
            content = lines[line]
            spans = sorted(
                (
                    index_of(content, e.range.start.character, self.encoding),
                    index_of(content, e.range.end.character, self.encoding),
                    e.new_text,
                )
                for e in on_line
            )
            for (_, end, _), (start, _, _) in itertools.pairwise(spans):
                assert end <= start, f"overlapping edits on line {line}: {spans}"
            for start, end, new_text in reversed(spans):
                content = content[:start] + new_text + content[end:]
            lines[line] = content
        parts[0::2] = lines
        self.texts[uri] = "".join(parts)
        self.versions[uri] += 1
        ordered = sorted(
            edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
        )
        changes: list[Any] = (
            [
                _change(
                    e.range.start.line,
                    e.range.start.character,
                    e.range.end.line,
                    e.range.end.character,
                    e.new_text,
                )
                for e in ordered
            ]
            if len(edits) <= 1000
            else [types.TextDocumentContentChangeWholeDocument(text=self.texts[uri])]
        )
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=changes,
            )
        )


def _change(line: int, start: int, end_line: int, end: int, text: str) -> Any:
    return types.TextDocumentContentChangePartial(
        range=types.Range(
            start=types.Position(line=line, character=start),
            end=types.Position(line=end_line, character=end),
        ),
        text=text,
    )


def make_editor_client() -> LanguageClient:
    client = make_client()
    # lsprotocol reads any object with a "command" as a Command, turning a CodeAction's command
    # object into a string; an editor tells them apart by the type of "command".
    converter = client.protocol._converter
    either = Union[types.Command, types.CodeAction]  # noqa: UP007 (the type the converter knows)

    def command_or_action(value: Any, _: Any) -> Any:
        plain = isinstance(value.get("command"), str) and "kind" not in value
        return converter.structure(value, types.Command if plain else types.CodeAction)

    converter.register_structure_hook(either, command_or_action)
    editor = Editor(client)
    client.editor = editor  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(
        client: LanguageClient, params: types.ApplyWorkspaceEditParams
    ) -> types.ApplyWorkspaceEditResult:
        return editor.apply(params)

    return client


EDITOR_CONFIG = ClientServerConfig(server_command=SERVER, client_factory=make_editor_client)


async def start(client: LanguageClient, kind: str, options: Any = None) -> None:
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(kind), initialization_options=options
        )
    )
    client.encoding = result.capabilities.position_encoding  # type: ignore[attr-defined]


@pytest_lsp.fixture(config=EDITOR_CONFIG, params=CLIENTS)
async def any_client(request: pytest.FixtureRequest, lsp_client: LanguageClient) -> Any:
    """A client with VS Code's or Neovim's capabilities; the server shows 3 matches at most."""
    await start(lsp_client, request.param, {"maxMatchesPerDocument": 3})
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=EDITOR_CONFIG)
async def vscode_client(lsp_client: LanguageClient) -> Any:
    """A client with VS Code's capabilities: versioned documentChanges and change annotations."""
    await start(lsp_client, "visual-studio-code", {"confirmReplaceAbove": 2})
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def editor(any_client: LanguageClient) -> Editor:
    """The editor side of ``any_client``: it applies the server's edits."""
    held: Editor = any_client.editor  # type: ignore[attr-defined]
    return held


@pytest.fixture
def vscode(vscode_client: LanguageClient) -> Editor:
    held: Editor = vscode_client.editor  # type: ignore[attr-defined]
    return held


async def replace(editor: Editor, argument: dict[str, Any]) -> Any:
    return await command(editor.client, "grepls.replace", argument)


async def refused(editor: Editor, argument: Any, *needles: str) -> None:
    """The replace is an InvalidParams error naming ``needles``, and no edit is sent."""
    before = len(editor.received)
    with pytest.raises(JsonRpcInvalidParams) as raised:
        await replace(editor, argument)
    for needle in needles:
        assert needle in str(raised.value), str(raised.value)
    assert len(editor.received) == before


async def server_holds(editor: Editor, pattern: str, uri: str) -> None:
    """The server's matches of ``pattern`` follow the edited text (it heard the didChange)."""
    expected = sum(line.count(pattern) for line in re.split(r"\r\n|\r|\n", editor.texts[uri]))
    result = await command(editor.client, "grepls.setPattern", pattern)
    assert result["matches"] >= 0
    listed = await command(editor.client, "grepls.listMatches", uri)
    assert len(listed) == min(expected, 3)


# -- what gets replaced ----------------------------------------------------------------------------


async def test_a_literal_is_replaced_in_every_open_document_past_the_cap(editor: Editor) -> None:
    first = "TODO one\nx TODO TODO TODO TODO\nlast TODO"
    second = "no match\nTODO"
    editor.open(A, first)
    editor.open(B, second, version=7)
    await command(editor.client, "grepls.setPattern", "TODO")
    result = await replace(editor, {"replacement": "DONE", "scope": "open"})
    assert result == {"applied": True, "files": 2, "replacements": 7}
    assert editor.texts[A] == first.replace("TODO", "DONE")
    assert editor.texts[B] == second.replace("TODO", "DONE")
    assert len(editor.received) == 1
    await server_holds(editor, "DONE", A)
    assert (await command(editor.client, "grepls.setPattern", "TODO"))["matches"] == 0


async def test_regex_groups_are_inserted_with_backslash_digits(editor: Editor) -> None:
    text = "width=10 height=200\nnothing\ndepth=3\\"
    editor.open(A, text)
    await command(editor.client, "grepls.setPattern", {"pattern": r"(\w+)=(\d+)", "regex": True})
    result = await replace(editor, {"replacement": r"\2:\1 (\0) \\", "uri": A})
    assert result == {"applied": True, "files": 1, "replacements": 3}
    assert editor.texts[A] == re.sub(r"(\w+)=(\d+)", r"\2:\1 (\g<0>) \\", text)


async def test_a_literal_replacement_is_inserted_as_it_is(editor: Editor) -> None:
    editor.open(A, "a.b a.b axb")
    await command(editor.client, "grepls.setPattern", "a.b")
    await replace(editor, {"replacement": r"\1\0\\", "uri": A})
    assert editor.texts[A] == r"\1\0\\ \1\0\\ axb"


async def test_overlapping_prone_matches_are_replaced_left_to_right(editor: Editor) -> None:
    editor.open(A, "aaaa\naaa")
    await command(editor.client, "grepls.setPattern", "aa")
    result = await replace(editor, {"replacement": "b", "uri": A})
    assert result["replacements"] == 3
    assert editor.texts[A] == "bb\nba"


async def test_columns_after_an_emoji_and_an_accent_are_exact(editor: Editor) -> None:
    text = "🙂 TODO é TODO\n𝄞𝄞TODO"
    editor.open(A, text)
    await command(editor.client, "grepls.setPattern", {"pattern": "todo", "caseSensitive": False})
    await replace(editor, {"replacement": "✓", "uri": A})
    assert editor.texts[A] == text.replace("TODO", "✓")


async def test_crlf_line_breaks_are_kept(editor: Editor) -> None:
    text = "a TODO\r\nTODO b\r\n\r\nTODO"
    editor.open(A, text)
    await command(editor.client, "grepls.setPattern", "TODO")
    await replace(editor, {"replacement": "X\u00e9", "uri": A})
    assert editor.texts[A] == text.replace("TODO", "Xé")


async def test_a_document_with_a_lone_carriage_return_before_a_match_is_left_alone(
    editor: Editor,
) -> None:
    """LSP ends a line at a lone \\r and Vim, Neovim and Emacs do not: their edit would land a
    line off. Such a document is refused alone and left out (and named) among others; a lone \\r
    after the last match changes nothing, and neither do code actions above it."""
    lone = "a\rb\nTODO x\nlast TODO\nend\n"
    after = "TODO one\nTODO two\rold mac\n"
    editor.open(A, lone)
    editor.open(B, after)
    await command(editor.client, "grepls.setPattern", "TODO")
    await refused(editor, {"replacement": "DONE", "uri": A}, "line 1 ends in a lone carriage")
    result = await replace(editor, {"replacement": "DONE", "scope": "open"})
    assert result["files"] == 1 and result["replacements"] == 2
    (skipped,) = result["skipped"]
    assert skipped["uri"] == A and "line 1 ends in a lone carriage return" in skipped["reason"]
    assert editor.texts == {A: lone, B: after.replace("TODO", "DONE")}
    assert await code_actions(editor, A, 2, 1) == []
    assert await code_actions(editor, A, 0, 0) == []
    editor.open(C, "TODO\rTODO\n")
    # On the line that ends in it, positions mean the same text for both: offered.
    assert (await code_actions(editor, C, 0, 1))[0].title == "Replace this match…"
    assert await code_actions(editor, C, 1, 1) == []


async def test_whole_words_only_replace_the_words(editor: Editor) -> None:
    editor.open(A, "cat cats scat cat_ (cat)")
    await command(editor.client, "grepls.setPattern", {"pattern": "cat", "wholeWord": True})
    await replace(editor, {"replacement": "dog", "uri": A})
    assert editor.texts[A] == "dog cats scat cat_ (dog)"
    # A regex whole word: the groups are the pattern's own, read in the word that matched.
    await command(
        editor.client, "grepls.setPattern", {"pattern": "(d)(o)g", "regex": True, "wholeWord": True}
    )
    await replace(editor, {"replacement": r"\2\1\0", "uri": A})
    assert editor.texts[A] == "oddog cats scat cat_ (oddog)"


async def test_one_match_is_replaced_within_a_range(editor: Editor) -> None:
    editor.open(A, "TODO TODO\nTODO")
    await command(editor.client, "grepls.setPattern", "TODO")
    where = {"start": {"line": 0, "character": 5}, "end": {"line": 0, "character": 9}}
    result = await replace(editor, {"replacement": "X", "uri": A, "range": where})
    assert result["replacements"] == 1
    assert editor.texts[A] == "TODO X\nTODO"
    # Written as Lua and JavaScript write numbers, as every position grepls is sent may be.
    where = {"start": {"line": 1.0, "character": 0.0}, "end": {"line": 1.0, "character": 4.0}}
    result = await replace(editor, {"replacement": "Y", "uri": A, "range": where})
    assert result["replacements"] == 1
    assert editor.texts[A] == "TODO X\nY"


async def test_a_range_column_inside_a_character_rounds_down_to_its_start(editor: Editor) -> None:
    """As every incoming column: a range from inside the first emoji holds the match it starts."""
    editor.open(A, "😀x 😀x")
    await command(editor.client, "grepls.setPattern", "😀x")
    inside = {"utf-8": 2, "utf-16": 1, "utf-32": 0}[editor.encoding]
    end = {"utf-8": 8, "utf-16": 5, "utf-32": 4}[editor.encoding]  # inside the second emoji
    where = {"start": {"line": 0, "character": inside}, "end": {"line": 0, "character": end}}
    result = await replace(editor, {"replacement": "Y", "uri": A, "range": where})
    assert result["replacements"] == 1
    assert editor.texts[A] == "Y 😀x"


async def test_a_dry_run_counts_and_sends_nothing(editor: Editor) -> None:
    editor.open(A, "TODO TODO TODO TODO")
    editor.open(B, "TODO")
    await command(editor.client, "grepls.setPattern", "TODO")
    result = await replace(editor, {"replacement": "X", "dryRun": True})
    edit = result.pop("edit")
    assert result == {"applied": False, "files": 2, "replacements": 5}
    assert editor.received == []
    # The edit it answers is the one a replace would send: an editor may apply it itself.
    edits = edit.get("changes") or {
        c["textDocument"]["uri"]: c["edits"] for c in edit["documentChanges"]
    }
    assert sorted((uri, len(e)) for uri, e in edits.items()) == [(A, 4), (B, 1)]


async def test_no_match_needs_no_edit(editor: Editor) -> None:
    editor.open(A, "nothing")
    await command(editor.client, "grepls.setPattern", "TODO")
    assert await replace(editor, {"replacement": "X"}) == {
        "applied": True,
        "files": 0,
        "replacements": 0,
    }
    assert editor.received == []


async def test_ten_thousand_matches_go_in_one_edit_within_a_second(editor: Editor) -> None:
    text = "".join(f"line {n} TODO\n" for n in range(10_000)) + "TODO " * 500
    editor.open(A, text)
    await command(editor.client, "grepls.setPattern", "TODO")
    sent = time.monotonic()
    result = await replace(editor, {"replacement": "DONE", "uri": A})
    assert result == {"applied": True, "files": 1, "replacements": 10_500}
    assert len(editor.received) == 1
    assert editor.received_at[0] - sent < 1.0
    assert editor.texts[A] == text.replace("TODO", "DONE")


# -- what is refused -------------------------------------------------------------------------------


async def test_bad_requests_are_refused_and_send_no_edit(editor: Editor) -> None:
    editor.open(A, "TODO a")
    await refused(editor, {"replacement": "x"}, "no search pattern is set")
    await command(editor.client, "grepls.setPattern", {"pattern": "(T)ODO", "regex": True})
    await refused(editor, {"replacement": 3}, "'replacement' must be a string")
    await refused(editor, {"uri": A}, "needs a 'replacement'")
    await refused(editor, {"replacement": "x", "pattern": "nope"}, "no pattern 'nope'")
    await refused(editor, {"replacement": r"\2"}, r"group \2", "1 group")
    await refused(editor, {"replacement": r"\n"}, r"invalid replacement")
    await refused(editor, {"replacement": "x", "scope": "workspace"}, "workspace scope")
    await refused(editor, {"replacement": "x", "scope": "everywhere"}, "'scope' must be")
    await refused(editor, {"replacement": "x", "uri": "file:///closed"}, "not an open document")
    await refused(editor, {"replacement": "x", "colour": 1}, "unknown key 'colour'")
    await refused(editor, ["x"], "one object")
    negative = {"start": {"line": 0, "character": -5}, "end": {"line": 0, "character": -1}}
    await refused(editor, {"replacement": "x", "uri": A, "range": negative}, "'range' must be")
    assert editor.texts[A] == "TODO a"


@pytest.mark.parametrize("pattern", ["a*", "^", r"\b", "x?"])
async def test_zero_width_patterns_are_refused_with_nothing_to_replace(
    editor: Editor, pattern: str
) -> None:
    editor.open(A, "aaa b")
    await command(editor.client, "grepls.setPattern", {"pattern": pattern, "regex": True})
    await refused(editor, {"replacement": "x", "uri": A}, "nothing to replace", "empty string")


async def test_a_refusing_editor_keeps_its_text_and_the_reply_says_why(editor: Editor) -> None:
    editor.open(A, "TODO")
    await command(editor.client, "grepls.setPattern", "TODO")
    editor.refuse = True
    result = await replace(editor, {"replacement": "X", "uri": A})
    assert result == {
        "applied": False,
        "files": 1,
        "replacements": 1,
        "failureReason": "the user said no",
    }
    assert editor.texts[A] == "TODO"


# -- versions and annotations (VS Code's capabilities) ---------------------------------------------


async def test_a_document_changed_meanwhile_refuses_the_stale_edit(vscode: Editor) -> None:
    vscode.open(A, "TODO x", version=4)
    await command(vscode.client, "grepls.setPattern", "TODO")
    vscode.before_apply = lambda: vscode.type_text(A, "typed ")
    result = await replace(vscode, {"replacement": "DONE", "uri": A})
    assert result["applied"] is False
    assert "changed" in result["failureReason"]
    assert vscode.texts[A] == "typed TODO x"
    document = vscode.received[0].edit.document_changes[0]  # type: ignore[index]
    assert document.text_document.version == 4  # type: ignore[union-attr]
    # Run again, on the text the server now holds: it applies.
    vscode.before_apply = None
    assert (await replace(vscode, {"replacement": "DONE", "uri": A}))["applied"] is True
    assert vscode.texts[A] == "typed DONE x"


async def test_edits_carry_an_annotation_that_asks_above_the_threshold(vscode: Editor) -> None:
    vscode.open(A, "TODO TODO")
    await command(vscode.client, "grepls.setPattern", "TODO")
    await replace(vscode, {"replacement": "A", "uri": A})
    vscode.open(B, "TODO TODO TODO")
    await command(vscode.client, "grepls.setPattern", "TODO")
    await replace(vscode, {"replacement": "B", "uri": B})
    small, large = (params.edit for params in vscode.received)
    for edit, confirm in ((small, False), (large, True)):
        assert edit.change_annotations is not None
        annotation = edit.change_annotations["grepls.replace"]
        assert annotation.needs_confirmation is confirm
        assert annotation.label == f'grepls: replace "TODO" with "{"AB"[confirm]}"'
        changes = edit.document_changes or []
        assert all(
            e.annotation_id == "grepls.replace"  # type: ignore[union-attr]
            for change in changes
            for e in change.edits  # type: ignore[union-attr]
        )
    assert vscode.texts[B] == "B B B"


def test_a_replacement_reads_on_one_line_in_the_label() -> None:
    """Control characters are escaped, not printed raw into an undo list or a preview title."""
    label = label_of(PatternSpec("TODO"), 'a\tb\r\n"c"\\')
    assert label == r'grepls: replace "TODO" with "a\tb\r\n\"c\"\\"'
    long = label_of(PatternSpec("x" * 200_000, case_sensitive=False), "y")
    assert long == f'grepls: replace "{"x" * 60}…" (i) with "y"'


# -- code actions ----------------------------------------------------------------------------------


async def code_actions(editor: Editor, uri: str, line: int, character: int) -> list[Any]:
    position = types.Position(line=line, character=character)
    answer = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=position, end=position),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    return list(answer or [])


async def test_code_actions_on_a_match_offer_replace_one_all_and_remove(editor: Editor) -> None:
    editor.open(A, "x TODO y TODO\nTODO")
    await command(editor.client, "grepls.setPattern", "TODO")
    assert await code_actions(editor, A, 0, 0) == []
    actions = await code_actions(editor, A, 0, 9)
    titles = [action.title for action in actions]
    assert titles == [
        "Replace this match…",
        "Replace all 3 matches in this file…",
        "Remove this match",
    ]
    one, every, remove = actions
    argument = one.command.arguments[0]
    assert "replacement" not in argument and "prompt" in argument
    # What a client that prompts does: fill in the replacement and run the command.
    await command(editor.client, one.command.command, {**argument, "replacement": "A"})
    assert editor.texts[A] == "x TODO y A\nTODO"
    await refused(editor, every.command.arguments[0], "needs a 'replacement'", "asks the user")
    # The quick fix carries its edit, made for the version it was offered on: now stale, so an
    # editor that checks versions refuses it (Neovim's capabilities get no versions: not tried).
    assert remove.kind == "quickfix"
    if remove.edit.document_changes:
        assert not editor.apply(types.ApplyWorkspaceEditParams(edit=remove.edit)).applied
    remove = (await code_actions(editor, A, 0, 2))[2]
    assert editor.apply(types.ApplyWorkspaceEditParams(edit=remove.edit)).applied
    assert editor.texts[A] == "x  y A\nTODO"
    actions = await code_actions(editor, A, 1, 4)
    await command(
        editor.client, "grepls.replace", {**actions[1].command.arguments[0], "replacement": "B"}
    )
    assert editor.texts[A] == "x  y A\nB"


async def test_code_actions_follow_the_only_filter(editor: Editor) -> None:
    editor.open(A, "TODO")
    await command(editor.client, "grepls.setPattern", "TODO")
    position = types.Position(line=0, character=1)
    answer = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=A),
            range=types.Range(start=position, end=position),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.QuickFix]),
        )
    )
    assert [action.title for action in answer or []] == ["Remove this match"]
    await eventually(lambda: True)


async def test_code_actions_on_a_large_selection_find_its_first_match(editor: Editor) -> None:
    editor.open(A, "nothing\n" * 200 + "x TODO\n")
    await command(editor.client, "grepls.setPattern", "TODO")
    start, end = types.Position(line=0, character=0), types.Position(line=300, character=0)
    answer = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=A),
            range=types.Range(start=start, end=end),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    one = (answer or [])[0]
    assert isinstance(one, types.CodeAction) and one.command is not None
    assert one.command.arguments[0]["range"] == {  # type: ignore[index]
        "start": {"line": 200, "character": 2},
        "end": {"line": 200, "character": 6},
    }


async def test_code_action_titles_name_the_pattern_only_where_two_match(editor: Editor) -> None:
    editor.open(A, "TODO x\nFIXME")
    await command(editor.client, "grepls.addPattern", {"pattern": "TO", "id": "to"})
    await command(editor.client, "grepls.setPattern", "FIXME")
    only_one = [action.title for action in await code_actions(editor, A, 0, 1)]
    # Only "TO" matches here ("FIXME" is in force but elsewhere): the plain titles.
    assert only_one == [
        "Replace this match…",
        "Replace all 1 match in this file…",
        "Remove this match",
    ]
    await command(editor.client, "grepls.setPattern", "TODO")
    on_two = [action.title for action in await code_actions(editor, A, 0, 1)]
    assert 'Replace this match of "TODO"…' in on_two and 'Replace this match of "TO"…' in on_two


async def test_code_actions_past_the_line_or_the_document_end_touch_the_last_match(
    editor: Editor,
) -> None:
    """A cursor past its line's end is at that end, one past the last line at the document's
    end (README, "Position encodings and line breaks"): a match ending there is touched."""
    editor.open(A, "x TODO")
    await command(editor.client, "grepls.setPattern", "TODO")
    at_end = [action.title for action in await code_actions(editor, A, 0, 6)]
    assert at_end == [
        "Replace this match…",
        "Replace all 1 match in this file…",
        "Remove this match",
    ]
    assert [action.title for action in await code_actions(editor, A, 0, 99)] == at_end
    assert [action.title for action in await code_actions(editor, A, 3, 0)] == at_end

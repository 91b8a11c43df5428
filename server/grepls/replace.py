"""Replace: every match of a pattern rewritten through the editor's own undoable edit.

The server never writes a file. It works out *what* to change and asks the editor to make the
change, with the LSP request ``workspace/applyEdit``: the editor applies it as one undoable edit
(VS Code, where it can, first shows a refactor preview), and a document the user has edited since
the server last heard about it is refused by the editor, not overwritten. That is the whole model:

1. **Read the request** (:func:`parse_request`): ``grepls.replace`` with one object
   ``{"replacement", "uri"?, "pattern"?, "scope"?, "range"?, "dryRun"?}``. Everything is checked
   before anything is sent: a bad request is an InvalidParams error and the editor sees no edit.
2. **Rewrite** (:class:`Rewrite`): in a regex pattern's replacement, ``\\0`` to ``\\9`` stand
   for the match and its groups and ``\\\\`` for a backslash (RE2's rewrite syntax); a literal
   pattern's replacement is inserted as it is.
3. **Plan** (:func:`plan_lines`): every match of the pattern in each document in scope, found
   afresh by the pattern's :class:`~grepls.matcher.Matcher` over *all* the document's lines — not
   read from the match index, which stops at ``maxMatchesPerDocument``: a replace is never
   silently partial. One ``TextEdit`` per match, in document order; matches never overlap, so
   neither do the edits. A pattern that can match the empty string is refused: grepls reports at
   most one empty match per line, and "replace every match" would mean inserting text between
   characters.
4. **Send** (:func:`workspace_edit`) — or, with ``"dryRun": true``, answer the counts and the
   edit without sending it (for a preview, or an editor that cannot be sent edits, like Vim's
   ALE, which applies it itself): each open document's edits go in ``documentChanges`` with
   the version the server holds (``null`` for a file that is not open), so an editor that has
   moved on refuses the whole edit and nothing is lost. Where the editor supports change
   annotations, every edit carries one, labelled with the pattern and the replacement, that asks
   for confirmation above the ``confirmReplaceAbove`` setting. (An editor without
   ``documentChanges`` is sent plain ``changes``: it cannot check versions.)
5. **Answer** when the editor has answered: ``{"applied", "files", "replacements",
   "failureReason"?}`` — the request is held open (:class:`~grepls.rpc.Later`) until then.

Code actions (:func:`code_actions`) offer the same on a match under the cursor: *Replace this
match…* and *Replace all N matches in this file…* are ``grepls.replace`` commands whose argument
has a ``"prompt"`` and no ``"replacement"`` — an editor that can ask the user (the VS Code client,
the README's Neovim and Emacs commands) asks that question, puts the answer in ``"replacement"``
and sends the command; sent without one, the server refuses it and says so. *Remove this match* is
a quick fix that carries its edit and needs no answer.

The ``"workspace"`` scope (files that are not open) comes with the workspace search: until the
server has one (:attr:`Workspace`), it is refused as off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from grepls.document import Document
from grepls.documents import Documents
from grepls.engine import Compiled, error
from grepls.lines import split_lines
from grepls.matcher import Matcher
from grepls.pattern import PatternSpec, json_type
from grepls.patterns import SEARCH_ID, PatternSet
from grepls.positions import SPAN, byte_spans_to_columns, encode_line
from grepls.rpc import InvalidParams, Later
from grepls.session import Session
from grepls.settings import Settings

REPLACE = "grepls.replace"
SCOPES = ("document", "open", "workspace")
ANNOTATION_ID = "grepls.replace"
_KEYS = ("replacement", "uri", "pattern", "scope", "range", "prompt", "dryRun")

Range = tuple[int, int, int, int]
"""(start line, start column, end line, end column) in client columns."""


class Workspace(Protocol):
    """The seam for the ``"workspace"`` scope: the files that are not open, with matches."""

    def closed_files(self, pattern: str) -> Iterable[tuple[str, str]]:
        """(uri, text) of every file in the workspace that is not open and may hold matches of
        the pattern ``pattern`` (an id)."""
        ...


class Server(Protocol):
    """What a replace uses of the server."""

    session: Session
    settings: Settings
    documents: Documents
    patterns: PatternSet
    workspace: Workspace | None

    def request_client(self, method: str, params: Any, on_result: Any, on_error: Any) -> None: ...


# -- 1. the request --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    """One ``grepls.replace``, checked."""

    replacement: str
    pattern: str
    """The pattern's id."""
    scope: str
    uri: str | None = None
    range: Range | None = None
    """Only the matches inside this range (a code action's single match)."""
    dry_run: bool = False
    """Answer the counts and the edit; send nothing."""


def parse_request(arguments: list[Any]) -> Request:
    """The ``grepls.replace`` arguments, or InvalidParams saying what is wrong."""
    if len(arguments) != 1 or not isinstance(arguments[0], dict):
        got = f"{len(arguments)} arguments" if len(arguments) != 1 else json_type(arguments[0])
        raise InvalidParams(
            f'{REPLACE} takes one object like {{"replacement": "DONE", "pattern": "search"}}, '
            f"got {got}"
        )
    (argument,) = arguments
    unknown = sorted(set(argument) - set(_KEYS))
    if unknown:
        raise InvalidParams(
            f"{REPLACE}: unknown key {', '.join(map(repr, unknown))}; known keys are "
            f"{', '.join(_KEYS)}"
        )
    if "replacement" not in argument:
        prompt = argument.get("prompt")
        asked = f" ({prompt!r})" if isinstance(prompt, str) else ""
        raise InvalidParams(
            f"{REPLACE} needs a 'replacement' string: this command asks the user for it{asked}; "
            "an editor that cannot ask must send one"
        )
    replacement = argument["replacement"]
    if not isinstance(replacement, str):
        raise InvalidParams(
            f"{REPLACE}: 'replacement' must be a string, got {json_type(replacement)}"
        )
    pattern = argument.get("pattern", SEARCH_ID)
    if not isinstance(pattern, str):
        raise InvalidParams(f"{REPLACE}: 'pattern' must be a pattern id, got {json_type(pattern)}")
    uri = argument.get("uri")
    if uri is not None and not isinstance(uri, str):
        raise InvalidParams(f"{REPLACE}: 'uri' must be a string, got {json_type(uri)}")
    scope = argument.get("scope", "document" if uri is not None else "open")
    if scope not in SCOPES:
        raise InvalidParams(f"{REPLACE}: 'scope' must be one of {', '.join(SCOPES)}, got {scope!r}")
    if scope == "document" and uri is None:
        raise InvalidParams(f"{REPLACE}: scope 'document' needs the document's 'uri'")
    if scope != "document" and uri is not None:
        raise InvalidParams(f"{REPLACE}: 'uri' goes with scope 'document' only, not {scope!r}")
    where = argument.get("range")
    if where is not None and scope != "document":
        raise InvalidParams(f"{REPLACE}: 'range' goes with scope 'document' only")
    dry_run = argument.get("dryRun", False)
    if not isinstance(dry_run, bool):
        raise InvalidParams(f"{REPLACE}: 'dryRun' must be a boolean, got {json_type(dry_run)}")
    return Request(replacement, pattern, scope, uri, _range(where), dry_run)


def _range(value: Any) -> Range | None:
    if value is None:
        return None
    numbers = []
    for end in ("start", "end"):
        point = value.get(end) if isinstance(value, dict) else None
        for key in ("line", "character"):
            number = point.get(key) if isinstance(point, dict) else None
            if not isinstance(number, int) or isinstance(number, bool):
                raise InvalidParams(
                    f"{REPLACE}: 'range' must be an LSP range "
                    '{"start": {"line": 0, "character": 0}, "end": {...}}'
                )
            numbers.append(number)
    start_line, start_column, end_line, end_column = numbers
    if (end_line, end_column) < (start_line, start_column):
        return (end_line, end_column, start_line, start_column)
    return (start_line, start_column, end_line, end_column)


# -- 2. the rewrite --------------------------------------------------------------------------------


class Rewrite:
    """What each match of one pattern is replaced with."""

    __slots__ = ("_core", "constant", "pieces")

    constant: str | None
    """The replacement, when it is the same for every match (a literal pattern, or a regex
    replacement without ``\\0`` to ``\\9``)."""
    pieces: list[str | int]
    """The replacement as text and group numbers, when it refers to groups."""
    _core: Compiled | None

    def __init__(self, replacement: str, spec: PatternSpec) -> None:
        self.constant = replacement
        self.pieces = []
        self._core = None
        if not spec.regex:
            return
        pieces = _rewrite_pieces(replacement)
        if all(isinstance(piece, str) for piece in pieces):
            self.constant = "".join(map(str, pieces))
            return
        self.constant = None
        self.pieces = pieces
        # The pattern alone, without a whole-word frame: its groups are the user's groups.
        try:
            self._core = Compiled(
                spec.pattern.encode("utf-8"), case_sensitive=spec.case_sensitive, multiline=False
            )
        except error as failure:  # compiled already by the matcher: not expected
            raise InvalidParams(f"{REPLACE}: the pattern cannot be read again: {failure}") from None
        groups = self._core.groups
        for piece in pieces:
            if isinstance(piece, int) and piece > groups:
                have = f"{groups} group" + ("" if groups == 1 else "s")
                raise InvalidParams(
                    f"{REPLACE}: the replacement refers to group \\{piece}, but the pattern "
                    f"{spec.describe()} has {have}" + _group_hint(groups)
                )

    def text(self, data: bytes, span: SPAN) -> str:
        """The replacement of the match at byte ``span`` of the line ``data``."""
        if self.constant is not None:
            return self.constant
        assert self._core is not None
        groups = self._core.group_spans(data, *span)
        if not groups:  # the matcher's match is always one of the pattern's: not expected
            groups = [span]
        out = []
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
            else:
                start, end = groups[piece] if piece < len(groups) else (-1, -1)
                if start >= 0:
                    out.append(data[start:end].decode("utf-8", "surrogatepass"))
        return "".join(out)


def _group_hint(groups: int) -> str:
    if groups == 0:
        return " (\\0 is the whole match)"
    named = "\\1" if groups == 1 else f"\\1 to \\{groups}"
    return f" ({named}, and \\0 for the whole match)"


def _rewrite_pieces(replacement: str) -> list[str | int]:
    """RE2's rewrite syntax: ``\\0`` to ``\\9`` a group, ``\\\\`` a backslash, nothing else after a
    backslash."""
    pieces: list[str | int] = []
    text: list[str] = []
    position = 0
    while True:
        found = replacement.find("\\", position)
        if found < 0:
            text.append(replacement[position:])
            break
        text.append(replacement[position:found])
        after = replacement[found + 1 : found + 2]
        if after == "\\":
            text.append("\\")
        elif after.isdigit() and after.isascii():
            pieces.append("".join(text))
            text = []
            pieces.append(int(after))
        else:
            shown = "a backslash at the end" if not after else f"\\{after}"
            raise InvalidParams(
                f"{REPLACE}: invalid replacement {replacement!r}: {shown}; in a regex "
                "replacement a backslash is followed by a digit (\\0 the match, \\1 to \\9 its "
                "groups) or by another backslash (\\\\ for one backslash)"
            )
        position = found + 2
    pieces.append("".join(text))
    return [piece for piece in pieces if piece != ""]


# -- 3. the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileEdit:
    """The edits of one file."""

    uri: str
    version: int | None
    """The version the edits were computed on; ``None`` for a file that is not open."""
    edits: list[dict[str, Any]]
    """LSP ``TextEdit`` objects, in document order."""


def plan_lines(
    texts: list[str],
    matcher: Matcher,
    rewrite: Rewrite,
    within: Range | None = None,
) -> list[dict[str, Any]]:
    """The ``TextEdit`` of every match in ``texts`` (a document's lines), or of those inside
    ``within``."""
    if within is not None:
        first, last = max(within[0], 0), min(within[2], len(texts) - 1)
        found = {line: matcher.columns(texts[line]) for line in range(first, last + 1)}
    else:
        found = matcher.scan(texts).matches  # every line, no cap
    encoding = matcher.encoding
    edits: list[dict[str, Any]] = []
    constant = rewrite.constant
    for line in sorted(found):
        if not found[line]:
            continue
        text = texts[line]
        if constant is not None:
            columns = found[line]
            replacements = [constant] * len(columns)
        else:
            data = encode_line(text)
            spans = matcher.byte_spans(data)
            replacements = [rewrite.text(data, span) for span in spans]
            columns = (
                spans if text.isascii() else byte_spans_to_columns(text, data, spans, encoding)
            )
        for (start, end), new_text in zip(columns, replacements, strict=True):
            if within is not None and not _inside((line, start, line, end), within):
                continue
            edits.append(
                {
                    "range": {
                        "start": {"line": line, "character": start},
                        "end": {"line": line, "character": end},
                    },
                    "newText": new_text,
                }
            )
    return edits


def _inside(match: Range, within: Range) -> bool:
    return (within[0], within[1]) <= (match[0], match[1]) and (match[2], match[3]) <= (
        within[2],
        within[3],
    )


def matcher_of(server: Server, pattern: str) -> Matcher:
    """The matcher of the pattern ``pattern`` (an id), if it can be replaced; else InvalidParams."""
    matchers = dict(server.patterns.bound())
    matcher = matchers.get(pattern)
    if matcher is None:
        if pattern == SEARCH_ID:
            raise InvalidParams(f"{REPLACE}: no search pattern is set (grepls.setPattern sets one)")
        raise InvalidParams(
            f"{REPLACE}: no pattern {pattern!r} (patterns in force: "
            f"{', '.join(map(repr, matchers)) or 'none'})"
        )
    if matcher.zero_width:
        raise InvalidParams(
            f"{REPLACE}: nothing to replace: the pattern {matcher.spec.describe()} can match the "
            "empty string, and grepls reports at most one empty match per line; use a pattern "
            "that matches at least one character (a+ rather than a*)"
        )
    return matcher


def plan(server: Server, request: Request) -> tuple[list[FileEdit], Matcher]:
    """Every file's edits for ``request`` (files without a match left out)."""
    matcher = matcher_of(server, request.pattern)
    rewrite = Rewrite(request.replacement, matcher.spec)
    documents: list[Document]
    if request.scope == "document":
        assert request.uri is not None
        document = server.documents.get(request.uri)
        if document is None:
            raise InvalidParams(f"{REPLACE}: {request.uri} is not an open document")
        documents = [document]
    else:
        if request.scope == "workspace" and server.workspace is None:
            raise InvalidParams(
                f"{REPLACE}: scope 'workspace' needs the workspace scope, which is off: grepls "
                "searches only the open documents (use scope 'open')"
            )
        documents = list(server.documents.values())
    files = []
    for document in documents:
        edits = plan_lines(document.lines.texts, matcher, rewrite, request.range)
        if edits:
            files.append(FileEdit(document.uri, document.version, edits))
    if request.scope == "workspace" and server.workspace is not None:
        for uri, text in server.workspace.closed_files(request.pattern):
            if uri in server.documents:
                continue
            edits = plan_lines(split_lines(text)[0], matcher, rewrite)
            if edits:
                files.append(FileEdit(uri, None, edits))
    return files, matcher


# -- 4. the workspace edit -------------------------------------------------------------------------


def workspace_edit(
    files: list[FileEdit], session: Session, label: str, confirm: bool, *, annotate: bool = True
) -> dict[str, Any]:
    """The ``WorkspaceEdit`` for ``files``: versioned ``documentChanges`` where the client takes
    them (annotated where it takes annotations), else plain ``changes``."""
    if not session.document_changes:
        return {"changes": {file.uri: file.edits for file in files}}
    annotate = annotate and session.change_annotations
    changes = []
    for file in files:
        edits = file.edits
        if annotate:
            edits = [{**edit, "annotationId": ANNOTATION_ID} for edit in edits]
        changes.append({"textDocument": {"uri": file.uri, "version": file.version}, "edits": edits})
    edit: dict[str, Any] = {"documentChanges": changes}
    if annotate:
        count = sum(len(file.edits) for file in files)
        edit["changeAnnotations"] = {
            ANNOTATION_ID: {
                "label": label,
                "needsConfirmation": confirm,
                "description": f"{_count(count, 'replacement')} in {_count(len(files), 'file')}",
            }
        }
    return edit


def _count(number: int, noun: str) -> str:
    if number == 1:
        return f"1 {noun}"
    return f"{number:,} {noun}" + ("es" if noun.endswith("ch") else "s")


def label_of(spec: PatternSpec, replacement: str) -> str:
    """How a replace reads in an editor's undo list and preview: ``grepls: replace "TODO" with
    "DONE"``."""
    shown = replacement if len(replacement) <= 60 else replacement[:59] + "…"
    return f"grepls: replace {spec.describe()} with {_quoted(shown)}"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# -- 5. the command --------------------------------------------------------------------------------


def replace(server: Server, arguments: list[Any]) -> Any:
    """``grepls.replace``: plan, send ``workspace/applyEdit``, answer once the editor has."""
    request = parse_request(arguments)
    files, matcher = plan(server, request)
    count = sum(len(file.edits) for file in files)
    result: dict[str, Any] = {"applied": False, "files": len(files), "replacements": count}
    label = label_of(matcher.spec, request.replacement)
    confirm = count > server.settings.confirm_replace_above
    edit = workspace_edit(files, server.session, label, confirm)
    if request.dry_run:
        return {**result, "edit": edit}  # for a preview, or an editor that applies it itself
    if count == 0:
        return {**result, "applied": True}  # nothing to change: done, and no edit sent
    if not server.session.apply_edit:
        raise InvalidParams(
            f"{REPLACE}: this editor does not apply workspace edits (it did not declare "
            'workspace.applyEdit); send "dryRun": true to get the edit and apply it yourself'
        )
    later = Later()

    def applied(answer: Any) -> None:
        done = isinstance(answer, dict) and answer.get("applied") is True
        reply = {**result, "applied": done}
        if not done:
            reason = answer.get("failureReason") if isinstance(answer, dict) else None
            reply["failureReason"] = (
                reason
                if isinstance(reason, str) and reason
                else "the editor did not apply the edit (a document may have changed since: "
                "nothing was replaced; run the replace again)"
            )
        later.answer(reply)

    def failed(error: Any) -> None:
        message = error.get("message") if isinstance(error, dict) else None
        later.answer(
            {**result, "failureReason": f"the editor answered an error: {message or error}"}
        )

    server.request_client("workspace/applyEdit", {"label": label, "edit": edit}, applied, failed)
    return later


# -- code actions ----------------------------------------------------------------------------------


def code_actions(server: Server, uri: str, where: Range, only: list[str] | None) -> list[Any]:
    """The code actions on the matches under ``where`` in the open document ``uri``."""
    document = server.documents.get(uri)
    if document is None:
        return []
    session = server.session
    literals = session.code_action_literals
    wanted = _kinds_wanted(only)
    actions: list[Any] = []
    found = [
        (identifier, matcher, match)
        for identifier, matcher in server.patterns.bound()
        if not matcher.zero_width and (match := _match_at(document, matcher, where)) is not None
    ]
    several = len(found) > 1  # then each title names its pattern
    for identifier, matcher, match in found:
        described = matcher.spec.describe()
        of = f" of {described}" if several else ""
        match_range = _lsp_range(match)
        if "refactor.rewrite" in wanted:
            one = {"uri": uri, "pattern": identifier, "range": match_range}
            actions.append(
                _action(
                    f"Replace this match{of}…",
                    "refactor.rewrite",
                    {**one, "prompt": f"Replace this match of {described} with"},
                    literals,
                )
            )
            count = _match_count(document, identifier, matcher)
            actions.append(
                _action(
                    f"Replace all {count:,} match{'' if count == 1 else 'es'}{of} in this file…",
                    "refactor.rewrite",
                    {
                        "uri": uri,
                        "pattern": identifier,
                        "prompt": f"Replace {_count(count, 'match')} of {described} with",
                    },
                    literals,
                )
            )
        if "quickfix" in wanted:
            title = f"Remove this match{of}"
            if literals:
                edit = {"range": match_range, "newText": ""}
                actions.append(
                    {
                        "title": title,
                        "kind": "quickfix",
                        "edit": workspace_edit(
                            [FileEdit(uri, document.version, [edit])],
                            session,
                            title,
                            False,
                            annotate=False,  # one small edit: nothing to confirm
                        ),
                    }
                )
            else:
                one = {"uri": uri, "pattern": identifier, "range": match_range, "replacement": ""}
                actions.append({"title": title, "command": REPLACE, "arguments": [one]})
    return actions


def _match_count(document: Document, identifier: str, matcher: Matcher) -> int:
    """How many matches the document holds: its index's count when it holds them all."""
    track = document.tracks.get(identifier)
    if track is not None and track.index.exact:
        return track.index.count
    return matcher.scan(document.lines.texts).count


def _kinds_wanted(only: list[str] | None) -> set[str]:
    kinds = {"quickfix", "refactor.rewrite"}
    if not only:
        return kinds
    return {kind for kind in kinds if any(kind == o or kind.startswith(o + ".") for o in only)}


def _action(title: str, kind: str, argument: dict[str, Any], literal: bool) -> dict[str, Any]:
    command = {"title": title, "command": REPLACE, "arguments": [argument]}
    return {"title": title, "kind": kind, "command": command} if literal else command


def _match_at(document: Document, matcher: Matcher, where: Range) -> Range | None:
    """The first match that touches ``where`` (a cursor touches a match at either end)."""
    start_line, start_column, end_line, end_column = where
    first, last = max(start_line, 0), min(end_line, len(document.lines) - 1)
    if last - first < 64:  # a cursor or a few lines: no need to split the rest of the document
        found = {n: matcher.columns(document.lines.line(n)) for n in range(first, last + 1)}
    else:  # a large selection: one scan at C speed
        found = {
            first + n: spans
            for n, spans in matcher.scan(document.lines.texts[first : last + 1]).matches.items()
        }
    for line in sorted(found):
        for start, end in found[line]:
            if (line, end) >= (start_line, start_column) and (line, start) <= (
                end_line,
                end_column,
            ):
                return (line, start, line, end)
    return None


def _lsp_range(where: Range) -> dict[str, Any]:
    return {
        "start": {"line": where[0], "character": where[1]},
        "end": {"line": where[2], "character": where[3]},
    }

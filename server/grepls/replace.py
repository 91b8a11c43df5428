"""Replace: every match of a pattern rewritten through the editor's own undoable edit.

The server never writes a file. It works out *what* to change and asks the editor to make the
change, with the LSP request ``workspace/applyEdit``: the editor applies it as one undoable edit
(VS Code, where it can, first shows a refactor preview), and a document the user has edited since
the server last heard about it is refused by the editor, not overwritten. That is the whole model:

1. **Read the request** (:func:`parse_request`): ``grepls.replace`` with one object
   ``{"replacement", "uri"?, "pattern"?, "scope"?, "range"?, "dryRun"?}``. Everything is checked
   before anything is sent: a bad request is an InvalidParams error and the editor sees no edit.
2. **Rewrite** (:mod:`grepls.rewrite`): in a regex pattern's replacement, ``\\0`` to ``\\9`` stand
   for the match and its groups and ``\\\\`` for a backslash (RE2's rewrite syntax); a literal
   pattern's replacement is inserted as it is.
3. **Plan** (:func:`plan`, with :mod:`grepls.edits`): every match of the pattern in each
   document in scope, found afresh by the pattern's :class:`~grepls.matcher.Matcher` over *all*
   the document's lines — not read from the match index, which stops at
   ``maxMatchesPerDocument``: a replace is never silently partial. One ``TextEdit`` per match, in
   document order; matches never overlap, so neither do the edits. A pattern that can match the
   empty string is refused: grepls reports at most one empty match per line, and "replace every
   match" would mean inserting text between characters.
4. **Send** (:func:`~grepls.edits.workspace_edit`) — or, with ``"dryRun": true``, answer the
   counts and the edit without sending it (for a preview, or an editor that cannot be sent edits,
   like Vim's ALE, which applies it itself): each open document's edits go in
   ``documentChanges`` with the version the server holds (``null`` for a file that is not open),
   so an editor that has moved on refuses the whole edit and nothing is lost. Where the editor
   supports change annotations, every edit carries one, labelled with the pattern and the
   replacement, that asks for confirmation above the ``confirmReplaceAbove`` setting. (An editor
   without ``documentChanges`` is sent plain ``changes``: it cannot check versions.)
5. **Answer** when the editor has answered: ``{"applied", "files", "replacements",
   "failureReason"?, "skipped"?}`` — the request is held open (:class:`~grepls.rpc.Later`) until
   then.

Code actions (:mod:`grepls.actions`) offer the same on a match under the cursor: *Replace this
match…* and *Replace all N matches in this file…* are ``grepls.replace`` commands whose argument
has a ``"prompt"`` and no ``"replacement"`` — an editor that can ask the user (the VS Code client,
the README's Neovim and Emacs commands) asks that question, puts the answer in ``"replacement"``
and sends the command; sent without one, the server refuses it and says so. *Remove this match* is
a quick fix that carries its edit and needs no answer.

The ``"workspace"`` scope also rewrites the files that are not open, when the workspace scope is
on: each closed file the workspace search found matches in (:mod:`grepls.workspace`) is read
from disk again and searched afresh, like an open document, and its edits go with version
``null``. With the scope off, it is refused as off. A file that can no longer be read as the
search read it — gone, grown past ``maxFileSize``, binary now — or whose bytes are not all UTF-8
(the editor would open it with its undecodable bytes replaced, and a save after the edit would
lose them) is left out, and the reply and a message name it: a replace is never silently partial.

So is a file, open or not, with a lone ``\\r`` before a match: LSP ends a line there, and Vim,
Neovim and Emacs do not, so in those editors the edit would land on other text (VS Code agrees
with LSP and makes a document's line ends one kind anyway). A replace in one such document is
refused.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from grepls.counted import count_of
from grepls.disk import BINARY_PROBE, read_file
from grepls.document import Document
from grepls.documents import Documents
from grepls.edits import FileEdit, Range, label_of, plan_lines, workspace_edit
from grepls.lines import lone_return_before, split_lines
from grepls.matcher import Matcher
from grepls.pattern import json_type
from grepls.patterns import SEARCH_ID, PatternSet
from grepls.rewrite import REPLACE, Rewrite
from grepls.rpc import INTERNAL_ERROR, InvalidParams, Later
from grepls.session import Session
from grepls.settings import Settings
from grepls.uris import uri_to_path
from grepls.workspace import Workspace
from grepls.workspace_scan import spawn

logger = logging.getLogger(__name__)

SCOPES = ("document", "open", "workspace")
# A workspace replace asked during the workspace search looks this often whether it has ended (it
# may be cancelled and started again meanwhile, by a change of settings or patterns).
_SEARCH_POLL_SECONDS = 0.05
# The files with matches a workspace replace left out that its message names (the reply has all).
_NAMED = 5
_KEYS = ("replacement", "uri", "pattern", "scope", "range", "prompt", "dryRun")


class Server(Protocol):
    """What a replace uses of the server."""

    session: Session
    settings: Settings
    documents: Documents
    patterns: PatternSet
    workspace: Workspace

    def request_client(self, method: str, params: Any, on_result: Any, on_error: Any) -> None: ...

    def show_message(self, message: str) -> None: ...


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
            if isinstance(number, float) and number.is_integer():  # Lua's and JavaScript's 3.0
                number = int(number)
            if not isinstance(number, int) or isinstance(number, bool) or number < 0:
                raise InvalidParams(
                    f"{REPLACE}: 'range' must be an LSP range "
                    '{"start": {"line": 0, "character": 0}, "end": {...}}'
                )
            numbers.append(number)
    start_line, start_column, end_line, end_column = numbers
    if (end_line, end_column) < (start_line, start_column):
        return (end_line, end_column, start_line, start_column)
    return (start_line, start_column, end_line, end_column)


# -- 3. the plan (see grepls.edits for the edits themselves) ------------------------------------


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


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file with matches that a replace leaves out, and why."""

    uri: str
    path: str
    reason: str


@dataclass(slots=True)
class Plan:
    """What a replace changes: every file's edits (files without a match left out), and the
    closed files it could not edit."""

    files: list[FileEdit]
    matcher: Matcher
    skipped: list[Skipped]


def plan(server: Server, request: Request) -> Plan:
    """Every file's edits for ``request``."""
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
        if request.scope == "workspace":
            _check_workspace_searched(server)
        documents = list(server.documents.values())
    found = Plan([], matcher, [])
    for document in documents:
        edits = plan_lines(document.lines.texts, matcher, rewrite, request.range)
        if not edits:
            continue
        lone = document.lines.lone_return_before(_last_line(edits))
        if lone is None:
            found.files.append(FileEdit(document.uri, document.version, edits))
        elif request.scope == "document":
            raise InvalidParams(f"{REPLACE}: {_lone_return(lone)}: nothing is replaced")
        else:
            found.skipped.append(Skipped(document.uri, _shown(document.uri), _lone_return(lone)))
    if request.scope == "workspace":
        for uri, text in closed_texts(server, request.pattern, found.skipped):
            texts, breaks = split_lines(text)
            edits = plan_lines(texts, matcher, rewrite)
            if not edits:
                continue
            lone = lone_return_before(breaks, _last_line(edits))
            if lone is None:
                found.files.append(FileEdit(uri, None, edits))
            else:
                found.skipped.append(Skipped(uri, _shown(uri), _lone_return(lone)))
    return found


def _last_line(edits: list[dict[str, Any]]) -> int:
    line: int = edits[-1]["range"]["start"]["line"]
    return line


def _lone_return(line: int) -> str:
    # Classic Mac line ends, or a stray \r: VS Code ends a line there as LSP does (and its
    # documents come with their line ends made one kind), Vim, Neovim and Emacs do not.
    return (
        f"line {line + 1:,} ends in a lone carriage return (\\r), where LSP ends a line and Vim, "
        "Neovim and Emacs do not: the edit would land on other text"
    )


def _shown(uri: str) -> str:
    """How a message names a file: its path, else its URI."""
    return uri_to_path(uri) or uri


def _check_workspace_scope(server: Server) -> None:
    if server.settings.scope != "workspace":
        raise InvalidParams(
            f"{REPLACE}: scope 'workspace' needs the workspace scope, which is off: grepls "
            "searches only the open documents (use scope 'open')"
        )


def _check_workspace_searched(server: Server) -> None:
    """Refuse a workspace replace that would miss matches: the closed files to rewrite are those
    the workspace search found matches in, so it must have searched them all."""
    _check_workspace_scope(server)
    totals = server.workspace.totals
    if not totals.complete:
        raise InvalidParams(
            f"{REPLACE}: the workspace search stopped before it searched every file "
            f"({count_of(totals.files, 'file')}, {count_of(totals.matches, 'match')}; past "
            f"grepls.maxWorkspaceMatches, {server.settings.max_workspace_matches:,}, or its "
            "process died): a replace would miss matches, so nothing is replaced; raise "
            "grepls.maxWorkspaceMatches, or replace in the open documents (scope 'open')"
        )


# Why a closed file is left out of a workspace replace, by what reading it gave.
_SKIPPED = {
    "unreadable": "gone or unreadable now",
    "large": "larger than grepls.maxFileSize now",
    "binary": "binary now",
    "undecodable": "not UTF-8: opened in an editor, its other bytes would be replaced",
}
_UTF8_BOM = "\ufeff"


def closed_texts(server: Server, pattern: str, skipped: list[Skipped]) -> Iterator[tuple[str, str]]:
    """(uri, text) of each file that is not open and had matches of ``pattern`` when the
    workspace search last read it, read again now; those that cannot be edited safely go to
    ``skipped`` instead."""
    max_size = server.settings.max_file_size
    for uri, closed in sorted(server.workspace.files.items()):
        if uri in server.documents or pattern not in closed.tracks:
            continue
        data = read_file(closed.path, max_size)
        if not isinstance(data, bytes):
            skipped.append(Skipped(uri, closed.path, _SKIPPED[data]))
            continue
        if b"\0" in data[:BINARY_PROBE]:
            skipped.append(Skipped(uri, closed.path, _SKIPPED["binary"]))
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            skipped.append(Skipped(uri, closed.path, _SKIPPED["undecodable"]))
            continue
        yield uri, text.removeprefix(_UTF8_BOM)


# -- 5. the command --------------------------------------------------------------------------------


def replace(server: Server, arguments: list[Any]) -> Any:
    """``grepls.replace``: plan, send ``workspace/applyEdit``, answer once the editor has. A
    workspace replace asked while the workspace search runs waits for it to end."""
    request = parse_request(arguments)
    if request.scope == "workspace" and server.workspace.running:
        _check_workspace_scope(server)
        matcher = matcher_of(server, request.pattern)
        Rewrite(request.replacement, matcher.spec)  # a bad replacement is refused now
        later = Later()
        spawn(_after_the_search(server, request, matcher, later))
        return later
    return _replace_now(server, request)


async def _after_the_search(
    server: Server, request: Request, matcher: Matcher, later: Later
) -> None:
    """Answer ``later`` with the replace once the workspace search has ended (asked now, the
    closed files it has not reached would be left out)."""
    try:
        while server.workspace.running and not later.done:
            await asyncio.sleep(_SEARCH_POLL_SECONDS)
        if later.done:  # the editor cancelled the request
            return
        if matcher_of(server, request.pattern).spec != matcher.spec:
            raise InvalidParams(
                f"{REPLACE}: the pattern {request.pattern!r} changed while the workspace search "
                "ran: nothing is replaced"
            )
        outcome = _replace_now(server, request)
    except InvalidParams as problem:
        later.fail(str(problem))
        return
    except Exception:
        logger.exception("a workspace replace failed")
        later.fail(f"{REPLACE} failed; see the server log", INTERNAL_ERROR)
        return
    if isinstance(outcome, Later):
        later.answers(outcome)
    else:
        later.answer(outcome)


def _replace_now(server: Server, request: Request) -> Any:
    found = plan(server, request)
    files, matcher = found.files, found.matcher
    count = sum(len(file.edits) for file in files)
    result: dict[str, Any] = {"applied": False, "files": len(files), "replacements": count}
    if found.skipped:
        result["skipped"] = [{"uri": s.uri, "reason": s.reason} for s in found.skipped]
    label = label_of(matcher.spec, request.replacement)
    confirm = count > server.settings.confirm_replace_above
    edit = workspace_edit(files, server.session, label, confirm)
    if request.dry_run:
        return {**result, "edit": edit}  # for a preview, or an editor that applies it itself
    if count and not server.session.apply_edit:
        raise InvalidParams(
            f"{REPLACE}: this editor does not apply workspace edits (it did not declare "
            'workspace.applyEdit); send "dryRun": true to get the edit and apply it yourself'
        )
    if found.skipped:  # said once the replace goes ahead: a refused one says only why
        server.show_message(_skipped_message(found.skipped))
    if count == 0:
        return {**result, "applied": True}  # nothing to change: done, and no edit sent
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


def _skipped_message(skipped: list[Skipped]) -> str:
    """The message that names the files a workspace replace left out (the first few)."""
    named = "; ".join(f"{s.path} ({s.reason})" for s in skipped[:_NAMED])
    more = f"; and {count_of(len(skipped) - _NAMED, 'more file')}" if len(skipped) > _NAMED else ""
    return (
        f"grepls: {count_of(len(skipped), 'file')} with matches left out of the replace: "
        f"{named}{more}"
    )

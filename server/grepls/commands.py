"""Commands: ``workspace/executeCommand``, checked argument by argument.

The search pattern (id ``"search"``):

* ``grepls.setPattern`` — one argument, ``"TODO"`` or ``{"pattern": ..., "regex": ...,
  "caseSensitive": ..., "wholeWord": ...}``; answers ``{"pattern", "matches", "complete"}``,
  counting the search pattern's matches over the open documents. A pattern that cannot be used is
  an InvalidParams error saying why, and the previous pattern stays.
* ``grepls.clearPattern`` — no arguments.

Kept patterns, for editors without a settings UI (see :mod:`grepls.patterns`):

* ``grepls.addPattern`` — setPattern's object plus ``severity``, ``message``, ``id``; answers
  ``{"id", "matches", "complete"}``; an added pattern of the same id is replaced.
* ``grepls.removePattern`` — ``[id]``.
* ``grepls.listPatterns`` — ``[]``; every pattern in order, with its match count.

And ``grepls.listMatches`` — ``[uri]``: the document's matches with their lines and pattern ids;
``[]``: every match in scope (open documents, and closed files with the workspace scope), each with
its ``uri``, files in path order (``pattern`` only when several patterns are in force).
``grepls.matchesInLines`` — ``[uri, first, last]``: every match on those lines, uncapped, for
painting what is on screen; ``grepls.nextMatch`` / ``grepls.previousMatch`` — ``[uri, line,
character, count?]``: the nearest (count-th) match after (before) that position, wrapping,
uncapped, for a jump;
``grepls.previewPattern`` — ``[uri, first, last, pattern]``: a pattern being typed tried on one
document (its matches on those lines and its count), nothing set (see :mod:`grepls.queries`).

With the workspace scope, ``setPattern`` (and ``addPattern``) answer with ``"workspace": {"files",
"matches", "complete", "skipped"}``: the workspace scan's totals so far — the scan has only begun
when the command answers, so ``complete`` is then false (see :mod:`grepls.workspace`).

Changing the documents: ``grepls.replace`` — one object ``{"replacement", "uri"?, "pattern"?,
"scope"?}``; every match rewritten through the editor's own ``workspace/applyEdit`` (see
:mod:`grepls.replace`), answered once the editor has applied or refused it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from grepls import params
from grepls.documents import Documents
from grepls.matcher import Matcher
from grepls.pattern import PatternError, PatternSpec, parse_pattern_argument, parse_query
from grepls.patterns import SEARCH_ID, PatternSet, pattern_from_entry
from grepls.queries import (
    MOST_LINES_AT_ONCE,
    MOST_STEPS,
    list_matches,
    list_scope,
    matches_in_lines,
    neighbour_match,
    preview,
)
from grepls.replace import Server as ReplaceServer
from grepls.replace import replace
from grepls.rewrite import REPLACE
from grepls.rpc import InvalidParams
from grepls.session import Session
from grepls.settings import Settings
from grepls.workspace import Scope, Workspace

SET_PATTERN = "grepls.setPattern"
CLEAR_PATTERN = "grepls.clearPattern"
ADD_PATTERN = "grepls.addPattern"
REMOVE_PATTERN = "grepls.removePattern"
LIST_PATTERNS = "grepls.listPatterns"
LIST_MATCHES = "grepls.listMatches"
MATCHES_IN_LINES = "grepls.matchesInLines"
NEXT_MATCH = "grepls.nextMatch"
PREVIOUS_MATCH = "grepls.previousMatch"
PREVIEW_PATTERN = "grepls.previewPattern"


class Server(ReplaceServer, Protocol):
    """What the commands use of the server."""

    session: Session
    settings: Settings
    documents: Documents
    patterns: PatternSet
    workspace: Workspace

    def set_pattern(self, spec: PatternSpec | None) -> None: ...

    def bind(self) -> None: ...


def set_pattern(server: Server, arguments: list[Any]) -> dict[str, Any]:
    try:
        spec = parse_pattern_argument(arguments)
        server.set_pattern(spec)
    except PatternError as error:
        raise InvalidParams(str(error)) from None
    matches, complete = server.documents.matches(SEARCH_ID)
    return _with_workspace(
        server, {"pattern": spec.pattern, "matches": matches, "complete": complete}
    )


def _with_workspace(server: Server, result: dict[str, Any]) -> dict[str, Any]:
    if server.settings.scope == "workspace":
        result["workspace"] = server.workspace.totals.summary()
    return result


def clear_pattern(server: Server, arguments: list[Any]) -> dict[str, Any]:
    if arguments:
        raise InvalidParams(f"{CLEAR_PATTERN} takes no arguments, got {len(arguments)}")
    server.set_pattern(None)
    return {"pattern": None, "matches": 0}


def add_pattern(server: Server, arguments: list[Any]) -> dict[str, Any]:
    if len(arguments) != 1:
        raise InvalidParams(
            f"{ADD_PATTERN} takes one object like "
            f'{{"pattern": "FIXME", "severity": "warning"}}, got {len(arguments)} arguments'
        )
    try:
        pattern = pattern_from_entry(arguments[0], ADD_PATTERN)
        server.patterns.add(pattern)
    except PatternError as error:
        raise InvalidParams(str(error)) from None
    server.bind()
    matches, complete = server.documents.matches(pattern.id)
    return _with_workspace(server, {"id": pattern.id, "matches": matches, "complete": complete})


def remove_pattern(server: Server, arguments: list[Any]) -> None:
    if len(arguments) != 1 or not isinstance(arguments[0], str):
        raise InvalidParams(f"{REMOVE_PATTERN} takes one argument, the pattern's id")
    (identifier,) = arguments
    if not server.patterns.remove(identifier):
        if server.patterns.get(identifier):
            raise InvalidParams(
                f"{REMOVE_PATTERN}: the pattern {identifier!r} comes from the settings "
                "(grepls.patterns): remove it there"
            )
        known = [pattern.id for pattern in server.patterns]
        raise InvalidParams(
            f"{REMOVE_PATTERN}: no pattern {identifier!r} "
            f"(patterns in force: {', '.join(map(repr, known)) or 'none'})"
        )
    server.bind()


def list_patterns(server: Server, arguments: list[Any]) -> list[dict[str, Any]]:
    if arguments:
        raise InvalidParams(f"{LIST_PATTERNS} takes no arguments, got {len(arguments)}")
    listed = []
    for pattern in server.patterns:
        matches, complete = server.documents.matches(pattern.id)
        spec = pattern.spec
        listed.append(
            {
                "id": pattern.id,
                "pattern": spec.pattern,
                "regex": spec.regex,
                "caseSensitive": spec.case_sensitive,
                "wholeWord": spec.whole_word,
                "severity": pattern.severity_name(server.settings.severity),
                "message": pattern.message_text(),
                "matches": matches,
                "complete": complete,
            }
        )
    return listed


def list_document_matches(server: Server, arguments: list[Any]) -> list[dict[str, Any]]:
    settings = server.settings
    if not arguments:
        return list_scope(
            Scope(server.documents, server.workspace),
            settings.max_matches_per_document,
            server.session.encoding,
            settings.max_workspace_matches,
            with_pattern=sum(1 for _ in server.patterns) > 1,
        )
    if len(arguments) != 1 or not isinstance(arguments[0], str):
        raise InvalidParams(
            f"{LIST_MATCHES} takes one argument, the document URI (or none: every match in scope)"
        )
    document = server.documents.get(arguments[0])
    if document is None:
        raise InvalidParams(f"{LIST_MATCHES}: {arguments[0]} is not an open document")
    return list_matches(document, server.settings.max_matches_per_document, server.session.encoding)


def document_matches_in_lines(server: Server, arguments: list[Any]) -> dict[str, Any]:
    uri, first, last = params.lines_of_document(arguments, MATCHES_IN_LINES, MOST_LINES_AT_ONCE)
    document = server.documents.get(uri)
    if document is None:
        raise InvalidParams(f"{MATCHES_IN_LINES}: {uri} is not an open document")
    return matches_in_lines(document, first, last)


def preview_pattern(server: Server, arguments: list[Any]) -> dict[str, Any]:
    if len(arguments) != 4:
        raise InvalidParams(
            f"{PREVIEW_PATTERN} takes four arguments: the document URI, first line, end line and "
            f"the pattern (as {SET_PATTERN} takes it), got {len(arguments)}"
        )
    uri, first, last = params.lines_of_document(arguments[:3], PREVIEW_PATTERN, MOST_LINES_AT_ONCE)
    try:
        matcher = Matcher(parse_query(arguments[3], PREVIEW_PATTERN), server.session.encoding)
    except PatternError as error:
        raise InvalidParams(str(error)) from None
    document = server.documents.get(uri)
    if document is None:
        raise InvalidParams(f"{PREVIEW_PATTERN}: {uri} is not an open document")
    return preview(document, matcher, first, last, server.settings.max_matches_per_document)


def next_match(server: Server, arguments: list[Any]) -> dict[str, Any] | None:
    return _neighbour(server, arguments, NEXT_MATCH, forward=True)


def previous_match(server: Server, arguments: list[Any]) -> dict[str, Any] | None:
    return _neighbour(server, arguments, PREVIOUS_MATCH, forward=False)


def _neighbour(
    server: Server, arguments: list[Any], what: str, forward: bool
) -> dict[str, Any] | None:
    uri, line, character, count = params.position_and_count(arguments, what, MOST_STEPS)
    document = server.documents.get(uri)
    if document is None:
        raise InvalidParams(f"{what}: {uri} is not an open document")
    return neighbour_match(document, line, character, server.session.encoding, forward, count)


COMMANDS: dict[str, Callable[[Server, list[Any]], Any]] = {
    SET_PATTERN: set_pattern,
    CLEAR_PATTERN: clear_pattern,
    ADD_PATTERN: add_pattern,
    REMOVE_PATTERN: remove_pattern,
    LIST_PATTERNS: list_patterns,
    LIST_MATCHES: list_document_matches,
    MATCHES_IN_LINES: document_matches_in_lines,
    NEXT_MATCH: next_match,
    PREVIOUS_MATCH: previous_match,
    PREVIEW_PATTERN: preview_pattern,
    REPLACE: replace,
}


def run_command(server: Server, name: str, arguments: list[Any]) -> Any:
    command = COMMANDS.get(name)
    if command is None:
        raise InvalidParams(f"unknown command {name!r}; grepls knows {', '.join(COMMANDS)}")
    return command(server, arguments)

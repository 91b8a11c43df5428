"""Commands: ``workspace/executeCommand`` for the pattern, checked argument by argument.

* ``grepls.setPattern`` — one argument, ``"TODO"`` or ``{"pattern": ..., "regex": ...,
  "caseSensitive": ..., "wholeWord": ...}``; answers ``{"pattern", "matches", "complete"}`` over the
  open documents. A pattern that cannot be used is an InvalidParams error saying why, and the
  previous pattern stays.
* ``grepls.clearPattern`` — no arguments; every open document is shown with no matches.
* ``grepls.listMatches`` — one argument, a document URI; its matches with their lines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from grepls.documents import Documents
from grepls.pattern import PatternError, PatternSpec, parse_pattern_argument
from grepls.queries import list_matches
from grepls.rpc import InvalidParams
from grepls.session import Session
from grepls.settings import Settings


class Server(Protocol):
    """What the commands use of the server."""

    session: Session
    settings: Settings
    documents: Documents

    def set_pattern(self, spec: PatternSpec | None) -> None: ...

SET_PATTERN = "grepls.setPattern"
CLEAR_PATTERN = "grepls.clearPattern"
LIST_MATCHES = "grepls.listMatches"


def set_pattern(server: Server, arguments: list[Any]) -> dict[str, Any]:
    try:
        spec = parse_pattern_argument(arguments)
        server.set_pattern(spec)
    except PatternError as error:
        raise InvalidParams(str(error)) from None
    documents = server.documents
    return {
        "pattern": spec.pattern,
        "matches": documents.total_matches(),
        "complete": documents.all_counted(),
    }


def clear_pattern(server: Server, arguments: list[Any]) -> dict[str, Any]:
    if arguments:
        raise InvalidParams(f"{CLEAR_PATTERN} takes no arguments, got {len(arguments)}")
    server.set_pattern(None)
    return {"pattern": None, "matches": 0}


def list_document_matches(server: Server, arguments: list[Any]) -> list[dict[str, Any]]:
    if len(arguments) != 1 or not isinstance(arguments[0], str):
        raise InvalidParams(f"{LIST_MATCHES} takes one argument, the document URI")
    document = server.documents.get(arguments[0])
    if document is None:
        raise InvalidParams(f"{LIST_MATCHES}: {arguments[0]} is not an open document")
    return list_matches(document, server.settings.max_matches_per_document, server.session.encoding)


COMMANDS: dict[str, Callable[[Server, list[Any]], Any]] = {
    SET_PATTERN: set_pattern,
    CLEAR_PATTERN: clear_pattern,
    LIST_MATCHES: list_document_matches,
}


def run_command(server: Server, name: str, arguments: list[Any]) -> Any:
    command = COMMANDS.get(name)
    if command is None:
        raise InvalidParams(f"unknown command {name!r}; grepls knows {', '.join(COMMANDS)}")
    return command(server, arguments)

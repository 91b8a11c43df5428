"""Code actions on a match: replace it, replace all of the pattern's matches, or remove it.

*Replace this match…* and *Replace all N matches in this file…* are ``grepls.replace`` commands
whose argument has a ``"prompt"`` and no ``"replacement"``: an editor that can ask the user (the
VS Code client, the README's Neovim and Emacs commands) asks that question, puts the answer in
``"replacement"`` and sends the command; sent without one, the server refuses it and says so.
*Remove this match* is a quick fix that carries its edit and needs no answer.

Below a line that ends in a lone ``\\r`` none is offered: LSP ends a line there and Vim, Neovim and
Emacs do not, so the cursor's line is not the same line for both (see :mod:`grepls.replace`).
"""

from __future__ import annotations

from typing import Any

from grepls.counted import count_of
from grepls.document import Document
from grepls.edits import FileEdit, Range, workspace_edit
from grepls.matcher import Matcher
from grepls.replace import Server
from grepls.rewrite import REPLACE


def code_actions(server: Server, uri: str, where: Range, only: list[str] | None) -> list[Any]:
    """The code actions on the matches under ``where`` in the open document ``uri``."""
    document = server.documents.get(uri)
    if document is None:
        return []
    session = server.session
    literals = session.code_action_literals
    if len(document.lines) == 0:
        return []
    start = document.client_position(where[0], where[1], session.encoding)
    end = document.client_position(where[2], where[3], session.encoding)
    where = (*start, *end)
    if document.lines.lone_return_before(where[0]) is not None:
        # Above the cursor, a line ends in a lone \r: LSP and the editor (Vim, Neovim, Emacs) may
        # not mean the same line by ours, and an edit would land on other text.
        return []
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
            count = _matchcount_of(document, identifier, matcher)
            actions.append(
                _action(
                    f"Replace all {count:,} match{'' if count == 1 else 'es'}{of} in this file…",
                    "refactor.rewrite",
                    {
                        "uri": uri,
                        "pattern": identifier,
                        "prompt": f"Replace {count_of(count, 'match')} of {described} with",
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


def _matchcount_of(document: Document, identifier: str, matcher: Matcher) -> int:
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

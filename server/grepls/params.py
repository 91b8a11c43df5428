"""Params: the shape checks every incoming message passes, whatever transport carried it.

Messages arrive as plain JSON values (dicts, lists, strings, numbers). Each reader here takes the
``params`` of one method and returns just what grepls uses, in plain Python types, or raises
:class:`~grepls.rpc.InvalidParams` naming the field that is wrong — so a client that sends
``"arguments": "e"`` or a ``null`` range gets the same clear error on stdio, TCP and WebSocket.
Fields grepls does not use are not checked: clients add their own.
"""

from __future__ import annotations

from typing import Any

from grepls.document import Change
from grepls.pattern import json_type
from grepls.rpc import InvalidParams
from grepls.uris import folder_paths, uri_to_path


def mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidParams(f"{what} must be an object, got {json_type(value)}")
    return value


def string(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidParams(f"{what} must be a string, got {json_type(value)}")
    return value


def integer(value: Any, what: str) -> int:
    """An integer; JSON has only numbers, and a client whose language has only doubles (Lua,
    JavaScript) may write a whole one as ``1e+20`` or ``3.0``: those are taken as what they say."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, float):
        raise InvalidParams(f"{what} must be an integer, got {value!r}")
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidParams(f"{what} must be an integer, got {json_type(value)}")
    return value


def optional_integer(value: Any, what: str) -> int | None:
    return None if value is None else integer(value, what)


def optional_string(value: Any, what: str) -> str | None:
    return None if value is None else string(value, what)


def dig(value: Any, *keys: str) -> Any:
    """``value[k1][k2]...``, or ``None`` where a step is missing or not an object (capabilities are
    optional all the way down)."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def document_uri(params: Any) -> str:
    """The ``textDocument.uri`` of a message about one document."""
    document = mapping(mapping(params, "params").get("textDocument"), "textDocument")
    return string(document.get("uri"), "textDocument.uri")


def document_position(params: Any) -> str:
    """The ``textDocument.uri`` of a message about one position in a document."""
    uri = document_uri(params)
    position = mapping(params.get("position"), "position")
    integer(position.get("line"), "position.line")
    integer(position.get("character"), "position.character")
    return uri


def code_action_range(params: Any) -> tuple[int, int, int, int]:
    """The ``range`` of a ``textDocument/codeAction`` request, start first."""
    where = mapping(params.get("range"), "range")
    start = mapping(where.get("start"), "range.start")
    end = mapping(where.get("end"), "range.end")
    first = (
        integer(start.get("line"), "range.start.line"),
        integer(start.get("character"), "range.start.character"),
    )
    last = (
        integer(end.get("line"), "range.end.line"),
        integer(end.get("character"), "range.end.character"),
    )
    first, last = min(first, last), max(first, last)
    return (*first, *last)


def did_open(params: Any) -> tuple[str, int | None, str]:
    item = mapping(mapping(params, "params").get("textDocument"), "textDocument")
    return (
        string(item.get("uri"), "textDocument.uri"),
        optional_integer(item.get("version"), "textDocument.version"),
        string(item.get("text"), "textDocument.text"),
    )


def did_change(params: Any) -> tuple[str, int | None, list[Change]]:
    params = mapping(params, "params")
    document = mapping(params.get("textDocument"), "textDocument")
    uri = string(document.get("uri"), "textDocument.uri")
    version = optional_integer(document.get("version"), "textDocument.version")
    changes = params.get("contentChanges")
    if not isinstance(changes, list):
        raise InvalidParams(f"contentChanges must be an array, got {json_type(changes)}")
    return uri, version, [_change(change) for change in changes]


def _change(change: Any) -> Change:
    change = mapping(change, "contentChanges[]")
    text = string(change.get("text"), "contentChanges[].text")
    where = change.get("range")
    if where is None:
        return Change(text)
    where = mapping(where, "contentChanges[].range")
    start = mapping(where.get("start"), "range.start")
    end = mapping(where.get("end"), "range.end")
    return Change(
        text,
        (
            integer(start.get("line"), "range.start.line"),
            integer(start.get("character"), "range.start.character"),
            integer(end.get("line"), "range.end.line"),
            integer(end.get("character"), "range.end.character"),
        ),
    )


def execute_command(params: Any) -> tuple[str, list[Any]]:
    params = mapping(params, "params")
    command = string(params.get("command"), "command")
    arguments = params.get("arguments")
    if arguments is None:
        return command, []
    if not isinstance(arguments, list):
        raise InvalidParams(f"arguments must be an array, got {json_type(arguments)}")
    return command, arguments


def lines_of_document(arguments: list[Any], what: str, most: int) -> tuple[str, int, int]:
    """``[uri, first, last]``: a document and its lines ``[first, last)``, at most ``most``."""
    if len(arguments) != 3:
        raise InvalidParams(f"{what} takes three arguments: the document URI, first line, end line")
    uri = string(arguments[0], f"{what}'s URI")
    first = integer(arguments[1], f"{what}'s first line")
    last = integer(arguments[2], f"{what}'s end line")
    if not 0 <= first <= last:
        raise InvalidParams(f"{what}: lines [{first}, {last}) are not a range of lines")
    if last - first > most:
        raise InvalidParams(f"{what} answers for at most {most} lines at once, not {last - first}")
    return uri, first, last


def position_and_count(arguments: list[Any], what: str, most: int) -> tuple[str, int, int, int]:
    """``[uri, line, character, count?]``: a position in a document and how many times to step
    from it (1 to ``most``, 1 when left out, as an editor's count)."""
    if len(arguments) not in (3, 4):
        raise InvalidParams(
            f"{what} takes three or four arguments: the document URI, line, character and "
            f"optionally a count, got {len(arguments)}"
        )
    count = 1 if len(arguments) == 3 else integer(arguments[3], f"{what}'s count")
    if not 1 <= count <= most:
        raise InvalidParams(f"{what}'s count must be from 1 to {most}, got {count}")
    return (*_position(arguments, what), count)


def _position(arguments: list[Any], what: str) -> tuple[str, int, int]:
    uri = string(arguments[0], f"{what}'s URI")
    line = integer(arguments[1], f"{what}'s line")
    character = integer(arguments[2], f"{what}'s character")
    if line < 0 or character < 0:
        raise InvalidParams(f"{what}: ({line}, {character}) is not a position")
    return uri, line, character


def workspace_folders_event(params: Any) -> tuple[list[str], list[str]]:
    """``workspace/didChangeWorkspaceFolders``: the (removed, added) folders' paths (folders
    whose URI is not a file path are left out)."""
    event = mapping(mapping(params, "params").get("event"), "event")
    paths: list[list[str]] = []
    for key in ("removed", "added"):
        changed = event.get(key) or []
        if not isinstance(changed, list):
            raise InvalidParams(f"event.{key} must be an array, got {json_type(changed)}")
        uris = [uri for folder in changed if isinstance(uri := dig(folder, "uri"), str)]
        if key == "added":
            paths.append(folder_paths(uris))  # one that names no path is named in the log
        else:
            paths.append([path for uri in uris if (path := uri_to_path(uri))])
    return paths[0], paths[1]


def previous_result_ids(params: Any) -> dict[str, str]:
    """``workspace/diagnostic``'s ``previousResultIds``: the result id the client holds per URI."""
    held = mapping(params, "params").get("previousResultIds") or []
    if not isinstance(held, list):
        raise InvalidParams(f"previousResultIds must be an array, got {json_type(held)}")
    previous: dict[str, str] = {}
    for n, entry in enumerate(held):
        entry = mapping(entry, f"previousResultIds[{n}]")
        uri = string(entry.get("uri"), f"previousResultIds[{n}].uri")
        previous[uri] = string(entry.get("value"), f"previousResultIds[{n}].value")
    return previous


def watched_file_events(params: Any) -> list[tuple[str, int]]:
    """``workspace/didChangeWatchedFiles``: (path, change type 1-3) of each file change."""
    changes = mapping(params, "params").get("changes")
    if not isinstance(changes, list):
        raise InvalidParams(f"changes must be an array, got {json_type(changes)}")
    events = []
    for change in changes:
        uri, kind = dig(change, "uri"), dig(change, "type")
        path = uri_to_path(uri) if isinstance(uri, str) else None
        if path is not None and kind in (1, 2, 3):
            events.append((path, kind))
    return events

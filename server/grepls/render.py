"""Rendering: matches as LSP JSON, written straight to bytes.

Building lsprotocol objects, converting them with cattrs and dumping them costs about 5 µs per
diagnostic — most of a keystroke's budget at 1,000 matches. So diagnostics are rendered here
straight to JSON bytes, one fragment per matching line; the :class:`~grepls.publisher.Publisher`
caches each line's fragment until that line changes or moves and joins them in one C call.

The same fragments serve both delivery models: *push* (``textDocument/publishDiagnostics``) and
*pull* (the result of ``textDocument/diagnostic``). Every piece is ASCII (``json.dumps`` escapes the
rest), so lengths in characters and in bytes agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from grepls.patterns import Pattern
from grepls.positions import SPAN


class DiagnosticRenderer:
    """Renders one line's matches of one pattern as diagnostic JSON."""

    __slots__ = ("_tail", "pattern")

    def __init__(self, pattern: Pattern, default_severity: int) -> None:
        self.pattern = pattern
        severity = pattern.severity_or(default_severity)
        self._tail = (
            f'"severity":{severity},"code":{json.dumps(pattern.id)},"source":"grepls",'
            f'"message":{json.dumps(pattern.message_text())}}}'
        )

    def line(self, line: int, spans: list[SPAN]) -> list[bytes]:
        """The diagnostics of one line, one JSON array item each."""
        tail = self._tail
        return [f'{{"range":{range_json(line, start, end)},{tail}'.encode() for start, end in spans]


def range_json(line: int, start: int, end: int) -> str:
    return (
        f'{{"start":{{"line":{line},"character":{start}}},'
        f'"end":{{"line":{line},"character":{end}}}}}'
    )


def highlights_json(matches: Iterable[tuple[int, SPAN]]) -> bytes:
    """A documentHighlight answer: one item (kind Text) per (line, span)."""
    items = ",".join(
        f'{{"range":{range_json(line, start, end)},"kind":1}}' for line, (start, end) in matches
    )
    return f"[{items}]".encode()


def publish_parts(uri: str, version: int | None, diagnostics: bytes) -> tuple[bytes, ...]:
    """The notification ``textDocument/publishDiagnostics``, in pieces (``diagnostics``: the items
    of the array, without brackets, to spare a copy of a possibly large string)."""
    version_json = b"" if version is None else b',"version":%d' % version
    return (
        b'{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":',
        json.dumps(uri).encode(),
        version_json,
        b',"diagnostics":[',
        diagnostics,
        b"]}}",
    )


def full_report_json(result_id: str, diagnostics: bytes) -> bytes:
    """A pull-model full document diagnostic report."""
    return b'{"kind":"full","resultId":%s,"items":[%s]}' % (
        json.dumps(result_id).encode(),
        diagnostics,
    )


def unchanged_report_json(result_id: str) -> bytes:
    return b'{"kind":"unchanged","resultId":%s}' % json.dumps(result_id).encode()

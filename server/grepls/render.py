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

from grepls.pattern import PatternSpec
from grepls.positions import SPAN


class DiagnosticRenderer:
    """Renders one line's matches as diagnostic JSON, for one pattern and severity."""

    __slots__ = ("_tail", "message", "pattern", "severity")

    def __init__(self, spec: PatternSpec, severity: int) -> None:
        self.severity = severity
        self.pattern = spec.describe()
        self.message = f"matches {self.pattern}"
        self._tail = (
            f'"severity":{severity},"source":"grepls","message":{json.dumps(self.message)}}}'
        )

    def line(self, line: int, spans: list[SPAN]) -> bytes:
        """The diagnostics of one line, as JSON array items joined by commas."""
        return str(line).encode().join(self.pieces(spans))

    def pieces(self, spans: list[SPAN]) -> list[bytes]:
        """The diagnostics of a line's ``spans`` cut where the line number goes: joined with a
        line number they are :meth:`line`. A line that only moves (a line inserted above it) is
        rendered again with one ``join`` instead of a string per match."""
        tail = self._tail
        text = ",".join(f'{{"range":{range_json(_MARK, start, end)},{tail}' for start, end in spans)
        return text.encode().split(_MARK_BYTES)


# Stands for the line number in :meth:`DiagnosticRenderer.pieces`; JSON escapes it everywhere else.
_MARK = "\x00"
_MARK_BYTES = _MARK.encode()


def range_json(line: int | str, start: int, end: int) -> str:
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

"""Publishing: matches as LSP diagnostics, written as JSON-RPC frames without detours.

Building lsprotocol objects, converting them with cattrs and dumping them costs about 5 µs per
diagnostic — most of a keystroke's budget at 1,000 matches. So diagnostics are rendered here
straight to JSON text, one fragment per matching line, cached in the document's
:class:`~grepls.index.MatchIndex` until that line changes or moves. A publish is then a join of
cached fragments plus the fragments of the lines just edited.

The same rendering serves both delivery models: *push* (``textDocument/publishDiagnostics``, for
most clients) and *pull* (the result of ``textDocument/diagnostic``, for clients that declare it
together with ``workspace.diagnostics.refreshSupport``).
"""

from __future__ import annotations

import json
from typing import Any

from grepls.index import MatchIndex
from grepls.pattern import PatternSpec
from grepls.positions import SPAN


class DiagnosticRenderer:
    """Renders one line's matches as diagnostic JSON, for one pattern and severity."""

    __slots__ = ("_tail", "message", "severity")

    def __init__(self, spec: PatternSpec, severity: int) -> None:
        self.severity = severity
        self.message = f"matches {spec.describe()}"
        self._tail = (
            f'"severity":{severity},"source":"grepls","message":{json.dumps(self.message)}}}'
        )

    def line(self, line: int, spans: list[SPAN]) -> str:
        tail = self._tail
        return ",".join(
            f'{{"range":{{"start":{{"line":{line},"character":{start}}},'
            f'"end":{{"line":{line},"character":{end}}}}},{tail}'
            for start, end in spans
        )


def diagnostics_json(index: MatchIndex, renderer: DiagnosticRenderer | None, cap: int) -> str:
    """A JSON array of the document's diagnostics, at most ``cap`` of them (the first ones)."""
    if renderer is None or not index.lines:
        return "[]"
    lines, rendered = index.lines, index.rendered
    parts: list[str] = []
    if index.count <= cap:
        for line, spans in lines.items():
            fragment = rendered.get(line)
            if fragment is None:
                fragment = rendered[line] = renderer.line(line, spans)
            parts.append(fragment)
    else:
        left = cap
        for line in sorted(lines):
            spans = lines[line]
            if len(spans) > left:
                parts.append(renderer.line(line, spans[:left]))
                break
            fragment = rendered.get(line)
            if fragment is None:
                fragment = rendered[line] = renderer.line(line, spans)
            parts.append(fragment)
            left -= len(spans)
            if not left:
                break
    return "[" + ",".join(parts) + "]"


def publish_body(uri: str, version: int | None, diagnostics: str) -> str:
    """The JSON-RPC notification ``textDocument/publishDiagnostics``."""
    version_json = "" if version is None else f',"version":{version}'
    return (
        '{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":'
        f'{json.dumps(uri)}{version_json},"diagnostics":{diagnostics}}}}}'
    )


def full_report_json(result_id: str, diagnostics: str) -> str:
    """A pull-model full document diagnostic report."""
    return f'{{"kind":"full","resultId":{json.dumps(result_id)},"items":{diagnostics}}}'


def unchanged_report_json(result_id: str) -> str:
    return f'{{"kind":"unchanged","resultId":{json.dumps(result_id)}}}'


def response_body(request_id: Any, result_json: str) -> str:
    """A JSON-RPC response whose result is already JSON text."""
    return f'{{"jsonrpc":"2.0","id":{json.dumps(request_id)},"result":{result_json}}}'

"""Publishing: matches as LSP diagnostics, written as JSON-RPC frames without detours.

Building lsprotocol objects, converting them with cattrs and dumping them costs about 5 µs per
diagnostic — most of a keystroke's budget at 1,000 matches. So diagnostics are rendered here
straight to JSON bytes, one fragment per matching line, cached (:data:`RenderCache`) until the
index holds a new list for that line — its matches changed or moved. A publish renders those lines
and joins every cached fragment in one C call.

The same rendering serves both delivery models: *push* (``textDocument/publishDiagnostics``, for
most clients) and *pull* (the result of ``textDocument/diagnostic``, for clients that declare it
together with ``workspace.diagnostics.refreshSupport``). Every piece is ASCII (``json.dumps``
escapes the rest), so lengths in characters and in bytes agree.
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

    def line(self, line: int, spans: list[SPAN]) -> bytes:
        tail = self._tail
        return ",".join(
            f'{{"range":{{"start":{{"line":{line},"character":{start}}},'
            f'"end":{{"line":{line},"character":{end}}}}},{tail}'
            for start, end in spans
        ).encode()


RenderCache = dict[int, tuple[list[SPAN], bytes]]
"""Line number → (the index's list of matches on it, their rendering). A line's rendering is
still right while the index holds the same list object there (the index never changes a list in
place: see :mod:`grepls.index`)."""


def diagnostics_json(
    index: MatchIndex, renderer: DiagnosticRenderer | None, cap: int, cache: RenderCache
) -> bytes:
    """The document's diagnostics as the items of a JSON array (no brackets, to spare a copy of a
    possibly large string): at most ``cap`` of them, the first ones. ``cache`` holds the last
    renderings of this document's lines with ``renderer``, and is brought up to date."""
    if renderer is None or not index.lines:
        cache.clear()
        return b""
    lines = index.lines
    fresh: RenderCache = {}
    for line, spans in lines.items():
        entry = cache.get(line)
        if entry is None or entry[0] is not spans:
            entry = (spans, renderer.line(line, spans))
        fresh[line] = entry
    cache.clear()
    cache.update(fresh)
    if index.count <= cap:
        return b",".join([rendered for _, rendered in fresh.values()])
    # Over the cap: the first matches in document order (rare, so sorting here is fine).
    parts: list[bytes] = []
    left = cap
    for line in sorted(lines):
        spans = lines[line]
        if len(spans) > left:
            parts.append(renderer.line(line, spans[:left]))
            break
        parts.append(fresh[line][1])
        left -= len(spans)
        if not left:
            break
    return b",".join(parts)


def publish_parts(uri: str, version: int | None, diagnostics: bytes) -> tuple[bytes, ...]:
    """The JSON-RPC notification ``textDocument/publishDiagnostics``, in pieces."""
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


def response_parts(request_id: Any, result_json: bytes) -> tuple[bytes, ...]:
    """A JSON-RPC response whose result is already JSON."""
    return (
        b'{"jsonrpc":"2.0","id":',
        json.dumps(request_id).encode(),
        b',"result":',
        result_json,
        b"}",
    )

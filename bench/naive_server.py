"""The naive baseline: grepls's job done the way a typical pygls tutorial would do it.

It keeps pygls's own `TextDocument` workspace (incremental sync re-splits the whole text on every
change), and after every open or change re-scans all of `document.lines` with Python's `re`,
builds lsprotocol `Diagnostic` objects and pushes them with `text_document_publish_diagnostics`.
It understands the same commands as grepls for the benchmark's purposes: `grepls.setPattern`
with one string argument (a literal, case-sensitive pattern) and `grepls.clearPattern`.

Nothing here is tuned; it exists so the benchmark can print grepls's speed-up as a ratio measured
in the same run, on the same machine, through the same client.
"""

from __future__ import annotations

import re
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

server = LanguageServer("naive-grep", "0.1")
active: dict[str, Any] = {"pattern": None, "regex": None}


def find_matches(source_lines: list[str], regex: re.Pattern[str]) -> list[types.Diagnostic]:
    diagnostics = []
    for line_number, line in enumerate(source_lines):
        for match in regex.finditer(line):
            diagnostics.append(
                types.Diagnostic(
                    range=types.Range(
                        start=types.Position(line=line_number, character=match.start()),
                        end=types.Position(line=line_number, character=match.end()),
                    ),
                    message=f'matches "{active["pattern"]}"',
                    severity=types.DiagnosticSeverity.Information,
                    source="grepls",
                )
            )
    return diagnostics


def validate(ls: LanguageServer, uri: str) -> int:
    document = ls.workspace.get_text_document(uri)
    diagnostics = []
    if active["regex"] is not None:
        diagnostics = find_matches(list(document.lines), active["regex"])
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=document.version)
    )
    return len(diagnostics)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    validate(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    validate(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: LanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
    )


@server.command("grepls.setPattern")
def set_pattern(ls: LanguageServer, pattern: str) -> dict[str, Any]:
    active["pattern"] = pattern
    active["regex"] = re.compile(re.escape(pattern))
    total = sum(validate(ls, uri) for uri in list(ls.workspace.text_documents))
    return {"pattern": pattern, "matches": total}


@server.command("grepls.clearPattern")
def clear_pattern(ls: LanguageServer) -> dict[str, Any]:
    active["pattern"] = None
    active["regex"] = None
    for uri in list(ls.workspace.text_documents):
        validate(ls, uri)
    return {"pattern": None, "matches": 0}


if __name__ == "__main__":
    server.start_io()

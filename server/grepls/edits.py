"""Edits: a replace's matches as LSP ``TextEdit`` objects, and the ``WorkspaceEdit`` that carries
them to the editor.

Every match of the pattern in a document is found afresh by the pattern's matcher over *all* its
lines (the match index stops at ``maxMatchesPerDocument``; a replace is never silently partial),
one ``TextEdit`` per match, in document order; matches never overlap, so neither do the edits.
Each open document's edits go in ``documentChanges`` with the version the server holds (``null``
for a file that is not open), so an editor that has moved on refuses the whole edit and nothing is
lost; where the editor supports change annotations every edit carries one, labelled with the
pattern and the replacement, that asks for confirmation above a threshold. An editor without
``documentChanges`` is sent plain ``changes``: it cannot check versions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from grepls.counted import count_of
from grepls.matcher import Matcher
from grepls.pattern import PatternSpec
from grepls.positions import (
    Encoding,
    byte_spans_to_columns,
    column_to_index,
    encode_line,
    index_to_column,
)
from grepls.rewrite import Rewrite
from grepls.session import Session

ANNOTATION_ID = "grepls.replace"

Range = tuple[int, int, int, int]
"""(start line, start column, end line, end column) in client columns."""


@dataclass(frozen=True, slots=True)
class FileEdit:
    """The edits of one file."""

    uri: str
    version: int | None
    """The version the edits were computed on; ``None`` for a file that is not open."""
    edits: list[dict[str, Any]]
    """LSP ``TextEdit`` objects, in document order."""


def plan_lines(
    texts: list[str],
    matcher: Matcher,
    rewrite: Rewrite,
    within: Range | None = None,
) -> list[dict[str, Any]]:
    """The ``TextEdit`` of every match in ``texts`` (a document's lines), or of those inside
    ``within``."""
    if within is not None:
        first, last = max(within[0], 0), min(within[2], len(texts) - 1)
        found = {line: matcher.columns(texts[line]) for line in range(first, last + 1)}
        within = _on_characters(texts, within, matcher.encoding)
    else:
        found = matcher.scan(texts).matches  # every line, no cap
    encoding = matcher.encoding
    edits: list[dict[str, Any]] = []
    constant = rewrite.constant
    for line in sorted(found):
        if not found[line]:
            continue
        text = texts[line]
        if constant is not None:
            columns = found[line]
            replacements = [constant] * len(columns)
        else:
            data = encode_line(text)
            spans = matcher.byte_spans(data)
            replacements = [rewrite.text(data, span) for span in spans]
            columns = (
                spans if text.isascii() else byte_spans_to_columns(text, data, spans, encoding)
            )
        for (start, end), new_text in zip(columns, replacements, strict=True):
            if within is not None and not _inside((line, start, line, end), within):
                continue
            edits.append(
                {
                    "range": {
                        "start": {"line": line, "character": start},
                        "end": {"line": line, "character": end},
                    },
                    "newText": new_text,
                }
            )
    return edits


def _on_characters(texts: list[str], within: Range, encoding: Encoding) -> Range:
    """``within`` with a column inside a character (half a surrogate pair) rounded down to the
    character's start, as every incoming column is."""
    start_line, start, end_line, end = within
    if 0 <= start_line < len(texts):
        text = texts[start_line]
        start = index_to_column(text, column_to_index(text, start, encoding), encoding)
    if 0 <= end_line < len(texts):
        text = texts[end_line]
        end = index_to_column(text, column_to_index(text, end, encoding), encoding)
    return start_line, start, end_line, end


def _inside(match: Range, within: Range) -> bool:
    return (within[0], within[1]) <= (match[0], match[1]) and (match[2], match[3]) <= (
        within[2],
        within[3],
    )


def workspace_edit(
    files: list[FileEdit], session: Session, label: str, confirm: bool, *, annotate: bool = True
) -> dict[str, Any]:
    """The ``WorkspaceEdit`` for ``files``: versioned ``documentChanges`` where the client takes
    them (annotated where it takes annotations), else plain ``changes``."""
    if not session.document_changes:
        return {"changes": {file.uri: file.edits for file in files}}
    annotate = annotate and session.change_annotations
    changes = []
    for file in files:
        edits = file.edits
        if annotate:
            edits = [{**edit, "annotationId": ANNOTATION_ID} for edit in edits]
        changes.append({"textDocument": {"uri": file.uri, "version": file.version}, "edits": edits})
    edit: dict[str, Any] = {"documentChanges": changes}
    if annotate:
        count = sum(len(file.edits) for file in files)
        edit["changeAnnotations"] = {
            ANNOTATION_ID: {
                "label": label,
                "needsConfirmation": confirm,
                "description": (
                    f"{count_of(count, 'replacement')} in {count_of(len(files), 'file')}"
                ),
            }
        }
    return edit


def label_of(spec: PatternSpec, replacement: str) -> str:
    """How a replace reads in an editor's undo list and preview: ``grepls: replace "TODO" with
    "DONE"``."""
    shown = replacement if len(replacement) <= 60 else replacement[:59] + "…"
    return f"grepls: replace {spec.describe()} with {_quoted(shown)}"


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)

"""Queries: what a client asks about one document's matches, answered from its match index.

* ``textDocument/documentHighlight`` — every match shown, wherever the cursor is. Editors ask on
  every cursor move, so the answer is kept until the document's matches change: a cursor move
  costs a dictionary look-up at any match count.
* ``grepls.listMatches`` — every match shown, with the text of its line (cut around the match when
  the line is very long).

Both list the first ``cap`` matches in document order, like the diagnostics.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from grepls.document import Document
from grepls.positions import SPAN, Encoding, column_to_index
from grepls.render import highlights_json

# listMatches sends each match's line; a longer line is cut to this many characters around the match
# (a 10 MB minified line with thousands of matches would otherwise make a response of gigabytes).
EXCERPT_CHARACTERS = 1000


class Highlights:
    """The documentHighlight answers, cached per document until its matches change."""

    def __init__(self) -> None:
        self._answers: dict[str, tuple[Document, int, int, bytes]] = {}

    def answer(self, document: Document | None, uri: str, cap: int) -> bytes:
        if document is None:
            self._answers.pop(uri, None)
            return b"[]"
        held = self._answers.get(uri)
        generation = document.index.generation
        if held is not None and held[0] is document and held[1:3] == (generation, cap):
            return held[3]
        answer = highlights_json(shown_matches(document, cap))
        self._answers[uri] = (document, generation, cap, answer)
        return answer

    def forget(self) -> None:
        """A new pattern: no cached answer holds."""
        self._answers.clear()


def shown_matches(document: Document, cap: int) -> Iterator[tuple[int, SPAN]]:
    """(line, span) of the matches an editor is shown: the first ``cap`` in document order."""
    lines = document.index.lines
    return islice(((line, span) for line in sorted(lines) for span in lines[line]), cap)


def list_matches(document: Document, cap: int, encoding: Encoding) -> list[dict[str, Any]]:
    """Every match shown in the document, with the text of its line."""
    texts = document.lines.texts
    return [
        {
            "range": {
                "start": {"line": line, "character": start},
                "end": {"line": line, "character": end},
            },
            "text": excerpt(texts[line], start, encoding),
        }
        for line, (start, end) in shown_matches(document, cap)
    ]


def excerpt(text: str, column: int, encoding: Encoding) -> str:
    """The line of a match, or for a very long line the part around the match, marked with "…"."""
    if len(text) <= EXCERPT_CHARACTERS:
        return text
    index = column_to_index(text, column, encoding)
    first = max(0, min(index - EXCERPT_CHARACTERS // 4, len(text) - EXCERPT_CHARACTERS))
    last = first + EXCERPT_CHARACTERS
    return ("…" if first else "") + text[first:last] + ("…" if last < len(text) else "")

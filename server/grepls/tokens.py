"""Semantic tokens: the matches as a highlight whose cost per keystroke follows the edit.

Diagnostics are all-or-nothing per document: inserting a line above N matches moves all N, so every
publish carries all of them and the editor converts every one again (Neovim turns each into byte
columns in Lua; at 6,000 matches that is most of half a second per keystroke). Semantic tokens
answer the same question — where are the matches — in a form an editor can update by difference:

* ``textDocument/semanticTokens/full`` returns every match shown as five integers,
  ``[Δline, Δstart, length, type, modifiers]``, each token *relative to the one before it* (the
  line relative to the previous token's line; the start relative to the previous token's start
  when both are on one line). Columns are client columns in the negotiated position encoding —
  which is what the match index already holds.
* ``textDocument/semanticTokens/full/delta`` names the result the client holds and gets back only
  the integers that differ. Because the encoding is relative, inserting a line above a thousand
  matches changes one integer (the Δline of the first token below the edit): the answer is one
  edit of a few integers, and the editor re-applies a few tokens rather than a thousand.

There is one token type, ``grepMatch`` (the legend goes in the ``initialize`` result, offered only
to clients that declare ``textDocument.semanticTokens``). Editors colour it by name — in Neovim
the highlight group ``@lsp.type.grepMatch``. Empty matches (a zero-width pattern on an empty line)
are not tokens: a token has a length.

Answers are cached per document and match-index generation: asking again without an edit costs a
look-up, and a delta is computed from the one result each document last sent.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

import orjson

from grepls.document import Document
from grepls.positions import SPAN
from grepls.queries import shown_matches

TOKEN_TYPES = ["grepMatch"]
"""The legend's token types: index 0 is a match of the active pattern."""
LEGEND = {"tokenTypes": TOKEN_TYPES, "tokenModifiers": []}

_INT_BYTES = array("I").itemsize


def encode(matches: Iterable[tuple[int, SPAN]]) -> array[int]:
    """The relative encoding of (line, span) matches in document order (empty spans left out,
    and a match overlapping the one before it — another pattern's — too: tokens do not overlap)."""
    data: array[int] = array("I")
    previous_line = previous_start = previous_end = 0
    for line, (start, end) in matches:
        if end <= start or (line == previous_line and start < previous_end and data):
            continue
        if line != previous_line:
            previous_start = 0
        data.extend((line - previous_line, start - previous_start, end - start, 0, 0))
        previous_line, previous_start, previous_end = line, start, end
    return data


def _common_prefix(old: bytes, new: bytes) -> int:
    """How many leading bytes ``old`` and ``new`` share (binary search over C slice compares)."""
    low, high = 0, min(len(old), len(new))
    while low < high:
        middle = (low + high + 1) // 2
        if old[:middle] == new[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(old: bytes, new: bytes, limit: int) -> int:
    """How many trailing bytes ``old`` and ``new`` share, at most ``limit``."""
    low, high = 0, min(len(old), len(new), limit)
    while low < high:
        middle = (low + high + 1) // 2
        if old[len(old) - middle :] == new[len(new) - middle :]:
            low = middle
        else:
            high = middle - 1
    return low


def edits(old: array[int], new: array[int]) -> list[dict[str, object]]:
    """The ``SemanticTokensEdit`` list that turns ``old`` into ``new``: one edit around the part
    that differs, none when they are equal."""
    old_bytes, new_bytes = old.tobytes(), new.tobytes()
    if old_bytes == new_bytes:
        return []
    prefix = _common_prefix(old_bytes, new_bytes) // _INT_BYTES
    limit = min(len(old), len(new)) - prefix
    suffix = _common_suffix(old_bytes, new_bytes, limit * _INT_BYTES) // _INT_BYTES
    return [
        {
            "start": prefix,
            "deleteCount": len(old) - prefix - suffix,
            "data": new[prefix : len(new) - suffix].tolist(),
        }
    ]


class SemanticTokens:
    """Each document's last token result: its id, the generation it encodes, and its data."""

    def __init__(self) -> None:
        self._results: dict[str, tuple[Document, tuple[int, ...], int, str, array[int]]] = {}
        """URI → (document, its tracks' generations, cap, result id, data) last sent."""
        self._serial = 0

    def full(self, document: Document | None, uri: str, cap: int) -> bytes:
        """The JSON result of ``textDocument/semanticTokens/full``."""
        if document is None:
            self._results.pop(uri, None)
            return b'{"data":[]}'
        result_id, data = self._current(document, uri, cap)
        return b'{"resultId":"%s","data":%s}' % (result_id.encode(), orjson.dumps(data.tolist()))

    def delta(self, document: Document | None, uri: str, cap: int, previous: str) -> bytes:
        """The JSON result of ``textDocument/semanticTokens/full/delta``: edits from the result
        ``previous`` names, or every token when that result is not the one held."""
        held = self._results.get(uri)
        if document is None or held is None or held[0] is not document or held[3] != previous:
            return self.full(document, uri, cap)
        old = held[4]
        result_id, data = self._current(document, uri, cap)
        return orjson.dumps({"resultId": result_id, "edits": edits(old, data)})

    def forget(self) -> None:
        """A new pattern: every document is encoded again (clients are told to ask again)."""
        self._results.clear()

    def closed(self, uri: str) -> None:
        self._results.pop(uri, None)

    def _current(self, document: Document, uri: str, cap: int) -> tuple[str, array[int]]:
        """The result for the document as it is now, encoded once per index generation."""
        generations = tuple(track.index.generation for track in document.tracks.values())
        held = self._results.get(uri)
        if held is not None and held[0] is document and held[1:3] == (generations, cap):
            return held[3], held[4]
        self._serial += 1
        result_id = str(self._serial)
        data = encode((line, span) for line, span, _ in shown_matches(document, cap))
        self._results[uri] = (document, generations, cap, result_id, data)
        return result_id, data

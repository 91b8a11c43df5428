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

**A delta costs what the edit does.** Encoding every shown match again after each edit would make
the one-integer answer above cost O(matches) in Python. Instead, for a document with one pattern,
the last result is kept with each token's line and start, and the next one is *patched*: the match
index logs the line ranges each edit replaced (``MatchIndex.tokens_touched``); the tokens of the
replaced lines are swapped for the index's matches on the new ones, the first token below gets its
Δline again, and the rest is copied as it is (array slices: C, a few microseconds for a thousand
tokens). Tokens past the cap fall off the end; when an edit leaves fewer than ``cap`` shown, the
next ones are read from the index after the last one shown. Anything else — several patterns
(tokens of two patterns interleave and may overlap), edits that moved lines twice between two
requests, an empty match among those shown (a match that is no token) — is encoded whole.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable
from functools import partial
from itertools import chain, islice, repeat
from operator import add, lt

import orjson

from grepls.document import Document
from grepls.index import MatchIndex
from grepls.positions import SPAN
from grepls.queries import shown_matches

TOKEN_TYPES = ["grepMatch"]
"""The legend's token types: index 0 is a match of the active pattern."""
LEGEND = {"tokenTypes": TOKEN_TYPES, "tokenModifiers": []}

_INT_BYTES = array("I").itemsize

_NEAR = 256
"""Lines looked at one by one, after the last token, for the next ones to show."""


def encode(
    matches: Iterable[tuple[int, SPAN]], previous_line: int = 0, previous_start: int = 0
) -> array[int]:
    """The relative encoding of (line, span) matches in document order (empty spans left out,
    and a match overlapping the one before it — another pattern's — too: tokens do not overlap);
    ``previous_*``: the token just before them, when they continue an encoding."""
    data: array[int] = array("I")
    previous_end = 0
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


def edits(
    old: array[int], new: array[int], split: tuple[int, int] | None = None
) -> list[dict[str, object]]:
    """The ``SemanticTokensEdit`` list that turns ``old`` into ``new``: one edit around the part
    that differs, none when they are equal. ``split`` (old index, new index): the parts before and
    after these are compared apart — an edit moves the tokens below it and one falls off at the
    cap, two small edits where one would span every token in between."""
    if split is not None:
        old_at, new_at = split
        head = edits(old[:old_at], new[:new_at])
        tail = edits(old[old_at:], new[new_at:])
        for change in tail:
            change["start"] = old_at + change["start"]  # type: ignore[operator]
        if head and tail and _end(head[-1]) == tail[0]["start"]:
            # Edits that meet are one (two at one start would leave their order to the client).
            joined = head.pop()
            tail[0]["start"] = joined["start"]
            tail[0]["deleteCount"] = joined["deleteCount"] + tail[0]["deleteCount"]  # type: ignore[operator]
            tail[0]["data"] = joined["data"] + tail[0]["data"]  # type: ignore[operator]
        return head + tail
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


def _end(change: dict[str, object]) -> int:
    """Where an edit's deleted integers end."""
    start, count = change["start"], change["deleteCount"]
    assert isinstance(start, int) and isinstance(count, int)
    return start + count


class Encoded:
    """One pattern's shown tokens as last encoded, with what patching the next encoding needs."""

    __slots__ = ("data", "index", "lines", "split", "starts")

    def __init__(
        self,
        index: MatchIndex,
        lines: list[int],
        starts: list[int],
        data: array[int],
        split: tuple[int, int] | None = None,
    ):
        self.index = index
        self.lines = lines
        """Each token's line, ascending (one token a match: an encoding with empty matches is not
        kept)."""
        self.starts = starts
        """Each token's start column."""
        self.data = data
        self.split = split
        """Where the data patched from the one before is copied from it, (old, new) indices: the
        ``edits`` split."""


def encode_index(index: MatchIndex, cap: int) -> Encoded | array[int]:
    """The first ``cap`` matches of one pattern encoded whole, kept for patching when every one is
    a token; the edit log is taken from here on."""
    index.tokens_touched = []
    held = index.lines
    shown = list(islice(((line, span) for line in sorted(held) for span in held[line]), cap))
    data = encode(shown)
    if len(data) != 5 * len(shown):
        return data  # an empty match: token and match counts differ, patch nothing
    return Encoded(index, [line for line, _ in shown], [span[0] for _, span in shown], data)


def patch(kept: Encoded, cap: int) -> Encoded | array[int]:
    """The encoding of the index as it is now, from ``kept`` and the edit logged since (or
    encoded whole when the log names more than it can follow). After the edit the log may name
    lines searched past the index's horizon (no line moved): they lie below every token, so they
    are read, if at all, with the matches that follow the last one shown."""
    index = kept.index
    touched = index.tokens_touched
    if not touched or any(removed != added for _, removed, added in touched[1:]):
        return encode_index(index, cap)
    index.tokens_touched = []
    (first, removed, added), *searched_below = touched
    held, lines, starts = index.lines, kept.lines, kept.starts
    # Every match the index held was shown (and no line below was searched since).
    complete = len(lines) < cap and not searched_below
    low = bisect_left(lines, first)
    high = bisect_left(lines, first + removed)
    if not complete and low == len(lines):
        # The edit lies past the last token shown: the tokens stay, unless some must be read.
        region: list[tuple[int, SPAN]] = []
    else:
        replaced = (
            [line for line in range(first, first + added) if line in held]
            if added <= len(held)
            else sorted(line for line in held if first <= line < first + added)
        )
        region = [(line, span) for line in replaced for span in held[line]]
    shift = added - removed
    below = lines[high:]
    if shift and below:
        below = list(map(add, below, repeat(shift)))
    new_lines = lines[:low] + [line for line, _ in region] + below
    new_starts = starts[:low] + [span[0] for _, span in region] + starts[high:]
    if new_lines and any(line <= new_lines[-1] for line, _, _ in searched_below):
        return encode_index(index, cap)
    previous = (lines[low - 1], starts[low - 1]) if low else (0, 0)
    middle = encode(region, *previous)
    if len(middle) != 5 * len(region):
        return encode_index(index, cap)
    data = kept.data[: 5 * low] + middle
    split = (5 * high, len(data))
    if below:
        # The first token below is now relative to another one (the line, maybe the start).
        before_line, before_start = (
            (new_lines[low + len(region) - 1], new_starts[low + len(region) - 1])
            if low + len(region)
            else (0, 0)
        )
        line, start = below[0], starts[high]
        same = line == before_line
        data += array(
            "I",
            (
                line - before_line,
                start - before_start if same else start,
                *kept.data[5 * high + 2 : 5 * high + 5],
            ),
        )
        data += kept.data[5 * high + 5 :]
        split = (5 * high + 5, 5 * (low + len(region)) + 5)
    if len(new_lines) > cap:
        del new_lines[cap:], new_starts[cap:], data[5 * cap :]
    elif len(new_lines) < cap and not complete:
        # Tokens fell below the cap: the next matches in the index follow the last one shown.
        more = _after(held, new_lines, cap - len(new_lines))
        previous = (new_lines[-1], new_starts[-1]) if new_lines else (0, 0)
        tail = encode(more, *previous)
        if len(tail) != 5 * len(more):
            return encode_index(index, cap)
        data += tail
        new_lines += [line for line, _ in more]
        new_starts += [span[0] for _, span in more]
    return Encoded(index, new_lines, new_starts, data, split)


def _after(held: dict[int, list[SPAN]], lines: list[int], wanted: int) -> list[tuple[int, SPAN]]:
    """The ``wanted`` matches after the last token: the rest of its line (the cap may have cut it;
    its tokens are the first of its matches, a line outside an edit keeping its list), then the
    lines below it."""
    last = lines[-1] if lines else -1
    shown_on_last = len(lines) - bisect_left(lines, last)
    rest = [(last, span) for span in held.get(last, [])[shown_on_last:]]
    # Usually one match is wanted (a line deleted above lets the next one in), and it is near:
    # look at the next few lines before sorting every line the index holds.
    near = [line for line in range(last + 1, last + 1 + _NEAR) if line in held]
    if len(rest) + sum(len(held[line]) for line in near) >= wanted:
        following = near
    else:
        following = sorted(filter(partial(lt, last), held))
    below = ((line, span) for line in following for span in held[line])
    return list(islice(chain(rest, below), wanted))


class SemanticTokens:
    """Each document's last token result: its id, the generation it encodes, and its data."""

    def __init__(self) -> None:
        self._results: dict[str, tuple[Document, tuple[int, ...], int, str, array[int]]] = {}
        """URI → (document, its tracks' generations, cap, result id, data) last sent."""
        self._kept: dict[str, Encoded] = {}
        """URI → the last encoding of a one-pattern document, to patch after the next edit."""
        self._patched_from: dict[str, str] = {}
        """URI → the result id the kept encoding was patched from (its ``split`` is against it)."""
        self._serial = 0

    def full(self, document: Document | None, uri: str, cap: int) -> bytes:
        """The JSON result of ``textDocument/semanticTokens/full``."""
        if document is None:
            self.closed(uri)
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
        kept = self._kept.get(uri)
        patched = kept is not None and kept.data is data and self._patched_from.get(uri) == previous
        split = kept.split if patched and kept is not None else None
        return orjson.dumps({"resultId": result_id, "edits": edits(old, data, split)})

    def forget(self) -> None:
        """A new pattern: every document is encoded again (clients are told to ask again)."""
        self._results.clear()
        self._kept.clear()
        self._patched_from.clear()

    def closed(self, uri: str) -> None:
        self._results.pop(uri, None)
        self._kept.pop(uri, None)
        self._patched_from.pop(uri, None)

    def _current(self, document: Document, uri: str, cap: int) -> tuple[str, array[int]]:
        """The result for the document as it is now, encoded once per index generation (patched
        from the last one when the document has one pattern)."""
        generations = tuple(track.index.generation for track in document.tracks.values())
        held = self._results.get(uri)
        if held is not None and held[0] is document and held[1:3] == (generations, cap):
            return held[3], held[4]
        self._serial += 1
        result_id = str(self._serial)
        kept = self._kept.get(uri)
        encoded: Encoded | array[int]
        if len(document.tracks) != 1:
            encoded = encode((line, span) for line, span, _ in shown_matches(document, cap))
        else:
            (track,) = document.tracks.values()
            if (
                kept is not None
                and kept.index is track.index
                and held is not None
                and held[2] == cap
            ):
                encoded = patch(kept, cap)
                self._patched_from[uri] = held[3]
            else:
                encoded = encode_index(track.index, cap)
        if isinstance(encoded, Encoded):
            self._kept[uri] = encoded
            data = encoded.data
        else:
            self._kept.pop(uri, None)
            data = encoded
        self._results[uri] = (document, generations, cap, result_id, data)
        return result_id, data

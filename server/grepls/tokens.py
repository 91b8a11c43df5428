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

**The legend, and a colour per pattern.** There is one token type, ``grepMatch``, and five
modifiers: the pattern's severity (``error``, ``warning``, ``information``, ``hint`` — the one its
diagnostics have) and ``search`` for the ad-hoc search pattern. Editors colour them by name — in
Neovim ``@lsp.type.grepMatch``, then ``@lsp.typemod.grepMatch.warning`` and so on over it — so
tokens give each pattern the colour diagnostics give it. The legend goes in the ``initialize``
result (offered only to clients that declare ``textDocument.semanticTokens``) and cannot change
after it, while patterns come later (``workspace/configuration``, ``grepls.addPattern``): a type
or modifier per pattern id is not possible, and one per pattern *position* would hand a colour to
another pattern whenever one is added or removed. Severity and ``search`` mean the same thing for
the whole session.

**Overlapping matches.** Two patterns' matches may overlap (``TODO`` and ``TODO\\(\\w+\\)``). A
client that declares ``overlappingTokenSupport`` (Neovim 0.9+) gets one token per match, each with
its own modifiers, in position then pattern order. Any other client gets tokens that do not
overlap: on each line a match overlapping the token kept before it is left out, so the first in
position and pattern order wins. Empty matches (a zero-width pattern on an empty line) are not
tokens: a token has a length.

Answers are cached per document and match-index generation: asking again without an edit costs a
look-up, and a delta is computed from the one result each document last sent.

**A delta costs what the edit does, at any pattern count.** Encoding every shown match again after
each edit would make the one-integer answer above cost O(matches) in Python. Instead the last
result is kept with each token's line and start, and each pattern's shown matches' lines, and the
next one is *patched*: each match index logs the line ranges each edit replaced
(``MatchIndex.tokens_touched``; one splice reaches every pattern's index, so the logs agree);

* the tokens of the replaced lines are swapped for the tokens of the new ones;
* each pattern shows its first ``cap`` matches: one that gained matches in the edit loses its last
  ones below, one that lost some shows the next ones from its index — only the lines of those
  tokens are encoded again (a line's tokens depend on every pattern's matches on it, when tokens
  may not overlap);
* the first token after each changed part gets its Δline (and Δstart) again, and the rest stays
  as it is: the integer array is edited in place, so what lies between the changes is not
  copied at all (a change that adds or removes tokens moves what follows it: a C ``memmove``).

The line numbers below an edit all move by the same amount; they are kept in a
:class:`ShiftedLines`, which moves them in O(1) while edits come at one place. The ``edits`` of the
delta are the patched parts themselves, no comparison needed (the result patched from is edited
into the new one, so only the last result of a document can be named by a delta — which is all
the protocol asks for). Only one edit between two results is followed (after it, the log may name
only lines read on past the horizon, which each entry says it is); a log that cannot be followed
(a cut at the search horizon, a long burst, two edits between two requests, lines read on above
the last token) makes the next result be encoded whole. A request answered from the cache (no
index changed) empties the logs: the edits in them moved no token, and left in they would be
taken for the next edit's company.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from functools import partial
from itertools import chain, islice, repeat
from operator import lt

import orjson

from grepls.document import Document
from grepls.index import MatchIndex
from grepls.positions import SPAN

TOKEN_TYPES = ["grepMatch"]
"""The legend's token types: index 0 is a match of a pattern."""
TOKEN_MODIFIERS = ["error", "warning", "information", "hint", "search"]
"""The legend's modifiers: bit ``severity - 1`` is the pattern's severity (LSP's numbers, 1-4);
``search`` marks the ad-hoc search pattern."""
LEGEND = {"tokenTypes": TOKEN_TYPES, "tokenModifiers": TOKEN_MODIFIERS}

SEARCH_MODIFIER = 1 << TOKEN_MODIFIERS.index("search")

_INT_BYTES = array("I").itemsize

_NEAR = 256
"""Lines looked at one by one, after a pattern's last token, for the next ones to show."""

Token = tuple[int, int, int, int]
"""(line, start, end, modifiers)."""
Match = tuple[int, int, int, int, int]
"""(line, start, pattern order, end, modifiers): sorted, position then pattern order."""


def modifiers_for(severity: int, search: bool) -> int:
    """The modifier bits of a pattern's tokens: its severity (1 error … 4 hint), and ``search``."""
    return 1 << (severity - 1) | (SEARCH_MODIFIER if search else 0)


def tokens_of(matches: Iterable[Match], overlap: bool) -> list[Token]:
    """Sorted matches as tokens: empty ones left out and, unless tokens may ``overlap``, a match
    overlapping the token kept before it on its line."""
    tokens: list[Token] = []
    previous_line, previous_end = -1, 0
    for line, start, _, end, modifiers in matches:
        if end <= start:
            continue
        if not overlap and line == previous_line and start < previous_end:
            continue
        tokens.append((line, start, end, modifiers))
        previous_line, previous_end = line, end
    return tokens


def encode(tokens: Iterable[Token], previous_line: int = 0, previous_start: int = 0) -> array[int]:
    """The relative encoding of tokens in order; ``previous_*``: the token just before them, when
    they continue an encoding."""
    data: array[int] = array("I")
    for line, start, end, modifiers in tokens:
        if line != previous_line:
            previous_start = 0
        data.extend((line - previous_line, start - previous_start, end - start, 0, modifiers))
        previous_line, previous_start = line, start
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
    that differs, none when they are equal (for results that were not patched one from the
    other)."""
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


class ShiftedLines:
    """Ascending line numbers, of which those from index ``gap`` on are stored less ``offset``.

    An edit moves every line below it by the same amount. Stored plainly, that is a pass over all
    of them per keystroke; here it is ``offset += shift`` once the gap is at the edit, and moving
    the gap costs the entries it passes — nothing while the user types at one place.
    """

    __slots__ = ("gap", "offset", "values")

    def __init__(self, values: list[int]) -> None:
        self.values = values
        self.gap = len(values)
        self.offset = 0

    def __len__(self) -> int:
        return len(self.values)

    def at(self, index: int) -> int:
        """The line at ``index`` (``-1``: the last)."""
        if index < 0:
            index += len(self.values)
        value = self.values[index]
        return value + self.offset if index >= self.gap else value

    def bisect(self, line: int) -> int:
        """How many lines are before ``line``."""
        values, gap = self.values, self.gap
        if gap and values[gap - 1] >= line:
            return bisect_left(values, line, 0, gap)
        return bisect_left(values, line - self.offset, gap)

    def all(self) -> list[int]:
        """Every line (for tests)."""
        return [self.at(index) for index in range(len(self.values))]

    def _move_gap(self, index: int) -> None:
        values, gap, offset = self.values, self.gap, self.offset
        if offset and index > gap:
            values[gap:index] = [value + offset for value in values[gap:index]]
        elif offset and index < gap:
            values[index:gap] = [value - offset for value in values[index:gap]]
        self.gap = index

    def replace(self, low: int, high: int, lines: list[int], shift: int = 0) -> None:
        """Entries ``[low, high)`` become ``lines``, and every entry after them moves by
        ``shift``."""
        if shift or low < self.gap < high:
            self._move_gap(high)
        if high <= self.gap:
            self.values[low:high] = lines
            self.gap += len(lines) - (high - low)
        else:
            offset = self.offset
            self.values[low:high] = [line - offset for line in lines] if offset else lines
        self.offset += shift

    def drop_last(self, count: int) -> None:
        del self.values[len(self.values) - count :]
        self.gap = min(self.gap, len(self.values))

    def extend(self, lines: list[int]) -> None:
        offset = self.offset
        self.values.extend([line - offset for line in lines] if offset else lines)


class Encoded:
    """A document's tokens as last encoded, with what patching the next encoding needs."""

    __slots__ = (
        "cap",
        "changes",
        "data",
        "indices",
        "lines",
        "modifiers",
        "overlap",
        "shown",
        "starts",
    )

    def __init__(
        self,
        indices: tuple[MatchIndex, ...],
        modifiers: tuple[int, ...],
        cap: int,
        overlap: bool,
        lines: ShiftedLines,
        starts: list[int],
        data: array[int],
        shown: list[ShiftedLines],
    ):
        self.indices = indices
        """Each pattern's match index, in pattern order."""
        self.modifiers = modifiers
        """Each pattern's modifier bits."""
        self.cap = cap
        self.overlap = overlap
        self.lines = lines
        """Each token's line."""
        self.starts = starts
        """Each token's start column."""
        self.data = data
        self.shown = shown
        """Per pattern, the line of each match shown (its first ``cap``, empty ones included)."""
        self.changes: list[dict[str, object]] | None = None
        """The edits from the encoding this one was patched from (``None``: encoded whole)."""


def encode_whole(
    indices: Sequence[MatchIndex], modifiers: Sequence[int], cap: int, overlap: bool
) -> Encoded:
    """The first ``cap`` matches of each pattern encoded whole; the edit logs are taken from
    here on."""
    shown: list[ShiftedLines] = []
    matches: list[Match] = []
    for order, index in enumerate(indices):
        index.tokens_touched = []
        held = index.lines
        first = list(islice(((line, span) for line in sorted(held) for span in held[line]), cap))
        shown.append(ShiftedLines([line for line, _ in first]))
        bits = modifiers[order]
        matches.extend((line, start, order, end, bits) for line, (start, end) in first)
    if len(indices) > 1:
        matches.sort()
    tokens = tokens_of(matches, overlap)
    return Encoded(
        tuple(indices),
        tuple(modifiers),
        cap,
        overlap,
        ShiftedLines([token[0] for token in tokens]),
        [token[1] for token in tokens],
        encode(tokens),
        shown,
    )


def _line_tokens(line: int, kept: Encoded, bounds: list[tuple[int, int] | None]) -> list[Token]:
    """The tokens of one line: every pattern's matches on it that are shown (all of them above
    the pattern's last one shown, the first ones on its line)."""
    matches: list[Match] = []
    for order, index in enumerate(kept.indices):
        bound = bounds[order]
        if bound is None or line > bound[0]:
            continue
        spans = index.lines.get(line)
        if not spans:
            continue
        if line == bound[0]:
            spans = spans[: bound[1]]
        bits = kept.modifiers[order]
        matches.extend((line, start, order, end, bits) for start, end in spans)
    if len(kept.indices) > 1:
        matches.sort()
    return tokens_of(matches, kept.overlap)


def patch(kept: Encoded) -> Encoded:
    """The encoding of the indices as they are now, from ``kept`` and the edit logged since (or
    encoded whole when the logs name more than it can follow); ``kept`` is used up. After the
    edit a log may name lines searched past the index's horizon (no line moved): they lie below
    every one of its pattern's tokens, so they are read, if at all, with the matches that follow
    the last one shown."""
    indices, cap = kept.indices, kept.cap
    logs = [index.tokens_touched for index in indices]
    edit = next((log[0] for log in logs if log), None)
    if edit is None:
        return encode_whole(indices, kept.modifiers, cap, kept.overlap)
    first, removed, added, _ = edit
    for log, index in zip(logs, indices, strict=True):
        if log == [] and index.horizon is not None and index.horizon <= first:
            continue  # an edit past this pattern's horizon: its coroutine changed nothing
        # Only one edit is followed; after it, only lines read on past the horizon.
        if not log or log[0] != edit or not all(read_on for *_, read_on in log[1:]):
            return encode_whole(indices, kept.modifiers, cap, kept.overlap)
    end, shift = first + removed, edit[2] - edit[1]
    if added > len(kept.data) // 5 + cap:
        # A paste of a whole file: encoding every line of it costs what encoding all does.
        return encode_whole(indices, kept.modifiers, cap, kept.overlap)
    for index in indices:
        index.tokens_touched = []

    # Each pattern's matches shown: the edit's, what falls off at the cap or comes back.
    changed_below: set[int] = set()
    """Lines below the edit (new numbers) where a pattern shows more or fewer matches."""
    bounds: list[tuple[int, int] | None] = []
    for index, shown, log in zip(indices, kept.shown, logs, strict=True):
        if not log:  # past its horizon, where it shows nothing (its first ``cap`` lie above)
            bounds.append(
                (shown.at(-1), len(shown) - shown.bisect(shown.at(-1))) if len(shown) else None
            )
            continue
        held = index.lines
        count = len(shown)
        complete = count < cap and len(log) == 1  # every match the index held was shown
        low, high = shown.bisect(first), shown.bisect(end)
        budget = cap - low
        region: list[int] = []
        if budget > 0:
            replaced = (
                [line for line in range(first, first + added) if line in held]
                if added <= len(held)
                else sorted(line for line in held if first <= line < first + added)
            )
            for line in replaced:
                region.extend(repeat(line, len(held[line])))
            del region[budget:]
        below = count - high
        dropped = below - max(0, min(below, budget - len(region)))
        if dropped:
            changed_below.update(shown.at(at) + shift for at in range(count - dropped, count))
        shown.replace(low, high, region, shift)
        if dropped:
            shown.drop_last(dropped)
        if len(log) > 1 and len(shown) and any(line <= shown.at(-1) for line, *_ in log[1:]):
            return encode_whole(indices, kept.modifiers, cap, kept.overlap)
        if not complete and len(shown) < cap:
            more = _after(held, shown, cap - len(shown))
            changed_below.update(more)
            shown.extend(more)
        if len(shown):
            last = shown.at(-1)
            bounds.append((last, len(shown) - shown.bisect(last)))
        else:
            bounds.append(None)

    # The document's tokens: parts replaced, in old token indices, each with its new tokens.
    lines, starts = kept.lines, kept.starts
    low, high = lines.bisect(first), lines.bisect(end)
    region_tokens: list[Token] = []
    for line in range(first, first + added):
        region_tokens += _line_tokens(line, kept, bounds)
    parts: list[tuple[int, int, list[Token]]] = [(low, high, region_tokens)]
    for line in sorted(changed_below):
        old_line = line - shift
        parts.append(
            (lines.bisect(old_line), lines.bisect(old_line + 1), _line_tokens(line, kept, bounds))
        )

    data = kept.data
    changes: list[tuple[int, int, array[int]]] = []  # (old start, old end, new integers)
    copied = 0  # old tokens up to here are accounted for: kept, anchored again or replaced
    previous = (0, 0)  # the last token of the new encoding so far: its line, its start

    def moved(at: int) -> tuple[int, int]:
        """Old token ``at``'s line and start in the new encoding."""
        line = lines.at(at)
        return (line + shift if at >= high else line, starts[at])

    def replace(start: int, stop: int, integers: array[int]) -> None:
        if changes and changes[-1][1] == start:  # edits that meet are one
            changes[-1] = (changes[-1][0], stop, changes[-1][2] + integers)
        elif integers != data[start:stop]:
            changes.append((start, stop, integers))

    def keep_until(stop: int) -> None:
        nonlocal copied, previous
        if copied >= stop:
            return
        # The first token kept is relative to a token that may have changed: anchor it again.
        line, start = moved(copied)
        length, modifiers = data[5 * copied + 2], data[5 * copied + 4]
        replace(
            5 * copied,
            5 * copied + 5,
            encode([(line, start, start + length, modifiers)], *previous),
        )
        previous = moved(stop - 1)
        copied = stop

    for start, stop, tokens in parts:
        keep_until(start)
        replace(5 * start, 5 * stop, encode(tokens, *previous))
        if tokens:
            previous = (tokens[-1][0], tokens[-1][1])
        copied = stop
    keep_until(len(starts))

    kept.changes = [_trimmed(data, *change) for change in changes]
    # The data in place, the last change first (the others' indices stay right): the integers
    # between changes are not copied at all, and those after one are moved only when it changes
    # the number of tokens.
    for start, stop, integers in reversed(changes):
        data[start:stop] = integers
    # The kept lines and starts, patched the same way (parts below the edit first: their indices
    # are the old ones; their lines go in old numbers, the shift then moves them with the rest).
    for start, stop, tokens in reversed(parts[1:]):
        lines.replace(start, stop, [token[0] - shift for token in tokens])
        starts[start:stop] = [token[1] for token in tokens]
    lines.replace(low, high, [token[0] for token in region_tokens], shift)
    starts[low:high] = [token[1] for token in region_tokens]
    return kept


def _trimmed(old: array[int], start: int, stop: int, new: array[int]) -> dict[str, object]:
    """One edit, without the integers at its ends that stay as they were."""
    prefix = 0
    limit = min(stop - start, len(new))
    while prefix < limit and old[start + prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[stop - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    return {
        "start": start + prefix,
        "deleteCount": stop - start - prefix - suffix,
        "data": new[prefix : len(new) - suffix].tolist(),
    }


def _after(held: dict[int, list[SPAN]], shown: ShiftedLines, wanted: int) -> list[int]:
    """The lines of the ``wanted`` matches after a pattern's last one shown: the rest of its line
    (the cap may have cut it; the ones shown are the first of its matches, a line outside an edit
    keeping its list), then the lines below it."""
    last = shown.at(-1) if len(shown) else -1
    shown_on_last = len(shown) - shown.bisect(last)
    rest = [last] * max(0, len(held.get(last, ())) - shown_on_last)
    # Usually one match is wanted (a line deleted above lets the next one in), and it is near:
    # look at the next few lines before sorting every line the index holds.
    near = [line for line in range(last + 1, last + 1 + _NEAR) if line in held]
    if len(rest) + sum(len(held[line]) for line in near) >= wanted:
        following = near
    else:
        following = sorted(filter(partial(lt, last), held))
    below = (line for line in following for _ in held[line])
    return list(islice(chain(rest, below), wanted))


class SemanticTokens:
    """Each document's last token result: its id, the generation it encodes, and its data."""

    def __init__(self) -> None:
        self._results: dict[str, tuple[Document, tuple[int, ...], int, str, array[int]]] = {}
        """URI → (document, its tracks' generations, cap, result id, data) last sent."""
        self._kept: dict[str, Encoded] = {}
        """URI → the last encoding, to patch after the next edit."""
        self._patched_from: dict[str, str] = {}
        """URI → the result id the kept encoding was patched from (its ``changes`` are against
        it)."""
        self._serial = 0
        self._modifiers: dict[str, int] = {}
        """Pattern id → its tokens' modifier bits."""
        self._overlap = False

    def configure(self, modifiers: dict[str, int], overlap: bool) -> None:
        """New patterns (each id's modifiers), or a new session: every document is encoded again
        (clients are told to ask again)."""
        self._modifiers = modifiers
        self._overlap = overlap
        self.forget()

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
        if result_id == previous:
            return orjson.dumps({"resultId": result_id, "edits": []})
        kept = self._kept.get(uri)
        if (
            kept is not None
            and kept.data is data
            and kept.changes is not None
            and self._patched_from.get(uri) == previous
        ):
            changes = kept.changes
        else:
            changes = edits(old, data)
        return orjson.dumps({"resultId": result_id, "edits": changes})

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
        from the last one)."""
        tracks = document.tracks
        generations = tuple(track.index.generation for track in tracks.values())
        held = self._results.get(uri)
        if held is not None and held[0] is document and held[1:3] == (generations, cap):
            # No index changed since: the edits logged meanwhile moved no match, and the kept
            # encoding is the document's as it is now. Forgotten, they would be taken for the
            # next edit's company, which the patch cannot follow.
            for track in tracks.values():
                if track.index.tokens_touched:
                    track.index.tokens_touched = []
            return held[3], held[4]
        self._serial += 1
        result_id = str(self._serial)
        indices = tuple(track.index for track in tracks.values())
        modifiers = tuple(self._modifiers.get(identifier, 0) for identifier in tracks)
        kept = self._kept.get(uri)
        if (
            kept is not None
            and held is not None
            and held[0] is document
            and kept.indices == indices
            and kept.modifiers == modifiers
            and kept.cap == cap
        ):
            kept = patch(kept)
            self._patched_from[uri] = held[3]
        else:
            kept = encode_whole(indices, modifiers, cap, self._overlap)
            self._patched_from.pop(uri, None)
        self._kept[uri] = kept
        self._results[uri] = (document, generations, cap, result_id, kept.data)
        return result_id, kept.data

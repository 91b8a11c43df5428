"""Queries: what a client asks about one document's matches, answered from its match index.

* ``textDocument/documentHighlight`` — every match shown, wherever the cursor is. Editors ask on
  every cursor move, so the answer is kept until the document's matches change: a cursor move
  costs a dictionary look-up at any match count.
* ``grepls.listMatches`` — every match shown, with the text of its line (cut around the match when
  the line is very long); without a URI, every match in scope — the open documents and, with the
  workspace scope, the closed files (whose matching lines' texts are all that is kept of them) —
  files in path order.

Both list the first ``cap`` matches of each pattern, in document order and then pattern order, like
the diagnostics.

* ``grepls.matchesInLines`` — every match on lines ``[first, last)`` of one open document, of every
  pattern, **not** cut at ``cap``: what an editor paints for the lines on screen. The cap exists
  because editors digest diagnostics in proportion to their number (VS Code keeps 1,000 a file);
  a viewport is about a hundred lines, so its matches are few at any match count, and a match
  typed on line 20,000 of a file with 5,000 matches is drawn although no diagnostic carries it.
  Lines the match index holds are read from it; lines past its horizon (it stops searching after
  ``cap`` + 1 matches, see :mod:`grepls.coroutine`) are searched here, with the pattern's own
  matcher — a hundred lines' worth of work. Each pattern's count in the document comes with them,
  for a status line: the clients that paint have no diagnostics to count.
* ``grepls.nextMatch`` / ``grepls.previousMatch`` — the match of any pattern that starts nearest
  after (before) a position of one open document, wrapping around its end, also past ``cap``:
  what a jump to the next match needs when the editor holds no list of them (the clients that
  paint only the lines on screen). Read like ``matchesInLines``, a block of lines at a time
  outwards from the position, so a near match costs a near block, and a document with no match
  at all one pass over it. With it, where it stands among the document's matches ("3 of 120", as
  a find widget says), counted from the match index: a count of the matches it holds, so past
  its horizon the count is a lower bound and the place unknown — counting on would mean
  searching the rest of the document at every jump.
* ``grepls.previewPattern`` — a pattern that is not set, tried on one open document: its matches
  on lines ``[first, last)`` and its count in the document (as far as ``cap`` + 1 matches), with
  nothing set, published or told. For a pattern box that lights matches up as the pattern is
  typed, as a find widget does, before the user commits to it (which publishes, counts in every
  document and, with the workspace scope, starts a scan: too much for every character typed,
  and a half-typed ``e`` would have the user told that a document is over the cap).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from itertools import islice
from typing import Any

from grepls.compose import Shown
from grepls.document import Document, Track
from grepls.index import MatchIndex
from grepls.lines import LineStore
from grepls.matcher import Matcher
from grepls.positions import SPAN, Encoding, column_to_index
from grepls.render import highlights_json
from grepls.workspace import ClosedFile, uri_to_path

# listMatches sends each match's line; a longer line is cut to this many characters around the match
# (a 10 MB minified line with thousands of matches would otherwise make a response of gigabytes).
EXCERPT_CHARACTERS = 1000
# A closed file's lines are read again for listMatches, whatever its size now.
MAX_TEXT_READ = 1 << 30
# matchesInLines answers for a screenful or a few, not for a whole large document at once.
MOST_LINES_AT_ONCE = 10_000
# ... and at most this many matches of one pattern (a minified line may hold millions).
MOST_MATCHES_IN_LINES = 20_000
# nextMatch reads blocks of lines outwards from the position: this many first, doubling up to the
# most (small near the cursor, where the next match usually is; large for a long way without one).
FIRST_BLOCK_LINES = 256
MOST_BLOCK_LINES = 65_536
# nextMatch steps at most this many matches at once (an editor's count, as in ``3]g``).
MOST_STEPS = 100_000


class Highlights:
    """The documentHighlight answers, cached per document until its matches change."""

    def __init__(self) -> None:
        self._answers: dict[str, tuple[Document, tuple[int, ...], int, bytes]] = {}

    def answer(self, document: Document | None, uri: str, cap: int) -> bytes:
        if document is None:
            self._answers.pop(uri, None)
            return b"[]"
        held = self._answers.get(uri)
        generations = tuple(track.index.generation for track in document.tracks.values())
        if held is not None and held[0] is document and held[1:3] == (generations, cap):
            return held[3]
        answer = highlights_json((line, span) for line, span, _ in shown_matches(document, cap))
        self._answers[uri] = (document, generations, cap, answer)
        return answer

    def forget(self) -> None:
        """A new pattern: no cached answer holds."""
        self._answers.clear()

    def closed(self, uri: str) -> None:
        self._answers.pop(uri, None)


def shown_matches(document: Shown, cap: int) -> list[tuple[int, SPAN, str]]:
    """(line, span, pattern id) of the matches an editor is shown: the first ``cap`` of each
    pattern, in document order, then pattern order."""
    shown: list[tuple[int, int, int, SPAN, str]] = []
    for order, (identifier, track) in enumerate(document.tracks.items()):
        lines = track.index.lines
        first = islice(((line, span) for line in sorted(lines) for span in lines[line]), cap)
        shown.extend((line, span[0], order, span, identifier) for line, span in first)
    shown.sort()
    return [(line, span, identifier) for line, _, _, span, identifier in shown]


def list_matches(
    document: Document | ClosedFile, cap: int, encoding: Encoding
) -> list[dict[str, Any]]:
    """Every match shown in the document (or closed file), with the text of its line."""
    text_of: Callable[[int], str]
    if isinstance(document, ClosedFile):
        texts = document.texts(MAX_TEXT_READ)
        text_of = partial(_text_of, texts)
    else:
        text_of = document.lines.line  # splits no further than the line of a text just opened
    return [
        {
            "range": {
                "start": {"line": line, "character": start},
                "end": {"line": line, "character": end},
            },
            "text": excerpt(text_of(line), start, encoding),
            "pattern": identifier,
        }
        for line, (start, end), identifier in shown_matches(document, cap)
    ]


def list_scope(
    scope: Mapping[str, Document | ClosedFile],
    cap: int,
    encoding: Encoding,
    limit: int,
    with_pattern: bool,
) -> list[dict[str, Any]]:
    """Every match in scope, ``{"uri", "range", "text"[, "pattern"]}``, files in path order, at
    most ``limit`` of them."""

    def path_order(uri: str) -> tuple[str, str]:
        return (uri_to_path(uri) or "", uri)

    listed: list[dict[str, Any]] = []
    for uri in sorted(scope, key=path_order):
        for match in list_matches(scope[uri], cap, encoding):
            if not with_pattern:
                del match["pattern"]
            listed.append({"uri": uri, **match})
            if len(listed) >= limit:
                return listed
    return listed


def matches_in_lines(document: Document, first: int, last: int) -> dict[str, Any]:
    """``{"version", "matches": {pattern id: [line, start, end, line, start, end, ...]}, "counts":
    [{"id", "pattern", "matches", "complete"}, ...]}``: every match on lines ``[first, last)``
    (clipped to the document), per pattern in pattern order, in document order, in client
    columns; flat triples because a viewport is painted, not read. With them, each pattern's count
    in the whole document, in pattern order, for a status line — the match index's, so a lower
    bound (``complete`` false) past the cap."""
    last = min(last, len(document.lines))
    matches: dict[str, list[int]] = {}
    counts: list[dict[str, Any]] = []
    for identifier, track in document.tracks.items():
        flat: list[int] = []
        for line, spans in _spans_in_lines(
            track, document.lines, first, last, MOST_MATCHES_IN_LINES
        ):
            for start, end in spans[: MOST_MATCHES_IN_LINES - len(flat) // 3]:
                flat += (line, start, end)
        matches[identifier] = flat
        counts.append(
            {
                "id": identifier,
                "pattern": track.matcher.spec.pattern,
                "matches": track.index.count,
                "complete": track.index.exact,
            }
        )
    return {"version": document.version, "matches": matches, "counts": counts}


def preview(
    document: Document, matcher: Matcher, first: int, last: int, cap: int
) -> dict[str, Any]:
    """``{"version", "matches": [line, start, end, ...], "count", "complete"}``: a pattern that is
    not set — one being typed — tried on one document, changing nothing. Its matches on lines
    ``[first, last)`` (clipped to the document), flat like ``matchesInLines``'s, and its count in
    the whole document, searched as far as ``cap`` + 1 matches: ``complete`` says whether the search
    reached the end (the count is the document's) or stopped past the cap (the count is a lower
    bound, a find widget's "1001+"), as the match index counts."""
    last = min(last, len(document.lines))
    flat: list[int] = []
    if first < last:
        read = document.lines.read(first, last - first)
        found = matcher.scan.lines(read.texts, MOST_MATCHES_IN_LINES)
        for offset, spans in sorted(found.matches.items()):
            for start, end in spans[: MOST_MATCHES_IN_LINES - len(flat) // 3]:
                flat += (first + offset, start, end)
    whole = document.lines.everything()
    counted = matcher.scan(whole.texts, whole.tail, cap)
    complete = counted.searched == counted.lines and not counted.cut
    return {
        "version": document.version,
        "matches": flat,
        "count": counted.count if complete else min(counted.count, cap + 1),
        "complete": complete,
    }


def neighbour_match(
    document: Document,
    line: int,
    character: int,
    encoding: Encoding,
    forward: bool,
    count: int = 1,
) -> dict[str, Any] | None:
    """The ``count``-th match, of any pattern, that starts after ``(line, character)``
    (``forward``) or before it; past the document's end it wraps around (``"wrapped": true``).
    ``{"version", "range", "pattern"}`` in client columns, or None when the document holds no
    match. Ties at a position go to the first pattern (the diagnostics' order)."""
    if len(document.lines) == 0:
        return None
    cursor = document.client_position(line, character, encoding)
    # One round of the document's match positions from the cursor, as far as the count goes;
    # a count longer than the round goes round again, landing where count modulo the round does.
    walked = list(islice(_round(document, cursor, forward), count))
    if not walked:
        return None
    landed = walked[-1] if len(walked) == count else walked[(count - 1) % len(walked)]
    at_line, start, end, identifier, wrapped = landed
    wrapped = wrapped or len(walked) < count
    indexes = [track.index for track in document.tracks.values()]
    # Counted as they are stepped through, as a find widget counts: one a position, however
    # many patterns match there (a kept TODO and a search for TODO are one place, not two).
    places = _places(document)
    return {
        "version": document.version,
        "range": {
            "start": {"line": at_line, "character": start},
            "end": {"line": at_line, "character": end},
        },
        "pattern": identifier,
        "wrapped": wrapped,
        "index": _ordinal(document, places, (at_line, start)),
        "matches": len(places),
        "complete": all(index.exact for index in indexes),
    }


def _round(
    document: Document, cursor: tuple[int, int], forward: bool
) -> Iterator[tuple[int, int, int, str, bool]]:
    """The document's matches from ``cursor`` on (back), one per position (the first pattern's),
    once round, wrapping around its end: (line, start, end, pattern id, whether it wrapped)."""
    line, total = cursor[0], len(document.lines)
    if forward:
        after = _ordered(document, range(line, total), lambda at: at > cursor, forward)
        then = _ordered(document, range(0, line + 1), lambda at: at <= cursor, forward)
    else:
        after = _ordered(document, range(line, -1, -1), lambda at: at < cursor, forward)
        then = _ordered(document, range(total - 1, line - 1, -1), lambda at: at >= cursor, forward)
    yield from ((*hit, False) for hit in after)
    yield from ((*hit, True) for hit in then)


def _ordered(
    document: Document, lines: range, wanted: Callable[[tuple[int, int]], bool], forward: bool
) -> Iterator[_Found]:
    """The matches at ``wanted`` positions on ``lines``, in their order, read a block at a time:
    one per position, the first pattern's (its order either way)."""
    for block in _blocks(lines):
        hits = [hit for hit in _matches_in(document, block) if wanted(hit[:2])]
        if forward:
            hits.sort()
        else:  # from the last position back; at one position, still the first pattern first
            hits.sort(key=lambda hit: (-hit[0], -hit[1], hit[2]))
        last = None
        for line, start, _, end, identifier in hits:
            if (line, start) != last:
                last = line, start
                yield line, start, end, identifier


def _places(document: Document) -> set[tuple[int, int]]:
    """Where the match indexes hold a match start, of any pattern: (line, start)."""
    return {
        (line, start)
        for track in document.tracks.values()
        for line, spans in track.index.lines.items()
        for start, _ in spans
    }


def _ordinal(
    document: Document, places: set[tuple[int, int]], position: tuple[int, int]
) -> int | None:
    """Where the match at ``position`` (line, start) comes among the document's match
    positions (``places``), from 1; None when it lies past where a pattern's match index holds
    every match (the matches before it are not all counted)."""
    line, column = position
    if not all(track.index.holds_all_before(line, column) for track in document.tracks.values()):
        return None
    return sum(place < position for place in places) + 1


_Found = tuple[int, int, int, str]
"""(line, start, end, pattern id) of one match."""


def _blocks(lines: range) -> list[range]:
    """``lines`` (a step of 1 or -1) cut into blocks that grow from FIRST_BLOCK_LINES to
    MOST_BLOCK_LINES, in the range's order; each block is ascending."""
    blocks: list[range] = []
    size, position, remaining = FIRST_BLOCK_LINES, 0, len(lines)
    while position < remaining:
        taken = lines[position : position + size]
        blocks.append(taken if taken.step > 0 else range(taken[-1], taken[0] + 1))
        position += size
        size = min(size * 2, MOST_BLOCK_LINES)
    return blocks


def _matches_in(document: Document, block: range) -> list[tuple[int, int, int, int, str]]:
    """(line, start, pattern order, end, id) of every match on the lines of ``block``."""
    found: list[tuple[int, int, int, int, str]] = []
    for order, (identifier, track) in enumerate(document.tracks.items()):
        # Every match, however many a line holds (a minified file's): the nearest may be past
        # the first MOST_MATCHES_IN_LINES.
        for line, spans in _spans_in_lines(track, document.lines, block.start, block.stop, None):
            found.extend((line, start, order, end, identifier) for start, end in spans)
    return found


def _spans_in_lines(
    track: Track, lines: LineStore, first: int, last: int, most: int | None
) -> list[tuple[int, list[SPAN]]]:
    """(line, spans) of one pattern's matches on lines ``[first, last)``, in line order: all of
    them, or (``most``) at least the first ``most`` of those the index does not hold."""
    index = track.index
    held_until = min(last, _exact_until(index))
    held = index.lines
    spans = (
        [(line, held[line]) for line in range(first, held_until) if line in held]
        if held_until - first <= len(held)
        else sorted((line, s) for line, s in held.items() if first <= line < held_until)
    )
    start = max(first, held_until)
    if start < last:  # past the index's horizon: search these lines now
        read = lines.read(start, last - start)
        found = track.matcher.scan.lines(read.texts, most)
        spans += sorted((start + offset, s) for offset, s in found.matches.items())
    return spans


def _exact_until(index: MatchIndex) -> int:
    """The first line from which the index may not hold every match (a large number when it holds
    them all): a line cut short (more matches than kept), or the horizon."""
    held_until = index.held_until
    return 1 << 62 if held_until is None else held_until


def _text_of(texts: Mapping[int, str] | list[str], line: int) -> str:
    """A line's text ("" for a closed file's line that changed on disk since it was searched)."""
    if isinstance(texts, list):
        return texts[line] if line < len(texts) else ""
    return texts.get(line, "")


def excerpt(text: str, column: int, encoding: Encoding) -> str:
    """The line of a match, or for a very long line the part around the match, marked with "…"."""
    if len(text) <= EXCERPT_CHARACTERS:
        return text
    index = column_to_index(text, column, encoding)
    first = max(0, min(index - EXCERPT_CHARACTERS // 4, len(text) - EXCERPT_CHARACTERS))
    last = first + EXCERPT_CHARACTERS
    return ("…" if first else "") + text[first:last] + ("…" if last < len(text) else "")

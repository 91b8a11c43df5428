"""An open document: its lines, its version, and one track per pattern — a match index and the grep
coroutine that feeds it.

This is where one keystroke goes straight through: a content change is turned from client columns
into a code-point edit, applied to the :class:`~grepls.lines.LineStore`, and the resulting
:class:`~grepls.lines.Splice` — only the touched lines — is sent to
:func:`~grepls.coroutine.broadcast`, which sends it on to each pattern's :class:`Track`, whose
:func:`~grepls.coroutine.grep` coroutine updates that pattern's :class:`~grepls.index.MatchIndex`.
Nothing here looks at lines the edit did not touch.

A track is also where its pipeline is kept alive. The coroutine reads only what it is sent; when it
asks to read on past its horizon (see :mod:`grepls.coroutine`), the track sends it those lines from
the store. A generator that raises is finished for good — every later ``.send()`` would raise
``StopIteration`` and the pattern's matches would freeze — so any failure while feeding it is
logged, and the coroutine is rebuilt from the line store and sent every line; if that fails too,
the pattern shows no matches in this document (until it is bound again) rather than wrong ones.
One pattern's failure never stops the others.

A text just opened waits to be split (see :mod:`grepls.lines`): whoever runs the event loop calls
:meth:`Document.split_some` until :attr:`Document.split_pending` is false, after the first publish.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass

from grepls.coroutine import Grep, broadcast, grep
from grepls.index import MatchIndex
from grepls.lines import LineStore, ReadOn, Splice
from grepls.matcher import Matcher
from grepls.positions import Encoding, column_to_index, index_to_column
from grepls.sieve import sieve_for

logger = logging.getLogger(__name__)

# How many lines past the horizon to send at a time when the coroutine asks to read on.
READ_ON_LINES = 4096


@dataclass(frozen=True, slots=True)
class Change:
    """One content change, as the client sent it: a range in client columns, or the whole text."""

    text: str
    range: tuple[int, int, int, int] | None = None
    """(start line, start column, end line, end column); ``None`` replaces the whole document."""


class Track:
    """One pattern's search of one document: its matcher, its match index, its grep coroutine."""

    __slots__ = ("_lines", "_uri", "grep", "index", "limit", "matcher")

    matcher: Matcher
    limit: int
    """The coroutine searches as far as ``limit`` + 1 matches (see :mod:`grepls.coroutine`)."""
    index: MatchIndex
    grep: Grep | None
    """The live coroutine; ``None`` once closed, or after it failed twice."""

    def __init__(
        self, uri: str, lines: LineStore, matcher: Matcher, limit: int, everything: Splice
    ) -> None:
        """Start the coroutine and send it ``everything``: every line of ``lines``."""
        self._uri = uri
        self._lines = lines
        self.matcher = matcher
        self.limit = limit
        self.index = MatchIndex()
        self.grep = grep(matcher, self.index, limit)
        self.send(everything)

    def send(self, splice: Splice) -> None:
        """Feed a splice, and the lines the coroutine then asks for; contain any failure."""
        if self.grep is None:
            return
        try:
            self._send(splice)
        except Exception:
            logger.exception("grep failed on %s: searching its lines again", self._uri)
            self._restart()

    def _send(self, message: Splice | ReadOn) -> None:
        grep = self.grep
        assert grep is not None
        wanted = grep.send(message)
        while wanted is not None:
            wanted = grep.send(self._lines.read(wanted, READ_ON_LINES))

    def _restart(self) -> None:
        """Rebuild the coroutine from the line store (the failed one is finished for good)."""
        self.grep = None
        self.index.clear()
        try:
            self.grep = grep(self.matcher, self.index, self.limit)
            self._send(self._lines.everything())
        except Exception:
            logger.exception("grep failed again on %s: it shows no matches", self._uri)
            self.grep = None
            self.index.clear()

    def close(self) -> None:
        """Close the coroutine, which empties the index."""
        if self.grep is not None:
            self.grep.close()
            self.grep = None


class Document:
    """One open document."""

    __slots__ = ("_fanout", "lines", "tracks", "uri", "version")

    uri: str
    version: int | None
    lines: LineStore
    tracks: dict[str, Track]
    """Pattern id → its track, in pattern order."""
    _fanout: Generator[None, Splice, None] | None
    """Sends each splice to every track; ``None`` while there is none."""

    def __init__(self, uri: str, version: int | None, text: str) -> None:
        self.uri = uri
        self.version = version
        self.lines = LineStore(text)
        self.tracks = {}
        self._fanout = None

    def bind(self, patterns: Sequence[tuple[str, Matcher]], limit: int) -> None:
        """Search for exactly ``patterns`` (id, matcher), in that order, ``limit`` matches each.

        A track whose pattern and limit are unchanged goes on as it is; the others are closed, and
        new ones are started and sent every line — sifted once for all of them (see
        :mod:`grepls.sieve`) when there are several.
        """
        old = self.tracks
        kept: dict[str, Track] = {}
        for identifier, matcher in patterns:
            track = old.pop(identifier, None)
            if track is not None and (track.matcher is not matcher or track.limit != limit):
                track.close()
                track = None
            if track is not None:
                kept[identifier] = track
        for track in old.values():
            track.close()
        everything = self.lines.everything()
        sieve = sieve_for([matcher for identifier, matcher in patterns if identifier not in kept])
        if sieve is not None:
            everything = sieve.sift(everything)
        tracks: dict[str, Track] = {}
        for identifier, matcher in patterns:
            tracks[identifier] = kept.get(identifier) or Track(
                self.uri, self.lines, matcher, limit, everything
            )
        self.tracks = tracks
        if self._fanout is not None:
            self._fanout.close()
        self._fanout = broadcast(list(tracks.values())) if tracks else None

    def apply(self, changes: Iterable[Change], encoding: Encoding) -> None:
        """Apply content changes in order, sending each splice to every pattern's track."""
        lines = self.lines
        for change in changes:
            if change.range is None:
                splice = lines.reset(change.text)
            else:
                start_line, start_column, end_line, end_column = change.range
                start = self._position(start_line, start_column, encoding)
                end = self._position(end_line, end_column, encoding)
                splice = lines.replace(start, end, change.text)
            if self._fanout is not None:
                self._fanout.send(splice)

    @property
    def split_pending(self) -> bool:
        """Whether some of the text just opened is not split into lines yet."""
        return self.lines.split_pending

    def split_some(self) -> bool:
        """Split a few milliseconds' worth of the text just opened; return whether more remain."""
        return self.lines.split_some()

    def close(self) -> None:
        """Close every track's coroutine, which empties its index."""
        self.bind((), 0)

    def client_position(self, line: int, column: int, encoding: Encoding) -> tuple[int, int]:
        """A position as a client sent it, made one of the text's, still in client columns: a line
        past the last is the document's end, a column past its line's end is that end, a column
        inside a character is the character's start — as an edit's positions are taken."""
        line, index = self._position(line, column, encoding)
        return line, index_to_column(self.lines.line(line), index, encoding)

    def _position(self, line: int, column: int, encoding: Encoding) -> tuple[int, int]:
        if line < 0:
            return 0, 0
        try:
            text = self.lines.line(line)
        except IndexError:
            # Past the end: the end of the document, as VS Code clamps it.
            last = len(self.lines) - 1
            return last, len(self.lines.line(last))
        return line, column_to_index(text, column, encoding)

"""An open document: its lines, its version, its match index and the grep coroutine that feeds it.

This is where one keystroke goes straight through: a content change is turned from client columns
into a code-point edit, applied to the :class:`~grepls.lines.LineStore`, and the resulting
:class:`~grepls.lines.Splice` — only the touched lines — is sent to the document's
:func:`~grepls.coroutine.grep` coroutine, which updates the :class:`~grepls.index.MatchIndex`.
Nothing here looks at lines the edit did not touch.

The document is also where the pipeline is kept alive. The coroutine reads only what it is sent;
when it asks to read on past its horizon (see :mod:`grepls.coroutine`), the document sends it those
lines from the store. A generator that raises is finished for good — every later ``.send()`` would
raise ``StopIteration`` and the document would freeze with stale matches — so any failure while
feeding it is logged, and the coroutine is rebuilt from the line store and sent every line; if
that fails too, the document shows no matches (until the pattern changes) rather than wrong ones.

A text just opened waits to be split (see :mod:`grepls.lines`): whoever runs the event loop calls
:meth:`Document.split_some` until :attr:`Document.split_pending` is false, after the first publish.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from grepls.coroutine import Grep, grep
from grepls.index import MatchIndex
from grepls.lines import LineStore, ReadOn, Splice
from grepls.matcher import Matcher
from grepls.positions import Encoding, column_to_index
from grepls.settings import DEFAULT_MAX_MATCHES

logger = logging.getLogger(__name__)

# How many lines past the horizon to send at a time when the coroutine asks to read on.
READ_ON_LINES = 4096


@dataclass(frozen=True, slots=True)
class Change:
    """One content change, as the client sent it: a range in client columns, or the whole text."""

    text: str
    range: tuple[int, int, int, int] | None = None
    """(start line, start column, end line, end column); ``None`` replaces the whole document."""


class Document:
    """One open document."""

    __slots__ = (
        "_limit",
        "_matcher",
        "capped_announced",
        "grep",
        "index",
        "lines",
        "published",
        "uri",
        "version",
    )

    uri: str
    version: int | None
    lines: LineStore
    index: MatchIndex
    grep: Grep | None
    """The live coroutine bound to the current pattern; ``None`` while no pattern is set."""
    published: int
    """The index generation last pushed to the client (-1: never)."""
    capped_announced: bool
    """Whether the user has been told that this document has more matches than are shown."""
    _matcher: Matcher | None
    _limit: int

    def __init__(self, uri: str, version: int | None, text: str) -> None:
        self.uri = uri
        self.version = version
        self.lines = LineStore(text)
        self.index = MatchIndex()
        self.grep = None
        self.published = -1
        self.capped_announced = False
        self._matcher = None
        self._limit = DEFAULT_MAX_MATCHES

    def bind(self, matcher: Matcher | None, limit: int = DEFAULT_MAX_MATCHES) -> None:
        """Close the old pattern's coroutine; start one for ``matcher``, send it every line.

        Beyond ``limit`` matches the coroutine stops searching (see :mod:`grepls.coroutine`).
        """
        self.close()
        self.capped_announced = False
        self._matcher = matcher
        self._limit = limit
        if matcher is not None:
            self._start()

    def apply(self, changes: Iterable[Change], encoding: Encoding) -> None:
        """Apply content changes in order, feeding each splice to the coroutine."""
        lines = self.lines
        for change in changes:
            if change.range is None:
                splice = lines.reset(change.text)
            else:
                start_line, start_column, end_line, end_column = change.range
                start = self._position(start_line, start_column, encoding)
                end = self._position(end_line, end_column, encoding)
                splice = lines.replace(start, end, change.text)
            if self.grep is not None:
                self._feed(splice)

    @property
    def split_pending(self) -> bool:
        """Whether some of the text just opened is not split into lines yet."""
        return self.lines.split_pending

    def split_some(self) -> bool:
        """Split a few milliseconds' worth of the text just opened; return whether more remain."""
        return self.lines.split_some()

    @property
    def split_pending(self) -> bool:
        return self.lines.unsplit is not None

    def split_some(self) -> bool:
        self.lines.split()
        return False

    def close(self) -> None:
        """Close the coroutine, which empties the index."""
        if self.grep is not None:
            self.grep.close()
            self.grep = None

    # -- the pipeline --------------------------------------------------------------------------

    def _start(self) -> None:
        """A new coroutine for the bound pattern, sent every line."""
        assert self._matcher is not None
        self.grep = grep(self._matcher, self.index, self._limit)
        self._feed(self.lines.everything())

    def _feed(self, splice: Splice) -> None:
        """Send a splice, and the lines the coroutine then asks for; contain any failure."""
        try:
            self._send(splice)
        except Exception:
            logger.exception("grep failed on %s: searching its lines again", self.uri)
            self._restart()

    def _send(self, message: Splice | ReadOn) -> None:
        grep = self.grep
        assert grep is not None
        wanted = grep.send(message)
        while wanted is not None:
            wanted = grep.send(self.lines.read(wanted, READ_ON_LINES))

    def _restart(self) -> None:
        """Rebuild the coroutine from the line store (the failed one is finished for good)."""
        self.grep = None
        self.index.clear()
        assert self._matcher is not None
        try:
            self.grep = grep(self._matcher, self.index, self._limit)
            self._send(self.lines.everything())
        except Exception:
            logger.exception("grep failed again on %s: it shows no matches", self.uri)
            self.grep = None
            self.index.clear()

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

"""The documents registry: every open document, opened, changed, closed and bound here.

A document is opened with its whole text and bound to the patterns in force at once, so its first
matches are found before anything else happens to it. A large text opened with ``\\n`` breaks is
searched whole and split into lines *after* the first publish, a slice at a time from the event
loop, so that neither the publish nor a keystroke that arrives meanwhile waits for a million lines
to be split (see :class:`~grepls.lines.LineStore`).

After a large load the registry also *settles memory*: it freezes the surviving objects, so that
full garbage collections stop walking a million line strings on every keystroke (they made the
latency tail), and hands the freed transient buffers — the message, the joined text — back to the
system.

Deferred work runs from the running event loop; without one (a test driving the registry
directly) there is nothing to defer to, and lines are split when first needed, as always.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence

from grepls.document import Change, Document
from grepls.matcher import Matcher
from grepls.positions import Encoding
from grepls.settings import DEFAULT_MAX_MATCHES

logger = logging.getLogger(__name__)

# After loading this many characters, or binding documents of this many lines, settle the memory.
_LARGE_DOCUMENT_CHARACTERS = 400_000
_LARGE_DOCUMENT_LINES = 10_000

try:
    _LIBC: ctypes.CDLL | None = ctypes.CDLL("libc.so.6")
except OSError:  # not glibc: nothing to trim
    _LIBC = None


class Documents(Mapping[str, Document]):
    """The open documents, by URI, each bound to the patterns in force."""

    patterns: Sequence[tuple[str, Matcher]]
    """The patterns in force, compiled, in order: (id, matcher)."""
    limit: int
    """How many matches each coroutine searches for before it stops (the cap)."""

    def __init__(self) -> None:
        self._documents: dict[str, Document] = {}
        self.patterns = ()
        self.limit = DEFAULT_MAX_MATCHES
        self._settle_scheduled = False

    def __getitem__(self, uri: str) -> Document:
        return self._documents[uri]

    def __iter__(self) -> Iterator[str]:
        return iter(self._documents)

    def __len__(self) -> int:
        return len(self._documents)

    def open(self, uri: str, version: int | None, text: str) -> Document:
        """Open (or reopen) ``uri`` with ``text`` and search it."""
        old = self._documents.pop(uri, None)
        if old is not None:
            old.close()
        document = Document(uri, version, text)
        self._documents[uri] = document
        document.bind(self.patterns, self.limit)
        if document.split_pending:
            # The first matches were found in the whole text: publish them, then split it.
            _soon(lambda: self._split(document))
        if len(text) >= _LARGE_DOCUMENT_CHARACTERS:
            self._settle_memory_soon()
        return document

    def _split(self, document: Document) -> None:
        """Split a slice of a text kept whole, and come back for the next while any is left."""
        if self._documents.get(document.uri) is document and document.split_some():
            _soon(lambda: self._split(document))

    def change(
        self, uri: str, version: int | None, changes: list[Change], encoding: Encoding
    ) -> bool:
        """Apply an edit; return False (and log it) if ``uri`` is not open."""
        document = self._documents.get(uri)
        if document is None:
            logger.warning("didChange for %s, which is not open: ignored", uri)
            return False
        document.apply(changes, encoding)
        document.version = version
        return True

    def close(self, uri: str) -> bool:
        """Close ``uri``; return whether it was open."""
        document = self._documents.pop(uri, None)
        if document is None:
            return False
        document.close()
        return True

    def bind(
        self,
        patterns: Sequence[tuple[str, Matcher]],
        limit: int,
        bound: Callable[[str], None] | None = None,
    ) -> None:
        """Search every document for exactly ``patterns``, up to ``limit`` matches each (only the
        patterns that are new, or whose matcher or limit changed, are searched again), calling
        ``bound`` with each document's URI as soon as it is searched: it can be shown while the
        client reads it and the next is searched, instead of after every other one."""
        self.patterns = tuple(patterns)
        self.limit = limit
        large = False
        for uri, document in self._documents.items():
            document.bind(self.patterns, limit)
            large = large or len(document.lines) >= _LARGE_DOCUMENT_LINES
            if bound is not None:
                bound(uri)
        if large:
            self._settle_memory_soon()

    def matches(self, pattern: str) -> tuple[int, bool]:
        """How many matches of ``pattern`` the open documents hold, and whether that is exact
        (no document stopped searching at its cap)."""
        count, exact = 0, True
        for document in self._documents.values():
            track = document.tracks.get(pattern)
            if track is not None:
                count += track.index.count
                exact = exact and track.index.exact
        return count, exact

    def _settle_memory_soon(self) -> None:
        """Settle memory once the message being handled — maybe a whole document — is freed."""
        if self._settle_scheduled:
            return

        def settle() -> None:
            self._settle_scheduled = False
            gc.freeze()
            if _LIBC is not None:
                _LIBC.malloc_trim(0)

        self._settle_scheduled = _soon(settle)


def _soon(callback: Callable[[], None]) -> bool:
    """Run ``callback`` from the event loop once the message being handled is done; return
    whether it was scheduled (not without a running loop)."""
    try:
        asyncio.get_running_loop().call_soon(callback)
    except RuntimeError:
        return False
    return True

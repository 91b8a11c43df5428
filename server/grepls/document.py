"""An open document: its lines, its version, its match index and the grep coroutine that feeds it.

This is where one keystroke goes straight through: a content change is turned from client columns
into a code-point edit, applied to the :class:`~grepls.lines.LineStore`, and the resulting
:class:`~grepls.lines.Splice` — only the touched lines — is sent to the document's
:func:`~grepls.coroutine.grep` coroutine, which updates the :class:`~grepls.index.MatchIndex`.
Nothing here looks at lines the edit did not touch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from grepls.coroutine import Grep, grep
from grepls.index import MatchIndex
from grepls.lines import LineStore, Splice
from grepls.pattern import Matcher
from grepls.positions import Encoding, column_to_index
from grepls.settings import DEFAULT_MAX_MATCHES


@dataclass(frozen=True, slots=True)
class Change:
    """One content change, as the client sent it: a range in client columns, or the whole text."""

    text: str
    range: tuple[int, int, int, int] | None = None
    """(start line, start column, end line, end column); ``None`` replaces the whole document."""


class Document:
    """One open document."""

    __slots__ = ("capped_announced", "grep", "index", "lines", "published", "uri", "version")

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

    def __init__(self, uri: str, version: int | None, text: str) -> None:
        self.uri = uri
        self.version = version
        self.lines = LineStore(text)
        self.index = MatchIndex()
        self.grep = None
        self.published = -1
        self.capped_announced = False

    def bind(self, matcher: Matcher | None, limit: int = DEFAULT_MAX_MATCHES) -> None:
        """Close the old pattern's coroutine; start one for ``matcher``, send it every line.

        Beyond ``limit`` matches the coroutine stops searching (see :mod:`grepls.coroutine`).
        """
        if self.grep is not None:
            self.grep.close()
            self.grep = None
        self.capped_announced = False
        if matcher is not None:
            self.grep = grep(matcher, self.index, self.lines, limit)
            whole = self.lines.unsplit
            if whole is not None and matcher.searches_whole_text:
                # Just opened: search the text before splitting it.
                self.grep.send(Splice(0, 0, [], whole))
            else:
                self.grep.send(Splice(0, 0, self.lines.texts))

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
                self.grep.send(splice)

    def _position(self, line: int, column: int, encoding: Encoding) -> tuple[int, int]:
        texts = self.lines.texts
        if line < 0:
            return 0, 0
        if line >= len(texts):
            # Past the end: the end of the document, as VS Code clamps it.
            return len(texts) - 1, len(texts[-1])
        return line, column_to_index(texts[line], column, encoding)

    @property
    def split_pending(self) -> bool:
        return self.lines.unsplit is not None

    def split_some(self) -> bool:
        self.lines.split()
        return False

    def close(self) -> None:
        if self.grep is not None:
            self.grep.close()
            self.grep = None

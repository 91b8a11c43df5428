"""Files on disk, read the way an editor would show them, searched the way open documents are.

A file the workspace scope searches is never opened in the editor, so grepls reads it itself, and
must see the same lines the editor would: a file opened later shows the very same matches.

* **Read** (:func:`read_file`): the bytes of a regular file, without following a symbolic link
  (a link out of the workspace is never read), unless it is larger than ``maxFileSize``. A scan
  reads in the scan worker's process (:mod:`grepls.scan_worker`), a single file searched again on
  the event loop.
* **Decode** (:func:`decode`): a NUL byte in the first 8 KB marks a binary file, as ripgrep and git
  decide; it is skipped. The rest is UTF-8 (a byte-order mark dropped, as editors drop it); bytes
  that are not UTF-8 become U+FFFD, as VS Code shows them, so no line, and no column before them,
  moves.
* **Search** (:func:`search`): the text is split at LSP's line breaks exactly as
  :mod:`grepls.lines` splits an open document — a text broken by ``\\n`` alone is not split at all,
  but scanned whole (the scan's ``tail``), like a document just opened — and each pattern's
  :class:`~grepls.matcher.Matcher` scans it with the same :mod:`grepls.scan` strategy, as far as the
  per-document cap. What is kept is only each matching line's spans, never the text: ``listMatches``
  reads the lines it shows again (:func:`line_texts`), which keeps memory to the matches.
* **Search the bytes** (:class:`FileSearch`): most files are valid UTF-8 broken by ``\\n`` alone,
  and for those decoding the whole file is wasted work — a pattern's multi-line search
  (:attr:`~grepls.matcher.Matcher.bulk`, which never crosses a ``\\n``) runs over the bytes as
  read, line numbers are counted with ``bytes.count``, and only the lines it hits are decoded and
  given to the matcher, which finds their matches exactly as on an open document's line. Any other
  file — a ``\\r`` in it, bytes that are not UTF-8, a pattern that can match the empty string or
  must go line by line, more matches than the per-document cap — is decoded and searched as above.
  Either way the search goes a piece of whole lines at a time (:meth:`FileSearch.step`), so that
  the caller can answer the editor between pieces of a large file.

Anything that goes wrong with one file — it vanished, it cannot be read, it is a directory now —
is a :data:`Skip` reason (or ``None`` text: binary), counted by the caller and never raised.
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from grepls.engine import Compiled, Search, error, escape
from grepls.lines import split_lines
from grepls.matcher import Matcher
from grepls.positions import SPAN
from grepls.scan import Found

PIECE_BYTES = 1 << 16
"""A file is searched this much (in whole lines) per :meth:`FileSearch.step`."""
BINARY_PROBE = 8192
"""A NUL byte in this many first bytes marks a binary file (ripgrep and git look as far)."""

Skip = Literal["large", "unreadable"]
"""Why a file was not read (a ``str``, where a file read is ``bytes``)."""

_BOM = "\ufeff"
_BOM_BYTES = _BOM.encode("utf-8")


def read_file(path: str, max_size: int) -> bytes | Skip:
    """The bytes of the regular file at ``path`` (a link is not followed), or why not."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return "unreadable"
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            return "unreadable"
        if status.st_size > max_size:
            return "large"
        # As much as the file holds (not maxFileSize: most files are far smaller), then on to
        # the end, in case it grew meanwhile.
        parts = [os.read(descriptor, status.st_size + 1)]
        read = len(parts[0])
        while parts[-1] and read <= max_size:
            parts.append(os.read(descriptor, max_size + 1 - read))
            read += len(parts[-1])
    except OSError:
        return "unreadable"
    finally:
        os.close(descriptor)
    if read > max_size:
        return "large"
    return parts[0] if not parts[-1] and len(parts) <= 2 else b"".join(parts)


def decode(data: bytes) -> str | None:
    """A file's text, or ``None`` for a binary file."""
    if b"\0" in data[:BINARY_PROBE]:
        return None
    text = data.decode("utf-8", "replace")
    return text[1:] if text.startswith(_BOM) else text


@dataclass(frozen=True, slots=True)
class FileMatches:
    """One pattern's matches in one file on disk — what a match index holds for an open one."""

    lines: dict[int, list[SPAN]]
    """Line number → its matches in client columns (lines without matches absent)."""
    count: int
    exact: bool
    """Whether every match in the file is held (none past the per-document cap)."""
    generation: int
    """Unique to this search of this file: a re-search is a new result (a new result id)."""


def search(text: str, matchers: list[tuple[str, Matcher]], limit: int) -> dict[str, Found]:
    """Each pattern's matches in ``text``, as far as ``limit`` + 1."""
    if "\r" in text:
        texts, tail = split_lines(text)[0], None
    else:
        texts, tail = [], text
    return {identifier: matcher.scan(texts, tail, limit) for identifier, matcher in matchers}


def line_texts(path: str, wanted: Iterable[int], max_size: int) -> dict[int, str]:
    """The texts of lines ``wanted`` of the file at ``path`` as it is now (missing lines: none)."""
    data = read_file(path, max_size)
    text = decode(data) if isinstance(data, bytes) else None
    if text is None:
        return {}
    lines = split_lines(text)[0]
    return {line: lines[line] for line in wanted if line < len(lines)}


def search_data(
    data: bytes | Skip, matchers: list[tuple[str, Matcher]], limit: int
) -> tuple[dict[str, Found], Skip | Literal["binary"] | None]:
    """Each pattern's matches in a file as read (at once), and why it was skipped, if it was."""
    if not isinstance(data, bytes):
        return {}, data
    each = FileSearch.of(data, matchers, limit)
    if each is None:
        return {}, "binary"
    while not each.step():
        pass
    return each.found(), None


class FileSearch:
    """One file's search, a piece of whole lines per :meth:`step` (see the module's docstring)."""

    __slots__ = ("_blob", "_end", "_limit", "_matchers", "_start", "_text", "_tracks")

    def __init__(
        self, blob: bytes | None, text: str | None, matchers: list[tuple[str, Matcher]], limit: int
    ) -> None:
        self._matchers = matchers
        self._limit = limit
        self._blob = blob
        """The file's bytes, when they are searched as bytes."""
        self._text = text
        """Else its text."""
        length = len(blob) if blob is not None else len(text or "")
        self._end = length
        self._start = 0
        """Where the next piece begins."""
        self._tracks: list[_Track] = []
        if blob is not None:
            self._tracks = [_Track(i, m) for i, m in matchers]
        elif text is not None and ("\r" in text or length <= PIECE_BYTES):
            # Split at every LSP line break and searched at once, as an open document would be
            # (a text with "\r" is rare; small ones take well under a piece's time).
            self._tracks = [_Track(i, m, search(text, [(i, m)], limit)[i]) for i, m in matchers]
            self._start = length + 1
        else:
            self._tracks = [_Track(i, m) for i, m in matchers]

    @classmethod
    def of(cls, data: bytes, matchers: list[tuple[str, Matcher]], limit: int) -> FileSearch | None:
        """The search of a file's bytes, or ``None`` for a binary file."""
        if b"\0" in data[:BINARY_PROBE]:
            return None
        blob = data[len(_BOM_BYTES) :] if data.startswith(_BOM_BYTES) else data
        if (
            b"\r" not in blob
            and all(m.bulk is not None and not m.zero_width for _, m in matchers)
            and _utf8(blob)
        ):
            return cls(blob, None, matchers, limit)
        return cls(None, blob.decode("utf-8", "replace"), matchers, limit)

    def step(self) -> bool:
        """Search the next piece; whether the whole file is searched."""
        if self._start > self._end:
            return True
        if self._blob is not None:
            blob = self._blob
            end = blob.find(b"\n", self._start + PIECE_BYTES) if self._end > PIECE_BYTES else -1
            end = self._end if end < 0 else end
            for track in self._tracks:
                if track.found is None and not self._bytes_piece(track, blob, end):
                    # Past the per-document cap: searched as text, where the cap has its rules.
                    self._blob, self._text = None, blob.decode("utf-8")
                    self._start, self._end = 0, len(self._text)
                    self._tracks = [_Track(i, m) for i, m in self._matchers]
                    return False
        else:
            assert self._text is not None
            text = self._text
            end = text.find("\n", self._start + PIECE_BYTES)
            end = self._end if end < 0 else end
            for track in self._tracks:
                if track.found is None:
                    self._text_piece(track, text[self._start : end])
        self._start = end + 1
        return self._start > self._end

    def found(self) -> dict[str, Found]:
        """Each pattern's matches (once :meth:`step` said the file is searched). A file searched
        to its end reports ``searched == lines``; searched as bytes, its lines past the last match
        are not counted (counting them would be all the work there is in most files)."""
        result: dict[str, Found] = {}
        for track in self._tracks:
            if track.found is not None:
                result[track.identifier] = track.found
            else:
                result[track.identifier] = Found(track.matches, track.line, track.line)
        return result

    def _bytes_piece(self, track: _Track, blob: bytes, end: int) -> bool:
        """Search ``blob[track.position:end]`` (``end``: a line break, or the end); ``False``
        when the matches pass the per-document cap (then the text way must decide)."""
        search, line_matches, limit = track.search, track.matcher.line, self._limit
        position, line, counted = track.position, track.line, track.counted
        assert search is not None
        while position <= end:
            start = search(blob, position, end)[0]
            if start < 0:
                break
            line += blob.count(b"\n", counted, start)
            line_start = max(blob.rfind(b"\n", position, start) + 1, position)
            line_end = blob.find(b"\n", start, end)
            line_end = end if line_end < 0 else line_end
            spans, cut = line_matches(blob[line_start:line_end].decode("utf-8"), limit)
            if spans:
                track.matches[line] = spans
                track.count += len(spans)
            if cut or track.count > limit:
                return False
            position = counted = line_end + 1
            line += 1
        track.position, track.line, track.counted = end + 1, line, counted
        return True

    def _text_piece(self, track: _Track, piece: str) -> None:
        """Search the next piece of a text broken by ``"\\n"`` only."""
        found = track.matcher.scan([], piece, self._limit - track.count)
        for number, spans in found.matches.items():
            track.matches[track.line + number] = spans
        track.count += found.count
        if found.searched < found.lines or found.cut:
            track.found = Found(track.matches, track.line + found.searched, -1, found.cut)
        track.line += found.lines


class _Track:
    """One pattern's way through one file."""

    __slots__ = (
        "count",
        "counted",
        "found",
        "identifier",
        "line",
        "matcher",
        "matches",
        "position",
        "search",
    )

    def __init__(self, identifier: str, matcher: Matcher, found: Found | None = None) -> None:
        self.identifier = identifier
        self.matcher = matcher
        self.search = _candidates(matcher)
        self.found = found
        """The result, once the search stopped early (or was done at once)."""
        self.matches: dict[int, list[SPAN]] = {}
        self.count = 0
        self.position = 0
        """The first byte not searched yet (the start of a line)."""
        self.counted = 0
        """The lines before this byte (the start of a line) are counted: searching counts them
        only up to the next match."""
        self.line = 0
        """The number of the line at ``counted`` (of the line after the last one, once the
        search is done in pieces of text)."""


def _candidates(matcher: Matcher) -> Search | None:
    """What finds the lines a pattern may match on, in bytes broken by ``\\n``: its multi-line
    search — but for a whole word, the pattern alone, without the frame that checks the word's
    edges (RE2 runs it three times faster), and for a short literal RE2 too (it finds one four
    times faster than ``bytes.find``); the matcher then checks each line it finds."""
    spec = matcher.spec
    short_literal = matcher.literal is not None and len(spec.pattern) <= _RE2_LITERAL
    if not (matcher.whole_word or short_literal) or matcher.bulk is None:
        return matcher.bulk
    try:
        return _unframed(spec.pattern, spec.regex, spec.case_sensitive)
    except error:
        return matcher.bulk


_RE2_LITERAL = 64
"""Up to this length a literal is found by RE2 (a long one makes RE2's program large and slow)."""


@functools.lru_cache(maxsize=32)
def _unframed(pattern: str, regex: bool, case_sensitive: bool) -> Search:
    source = pattern.encode("utf-8", "surrogatepass")
    source = source if regex else escape(source)
    return Compiled(source, case_sensitive=case_sensitive, multiline=True).searcher(0)


def _utf8(data: bytes) -> bool:
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True

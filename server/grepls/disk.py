"""Files on disk, read the way an editor would show them, searched the way open documents are.

A file the workspace scope searches is never opened in the editor, so grepls reads it itself, and
must see the same lines the editor would: a file opened later shows the very same matches.

* **Read** (:func:`read_file`): the bytes of a regular file, without following a symbolic link
  (a link out of the workspace is never read), unless it is larger than ``maxFileSize``. Reading
  only copies bytes — it runs in a worker thread, where the ``read`` system call releases the GIL.
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

Anything that goes wrong with one file — it vanished, it cannot be read, it is a directory now —
is a :data:`Skip` reason (or ``None`` text: binary), counted by the caller and never raised.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from grepls.lines import split_lines
from grepls.matcher import Matcher
from grepls.positions import SPAN
from grepls.scan import Found

BINARY_PROBE = 8192
"""A NUL byte in this many first bytes marks a binary file (ripgrep and git look as far)."""

Skip = Literal["large", "unreadable"]
"""Why a file was not read (a ``str``, where a file read is ``bytes``)."""

_BOM = "\ufeff"


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
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            data = stream.read(max_size + 1)
    except OSError:
        return "unreadable"
    finally:
        os.close(descriptor)
    return "large" if len(data) > max_size else data


def read_files(paths: list[str], max_size: int) -> list[bytes | Skip]:
    """:func:`read_file` of each path (one call for a worker thread)."""
    return [read_file(path, max_size) for path in paths]


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

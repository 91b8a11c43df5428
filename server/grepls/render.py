"""Rendering: matches as LSP JSON, written straight to bytes.

Building lsprotocol objects, converting them with cattrs and dumping them costs about 5 µs per
diagnostic — most of a keystroke's budget at 1,000 matches. So diagnostics are rendered here
straight to JSON bytes, one fragment per match. A fragment leaves its line number out — a NUL
byte (:data:`LINE`) stands where it goes, twice — so that a match that moves to another line (a
line inserted above it) keeps its fragment: :mod:`grepls.compose` writes the number in with one
``bytes.replace`` per line when it joins them. JSON never holds a raw NUL (``json.dumps`` escapes
control characters), so the placeholder cannot be confused with anything a pattern's message says.

The same fragments serve both delivery models: *push* (``textDocument/publishDiagnostics``) and
*pull* (the result of ``textDocument/diagnostic``). Every piece is ASCII (``json.dumps`` escapes the
rest), so lengths in characters and in bytes agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from grepls.patterns import Pattern
from grepls.positions import SPAN

LINE = b"\0"
"""Where a diagnostic fragment's line number goes."""


class DiagnosticRenderer:
    """Renders one pattern's matches on a line as diagnostic JSON, line number left out."""

    __slots__ = ("form", "pattern", "severity")

    pattern: Pattern
    severity: int
    """The ``severity`` setting it was made for (the pattern's own severity wins over it)."""
    form: bytes
    """One match's fragment, to be formatted with its (start, end) span."""

    def __init__(self, pattern: Pattern, default_severity: int) -> None:
        self.pattern = pattern
        self.severity = default_severity
        severity = pattern.severity_or(default_severity)
        tail = (
            f'"severity":{severity},"code":{json.dumps(pattern.id)},"source":"grepls",'
            f'"message":{json.dumps(pattern.message_text())}}}'
        ).encode()
        self.form = (
            b'{"range":{"start":{"line":\0,"character":%d},"end":{"line":\0,"character":%d}},'
            + tail.replace(b"%", b"%%")
        )

    def fragments(self, spans: list[SPAN]) -> list[bytes]:
        """The diagnostics of one line's matches, one JSON array item each, with :data:`LINE`
        where the line number goes."""
        form = self.form
        return [form % span for span in spans]


def with_line(fragments: bytes, line: int) -> bytes:
    """Fragments with their line number written in."""
    return fragments.replace(LINE, b"%d" % line)


def range_json(line: int, start: int, end: int) -> str:
    return (
        f'{{"start":{{"line":{line},"character":{start}}},'
        f'"end":{{"line":{line},"character":{end}}}}}'
    )


def highlights_json(matches: Iterable[tuple[int, SPAN]]) -> bytes:
    """A documentHighlight answer: one item (kind Text) per (line, span)."""
    items = ",".join(
        f'{{"range":{range_json(line, start, end)},"kind":1}}' for line, (start, end) in matches
    )
    return f"[{items}]".encode()


# A publish this large whose rows are this long on average is sent row by row; see item_pieces.
PIECEWISE_BYTES = 1 << 18
PIECEWISE_ROW_BYTES = 1024


def item_pieces(rows: Sequence[bytes]) -> list[bytes]:
    """Rows of diagnostics (each one or more array items, as :mod:`grepls.compose` keeps them),
    as pieces that make the array's items once written one after another.

    A publish of twenty patterns' matches is 3.5 MB in a thousand rows of 3.5 kB. Joining them
    copied every byte once more before the kernel copied it into the pipe, and cost a keystroke
    more than half a millisecond; so such rows are handed on as they are, a comma between each
    two, for the writer to send without a copy (``writev``). Each piece costs the kernel about
    what copying a few hundred bytes does, so rows much shorter than a kilobyte (one pattern's
    matches: a couple of hundred bytes a line) are joined into one piece, as are small publishes.
    """
    size = sum(map(len, rows))
    if len(rows) <= 1 or size < PIECEWISE_BYTES or size < PIECEWISE_ROW_BYTES * len(rows):
        return [b",".join(rows)]
    pieces = [b","] * (2 * len(rows) - 1)
    pieces[::2] = rows
    return pieces


def publish_parts(uri: str, version: int | None, items: Sequence[bytes]) -> tuple[bytes, ...]:
    """The notification ``textDocument/publishDiagnostics``, in parts (``items``: the array's
    items in pieces, as :func:`item_pieces` makes them, so that a large publish is not copied
    into one string)."""
    version_json = b"" if version is None else b',"version":%d' % version
    return (
        b'{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":',
        json.dumps(uri).encode(),
        version_json,
        b',"diagnostics":[',
        *items,
        b"]}}",
    )


def full_report_json(result_id: str, diagnostics: bytes) -> bytes:
    """A pull-model full document diagnostic report."""
    return b"".join(full_report_parts(result_id, (diagnostics,)))


def full_report_parts(result_id: str, items: Sequence[bytes]) -> tuple[bytes, ...]:
    """The same report in parts (``items``: as :func:`item_pieces` makes them)."""
    return (
        b'{"kind":"full","resultId":',
        json.dumps(result_id).encode(),
        b',"items":[',
        *items,
        b"]}",
    )


def unchanged_report_json(result_id: str) -> bytes:
    return b'{"kind":"unchanged","resultId":%s}' % json.dumps(result_id).encode()

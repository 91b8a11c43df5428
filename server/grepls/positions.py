"""Columns: converting between the client's position encoding and our own offsets.

Three kinds of offset meet on one line of text:

* the client's *columns*, in the position encoding negotiated at ``initialize`` — UTF-16 code
  units unless the client offered ``utf-8`` or ``utf-32`` (an emoji is two UTF-16 units, four UTF-8
  bytes, one UTF-32 unit);
* *indexes* into the Python ``str`` (code points), which is how the line store is addressed;
* *byte offsets* into the line's UTF-8 encoding, which is what RE2 reports.

ASCII lines — nearly every line of code — have all three equal, and ``str.isascii`` is O(1) in
CPython, so they cost nothing. Other lines are converted with C-level encode/decode calls rather
than Python loops, once per edited line. Lone surrogates (which JSON can carry) survive the round
trip via the ``surrogatepass`` error handler and count as one UTF-16 unit, like any BMP code unit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

Encoding = Literal["utf-8", "utf-16", "utf-32"]

SPAN = tuple[int, int]

# A high surrogate followed by a low one, held as two code points (two edits can leave them side by
# side). Decoding their UTF-16 units would fuse them into one code point and shift every index after
# them, so such lines are converted by walking their code points instead.
_SEPARATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def encode_line(text: str) -> bytes:
    """The UTF-8 bytes RE2 searches (lone surrogates pass through)."""
    return text.encode("utf-8", "surrogatepass")


def next_boundary(data: bytes, offset: int) -> int:
    """The first character boundary in UTF-8 ``data`` after byte ``offset``: the next offset that
    is not a continuation byte (``0b10xxxxxx``), or the end."""
    offset += 1
    length = len(data)
    while offset < length and (data[offset] & 0xC0) == 0x80:
        offset += 1
    return offset


def _decode_utf8_prefix(data: bytes) -> str:
    """Decode UTF-8 bytes, dropping a character cut in half at the end."""
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as cut:
        return data[: cut.start].decode("utf-8", "surrogatepass")


def column_to_index(text: str, column: int, encoding: Encoding) -> int:
    """The code point index in ``text`` of a client column (clamped to the line).

    A column inside a character (half a surrogate pair, part of a UTF-8 sequence) rounds down to the
    start of that character.
    """
    if column <= 0:
        return 0
    if text.isascii() or encoding == "utf-32":
        return min(column, len(text))
    # A column lies within the first `column` code points (each is at least one unit), so only
    # they are read (and one more, to see a pair the column splits): an edit near the start of a
    # minified file's 5 MB line does not encode the whole line.
    text = text[: column + 1]
    if encoding == "utf-16":
        if _SEPARATE_PAIR.search(text):
            return _utf16_walk(text, column)
        units = text.encode("utf-16-le", "surrogatepass")
        cut = min(2 * column, len(units))
        # Little-endian: the high byte of the unit before the cut is units[cut - 1].
        if cut < len(units) and 0xD8 <= units[cut - 1] <= 0xDB and 0xDC <= units[cut + 1] <= 0xDF:
            cut -= 2  # the column split a surrogate pair
        return len(units[:cut].decode("utf-16-le", "surrogatepass"))
    return len(_decode_utf8_prefix(encode_line(text)[:column]))


def _utf16_walk(text: str, column: int) -> int:
    """``column_to_index`` for UTF-16, walking code points (lines with a separated pair)."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if char > "\uffff" else 1
        if used > column:
            return index
    return len(text)


def index_to_column(text: str, index: int, encoding: Encoding) -> int:
    """The client column of a code point index in ``text``."""
    if text.isascii() or encoding == "utf-32":
        return index
    if encoding == "utf-16":
        return len(text[:index].encode("utf-16-le", "surrogatepass")) // 2
    return len(encode_line(text[:index]))


def byte_spans_to_columns(
    text: str, data: bytes, spans: Sequence[SPAN], encoding: Encoding
) -> list[SPAN]:
    """Convert sorted UTF-8 byte spans in ``data`` (the encoding of ``text``) to client columns.

    One pass over the line however many spans it has, so a long line with many matches stays linear.
    """
    if encoding == "utf-8" or text.isascii():
        return list(spans)
    unit = 2 if encoding == "utf-16" else 4
    codec = "utf-16-le" if encoding == "utf-16" else "utf-32-le"
    columns: list[SPAN] = []
    last_byte = 0
    last_column = 0

    def advance(offset: int) -> int:
        nonlocal last_byte, last_column
        if offset != last_byte:
            piece = data[last_byte:offset].decode("utf-8", "surrogatepass")
            last_column += len(piece.encode(codec, "surrogatepass")) // unit
            last_byte = offset
        return last_column

    for start, end in spans:
        columns.append((advance(start), advance(end)))
    return columns

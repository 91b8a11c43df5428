"""Frames: cutting a byte stream into ``Content-Length`` framed message bodies.

:class:`FrameReader` is the asyncio protocol of stdio and TCP. It hands each body to a ``receive``
callback (the :class:`~grepls.rpc.Endpoint`) and, once every message already received is handled,
calls ``batch_done`` — so a burst of keystrokes read in one go ends in one publish, and control
returns to the event loop only between bursts.

A body of a megabyte or more (a 70 MB ``didOpen``) goes into one buffer of its final size as it
arrives — read straight from the input while it keeps coming, when the input's descriptor is known —
instead of arriving as hundreds of chunks to be joined: that saves a copy of the whole message and a
trip through the event loop per chunk.

A frame with a wrong ``Content-Length`` must not desynchronise the stream for good:

* too short — the cut body is answered as a parse error, and what follows it is read as junk
  before the next header block, whose ``Content-Length`` is found glued to the junk's end;
* too long — the body swallows the start of the next frame. No JSON text can hold a header line
  (a string cannot hold a raw line break, and outside strings ``Content-Length`` is no JSON), so
  a body as cut that holds one, or that ends partway into one, was cut too long: the bytes before
  the header are taken as that message and reading starts again at the header. A body still
  incomplete is looked at as its bytes arrive, so a length far too long (a large body's buffer
  too; a length no buffer can hold is read as chunks) does not hold up the messages behind it;
* missing — the header block is skipped, and the orphan body with it.

Only a header field named exactly ``Content-Length`` counts (``X-Original-Content-Length`` does
not): at the start of a header line, or glued to the end of a cut body's leftover bytes. Reading
is iterative — a read full of bad frames recovers from each in turn, without recursion — and a
message whose handling raises is logged and read past (the endpoint answers it; see
:meth:`grepls.rpc.Endpoint.receive`): nothing one message does stops the reading.
"""

from __future__ import annotations

import asyncio
import logging
import mmap
import os
import re
import select
from collections.abc import Callable

import orjson

logger = logging.getLogger(__name__)

# Bodies this large are received into one buffer, read straight from the input.
LARGE_BODY_BYTES = 1 << 20

# How long to keep reading a large body outside the event loop when the client pauses.
_PATIENCE_MS = 200

# A byte that may stand in a header field's name (RFC 9110's tchar): a name ending in
# "content-length" after one of these (X-Original-Content-Length) is another field.
_NAME_BYTE = rb"-!#$%&'*+.^_`|~0-9A-Za-z"
_NOT_AFTER_NAME_BYTE = rb"(?<![" + _NAME_BYTE + rb"])"

# The Content-Length field, alone on its header line.
_CONTENT_LENGTH = re.compile(
    rb"^content-length[ \t]*:[ \t]*(\d+)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE
)
# The same field glued to the end of a cut body's leftover bytes (which end as JSON does, with
# "}", "]" or a space: never a byte of a header name).
_GLUED_CONTENT_LENGTH = re.compile(
    _NOT_AFTER_NAME_BYTE + rb"content-length[ \t]*:[ \t]*(\d+)[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE,
)
# Where a header may start inside an incomplete body (a whole JSON value before it, or a whole
# header line after it, tell that it does).
_HEADER_START = re.compile(rb"content-length[ \t]*:", re.IGNORECASE)
# A header line inside a body: proof that the body is not one JSON text (see the docstring),
# wherever it stands (a body cut too long may be junk that ends in a letter).
_HEADER_LINE = re.compile(rb"content-length[ \t]*:[ \t]*\d+[ \t]*\r", re.IGNORECASE)
# A body that ends partway into a header line: a length too long by less than a header.
_NAME = b"content-length"
_HEADER_CUT_OFF = re.compile(
    _NOT_AFTER_NAME_BYTE
    + rb"(?:content-length[ \t]*(?::[ \t]*\d*[ \t]*)?|"
    + b"|".join(re.escape(_NAME[:end]) for end in range(len(_NAME) - 1, 0, -1))
    + rb")\Z",
    re.IGNORECASE,
)
# How far before the end of a body a header cut off by its end can start.
_CUT_OFF_REACH = 64
# How far back, before the bytes just arrived, a header found among them can start.
_HEADER_REACH = 64


class FrameReader(asyncio.Protocol):
    """Cuts a byte stream into framed messages and hands each body to ``receive``."""

    def __init__(
        self,
        receive: Callable[[bytes | memoryview], None],
        batch_done: Callable[[], object],
        fd: int | None = None,
        read_done: Callable[[], None] | None = None,
    ) -> None:
        self.receive = receive
        self.batch_done = batch_done
        self.read_done = read_done
        """Told as each read returns, before its frames are cut (the timing trace's stamp)."""
        self.fd = fd
        """The input's descriptor, for reading a large body straight from it (stdio only)."""
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        """Done when the input ends or the session is over."""
        self._head = b""
        """Bytes of an incomplete header block."""
        self._length: int | None = None
        """The body length of the message being received, once its headers are read."""
        self._chunks: list[bytes] = []
        self._received = 0
        self._large: LargeBody | None = None
        """The body being received, when it is large."""

    def data_received(self, data: bytes) -> None:
        if self.finished.done():
            return
        if self.read_done is not None:
            self.read_done()
        try:
            self._cut(data)
        except Exception:
            # A fault of the cutter itself (each message's handling is guarded in _deliver):
            # what it held is dropped, and the next header read afresh, rather than the
            # exception ending the connection (asyncio closes a socket whose protocol raises).
            logger.exception("cutting the input into messages failed; reading on")
            self._drop()
        finally:
            if not self.finished.done():
                try:
                    self.batch_done()
                except Exception:
                    logger.exception("ending a batch of messages failed")

    def _cut(self, data: bytes) -> None:
        if self._head:
            data, self._head = self._head + data, b""
        position, size = 0, len(data)
        # One loop for the whole read: a recovery from a wrong length reads on by moving
        # ``position`` (or replacing ``data``), never by calling itself, however many bad frames
        # one read holds.
        while (position < size or self._large is not None) and not self.finished.done():
            if self._length is None:
                end = data.find(b"\r\n\r\n", position)
                if end < 0:
                    self._head = data[position:]
                    return
                self._length = _content_length(data[position:end])
                position = end + 4
                if self._length == 0:
                    self._length = None
                    self._deliver(b"")
                elif self._length is not None and self._length >= LARGE_BODY_BYTES:
                    try:
                        self._large = LargeBody(self._length)
                    except (OSError, OverflowError, ValueError) as error:
                        # A length no buffer can hold: read it as chunks, until a header shows
                        # the length was wrong (or the memory runs out, as for any message).
                        logger.warning("no buffer for a %d-byte message: %s", self._length, error)
                continue
            if self._large is not None:
                large = self._large
                before = large.filled
                position += large.take(data, position)
                if not large.full and self.fd is not None and not large.read_from(self.fd):
                    self.finish()  # the input ended inside the message
                    return
                if not large.full:
                    # Every byte of ``data`` is in the buffer: what follows a header found
                    # among them is all there is to read on from.
                    rest = self._recover_large(large, before)
                    if rest is None:
                        return
                    data, position, size = rest, 0, len(rest)
                    continue
                self._large, self._length = None, None
                header = _header_inside(large.buffer)
                try:
                    if header is None:
                        self._deliver(large.view)
                    else:
                        with large.view[:header] as message:
                            self._deliver(message)
                        data = large.buffer[header:] + data[position:]
                        position, size = 0, len(data)
                finally:
                    large.release()
                continue
            wanted = self._length - self._received
            if size - position < wanted:
                resumed = None
                if _HEADER_START.search(data, position):
                    resumed = self._recover(data, position)
                if resumed is None:
                    piece = data[position:] if position else data
                    self._chunks.append(piece)
                    self._received += len(piece)
                    return
                data, position = resumed
                size = len(data)
                continue
            start, position = position, position + wanted
            if self._chunks:
                self._chunks.append(data[start:position])
                body, start = b"".join(self._chunks), -1
            else:
                body = data[start:position]
            self._chunks, self._received, self._length = [], 0, None
            header = _header_inside(body)
            if header is None:
                self._deliver(body)
                continue
            self._deliver(body[:header])
            if start < 0:  # the body began in an earlier read
                data, position = body[header:] + data[position:], 0
                size = len(data)
            else:
                position = start + header

    def _deliver(self, body: bytes | memoryview) -> None:
        """Hand one body on. Its handling is guarded where it knows the message (the endpoint
        answers InternalError); whatever still escapes is logged here, and the next message read."""
        try:
            self.receive(body)
        except Exception:
            logger.exception("handling a message failed; reading on")

    def _recover(self, data: bytes, position: int) -> tuple[bytes, int] | None:
        """A header start turned up in an incomplete body's bytes (``data`` from ``position``):
        if a whole JSON value stands before it, or a whole header line follows, the declared
        length was too long — take what stands before as the message and return where to read
        on from (the data, and the header's position in it); None if it was no header."""
        if self._chunks:
            data, position = b"".join([*self._chunks, data[position:]]), 0
        for found in _HEADER_START.finditer(data, position):
            header = found.start()
            if not (_HEADER_LINE.match(data, header) or _is_json(data, position, header)):
                continue
            logger.warning("a message was shorter than its Content-Length: read on at the next")
            self._chunks, self._received, self._length = [], 0, None
            self._deliver(data[position:header])
            return data, header
        return None

    def _recover_large(self, large: LargeBody, before: int) -> bytes | None:
        """:meth:`_recover` for a large body: a header among the bytes that arrived since
        ``before`` means the declared length was too long; return the bytes to read on from."""
        start = max(0, before - _HEADER_REACH)
        arrived = large.buffer[start : large.filled]
        for found in _HEADER_START.finditer(arrived):
            header = found.start()
            whole_line = _HEADER_LINE.match(arrived, header)
            end = start + header
            if not (whole_line or _is_json(large.buffer, 0, end)):
                continue
            logger.warning("a message was shorter than its Content-Length: read on at the next")
            rest = large.buffer[end : large.filled]
            self._large, self._length = None, None
            try:
                with large.view[:end] as message:
                    self._deliver(message)
            finally:
                large.release()
            return rest
        return None

    def _drop(self) -> None:
        """Forget the message being received: reading starts again at the next header."""
        self._head, self._length, self._chunks, self._received = b"", None, [], 0
        if self._large is not None:
            large, self._large = self._large, None
            large.release()

    def eof_received(self) -> bool | None:
        self.finish()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.finish()

    def finish(self) -> None:
        """Stop reading: the input ended or the client said ``exit``."""
        if not self.finished.done():
            self.finished.set_result(None)


class LargeBody:
    """One large message body, received into a buffer of its final size."""

    def __init__(self, length: int) -> None:
        # Anonymous memory is zeroed by the kernel as each page is first written, not up front.
        self.buffer = mmap.mmap(-1, length)
        """The body's bytes (searched in place; sliced, they are copied)."""
        self.view = memoryview(self.buffer)
        self.filled = 0

    @property
    def full(self) -> bool:
        return self.filled == len(self.view)

    def take(self, data: bytes, position: int) -> int:
        """Copy what ``data`` holds of the body, from ``position``; return how many bytes."""
        count = min(len(data) - position, len(self.view) - self.filled)
        self.view[self.filled : self.filled + count] = memoryview(data)[position : position + count]
        self.filled += count
        return count

    def read_from(self, fd: int) -> bool:
        """Read the rest of the body from the non-blocking ``fd`` for as long as it keeps coming;
        return False if the input ended first."""
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while not self.full:
            try:
                count = os.readv(fd, [self.view[self.filled :]])
            except (BlockingIOError, InterruptedError):
                if not poller.poll(_PATIENCE_MS):
                    return True  # the client paused: wait for the rest in the event loop
                continue
            except OSError as error:
                logger.warning("reading a message failed: %s", error)
                return False
            if count == 0:
                return False
            self.filled += count
        return True

    def release(self) -> None:
        self.view.release()
        self.buffer.close()


def _content_length(headers: bytes) -> int | None:
    """The ``Content-Length`` of a header block: the last field so named on a line of its own,
    else the last glued to the end of junk a cut body left before the block."""
    found = _CONTENT_LENGTH.findall(headers) or _GLUED_CONTENT_LENGTH.findall(headers)
    if not found:
        logger.warning("message without a valid Content-Length header skipped: %r", headers[:200])
        return None
    return int(found[-1])


def _header_inside(body: bytes | mmap.mmap) -> int | None:
    """Where the next frame's header starts inside a body as cut, if its length was too long: a
    header line inside it, or one cut off by its end. Neither can be in a JSON text, and a body
    that parses is never cut, whatever it holds."""
    # A header line ends with a CR; most bodies hold none, and the search for one byte is a
    # fraction of the parse (2 ms of a 70 MB didOpen's 80).
    found = _HEADER_LINE.search(body) if body.find(b"\r") >= 0 else None
    if found is None and body[-1:] not in (b"}", b""):
        found = _HEADER_CUT_OFF.search(body, max(0, len(body) - _CUT_OFF_REACH))
    if found is None or _is_json(body, 0, len(body)):
        return None
    logger.warning("a message was shorter than its Content-Length: read on at the next")
    return found.start()


def _is_json(body: bytes | mmap.mmap, start: int, end: int) -> bool:
    """Whether ``body[start:end]`` is one JSON value (as orjson reads it)."""
    whole = memoryview(body)
    try:
        orjson.loads(whole[start:end])
    except orjson.JSONDecodeError:
        return False
    finally:
        whole.release()
    return True


def frame_header(length: int) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % length

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
  before the next header block, whose ``Content-Length`` is found wherever it stands in it;
* too long — the body would swallow the next messages while the client waits for an answer, so
  when a ``Content-Length`` header turns up inside a body that is still incomplete and the bytes
  before it are a whole JSON value, that value is taken as the message and reading starts again at
  the header (a large body's buffer too; a length no buffer can hold is read as chunks);
* missing — the header block is skipped, and the orphan body with it.
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

_CONTENT_LENGTH = re.compile(rb"content-length[ \t]*:[ \t]*(\d+)", re.IGNORECASE)
_HEADER_START = re.compile(rb"content-length[ \t]*:", re.IGNORECASE)


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
        finally:
            if not self.finished.done():
                self.batch_done()

    def _cut(self, data: bytes) -> None:
        if self._head:
            data, self._head = self._head + data, b""
        position, size = 0, len(data)
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
                    self.receive(b"")
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
                    self._recover_large(large, before)
                    return
                self._large, self._length = None, None
                try:
                    self.receive(large.view)
                finally:
                    large.release()
                continue
            wanted = self._length - self._received
            if size - position < wanted:
                piece = data[position:] if position else data
                self._chunks.append(piece)
                self._received += len(piece)
                if _HEADER_START.search(piece):
                    self._recover()
                return
            self._chunks.append(data[position : position + wanted])
            position += wanted
            body = self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)
            self._chunks, self._received, self._length = [], 0, None
            self.receive(body)

    def _recover(self) -> None:
        """A header turned up inside an incomplete body: if the bytes before it are a whole
        message, the declared length was too long — take that message and read on from the
        header."""
        partial = b"".join(self._chunks)
        for found in _HEADER_START.finditer(partial):
            try:
                orjson.loads(partial[: found.start()])
            except orjson.JSONDecodeError:
                continue
            logger.warning("a message was shorter than its Content-Length: read on at the next")
            self._chunks, self._received, self._length = [], 0, None
            self.receive(partial[: found.start()])
            self._cut(partial[found.start() :])
            return

    def _recover_large(self, large: LargeBody, before: int) -> None:
        """:meth:`_recover` for a large body: a header among the bytes that arrived since
        ``before``, after a whole message, means the declared length was too long."""
        start = max(0, before - len(b"content-length:"))
        arrived = bytes(large.view[start : large.filled])
        for found in _HEADER_START.finditer(arrived):
            end = start + found.start()
            try:
                orjson.loads(large.view[:end])
            except orjson.JSONDecodeError:
                continue
            logger.warning("a message was shorter than its Content-Length: read on at the next")
            body, rest = bytes(large.view[:end]), bytes(large.view[end : large.filled])
            self._large, self._length = None, None
            large.release()
            self.receive(body)
            self._cut(rest)
            return

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
        self._buffer = mmap.mmap(-1, length)
        self.view = memoryview(self._buffer)
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
        self._buffer.close()


def _content_length(headers: bytes) -> int | None:
    """The last ``Content-Length`` in a header block, wherever it stands in it (junk left by a
    cut body may come first)."""
    found = _CONTENT_LENGTH.findall(headers)
    if not found:
        logger.warning("message without a valid Content-Length header skipped: %r", headers[:200])
        return None
    return int(found[-1])


def frame_header(length: int) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % length

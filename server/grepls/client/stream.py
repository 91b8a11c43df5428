"""Messages on a byte stream: ``Content-Length`` frames over a child's pipes or a TCP socket.

A :class:`StreamConnection` owns non-blocking descriptors and one selector. Reading takes what is
available, stamps it with ``time.perf_counter_ns()`` before anything is decoded, and cuts it into
complete frames (:meth:`StreamConnection._cut`; a header may arrive split anywhere). Writing goes
as far as the server reads; while it cannot go on, what the server sends is read and kept, so
that a server blocked on writing to us never deadlocks a large write of ours. Every wait ends at
its deadline. The WebSocket transport (:mod:`grepls.client.websocket`) reuses this loop and
replaces only how bytes become messages.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import time
from typing import IO

from grepls.client.messages import Frame, LspError, ServerGone, Unresponsive
from grepls.client.process import ServerProcess

_READ_SIZE = 1 << 20


class StreamConnection:
    """``Content-Length`` frames over two descriptors (a child's pipes) or one socket."""

    streams = True

    def __init__(
        self,
        read_fd: int,
        write_fd: int,
        sock: socket.socket | None = None,
        input_file: IO[bytes] | None = None,
    ) -> None:
        self.read_fd, self.write_fd, self.socket = read_fd, write_fd, sock
        self._input_file = input_file
        """The file object owning ``write_fd``, which must be closed through it."""
        os.set_blocking(read_fd, False)
        os.set_blocking(write_fd, False)
        self._buffer = bytearray()
        self._length: int | None = None
        """Body length of the frame being received, once its header is read."""
        self._ready: list[Frame] = []
        self._eof = False
        self._input_closed = False
        self._selector = selectors.DefaultSelector()

    @classmethod
    def of_process(cls, process: ServerProcess) -> StreamConnection:
        assert process.popen.stdout is not None and process.popen.stdin is not None
        stdin = process.popen.stdin
        return cls(process.popen.stdout.fileno(), stdin.fileno(), input_file=stdin)

    @classmethod
    def of_socket(cls, sock: socket.socket) -> StreamConnection:
        return cls(sock.fileno(), sock.fileno(), sock)

    @property
    def ended(self) -> bool:
        return self._eof and not self._ready

    def _read(self) -> None:
        """Read what is available now and cut it into frames."""
        try:
            data = os.read(self.read_fd, _READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._eof = True
            self._ended()
            return
        self._cut(data, time.perf_counter_ns())

    def _cut(self, data: bytes, stamp: int) -> None:
        """Add ``data`` to what was read before; complete frames go to ``_ready``."""
        buffer = self._buffer
        buffer += data
        while True:
            if self._length is None:
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                self._length = _content_length(bytes(buffer[:end]))
                del buffer[: end + 4]
            if len(buffer) < self._length:
                return
            body = bytes(buffer[: self._length])
            del buffer[: self._length]
            self._length = None
            self._ready.append(Frame(stamp, body))

    def _ended(self) -> None:
        """The server closed its side."""

    def _wait(self, deadline: float, write: bool) -> tuple[bool, bool]:
        """(readable, writable) once either holds, or (False, False) at ``deadline``."""
        selector = self._selector
        for key in list(selector.get_map().values()):
            selector.unregister(key.fileobj)
        if self.read_fd == self.write_fd:
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if write else 0)
            if not self._eof or write:
                selector.register(self.read_fd, events)
        else:
            if not self._eof:
                selector.register(self.read_fd, selectors.EVENT_READ)
            if write:
                selector.register(self.write_fd, selectors.EVENT_WRITE)
        if not selector.get_map():
            return False, False
        readable = writable = False
        for key, mask in selector.select(max(deadline - time.monotonic(), 0.0)):
            if key.fd == self.read_fd and mask & selectors.EVENT_READ:
                readable = True
            if key.fd == self.write_fd and mask & selectors.EVENT_WRITE:
                writable = True
        return readable, writable

    def send(self, data: bytes, deadline: float) -> None:
        if self._input_closed:
            raise ServerGone("the client already closed the server's input")
        self._write_all(data, deadline)

    def _write_all(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.write_fd, view) :]
                continue
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as error:  # BrokenPipeError, ConnectionResetError
                raise ServerGone(f"the server stopped reading ({error})") from None
            if time.monotonic() >= deadline:
                raise Unresponsive("the server stopped reading its input")
            readable, _ = self._wait(deadline, write=True)
            if readable:
                self._read()

    def receive(self, deadline: float) -> list[Frame]:
        while not self._ready and not self._eof:
            readable, _ = self._wait(deadline, write=False)
            if readable:
                self._read()
            elif time.monotonic() >= deadline:
                break
        # Whatever else is already here, without waiting.
        while not self._eof and self._wait(0, write=False)[0]:
            before = len(self._buffer), len(self._ready)
            self._read()
            if (len(self._buffer), len(self._ready)) == before and not self._eof:
                break
        ready, self._ready = self._ready, []
        return ready

    def close_input(self) -> None:
        if self._input_closed:
            return
        self._input_closed = True
        with contextlib.suppress(OSError):
            if self.socket is not None:
                self.socket.shutdown(socket.SHUT_WR)
            elif self._input_file is not None:
                self._input_file.close()

    def close(self) -> None:
        self._selector.close()
        if self.socket is not None:
            with contextlib.suppress(OSError):
                self.socket.close()


def _content_length(header: bytes) -> int:
    for line in header.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    raise LspError(f"the server sent a frame without Content-Length: {header[:200]!r}")

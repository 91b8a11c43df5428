"""Transport: reading JSON-RPC frames from stdio or TCP, and handing them to the server.

Why not pygls's own loop: it reads stdin through a thread pool — three thread hand-offs per
message — and it converts every message into lsprotocol objects with cattrs. On the keystroke path
both cost more than everything grepls itself does. So this module reads frames with an asyncio
``StreamReader`` and sends the two hot messages, ``textDocument/didChange`` and the pull request
``textDocument/diagnostic``, straight to the server as plain JSON; every other message takes pygls's
usual road (``structure_message`` → ``handle_message``), so pygls still owns the protocol.

A side effect worth having: while messages are already buffered, the loop handles them back to
back without yielding, so a burst of keystrokes is published once, after the burst.

The loop also gives malformed input a proper answer: a request whose params do not fit its method
gets an ``InvalidParams`` error (pygls would log it and leave the client waiting), a body that is
not JSON gets a ``ParseError``, and nothing a client sends stops the server. The server exits when
its input closes, on ``exit``, or when the client process named by ``processId`` dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import mmap
import os
import select
import sys
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

import orjson
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter

from grepls.document import Change
from grepls.publish import response_parts
from grepls.server import GreplsServer

logger = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603

# How often to check that the client process is still alive.
_WATCH_SECONDS = 1.0


class Malformed(ValueError):
    """A hot-path message that does not have the shape LSP gives it."""


def _integer(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise Malformed(f"{what} must be an integer")
    return value


def _did_change(server: GreplsServer, message: dict[str, Any]) -> None:
    params = message["params"]
    document = params["textDocument"]
    uri = document["uri"]
    version = document.get("version")
    if not isinstance(uri, str) or (version is not None and not isinstance(version, int)):
        raise Malformed("textDocument must have a string uri and an integer version")
    changes = []
    for change in params["contentChanges"]:
        text = change["text"]
        if not isinstance(text, str):
            raise Malformed("contentChanges[].text must be a string")
        where = change.get("range")
        if where is None:
            changes.append(Change(text))
            continue
        start, end = where["start"], where["end"]
        changes.append(
            Change(
                text,
                (
                    _integer(start["line"], "range.start.line"),
                    _integer(start["character"], "range.start.character"),
                    _integer(end["line"], "range.end.line"),
                    _integer(end["character"], "range.end.character"),
                ),
            )
        )
    server.change_document(uri, version, changes)


def _document_diagnostic(server: GreplsServer, message: dict[str, Any]) -> None:
    params = message["params"]
    uri = params["textDocument"]["uri"]
    previous = params.get("previousResultId")
    if not isinstance(uri, str) or not (previous is None or isinstance(previous, str)):
        raise Malformed("textDocument.uri and previousResultId must be strings")
    server.send_raw(*response_parts(message["id"], server.pull_report(uri, previous)))


_HOT: dict[str, Callable[[GreplsServer, dict[str, Any]], None]] = {
    types.TEXT_DOCUMENT_DID_CHANGE: _did_change,
    types.TEXT_DOCUMENT_DIAGNOSTIC: _document_diagnostic,
}


def _send_error(server: GreplsServer, request_id: Any, code: int, message: str) -> None:
    error = {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
    server.send_raw(json.dumps(error).encode())


def dispatch(server: GreplsServer, body: bytes | memoryview) -> None:
    """Handle one message body."""
    protocol = server.protocol
    try:
        message = orjson.loads(body)  # twice as fast as json on a large didOpen
    except orjson.JSONDecodeError:
        try:
            # Lone surrogates ("\ud800"), which orjson refuses.
            message = json.loads(body if isinstance(body, bytes) else bytes(body))
        except ValueError as error:
            _send_error(server, None, PARSE_ERROR, f"message is not valid JSON: {error}")
            return
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        _send_error(server, None, INVALID_REQUEST, "message is not a JSON-RPC 2.0 object")
        return
    method = message.get("method")
    request_id = message.get("id")
    is_request = "id" in message and isinstance(method, str)

    hot = _HOT.get(method) if isinstance(method, str) else None
    if hot is not None and not protocol._shutdown:
        try:
            hot(server, message)
            return
        except (KeyError, TypeError, Malformed) as error:
            # Not the shape LSP gives this method: report it like any other bad message below.
            logger.warning("malformed %s: %r", method, error)
            if is_request:
                _send_error(
                    server, request_id, INVALID_PARAMS, f"invalid params for {method}: {error}"
                )
            return
        except Exception:
            logger.exception("%s failed", method)
            if is_request:
                _send_error(
                    server, request_id, INTERNAL_ERROR, f"{method} failed; see the server log"
                )
            return

    if is_request and (problem := _shape_problem(method, message.get("params"))):
        _send_error(server, request_id, INVALID_PARAMS, f"invalid params for {method}: {problem}")
        return
    try:
        structured = protocol.structure_message(message)
    except JsonRpcException as error:
        cause = error.__cause__ or error
        logger.warning("malformed %s: %s", method, cause)
        if is_request:
            _send_error(
                server,
                request_id,
                INVALID_PARAMS,
                f"invalid params for {method}: {_first_line(cause)}",
            )
        return
    protocol.handle_message(structured)


def _shape_problem(method: object, params: Any) -> str | None:
    """What the schema-driven conversion lets through but must not: ``arguments`` that is a string
    or an object is a Sequence to cattrs, and pygls would spread its characters or keys into the
    command's arguments."""
    if method == types.WORKSPACE_EXECUTE_COMMAND and isinstance(params, dict):
        arguments = params.get("arguments")
        if arguments is not None and not isinstance(arguments, list):
            return "arguments must be an array"
    return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


class FrameReader(asyncio.Protocol):
    """Cuts a byte stream into ``Content-Length`` framed messages and dispatches each one.

    A body of a megabyte or more (a 70 MB ``didOpen``) goes into one buffer of its final size as
    it arrives — read straight from the input while it keeps coming, when the input's descriptor
    ``fd`` is known — instead of arriving as hundreds of chunks to be joined: that saves a copy of
    the whole message and a trip through the event loop per chunk. Every message already received
    is handled before control returns to the event loop, which is what lets a burst of keystrokes
    end in one publish.
    """

    def __init__(
        self,
        server: GreplsServer,
        on_connection: Callable[[asyncio.BaseTransport], None] | None = None,
        fd: int | None = None,
    ) -> None:
        self.server = server
        self._on_connection = on_connection
        self.fd = fd
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._head = b""
        """Bytes of an incomplete header block."""
        self._length: int | None = None
        """The body length of the message being received, once its headers are read."""
        self._chunks: list[bytes] = []
        self._received = 0
        self._large: LargeBody | None = None
        """The body being received, when it is large."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._on_connection is not None:
            self._on_connection(transport)

    def data_received(self, data: bytes) -> None:
        if self.finished.done():
            return
        if self._head:
            data, self._head = self._head + data, b""
        position, size = 0, len(data)
        while position < size or self._large is not None:
            if self._length is None:
                end = data.find(b"\r\n\r\n", position)
                if end < 0:
                    self._head = data[position:]
                    return
                self._length = _content_length(data[position:end])
                position = end + 4
                if self._length is None:
                    continue
                if self._length >= LARGE_BODY_BYTES:
                    self._large = LargeBody(self._length)
            if self._large is not None:
                large = self._large
                position += large.take(data, position)
                if not large.full and self.fd is not None and not large.read_from(self.fd):
                    self._finish()  # the input ended inside the message
                    return
                if not large.full:
                    return
                self._large, self._length = None, None
                try:
                    finished = self._dispatch(large.view)
                finally:
                    large.release()
                if finished:
                    return
                continue
            wanted = self._length - self._received
            if size - position < wanted:
                self._chunks.append(data[position:] if position else data)
                self._received += size - position
                return
            self._chunks.append(data[position : position + wanted])
            position += wanted
            body = self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)
            self._chunks, self._received, self._length = [], 0, None
            if self._dispatch(body):
                return

    def _dispatch(self, body: bytes | memoryview) -> bool:
        """Handle one message; return whether it ended the session."""
        try:
            dispatch(self.server, body)
        except SystemExit as exit_request:  # pygls's `exit` handler ends the process so
            self.server.exit_status = int(exit_request.code or 0)
            self._finish()
            return True
        return False

    def eof_received(self) -> bool | None:
        self._finish()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._finish()

    def _finish(self) -> None:
        if not self.finished.done():
            self.finished.set_result(None)


# Bodies this large are received into one buffer, read straight from the input.
LARGE_BODY_BYTES = 1 << 20

# How long to keep reading a large body outside the event loop when the client pauses.
_PATIENCE_MS = 200


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
    for header in headers.split(b"\r\n"):
        name, _, value = header.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                break
            if length >= 0:
                return length
            break
    logger.warning("message without a valid Content-Length header skipped: %r", headers[:200])
    return None


async def _feed_from_thread(stream: BinaryIO, frames: FrameReader) -> None:
    """For input the event loop cannot watch (a regular file): read it in a thread."""
    loop = asyncio.get_running_loop()
    read = getattr(stream, "read1", stream.read)
    while not frames.finished.done():
        data = await loop.run_in_executor(None, read, 1 << 16)
        if not data:
            frames.eof_received()
            return
        frames.data_received(data)


async def _watch_client(server: GreplsServer, pid: int | None) -> None:
    """Return when the client process (from the command line or ``initialize``) is gone."""
    while True:
        await asyncio.sleep(_WATCH_SECONDS)
        watched = pid or server.process_id
        if not watched:
            continue
        try:
            os.kill(watched, 0)
        except ProcessLookupError:
            logger.warning("client process %s is gone: exiting", watched)
            return
        except PermissionError:
            pass  # it exists, owned by someone else


async def _serve(frames: FrameReader, server: GreplsServer, pid: int | None) -> None:
    """Serve until the input ends, the client says ``exit``, or the client process dies."""
    reading = frames.finished
    watching = asyncio.ensure_future(_watch_client(server, pid))
    done, pending = await asyncio.wait({reading, watching}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in done:
        task.result()


class StdoutFrameWriter(StdoutWriter):
    """pygls's stdout writer, plus ``writelines`` so a frame given in pieces is written unjoined."""

    def __init__(self, stdout: BinaryIO) -> None:
        super().__init__(stdout)
        self._out = stdout

    def writelines(self, parts: Iterable[bytes]) -> None:
        self._out.writelines(parts)
        self._out.flush()


def serve_stdio(server: GreplsServer, client_pid: int | None = None) -> int:
    """Serve one client on stdin/stdout until it exits; return the exit status."""
    stdin = sys.stdin.buffer
    server.protocol.set_writer(StdoutFrameWriter(sys.stdout.buffer))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        frames = FrameReader(server, fd=stdin.fileno())
        feeding = None
        try:
            await loop.connect_read_pipe(lambda: frames, stdin)
        except (ValueError, OSError):
            # Regular files and some terminals cannot be watched by the event loop. Their reads
            # go through the buffered stream, so none may bypass it.
            frames.fd = None
            feeding = asyncio.ensure_future(_feed_from_thread(stdin, frames))
        else:
            _widen_pipe(stdin.fileno())
        await _serve(frames, server, client_pid)
        if feeding is not None:
            feeding.cancel()

    try:
        asyncio.run(main())
    except BrokenPipeError:
        logger.error("the client closed the connection")
    except KeyboardInterrupt:
        pass
    return _exit_status(server)


def _widen_pipe(fd: int) -> None:
    """Let a pipe hold a megabyte instead of 64 kB (Linux), so a large message crosses it in
    fewer, larger reads; elsewhere, or when not allowed, the pipe stays as it is."""
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl  # not on Windows

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, LARGE_BODY_BYTES)


def _exit_status(server: GreplsServer) -> int:
    """The LSP exit code: 0 after ``shutdown``, 1 when the client left without it."""
    if server.exit_status is not None:
        return server.exit_status
    return 0 if server.protocol._shutdown else 1


def serve_tcp(server: GreplsServer, host: str, port: int, client_pid: int | None = None) -> int:
    """Serve one client over TCP on ``host:port`` (loopback unless told otherwise)."""

    async def main() -> None:
        finished = asyncio.Event()

        serving: set[asyncio.Future[None]] = set()

        def connection() -> FrameReader:
            def connected(transport: asyncio.BaseTransport) -> None:
                server.protocol.set_writer(transport)  # type: ignore[arg-type]
                session = asyncio.ensure_future(_serve(frames, server, client_pid))
                session.add_done_callback(lambda _: finished.set())
                serving.add(session)

            frames = FrameReader(server, connected)
            return frames

        listener = await asyncio.get_running_loop().create_server(connection, host, port)
        for sock in listener.sockets:
            logger.warning("grepls listening on %s", sock.getsockname())
        async with listener:
            await finished.wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return _exit_status(server)

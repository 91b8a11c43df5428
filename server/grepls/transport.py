"""Transports: stdio, TCP and WebSocket, each only carrying bodies to and from the one endpoint.

Whatever carries them, message bodies go to :meth:`~grepls.rpc.Endpoint.receive` and the server's
answers come back through a writer that frames them: ``Content-Length`` headers on stdio and TCP
(:mod:`grepls.frames` cuts the incoming stream), one text message each on WebSocket. So every
input gets the same answer on every transport.

Why not pygls's own loop: it reads stdin through a thread pool — three thread hand-offs per
message — and converts every message into lsprotocol objects with cattrs. On the keystroke path
both cost more than everything grepls itself does.

**One client per server**, on every transport, as an editor starts its own server: on TCP and
WebSocket the first connection that sends a message becomes the session; a connection that closes
without sending anything (a port probe) is forgotten, and any other connection while a session is
live is closed at once, before it can read a byte. When the session ends, the server exits.

**Input waiting.** Each transport also gives the endpoint a way to see that the client has sent
something not read yet (:func:`input_poll` on its pipe or socket), so that long work done in
slices on the event loop (a workspace scan storing and showing files) ends its slice early and a
keystroke waits for one file, not for a slice.

**Output unread.** On stdio, the endpoint can also ask how much of what was sent the editor has
not read yet (:func:`unread_bytes`): the publisher holds closed files' publishes back while that
is high, so a slow editor is never handed a scan's thousands at once. TCP and WebSocket do not
tell (a TCP peer acknowledges what reaches its buffer, read or not): they are not paced.

The server also exits when the client process named by ``--clientProcessId`` or by
``initialize``'s ``processId`` dies, so it never outlives its editor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import queue
import select
import selectors
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, BinaryIO

from grepls.frames import LARGE_BODY_BYTES, FrameReader, frame_header
from grepls.server import Server

logger = logging.getLogger(__name__)

# Messages in more parts than this are pieces of a large publish, written with writev.
_FEW_PARTS = 8
# At most this many pieces a writev (Linux's IOV_MAX).
_IOV_MAX = 1024
# How often to check that the client process is still alive.
_WATCH_SECONDS = 1.0
# How long the writer thread may go on writing once the session is over.
_CLOSE_SECONDS = 5.0


class StreamWriter:
    """Frames messages onto a binary stream (stdout); those sent *ahead* from a thread of its own.

    A message is written at once, by the event loop's thread, and a large one waits there for the
    editor to read it. A message sent ahead of more work (``ahead``: a document pushed while the
    next is still to be searched, after a pattern change) goes to a writer thread instead, and so
    does every message after it until the thread has caught up, so that the order holds. The
    thread waits for the editor with the GIL released, while the event loop searches the next
    document. Not for every large message: a keystroke's publish, with nothing to do meanwhile,
    measured slower from the thread (the hand-over, and the thread's wake-ups).

    A message in many pieces (a publish of long rows, see :func:`grepls.render.item_pieces`) is
    written with ``writev`` from the pieces when written at once, and joined when handed to the
    thread.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream: BinaryIO | None = stream
        self._lock = threading.Lock()
        self._waiting = 0
        """Messages handed to the thread and not yet written (under ``_lock``)."""
        self._queue: queue.SimpleQueue[list[bytes] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._unread = unread_bytes(stream)
        self._fd: int | None = None
        """The stream's descriptor, where messages of many pieces can be written with ``writev``."""
        if hasattr(os, "writev"):  # not on Windows
            with contextlib.suppress(OSError, ValueError):
                self._fd = stream.fileno()

    def backlog(self) -> int:
        """Bytes written that the editor has not read yet, as far as can be told: what the kernel
        holds for it, and a megabyte more while the writer thread still holds messages."""
        return self._unread() + (LARGE_BODY_BYTES if self._waiting else 0)

    def write_message(self, parts: Sequence[bytes], ahead: bool = False) -> None:
        if self._stream is None:
            return
        message = [frame_header(sum(map(len, parts))), *parts]
        with self._lock:
            # Only one thread writes at a time: this one while the writer thread has nothing.
            if not self._waiting and not ahead:
                self._write(message)
                return
            self._waiting += 1
        if len(message) > _FEW_PARTS:
            # The writer thread takes the GIL back from the busy event loop after each system
            # call: one string, one write (a writev per thousand pieces measured slower there).
            message = [message[0], b"".join(message[1:])]
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="grepls-writer", daemon=True)
            self._thread.start()
        self._queue.put(message)

    def _run(self) -> None:
        while (message := self._queue.get()) is not None:
            self._write(message)
            with self._lock:
                self._waiting -= 1

    def _write(self, message: list[bytes]) -> None:
        stream = self._stream
        if stream is None:
            return
        try:
            if len(message) > _FEW_PARTS and self._fd is not None:
                # A large publish in pieces (see grepls.render.item_pieces): the kernel copies
                # them into the pipe from where they are, without their joining first.
                stream.flush()
                write_pieces(self._fd, message)
            else:
                # With writelines, a large part reaches the kernel without another copy.
                stream.writelines(message)
                stream.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The client went away (an editor quitting may close our output before our input):
            # nothing more can reach it, and the input's end will stop the server.
            logger.info("the client closed the connection; dropping what was left to send")
            self._stream = None
        except (OSError, ValueError):
            # Any other failure of the output (or the stream closed under us): the same, said
            # louder. Raised in the writer thread it would end the thread, and every message
            # after it would wait for it for ever.
            logger.exception("writing to the client failed; dropping what was left to send")
            self._stream = None

    def close(self, timeout: float = _CLOSE_SECONDS) -> None:
        """Let what the thread still holds go out (``shutdown``'s answer may be behind a publish),
        waiting at most ``timeout`` seconds for an editor that stopped reading."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)


def write_pieces(fd: int, pieces: Sequence[bytes]) -> None:
    """Write ``pieces`` one after another with ``writev`` (``_IOV_MAX`` at a time), all of them:
    a write that took only part goes on from there, and a descriptor that is not blocking is
    waited for."""
    pending: list[bytes | memoryview] = list(pieces)
    first = 0
    while first < len(pending):
        try:
            written = os.writev(fd, pending[first : first + _IOV_MAX])
        except (BlockingIOError, InterruptedError):
            select.select([], [fd], [])
            continue
        while written:
            size = len(pending[first])
            if written < size:
                pending[first] = memoryview(pending[first])[written:]
                break
            written -= size
            first += 1


class SocketWriter:
    """Frames messages onto an asyncio transport (TCP)."""

    def __init__(self, transport: asyncio.WriteTransport) -> None:
        self._transport = transport

    def write_message(self, parts: Sequence[bytes], ahead: bool = False) -> None:
        if not self._transport.is_closing():
            self._transport.writelines((frame_header(sum(map(len, parts))), *parts))


def serve_stdio(server: Server, client_pid: int | None = None) -> int:
    """Serve one client on stdin/stdout until it exits; return the exit status."""
    stdin = sys.stdin.buffer
    writer = StreamWriter(sys.stdout.buffer)
    server.endpoint.writer = writer

    async def main() -> None:
        loop = asyncio.get_running_loop()
        frames = _reader(server, fd=stdin.fileno())
        server.endpoint.on_exit = frames.finish
        feeding = None
        try:
            if not _watchable(stdin.fileno()):
                raise ValueError("the event loop cannot watch this input")
            await loop.connect_read_pipe(lambda: frames, stdin)
        except (ValueError, OSError):
            # Regular files, /dev/null and some terminals cannot be watched by the event loop.
            # Their reads go through the buffered stream, so none may bypass it.
            frames.fd = None
            feeding = asyncio.ensure_future(_feed_from_thread(stdin, frames))
        else:
            _widen_pipe(stdin.fileno())
            server.endpoint.input_waiting = input_poll(stdin.fileno())
        # A publish of 1,000 diagnostics (160 kB) fills a 64 kB pipe twice over: the server would
        # wait for the editor to read most of it before it could read the next keystroke.
        _widen_output(sys.stdout.fileno())
        server.endpoint.output_backlog = writer.backlog
        await _serve(frames.finished, server, client_pid)
        if feeding is not None:
            feeding.cancel()

    try:
        asyncio.run(main())
    except BrokenPipeError:
        logger.error("the client closed the connection")
    except KeyboardInterrupt:
        pass
    finally:
        writer.close()
    return _exit_status(server)


class ListenError(Exception):
    """The address to serve on could not be bound (taken, not a host, not allowed)."""

    def __init__(self, host: str, port: int, error: OSError) -> None:
        super().__init__(f"cannot listen on {host}:{port}: {error.strerror or error}")


def _say_listening(sockets: Iterable[Any], what: str) -> None:
    """Tell the user where to connect: on stderr, as news rather than a warning in the log."""
    for sock in sockets:
        host, port = sock.getsockname()[:2]
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        print(f"grepls: listening on {where} ({what})", file=sys.stderr, flush=True)


def serve_tcp(server: Server, host: str, port: int, client_pid: int | None = None) -> int:
    """Serve one client over TCP on ``host:port`` (loopback unless told otherwise)."""

    async def main() -> None:
        gate = _Gate()

        def connection() -> asyncio.Protocol:
            frames = _reader(server)
            return _GatedConnection(server, frames, gate)

        try:
            listener = await asyncio.get_running_loop().create_server(connection, host, port)
        except OSError as error:
            raise ListenError(host, port, error) from None
        _say_listening(listener.sockets, "TCP")
        async with listener:
            await _serve(gate.ended, server, client_pid)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return _exit_status(server)


def serve_ws(server: Server, host: str, port: int, client_pid: int | None = None) -> int:
    """Serve one client over WebSocket on ``host:port``: one message per text frame."""
    from websockets.asyncio.server import ServerConnection, serve
    from websockets.exceptions import ConnectionClosed

    async def main() -> None:
        gate = _Gate()

        async def connection(websocket: ServerConnection) -> None:
            if gate.taken:
                await websocket.close(1013, "grepls serves one client at a time")
                return
            outgoing: asyncio.Queue[str] = asyncio.Queue()
            writer = _QueueWriter(outgoing)
            loop = asyncio.get_running_loop()
            batching: list[bool] = []

            def end_batch() -> None:
                batching.clear()
                server.after_batch()
                if server.endpoint.trace is not None:
                    server.endpoint.trace.batch_done()

            sending = asyncio.ensure_future(_send_all(websocket, outgoing))
            session = False  # whether this connection is the session
            try:
                async for message in websocket:
                    if not session:
                        if gate.taken:  # opened before the session began: not served
                            await websocket.close(1013, "grepls serves one client at a time")
                            break
                        gate.taken = session = True
                        server.endpoint.writer = writer
                        server.endpoint.on_exit = gate.end
                        server.endpoint.input_waiting = _socket_poll(websocket.transport)
                    try:
                        server.endpoint.receive(message)
                    except Exception:
                        # The endpoint answers what fails in it; whatever still escapes must not
                        # end the session as it would by leaving this loop.
                        logger.exception("handling a message failed; reading on")
                    # Messages already received come without a trip through the event loop:
                    # show what changed once they are all handled, as on stdio.
                    if not batching:
                        batching.append(True)
                        loop.call_soon(end_batch)
                    if gate.ended.done():
                        break
            except ConnectionClosed:
                pass
            finally:
                await _drain(outgoing)
                sending.cancel()
                if session:  # only the session's end is the server's
                    gate.end()

        # No size limit on a message: a 70 MB didOpen is as welcome here as on stdio.
        try:
            listening = serve(connection, host, port, max_size=None)
            listener = await listening.__aenter__()
        except OSError as error:
            raise ListenError(host, port, error) from None
        try:
            _say_listening(listener.sockets, "WebSocket")
            await _serve(gate.ended, server, client_pid)
        finally:
            await listening.__aexit__(None, None, None)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return _exit_status(server)


class _Gate:
    """Which connection is the session, and whether it has ended."""

    def __init__(self) -> None:
        self.taken = False
        self.ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def end(self) -> None:
        if not self.ended.done():
            self.ended.set_result(None)


class _GatedConnection(asyncio.Protocol):
    """A TCP connection that becomes the session when it first sends, if no other one has."""

    def __init__(self, server: Server, frames: FrameReader, gate: _Gate) -> None:
        self.server, self.frames, self.gate = server, frames, gate
        self.transport: asyncio.WriteTransport | None = None
        self.session = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        self.transport = transport
        if self.gate.taken:
            logger.warning("a second connection refused: grepls serves one client at a time")
            transport.close()

    def data_received(self, data: bytes) -> None:
        if not self.session:
            if self.gate.taken or self.transport is None:
                if self.transport is not None:
                    self.transport.close()
                return
            self.gate.taken = self.session = True
            self.server.endpoint.writer = SocketWriter(self.transport)
            self.server.endpoint.input_waiting = _socket_poll(self.transport)
            self.server.endpoint.on_exit = self.frames.finish
            self.frames.finished.add_done_callback(lambda _: self.gate.end())
        self.frames.data_received(data)

    def eof_received(self) -> bool | None:
        if self.session:
            self.frames.eof_received()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self.session:
            self.frames.connection_lost(exc)


class _QueueWriter:
    """Queues messages for one WebSocket, sent in order by one task."""

    def __init__(self, queue: asyncio.Queue[str]) -> None:
        self._queue = queue

    def write_message(self, parts: Sequence[bytes], ahead: bool = False) -> None:
        self._queue.put_nowait(b"".join(parts).decode("utf-8", "surrogatepass"))


async def _send_all(websocket: Any, queue: asyncio.Queue[str]) -> None:
    while True:
        message = await queue.get()
        try:
            await websocket.send(message)
        finally:
            queue.task_done()


async def _drain(queue: asyncio.Queue[str]) -> None:
    """Let the answers already queued go out (``shutdown``'s, before ``exit``)."""
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(queue.join(), 1.0)


def _reader(server: Server, fd: int | None = None) -> FrameReader:
    endpoint = server.endpoint
    trace = endpoint.trace
    if trace is None:
        return FrameReader(endpoint.receive, server.after_batch, fd)

    def batch_done() -> None:
        server.after_batch()
        trace.batch_done()

    return FrameReader(endpoint.receive, batch_done, fd, endpoint.read_done)


def _watchable(fd: int) -> bool:
    """Whether the event loop can wait for ``fd`` to be readable (epoll refuses /dev/null and
    regular files; the pipe transport would fail later, in a callback, and never read)."""
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
    except (OSError, ValueError):
        return False
    return True


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


async def _watch_client(server: Server, pid: int | None) -> None:
    """Return when the client process (from the command line or ``initialize``) is gone."""
    while True:
        await asyncio.sleep(_WATCH_SECONDS)
        watched = pid or server.session.process_id
        if not watched:
            continue
        try:
            os.kill(watched, 0)
        except ProcessLookupError:
            logger.warning("client process %s is gone: exiting", watched)
            return
        except PermissionError:
            pass  # it exists, owned by someone else


async def _serve(ended: asyncio.Future[None], server: Server, pid: int | None) -> None:
    """Serve until the session ends or the client process dies."""
    watching = asyncio.ensure_future(_watch_client(server, pid))
    done, pending = await asyncio.wait({ended, watching}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in done:
        task.result()


def _widen_pipe(fd: int) -> None:
    """Let a pipe hold a megabyte instead of 64 kB (Linux), so a large message crosses it in
    fewer, larger reads and writes; elsewhere, or when not allowed (or not a pipe), it stays as
    it is."""
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl  # not on Windows

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, LARGE_BODY_BYTES)


def _widen_output(fd: int) -> None:
    """Let the output hold a megabyte unread: a pipe widened, or a socket's send buffer grown
    (libuv, so Neovim, gives its children a socket pair for stdio, whose default buffer holds
    less than one large publish). Left as it is where neither can be done."""
    import socket
    import stat

    _widen_pipe(fd)
    with contextlib.suppress(OSError, ValueError):
        if not stat.S_ISSOCK(os.fstat(fd).st_mode):
            return
        # A socket object of our own on a duplicate: closing it leaves stdout open.
        with socket.socket(fileno=os.dup(fd)) as output:
            if output.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) < LARGE_BODY_BYTES:
                output.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, LARGE_BODY_BYTES)


def input_poll(fd: int) -> Callable[[], bool]:
    """Whether input waits unread on ``fd``: one ``poll`` with no timeout, about a microsecond
    (where there is no ``poll``, as on Windows: never)."""
    if not hasattr(select, "poll"):
        return _never
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    poll = poller.poll
    return lambda: bool(poll(0))


def _socket_poll(transport: asyncio.BaseTransport) -> Callable[[], bool]:
    """:func:`input_poll` on a connection's socket."""
    sock = transport.get_extra_info("socket")
    return _never if sock is None else input_poll(sock.fileno())


def _never() -> bool:
    return False


def unread_bytes(stream: BinaryIO) -> Callable[[], int]:
    """How many bytes written to ``stream`` its reader has not read yet, as the kernel counts
    them: what a pipe holds (``FIONREAD``), or what a local socket's peer has not taken
    (``SIOCOUTQ``: libuv, so Neovim, gives its children a socket pair for stdio). Where that
    cannot be asked (a file, a terminal, a system without the call), always 0."""
    try:
        import fcntl
        import stat
        import termios

        fd = stream.fileno()
        mode = os.fstat(fd).st_mode
        if stat.S_ISFIFO(mode):
            request = termios.FIONREAD
        elif stat.S_ISSOCK(mode):
            request = termios.TIOCOUTQ  # the same number as SIOCOUTQ
        else:
            return _nothing
        count = bytearray(4)
        fcntl.ioctl(fd, request, count)
    except (ImportError, AttributeError, OSError, ValueError):
        return _nothing

    def unread() -> int:
        try:
            fcntl.ioctl(fd, request, count)
        except OSError:
            return 0
        return int.from_bytes(count, sys.byteorder, signed=True)

    return unread


def _nothing() -> int:
    return 0


def _exit_status(server: Server) -> int:
    """The LSP exit code: 0 after ``shutdown`` and ``exit``, 1 when the client left otherwise."""
    endpoint = server.endpoint
    if endpoint.exit_status is not None:
        return endpoint.exit_status
    return 0 if endpoint.state == "shutdown" else 1

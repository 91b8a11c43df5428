"""A raw LSP client for tests, the demo and the benchmark: plain JSON, no event loop, no threads.

Model. A :class:`Client` is one side of one conversation with a grepls server. It reaches the
server over a :class:`Connection` — the pipes of a child process (stdio), a TCP socket, or a
WebSocket — and may own that server as a :class:`ServerProcess` (``python -m grepls`` in its own
process group, so that killing it leaves nothing behind).

Nothing happens in the background. Messages from the server are read only while the caller waits
for something — a response, a publish, a predicate, or merely for input to arrive — and every such
wait has a deadline: a silent server fails the wait with :class:`Unresponsive`, a server that
closed its output with :class:`ServerGone`. Writing never blocks on a server that is itself
blocked writing to us: while a large message cannot be written, what the server sends is read and
kept for the next wait.

Each message is stamped with ``time.perf_counter_ns()`` when its last byte is read, before any
JSON decoding, so the client's own decoding never lands inside a measured latency. What is read is
filed at once:

* ``textDocument/publishDiagnostics`` notifications are *not* decoded: their ``uri`` and
  ``version`` are picked out of the bytes and the :class:`Frame` is appended to
  :attr:`Client.publishes` (and remembered as the latest for its uri). A publish can be megabytes;
  :meth:`Frame.params` decodes it on demand and checks the cheap reading.
* responses are filed by id in :attr:`Client.responses` (with their arrival stamp); an error with
  a null id (the answer to a body that was not JSON-RPC) goes to :attr:`Client.orphans`;
* requests from the server (``workspace/configuration``, ``workspace/diagnostic/refresh``,
  ``window/workDoneProgress/create``, ``workspace/applyEdit``, ...) are recorded and answered at
  once from :attr:`Client.answers`, so the server never waits on us;
* every other notification (``window/showMessage``, ...) is recorded with its stamp.

The client writes whatever it is given — framed messages, bodies that are not JSON, raw bytes with
a wrong ``Content-Length`` — because malformed input is what some of its callers are testing.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any, Literal, Protocol

SERVER = (sys.executable, "-m", "grepls")
"""How to start the server: this interpreter, this package."""

DEFAULT_TIMEOUT = 10.0
"""Seconds any one wait may take unless the caller says otherwise."""

Transport = Literal["stdio", "tcp", "ws"]
TRANSPORTS: tuple[Transport, ...] = ("stdio", "tcp", "ws")

OMITTED: Any = object()
"""Marks a message sent without ``params`` (``None`` sends ``"params": null``)."""

_PUBLISH = b"textDocument/publishDiagnostics"
_PUBLISH_COMPACT = b'"method":"textDocument/publishDiagnostics"'
_PUBLISH_METHOD = re.compile(rb'"method"\s*:\s*"textDocument/publishDiagnostics"')
_URI = re.compile(rb'"uri"\s*:\s*"((?:[^"\\]|\\.)*)"')
_VERSION = re.compile(rb'"version"\s*:\s*(-?\d+|null)')
_READ_SIZE = 1 << 20


# -- errors --------------------------------------------------------------------------------------


class LspError(Exception):
    """A JSON-RPC error response."""

    def __init__(self, message: str, code: int | None = None, data: Any = None) -> None:
        super().__init__(message if code is None else f"{message} (code {code})")
        self.message = message
        self.code = code
        self.data = data

    @classmethod
    def of(cls, error: dict[str, Any]) -> LspError:
        return cls(str(error.get("message", "")), error.get("code"), error.get("data"))


class ServerGone(ConnectionError):
    """The server closed its output (or the connection) while the client waited for it."""


class Unresponsive(TimeoutError):
    """The server did not answer within the deadline."""


# -- what arrives --------------------------------------------------------------------------------


@dataclass
class Frame:
    """One message from the server, with the time its last byte arrived."""

    received_ns: int
    body: bytes
    index: int = -1
    """Position in :attr:`Client.publishes`, for publishes."""
    uri: str | None = None
    version: int | None = None

    def message(self) -> Any:
        return json.loads(self.body)

    def params(self, keep: bool = True) -> dict[str, Any]:
        """A publish decoded whole, after checking the uri and version read from its bytes.
        With ``keep=False`` the bytes are dropped afterwards (the benchmark sees thousands of
        megabyte-sized publishes and must not grow while it measures)."""
        params: dict[str, Any] = json.loads(self.body)["params"]
        if params.get("uri") != self.uri or params.get("version") != self.version:
            raise LspError(
                f"publish misread: peeked {self.uri!r} v{self.version}, "
                f"decoded {params.get('uri')!r} v{params.get('version')}"
            )
        if not keep:
            self.body = b""
        return params

    def diagnostics(self, keep: bool = True) -> list[dict[str, Any]]:
        diagnostics: list[dict[str, Any]] = self.params(keep)["diagnostics"]
        return diagnostics


@dataclass
class Notification:
    """A notification from the server (other than a publish), or a request it sent us."""

    received_ns: int
    method: str
    params: Any
    id: Any = None


@dataclass
class Pending:
    """A request sent, and the time just before its first byte was written."""

    id: int
    method: str
    sent_ns: int


def _is_publish(body: bytes) -> bool:
    if _PUBLISH not in body:
        return False
    return _PUBLISH_COMPACT in body or _PUBLISH_METHOD.search(body) is not None


def _peek_publish(body: bytes) -> tuple[str | None, int | None]:
    """uri and version of a publish without decoding its diagnostics: the first ``"uri"`` and the
    last ``"version"`` key (keys inside strings are escaped, and diagnostics carry neither)."""
    uri_match = _URI.search(body)
    version_at = body.rfind(b'"version"')
    version_match = _VERSION.match(body, version_at) if version_at >= 0 else None
    uri = json.loads(b'"' + uri_match.group(1) + b'"') if uri_match else None
    raw = version_match.group(1) if version_match else b"null"
    return uri, None if raw == b"null" else int(raw)


# -- framing -------------------------------------------------------------------------------------


def frame(body: bytes) -> bytes:
    """One message as sent on a stream: a ``Content-Length`` header, then ``body``."""
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def encode(message: dict[str, Any]) -> bytes:
    """``message`` as a JSON body (non-ASCII escaped, so lone surrogates survive)."""
    return json.dumps(message, separators=(",", ":")).encode("utf-8")


def framed(message: dict[str, Any]) -> bytes:
    return frame(encode(message))


def notification(method: str, params: Any = OMITTED) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not OMITTED:
        message["params"] = params
    return message


# -- the server process --------------------------------------------------------------------------


class ServerProcess:
    """A server started as a child process in its own session (process group).

    Its standard error goes to ``stderr_path``, or to a temporary file; with ``pipes`` its stdin and
    stdout are pipes for a stdio connection, otherwise they are closed (``--tcp``, ``--ws``).
    """

    def __init__(
        self,
        arguments: Sequence[str] = (),
        *,
        argv: Sequence[str] = SERVER,
        pipes: bool = True,
        cwd: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        stderr_path: str | os.PathLike[str] | None = None,
    ) -> None:
        # Both stay open as long as the server may write to them: closed in kill().
        self.stderr: IO[bytes] = (
            open(stderr_path, "w+b")  # noqa: SIM115
            if stderr_path is not None
            else tempfile.TemporaryFile()  # noqa: SIM115
        )
        self.popen = subprocess.Popen(
            [*argv, *arguments],
            stdin=subprocess.PIPE if pipes else subprocess.DEVNULL,
            stdout=subprocess.PIPE if pipes else subprocess.DEVNULL,
            stderr=self.stderr,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        """The exit status; :class:`Unresponsive` if the server is still running at ``timeout``."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Unresponsive(f"the server did not exit within {timeout:g} s") from None

    def stderr_text(self, limit: int | None = None) -> str:
        """What the server wrote to its standard error (the last ``limit`` characters)."""
        if self.stderr.closed:
            return ""
        # pread: the server shares the file's offset, which must stay at the end for its writes.
        fd = self.stderr.fileno()
        text = os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", "replace")
        return text if limit is None else text[-limit:]

    def kill(self) -> None:
        """Kill the whole process group and reap the server."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(DEFAULT_TIMEOUT)
        for pipe in (self.popen.stdin, self.popen.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        self.stderr.close()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (another process may still take it first)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


# -- connections ---------------------------------------------------------------------------------


class Connection(Protocol):
    """How messages travel: cut into frames on a stream, or one WebSocket message each."""

    def send(self, data: bytes, deadline: float) -> None:
        """Write stream bytes or one WebSocket message, reading (and keeping) what arrives."""

    def receive(self, deadline: float) -> list[Frame]:
        """What has arrived, waiting until ``deadline`` for at least one message; [] if none
        came, or the connection ended (then :attr:`ended` is true)."""

    @property
    def ended(self) -> bool:
        """The server closed its side, and every message it sent has been received."""

    @property
    def streams(self) -> bool:
        """Whether bytes are framed by ``Content-Length`` (raw writes make sense)."""

    def close_input(self) -> None:
        """Close the server's input (end of file on its stdin, or the socket's write side)."""

    def close(self) -> None: ...


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


class WebSocketConnection(StreamConnection):
    """One JSON-RPC message per WebSocket message, on a socket.

    The WebSocket protocol is websockets' sans-I/O ``ClientProtocol``; the bytes travel through
    the same non-blocking loop as the other transports, so sending never waits on a server that
    is itself waiting for us to read, and every wait keeps its deadline. Control frames the
    protocol answers on its own (pong, the closing handshake) are written on the next send or wait.
    """

    streams = False

    def __init__(self, sock: socket.socket, url: str, deadline: float) -> None:
        from websockets.client import ClientProtocol
        from websockets.uri import parse_uri

        super().__init__(sock.fileno(), sock.fileno(), sock)
        self.protocol = ClientProtocol(parse_uri(url), max_size=None)
        self._parts: list[bytes] = []
        """The frames of a fragmented message received so far."""
        self._open = False
        self.protocol.send_request(self.protocol.connect())
        self._flush(deadline)
        while not self._open:
            if self._eof or time.monotonic() >= deadline:
                raise ServerGone(f"no WebSocket handshake from {url}")
            readable, _ = self._wait(deadline, write=False)
            if readable:
                self._read()
        if self.protocol.handshake_exc is not None:
            raise ServerGone(f"WebSocket handshake with {url} failed") from (
                self.protocol.handshake_exc
            )

    def _flush(self, deadline: float) -> None:
        """Write what the protocol has to send (never in the middle of another write)."""
        for data in self.protocol.data_to_send():
            if data:
                self._write_all(data, deadline)
            else:  # the protocol is done with the connection: end our side of it
                with contextlib.suppress(OSError):
                    self.socket.shutdown(socket.SHUT_WR)  # type: ignore[union-attr]

    def send(self, data: bytes, deadline: float) -> None:
        if self._input_closed:
            raise ServerGone("the client already closed the WebSocket")
        from websockets.exceptions import InvalidState

        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            binary = True  # not UTF-8: it can only travel as a binary message
        else:
            binary = False
        try:
            (self.protocol.send_binary if binary else self.protocol.send_text)(data)
        except InvalidState:
            raise ServerGone(f"the WebSocket is closed: {self.protocol.close_exc}") from None
        self._flush(deadline)

    def receive(self, deadline: float) -> list[Frame]:
        self._flush(deadline)
        frames = super().receive(deadline)
        with contextlib.suppress(ServerGone):
            self._flush(deadline)  # a pong, or our half of the closing handshake
        return frames

    def _cut(self, data: bytes, stamp: int) -> None:
        from websockets.frames import Frame as WebSocketFrame
        from websockets.frames import Opcode

        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if not isinstance(event, WebSocketFrame):  # the handshake's response
                self._open = True
            elif event.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
                self._parts.append(bytes(event.data))
                if event.fin:
                    self._ready.append(Frame(stamp, b"".join(self._parts)))
                    self._parts = []
            # (A close frame is answered by the protocol; the connection ends at the TCP EOF.)
        if self.protocol.handshake_exc is not None:
            self._open = True  # failed: __init__ reports it

    def _ended(self) -> None:
        self.protocol.receive_eof()
        self._open = True  # (the next flush ends our side of the TCP connection)

    def close_input(self) -> None:
        """Start the closing handshake: the server's input ends."""
        if self._input_closed:
            return
        with contextlib.suppress(Exception):
            self.protocol.send_close()
            self._flush(time.monotonic() + 1)
        self._input_closed = True


def connect(
    transport: Transport,
    host: str,
    port: int,
    *,
    process: ServerProcess | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Connection:
    """Connect to a TCP or WebSocket server that may still be starting: retry until ``timeout``,
    giving up at once if ``process`` (the server) has exited."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock = socket.create_connection((host, port), timeout)
            if transport == "ws":
                return WebSocketConnection(sock, f"ws://{host}:{port}", deadline)
            return StreamConnection.of_socket(sock)
        except OSError as error:
            if process is not None and not process.alive():
                raise ServerGone(
                    f"the server exited ({process.returncode}) before accepting a connection: "
                    + process.stderr_text(2000)
                ) from error
            if time.monotonic() > deadline:
                raise Unresponsive(
                    f"no {transport} server on {host}:{port} within {timeout:g} s"
                ) from error
            time.sleep(0.05)


# -- the client ----------------------------------------------------------------------------------

Answer = Callable[[Any], Any]


def _configuration(params: Any) -> list[None]:
    # null for every item: "no setting here", so the server keeps its defaults.
    items = params.get("items", []) if isinstance(params, dict) else []
    return [None] * len(items)


DEFAULT_ANSWERS: dict[str, Answer] = {
    "workspace/configuration": _configuration,
    "workspace/diagnostic/refresh": lambda params: None,
    "window/workDoneProgress/create": lambda params: None,
    "workspace/applyEdit": lambda params: {"applied": True},
    "client/registerCapability": lambda params: None,
    "client/unregisterCapability": lambda params: None,
}
"""How the client answers the server's requests; anything else gets a null result. An answer
that raises :class:`LspError` is sent back as that error."""


class Client:
    """The client side of one conversation with a grepls server. See the module docstring."""

    def __init__(
        self,
        connection: Connection,
        process: ServerProcess | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        answers: dict[str, Answer] | None = None,
        on_timeout: Callable[[str], BaseException] = Unresponsive,
    ) -> None:
        self.connection = connection
        self.process = process
        self.timeout = timeout
        """Seconds a wait may take when the caller gives no timeout."""
        self.on_timeout = on_timeout
        """What a wait raises at its deadline (tests may want a ``BaseException``, so that a
        hang is not retried like a wrong answer)."""
        self.answers: dict[str, Answer] = {**DEFAULT_ANSWERS, **(answers or {})}
        self.publishes: list[Frame] = []
        """Every publishDiagnostics received, in order."""
        self.latest: dict[str, Frame] = {}
        """The last publish for each uri."""
        self.responses: dict[Any, dict[str, Any]] = {}
        """Responses not yet taken, by id."""
        self.response_received_ns: dict[Any, int] = {}
        self.orphans: list[dict[str, Any]] = []
        """Responses with a null id (errors about messages that could not be read)."""
        self.notifications: list[Notification] = []
        """Notifications other than publishes, in order."""
        self.server_requests: list[Notification] = []
        """Requests from the server, in order (each already answered)."""
        self._ids = itertools.count(1)

    # -- starting ------------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        arguments: Sequence[str] = (),
        *,
        transport: Transport = "stdio",
        argv: Sequence[str] = SERVER,
        host: str = "127.0.0.1",
        port: int | None = None,
        cwd: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        stderr_path: str | os.PathLike[str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        answers: dict[str, Answer] | None = None,
        on_timeout: Callable[[str], BaseException] = Unresponsive,
    ) -> Client:
        """Start a server (``argv`` + ``arguments``) and connect to it over ``transport``: for
        ``tcp`` and ``ws`` the server is told ``--tcp``/``--ws --host host --port port`` (a free
        port unless given)."""
        extra: list[str] = []
        if transport != "stdio":
            port = free_port(host) if port is None else port
            extra = [f"--{transport}", "--host", host, "--port", str(port)]
        process = ServerProcess(
            [*extra, *arguments],
            argv=argv,
            pipes=transport == "stdio",
            cwd=cwd,
            env=env,
            stderr_path=stderr_path,
        )
        try:
            if transport == "stdio":
                connection: Connection = StreamConnection.of_process(process)
            else:
                assert port is not None
                connection = connect(transport, host, port, process=process, timeout=timeout)
        except BaseException:
            process.kill()
            raise
        return cls(connection, process, timeout=timeout, answers=answers, on_timeout=on_timeout)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self.process is not None, "this client did not start its server"
        return self.process.pid

    def alive(self) -> bool:
        return self.process is None or self.process.alive()

    def stderr_text(self, limit: int | None = None) -> str:
        return "" if self.process is None else self.process.stderr_text(limit)

    # -- writing -------------------------------------------------------------------------------

    def write_raw(self, data: bytes) -> int:
        """Write ``data`` as it is (any framing is the caller's); return the clock reading taken
        just before. On WebSocket, ``data`` is one message."""
        started = time.perf_counter_ns()
        self.connection.send(data, time.monotonic() + self.timeout)
        return started

    def send_body(self, body: bytes) -> int:
        """Send one message whose body is given as bytes (possibly not JSON at all)."""
        return self.write_raw(frame(body) if self.connection.streams else body)

    def send(self, message: dict[str, Any]) -> int:
        return self.send_body(encode(message))

    def send_all(self, messages: Iterable[dict[str, Any]]) -> None:
        """Send messages back to back: in one write on a stream, so that they arrive together."""
        if self.connection.streams:
            self.write_raw(b"".join(framed(message) for message in messages))
        else:
            for message in messages:
                self.send(message)

    def encode_notification(self, method: str, params: Any = OMITTED) -> bytes:
        """A notification ready for :meth:`write_raw` (encode before the clock starts)."""
        body = encode(notification(method, params))
        return frame(body) if self.connection.streams else body

    def notify(self, method: str, params: Any = OMITTED) -> int:
        return self.send(notification(method, params))

    def start_request(self, method: str, params: Any = OMITTED) -> Pending:
        request_id = next(self._ids)
        message = {**notification(method, params), "id": request_id}
        return Pending(request_id, method, self.send(message))

    def send_request(self, method: str, params: Any = OMITTED) -> int:
        return self.start_request(method, params).id

    # -- receiving -----------------------------------------------------------------------------

    def _file(self, frame: Frame) -> None:
        if _is_publish(frame.body):
            frame.uri, frame.version = _peek_publish(frame.body)
            frame.index = len(self.publishes)
            self.publishes.append(frame)
            if frame.uri is not None:
                self.latest[frame.uri] = frame
            return
        message = json.loads(frame.body)
        if not isinstance(message, dict):
            raise LspError(f"the server sent a message that is not an object: {frame.body!r}")
        method = message.get("method")
        if isinstance(method, str):
            seen = Notification(frame.received_ns, method, message.get("params"), message.get("id"))
            if "id" in message:
                self.server_requests.append(seen)
                self._answer(message)
            else:
                self.notifications.append(seen)
        elif message.get("id") is not None:
            self.responses[message["id"]] = message
            self.response_received_ns[message["id"]] = frame.received_ns
        else:
            self.orphans.append(message)

    def _answer(self, request: dict[str, Any]) -> None:
        reply: dict[str, Any] = {"jsonrpc": "2.0", "id": request["id"]}
        answer = self.answers.get(request["method"])
        try:
            reply["result"] = None if answer is None else answer(request.get("params"))
        except LspError as error:
            reply["error"] = {"code": error.code, "message": error.message, "data": error.data}
        with contextlib.suppress(ServerGone):
            self.send(reply)

    def wait_arrival(self, deadline: float) -> bool:
        """Read and file what arrives until at least one message came (True) or ``deadline``
        (``time.monotonic()``) passed (False); :class:`ServerGone` if the connection ended."""
        if self.connection.ended:
            raise ServerGone("the server closed the connection")
        frames = self.connection.receive(deadline)
        for received in frames:
            self._file(received)
        if not frames and self.connection.ended:
            raise ServerGone("the server closed the connection")
        return bool(frames)

    @property
    def closed(self) -> bool:
        """The server closed the connection, and everything it sent has been filed."""
        return self.connection.ended

    def pump(self, until: Callable[[], bool], timeout: float | None = None, what: str = "") -> None:
        """Read messages until ``until()`` holds; fail after ``timeout`` seconds."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while not until():
            if time.monotonic() >= deadline:
                raise self.on_timeout(f"timed out after {timeout:g} s waiting for {what or until}")
            try:
                self.wait_arrival(deadline)
            except ServerGone:
                if until():
                    return
                raise ServerGone(
                    f"the server closed the connection while the client waited for "
                    f"{what or until}" + self._exit_note()
                ) from None

    def _exit_note(self) -> str:
        if self.process is None:
            return ""
        with contextlib.suppress(Unresponsive):
            self.process.wait(1)
        return f" (exit status {self.process.returncode}; stderr: {self.stderr_text(2000)!r})"

    def drain(self, quiet: float = 0.05) -> None:
        """Read whatever arrives until the server has been silent for ``quiet`` seconds."""
        with contextlib.suppress(ServerGone):
            while self.wait_arrival(time.monotonic() + quiet):
                pass

    def settle(self, quiet: float = 0.3, timeout: float | None = None) -> None:
        """Wait until the server has published nothing for ``quiet`` seconds."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            seen = len(self.publishes)
            quiet_until = time.monotonic() + quiet
            while len(self.publishes) == seen and time.monotonic() < quiet_until:
                self.wait_arrival(quiet_until)
            if len(self.publishes) == seen:
                return
            if time.monotonic() >= deadline:
                raise self.on_timeout(f"the server kept publishing for {timeout} s")

    def response(self, request_id: Any, timeout: float | None = None) -> dict[str, Any]:
        """The whole response to ``request_id`` (``result`` or ``error``), taken off the file."""
        self.pump(lambda: request_id in self.responses, timeout, f"the response to {request_id}")
        return self.responses.pop(request_id)

    def request(self, method: str, params: Any = OMITTED, timeout: float | None = None) -> Any:
        """Send a request and return the whole response message."""
        return self.response(self.send_request(method, params), timeout)

    def finish(self, pending: Pending, timeout: float | None = None) -> Any:
        """The result of a request sent with :meth:`start_request`; :class:`LspError` if the
        server answered with an error."""
        reply = self.response(pending.id, timeout)
        if "error" in reply:
            raise LspError.of(reply["error"])
        return reply.get("result")

    def result(self, method: str, params: Any = OMITTED, timeout: float | None = None) -> Any:
        """Send a request and return its result; :class:`LspError` if it failed."""
        return self.finish(self.start_request(method, params), timeout)

    def find_publish(self, uri: str, version: int | None = None, start: int = 0) -> Frame | None:
        """The first publish already received for ``uri`` (and ``version``, unless None), from
        index ``start`` of :attr:`publishes`."""
        for received in itertools.islice(self.publishes, start, None):
            if received.uri == uri and (version is None or received.version == version):
                return received
        return None

    def wait_publish(
        self, uri: str, version: int | None = None, start: int = 0, timeout: float | None = None
    ) -> Frame:
        """The first publish for ``uri`` (with ``version``, unless None) at index >= ``start``."""
        found: list[Frame] = []

        def arrived() -> bool:
            nonlocal start
            hit = self.find_publish(uri, version, start)
            start = len(self.publishes)
            if hit is not None:
                found.append(hit)
            return hit is not None

        self.pump(arrived, timeout, f"a publish for {uri} v{version}")
        return found[0]

    def published(self, uri: str) -> dict[str, Any] | None:
        """The params of the last publish for ``uri`` (None if there was none)."""
        last = self.latest.get(uri)
        return None if last is None else last.params()

    def shown(self) -> list[dict[str, Any]]:
        """The params of every ``window/showMessage`` so far."""
        return [n.params for n in self.notifications if n.method == "window/showMessage"]

    # -- LSP -----------------------------------------------------------------------------------

    def initialize(
        self,
        encoding: str | None = "utf-16",
        *,
        process_id: int | None = None,
        options: Any = OMITTED,
        capabilities: dict[str, Any] | None = None,
        root_uri: str | None = None,
        timeout: float | None = None,
    ) -> Any:
        """``initialize`` (its result returned) then ``initialized``. Without ``capabilities``,
        the client offers only the position ``encoding``."""
        if capabilities is None:
            capabilities = {}
            if encoding is not None:
                capabilities["general"] = {"positionEncodings": [encoding]}
        params: dict[str, Any] = {
            "processId": process_id,
            "rootUri": root_uri,
            "capabilities": capabilities,
        }
        if options is not OMITTED:
            params["initializationOptions"] = options
        result = self.result("initialize", params, timeout)
        self.notify("initialized", {})
        return result

    def open(self, uri: str, text: str, version: int = 1, language: str = "plaintext") -> None:
        document = {"uri": uri, "languageId": language, "version": version, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": document})

    def change(self, uri: str, version: int | None, changes: list[dict[str, Any]]) -> None:
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes},
        )

    def close_document(self, uri: str) -> None:
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def command(self, name: str, *arguments: Any, timeout: float | None = None) -> Any:
        """``workspace/executeCommand``; the whole response message."""
        params = {"command": name, "arguments": list(arguments)}
        return self.request("workspace/executeCommand", params, timeout)

    def barrier(self) -> None:
        """Return once the server has handled everything sent so far *and* published what it
        deferred: it flushes publishes when it next waits for input, which the second of two
        sequential round trips guarantees has happened."""
        for _ in range(2):
            self.command("grepls.listMatches", "barrier:")

    # -- ending --------------------------------------------------------------------------------

    def close_input(self) -> None:
        """End the server's input without a word (its stdin closes, or the socket's write side)."""
        self.connection.close_input()

    def wait_exit(self, timeout: float | None = None) -> int | None:
        """Read until the server closes the connection (answering what the transport asks, such
        as a WebSocket's closing handshake), then return its exit status (None when this client
        did not start it); :class:`Unresponsive` if it is still running at ``timeout``."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        with contextlib.suppress(ServerGone):
            while time.monotonic() < deadline and not (self.process and not self.process.alive()):
                self.wait_arrival(min(deadline, time.monotonic() + 0.1))
        if self.process is None:
            return None
        return self.process.wait(max(deadline - time.monotonic(), 0.0))

    def stop(self, timeout: float = 5.0) -> int | None:
        """End the session politely (``shutdown``, ``exit``), then make sure the server is gone;
        return its exit status (None when this client did not start it)."""
        with contextlib.suppress(Exception):
            if self.alive() and not self.closed:
                self.request("shutdown", timeout=timeout)
                self.notify("exit")
        with contextlib.suppress(Exception):
            self.wait_exit(timeout)
        self.kill()
        return None if self.process is None else self.process.returncode

    def kill(self) -> None:
        """Kill the server's process group (if this client started it) and close the connection."""
        if self.process is not None:
            self.process.kill()
        self.connection.close()


def edit(start: tuple[int, int], end: tuple[int, int], text: str) -> dict[str, Any]:
    """A ranged content change, from (line, character) to (line, character)."""
    return {
        "range": {
            "start": {"line": start[0], "character": start[1]},
            "end": {"line": end[0], "character": end[1]},
        },
        "text": text,
    }

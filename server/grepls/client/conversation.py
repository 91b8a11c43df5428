"""One conversation with a server: what is written, how what arrives is filed, and every wait.

A :class:`Conversation` is the machinery under :class:`~grepls.client.lsp.Client`: it owns the
:class:`~grepls.client.connection.Connection` (and the :class:`~grepls.client.process.ServerProcess`
when the client started the server), writes messages, files what the server sends, and waits with
a deadline. It knows JSON-RPC and the one LSP notification it must not decode; the LSP verbs are
the client's.

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
import time
from collections.abc import Callable, Iterable
from typing import Any

from grepls.client.answers import DEFAULT_ANSWERS, Answer
from grepls.client.connection import Connection
from grepls.client.messages import (
    DEFAULT_TIMEOUT,
    OMITTED,
    Frame,
    LspError,
    Notification,
    Pending,
    ServerGone,
    Unresponsive,
    encode,
    frame,
    framed,
    is_publish,
    notification,
    peek_publish,
)
from grepls.client.process import ServerProcess


class Conversation:
    """Writing, filing and waiting for one connection to a server (see the module docstring)."""

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

    # -- the server ----------------------------------------------------------------------------

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
        if is_publish(frame.body):
            frame.uri, frame.version = peek_publish(frame.body)
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

    def kill(self) -> None:
        """Kill the server's process group (if this client started it) and close the connection."""
        if self.process is not None:
            self.process.kill()
        self.connection.close()

"""The JSON-RPC endpoint: the one road every message takes, whatever carried it.

Transports (:mod:`grepls.transport`) only cut a byte stream or a WebSocket into message bodies and
hand each one to :meth:`Endpoint.receive`. From there every message goes the same way:

1. **Parse** with orjson (the standard library's ``json`` for the lone surrogates orjson refuses);
   a body that is not JSON is answered with ``ParseError``, one that is not a JSON-RPC 2.0 object
   with ``InvalidRequest``.
2. **Lifecycle gate**, as LSP orders it: before ``initialize`` a request is answered
   ``ServerNotInitialized`` (-32002) and a notification dropped; after ``shutdown`` a request is
   answered ``InvalidRequest``; ``exit`` ends the session from any state. Between ``initialize``
   and the client's ``initialized``, what the server has to say is *held*, not sent: LSP forbids
   a server's requests then, and a client that has not set up its handlers answers them with
   errors (VS Code did, to the watch registration and the scan's progress that settings given
   at ``initialize`` started). The first message after ``initialize`` sends them, in order.
3. **Route** through one table, method → :class:`Route`, built once by :mod:`grepls.server`.
   A handler receives the raw ``params`` and checks their shape itself (see
   :mod:`grepls.params`); raising :class:`InvalidParams` answers -32602 with its message, any other
   exception answers ``InternalError`` and is logged — and so does a failure anywhere else on
   the way (:meth:`Endpoint.receive` never raises): the server never dies on a message, and the
   transport reads on to the next.
4. **Answer**: a handler's result is sent as JSON; a result already rendered as JSON bytes
   (diagnostic reports, highlights) is sent as it is, without another conversion.

With ``--trace-timing`` the endpoint stamps every message it receives and sends (see
:mod:`grepls.trace`); without it, that costs one ``is None`` check a message.

The endpoint also sends the server's own requests to the client (``workspace/configuration``,
``workspace/diagnostic/refresh``) and routes the client's responses back to their callbacks.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import orjson

if TYPE_CHECKING:
    from grepls.trace import TimingTrace

logger = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_NOT_INITIALIZED = -32002
REQUEST_CANCELLED = -32800
SERVER_CANCELLED = -32802


class InvalidParams(ValueError):
    """A message's params do not fit its method; the message says what is wrong."""


class Writer(Protocol):
    """Where a transport takes a whole message body, given in pieces, and frames it."""

    def write_message(self, parts: Sequence[bytes], ahead: bool = False) -> None:
        """Frame and send ``parts``; ``ahead``: the sender goes on with more work at once, so the
        writer may leave the waiting for the client to another thread."""


Handler = Callable[[Any], Any]
"""Takes a message's raw ``params``; a request's handler returns its result (``bytes`` = JSON,
:class:`JsonParts`), or a :class:`Later` when the answer must wait (for the client's answer to a
request of ours)."""


class JsonParts(tuple[bytes, ...]):
    """A result already JSON, in parts that are written one after another as they are: a large
    diagnostic report, which joining would copy once more."""

    __slots__ = ()


class Later:
    """A request's answer not known yet: call :meth:`answer` (or :meth:`fail`) once it is."""

    def __init__(self) -> None:
        self._send: Callable[[Any], None] | None = None
        self._fail: Callable[[int, str], None] | None = None
        self.method = ""
        """The method of the request it answers, once the endpoint holds it."""

    def answer(self, result: Any) -> None:
        if self._send is not None:
            send = self._send
            self._send = self._fail = None
            send(result)

    def fail(self, message: str, code: int = INVALID_PARAMS) -> None:
        if self._fail is not None:
            fail = self._fail
            self._send = self._fail = None
            fail(code, message)

    @property
    def done(self) -> bool:
        """Whether it was answered, failed, or cancelled by the client: nothing more to send."""
        return self._send is None and self._fail is None

    def answers(self, inner: Later) -> None:
        """``inner``'s answer (or failure), when it comes, is this one's."""
        inner._send = self.answer
        inner._fail = lambda code, message: self.fail(message, code)


@dataclass(frozen=True, slots=True)
class Route:
    """What to do with one method."""

    handler: Handler
    request: bool
    """Whether the method is a request (answered) rather than a notification."""


class Endpoint:
    """One client's JSON-RPC session: receives, routes, answers, and sends."""

    routes: dict[str, Route]
    """Method → route; filled by :func:`grepls.server.create_server`."""
    writer: Writer | None
    """Where messages go; ``None`` until a transport connects."""
    state: str
    """``"new"``; ``"initializing"`` once ``initialize`` is answered, until the client's next
    message (``initialized``); then ``"running"``, ``"shutdown"``, ``"exited"``."""
    exit_status: int | None
    """Set by ``exit``: 0 after ``shutdown``, else 1."""
    on_exit: Callable[[], None] | None
    """Called once when the client says ``exit``: the transport stops reading."""
    trace: TimingTrace | None
    """Stamps every message in and out when timing is traced (``--trace-timing``)."""
    input_waiting: Callable[[], bool]
    """Whether the client has sent something not read yet (set by the transport, which polls its
    input; until then, never). Long work in slices asks it, to stop early for a keystroke."""
    output_backlog: Callable[[], int]
    """How many bytes of what was sent the client has not read yet (set by the transport, as far
    as it can tell; until then, 0). Closed files' publishes wait while it is high."""

    def __init__(self) -> None:
        self.routes = {}
        self.writer = None
        self.state = "new"
        self.exit_status = None
        self.on_exit = None
        self.trace = None
        self.input_waiting = _nothing_waiting
        self.output_backlog = _nothing_unread
        self._read_ns = 0
        """When the transport's last read returned (traced only; 0: the transport does not say)."""
        self._read_cpu_ns = 0
        """The server's CPU time then (the trace's ``cpu`` clock)."""
        self._next_request = 0
        self._waiting: dict[str, tuple[Callable[[Any], None], Callable[[Any], None] | None]] = {}
        self._held: list[tuple[tuple[bytes, ...], str | None, Any, bool]] = []
        """The server's requests and notifications while ``"initializing"``, in order."""
        self._later: dict[Any, Later] = {}
        """The client's requests whose answer waits, by id: ``$/cancelRequest`` ends them."""

    # -- receiving ---------------------------------------------------------------------------

    def read_done(self) -> None:
        """The transport's read just returned: the frames it completes were read now."""
        self._read_ns = time.monotonic_ns()
        self._read_cpu_ns = time.thread_time_ns()

    def receive(self, body: bytes | memoryview | str) -> None:
        """Handle one message body. Never raises: whatever fails on the way (past the handler,
        whose failures :meth:`_handle` answers itself) is logged with its traceback and a request
        answered ``InternalError``, so that the transport reads on to the next message."""
        message: Any = _NOT_JSON
        try:
            message = _parse(body)
            if self.trace is not None:
                self._stamp_received(message, len(body))
            self._handle(message)
        except Exception:
            logger.exception("handling a message failed")
            self._failed(message)

    def _stamp_received(self, message: Any, size: int) -> None:
        assert self.trace is not None
        if self._read_ns:
            stamp, cpu = self._read_ns, self._read_cpu_ns
        else:
            stamp, cpu = time.monotonic_ns(), time.thread_time_ns()
        if isinstance(message, dict):
            self.trace.received(stamp, cpu, message.get("method"), message.get("id"), size)
        else:
            self.trace.received(stamp, cpu, None, None, size)

    def _failed(self, message: Any) -> None:
        """Answer a request whose handling failed outside its handler: ``InternalError``."""
        if not isinstance(message, dict) or "id" not in message:
            return
        method, request_id = message.get("method"), message["id"]
        if isinstance(method, str) and _valid_id(request_id):
            try:
                self._error(request_id, INTERNAL_ERROR, f"{method} failed; see the server log")
            except Exception:
                logger.exception("answering a failed %s failed too", method)

    def _handle(self, message: Any) -> None:
        if message is _NOT_JSON:
            self._error(None, PARSE_ERROR, "message is not valid JSON")
            return
        if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
            self._error(None, INVALID_REQUEST, "message is not a JSON-RPC 2.0 object")
            return
        method = message.get("method")
        if method is None and "id" in message:
            self._response(message)
            return
        request_id = message.get("id")
        is_request = "id" in message
        if not isinstance(method, str) or not _valid_id(request_id):
            if is_request or method is not None:
                self._error(
                    request_id if _valid_id(request_id) else None,
                    INVALID_REQUEST,
                    "a request needs a string method and a number or string id",
                )
            return
        if method == "exit":
            self._exit()
            return
        if method == "$/cancelRequest" and not is_request:
            # LSP: a cancelled request is still answered, with RequestCancelled; one answered
            # already, or unknown, is left alone.
            cancelled = message.get("params")
            cancelled = cancelled.get("id") if isinstance(cancelled, dict) else None
            # Only a number or a string names a request (an array or object is no key at all).
            if _valid_id(cancelled) or isinstance(cancelled, float):
                later = self._later.get(_id_key(cancelled))
                if later is not None:
                    later.fail("cancelled by the client", REQUEST_CANCELLED)
            return
        if self.state == "initializing":
            self._initialized()
        if self._refused(method, request_id, is_request):
            return
        route = self.routes.get(method)
        if route is None or route.request != is_request:
            if is_request:
                self._error(request_id, METHOD_NOT_FOUND, f"method not found: {method}")
            elif not method.startswith("$/"):
                logger.info("notification %s ignored: not handled", method)
            return
        try:
            result = route.handler(message.get("params"))
        except InvalidParams as error:
            logger.warning("invalid params for %s: %s", method, error)
            if is_request:
                # What is wrong, as the editor shows it to the user: the method is in the log.
                self._error(request_id, INVALID_PARAMS, str(error))
            return
        except Exception:
            logger.exception("%s failed", method)
            if is_request:
                self._error(request_id, INTERNAL_ERROR, f"{method} failed; see the server log")
            return
        if not is_request:
            return
        if isinstance(result, Later):
            key = _id_key(request_id)
            self._later[key] = result
            result.method = method

            def send(value: Any) -> None:
                self._later.pop(key, None)
                self.respond(request_id, value)

            def fail(code: int, text: str) -> None:
                self._later.pop(key, None)
                self._error(request_id, code, text)

            result._send, result._fail = send, fail
        else:
            self.respond(request_id, result)

    def cancel_waiting(self, reason: str, method: str) -> None:
        """Answer every request of ``method`` still waiting (for the client's own answer, or a
        scan) with ServerCancelled: each gets its answer, even when the session ends first."""
        for later in list(self._later.values()):
            if later.method == method:
                later.fail(reason, SERVER_CANCELLED)

    def _refused(self, method: str, request_id: Any, is_request: bool) -> bool:
        """Whether the lifecycle refuses this message now (answering it if it is a request)."""
        if self.state == "new" and method != "initialize":
            if is_request:
                self._error(request_id, SERVER_NOT_INITIALIZED, "the server is not initialized")
            return True
        if self.state != "new" and method == "initialize":
            self._error(request_id, INVALID_REQUEST, "initialize was already received")
            return True
        if self.state == "shutdown":
            if is_request:
                self._error(
                    request_id,
                    INVALID_REQUEST,
                    f"the server is shutting down: {method} refused; send exit",
                )
            return True
        return self.state == "exited"

    def _initialized(self) -> None:
        """The client has spoken since ``initialize`` (``initialized``, as LSP wants): it is
        ready for what the server held meanwhile."""
        self.state = "running"
        held, self._held = self._held, []
        for parts, method, request_id, ahead in held:
            self.send(*parts, method=method, request_id=request_id, ahead=ahead)

    def _exit(self) -> None:
        if self.exit_status is None:
            self.exit_status = 0 if self.state == "shutdown" else 1
        self.state = "exited"
        if self.trace is not None:
            self.trace.flush()
        if self.on_exit is not None:
            self.on_exit()

    def _response(self, message: dict[str, Any]) -> None:
        callbacks = self._waiting.pop(str(message["id"]), None)
        if callbacks is None:
            return
        on_result, on_error = callbacks
        try:
            if "error" not in message:
                on_result(message.get("result"))
            elif on_error is not None:
                on_error(message["error"])
            else:
                logger.warning("the client answered an error: %s", message["error"])
        except Exception:
            logger.exception("handling the client's response failed")

    # -- sending -----------------------------------------------------------------------------

    def send(
        self, *parts: bytes, method: str | None = None, request_id: Any = None, ahead: bool = False
    ) -> None:
        """Write one message whose body is already JSON, given in pieces (``method`` and
        ``request_id``: what it is, for the timing trace; ``ahead``: see :class:`Writer`). The
        server's own requests and notifications wait while ``"initializing"``; answers do not."""
        if self.state == "initializing" and method is not None:
            self._held.append((parts, method, request_id, ahead))
            return
        if self.writer is not None and self.state != "exited":
            self.writer.write_message(parts, ahead)
            if self.trace is not None:
                self.trace.sent(method, request_id, sum(map(len, parts)))

    def respond(self, request_id: Any, result: Any) -> None:
        if isinstance(result, JsonParts):
            body = result
        else:
            body = JsonParts((result if isinstance(result, bytes) else _dumps(result),))
        self.send(
            b'{"jsonrpc":"2.0","id":',
            _dumps(request_id),
            b',"result":',
            *body,
            b"}",
            request_id=request_id,
        )

    def notify(self, method: str, params: Any) -> None:
        self.send(_dumps({"jsonrpc": "2.0", "method": method, "params": params}), method=method)

    def request(
        self,
        method: str,
        params: Any,
        on_result: Callable[[Any], None],
        on_error: Callable[[Any], None] | None = None,
    ) -> None:
        """Ask the client something; ``on_result`` gets the result when it answers (``on_error``
        its error, if it answers one)."""
        self._next_request += 1
        # A number, not a string: Vim's LSP channel answers only requests with numbered ids.
        request_id = self._next_request
        self._waiting[str(request_id)] = (on_result, on_error)
        message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(_dumps(message), method=method, request_id=request_id)

    def _error(self, request_id: Any, code: int, message: str) -> None:
        error = {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
        self.send(_dumps(error), request_id=request_id)


_NOT_JSON = object()


def _nothing_waiting() -> bool:
    return False


def _nothing_unread() -> int:
    return 0


def _parse(body: bytes | memoryview | str) -> Any:
    """The JSON value of a body, or ``_NOT_JSON``."""
    try:
        return orjson.loads(body)  # twice as fast as json on a large didOpen
    except orjson.JSONDecodeError:
        pass
    try:
        # Lone surrogates ("\ud800"), which orjson refuses.
        return json.loads(bytes(body) if isinstance(body, memoryview) else body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nested deeper than orjson's 1,024 levels, and than Python's stack.
        return _NOT_JSON


def _valid_id(request_id: Any) -> bool:
    return request_id is None or (
        isinstance(request_id, (str, int)) and not isinstance(request_id, bool)
    )


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # a lone surrogate in a string
        return json.dumps(value).encode()


def _id_key(request_id: Any) -> Any:
    """A request id as a key: ``1`` and ``1.0`` are one id, ``"1"`` another."""
    return (type(request_id) is str, request_id)

"""What travels between client and server: the messages, their framing, and what can go wrong.

A message *from* the server is kept as it arrived: a :class:`Frame` holds its bytes and the
``time.perf_counter_ns()`` reading taken when its last byte was read, and is decoded only when
someone asks (:meth:`Frame.message`, :meth:`Frame.params`). Publishes are recognised, and their
``uri`` and ``version`` picked out, from the bytes alone (:func:`is_publish`, :func:`peek_publish`):
a publish can be megabytes, and the benchmark must not pay for decoding it while it measures.
What the client has *sent* and still waits for is a :class:`Pending` request.

A message *to* the server is a dict made by :func:`notification` (a request is a notification with
an ``id``), turned into a JSON body by :func:`encode`; on a stream each body is preceded by its
``Content-Length`` header (:func:`frame`, :func:`framed`), on a WebSocket it travels alone.

Three things go wrong, each with its exception: the server answers with an error
(:class:`LspError`), closes its output (:class:`ServerGone`), or says nothing before the deadline
(:class:`Unresponsive`) — every wait has one, :data:`DEFAULT_TIMEOUT` unless the caller says
otherwise.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

DEFAULT_TIMEOUT = 10.0
"""Seconds any one wait may take unless the caller says otherwise."""

OMITTED: Any = object()
"""Marks a message sent without ``params`` (``None`` sends ``"params": null``)."""

_PUBLISH = b"textDocument/publishDiagnostics"
_PUBLISH_COMPACT = b'"method":"textDocument/publishDiagnostics"'
_PUBLISH_METHOD = re.compile(rb'"method"\s*:\s*"textDocument/publishDiagnostics"')
_URI = re.compile(rb'"uri"\s*:\s*"((?:[^"\\]|\\.)*)"')
_VERSION = re.compile(rb'"version"\s*:\s*(-?\d+|null)')


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


def is_publish(body: bytes) -> bool:
    if _PUBLISH not in body:
        return False
    return _PUBLISH_COMPACT in body or _PUBLISH_METHOD.search(body) is not None


def peek_publish(body: bytes) -> tuple[str | None, int | None]:
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

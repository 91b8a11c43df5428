"""How the client reaches a server: the :class:`Connection` every transport provides, and
:func:`connect` for a server listening on a port.

There are three transports (:data:`TRANSPORTS`): ``stdio``, the pipes of a child process, and
``tcp``, a socket, both carry ``Content-Length`` frames (:mod:`grepls.client.stream`); ``ws``
carries one message per WebSocket message (:mod:`grepls.client.websocket`). The client sees only
:class:`Connection`: bytes go out with a deadline, whole messages come in, stamped on arrival.
"""

from __future__ import annotations

import socket
import time
from typing import Literal, Protocol

from grepls.client.messages import DEFAULT_TIMEOUT, Frame, ServerGone, Unresponsive
from grepls.client.process import ServerProcess
from grepls.client.stream import StreamConnection
from grepls.client.websocket import WebSocketConnection

Transport = Literal["stdio", "tcp", "ws"]
TRANSPORTS: tuple[Transport, ...] = ("stdio", "tcp", "ws")


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

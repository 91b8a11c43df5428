"""A raw LSP client for tests, the demo and the benchmark: plain JSON, no event loop, no threads.

Model. A :class:`Client` is one side of one conversation with a grepls server. It reaches the
server over a :class:`Connection` — the pipes of a child process (stdio), a TCP socket, or a
WebSocket — and may own that server as a :class:`ServerProcess` (``python -m grepls`` in its own
process group, so that killing it leaves nothing behind).

The modules, from the bytes up:

* :mod:`~grepls.client.messages` — errors, :class:`Frame`, :class:`Pending`, encoding and framing;
* :mod:`~grepls.client.process` — :class:`ServerProcess`, :func:`free_port`;
* :mod:`~grepls.client.stream`, :mod:`~grepls.client.websocket` — the two ways bytes become
  messages; :mod:`~grepls.client.connection` — the :class:`Connection` both provide, and
  :func:`connect`;
* :mod:`~grepls.client.answers` — how the server's requests are answered;
* :mod:`~grepls.client.conversation` — writing, filing what arrives, and the waits;
* :mod:`~grepls.client.lsp` — :class:`Client` (starting a server, the LSP verbs, stopping) and
  :func:`edit`.

Everything is imported from here: ``from grepls.client import Client, edit``.
"""

from __future__ import annotations

from grepls.client.answers import DEFAULT_ANSWERS, Answer
from grepls.client.connection import TRANSPORTS, Connection, Transport, connect
from grepls.client.conversation import Conversation
from grepls.client.lsp import Client, edit
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
    notification,
)
from grepls.client.process import SERVER, ServerProcess, free_port
from grepls.client.stream import StreamConnection
from grepls.client.websocket import WebSocketConnection

__all__ = [
    "DEFAULT_ANSWERS",
    "DEFAULT_TIMEOUT",
    "OMITTED",
    "SERVER",
    "TRANSPORTS",
    "Answer",
    "Client",
    "Connection",
    "Conversation",
    "Frame",
    "LspError",
    "Notification",
    "Pending",
    "ServerGone",
    "ServerProcess",
    "StreamConnection",
    "Transport",
    "Unresponsive",
    "WebSocketConnection",
    "connect",
    "edit",
    "encode",
    "frame",
    "framed",
    "free_port",
    "notification",
]

"""Messages on a WebSocket: one JSON-RPC message per WebSocket message, with no I/O of its own.

The protocol (handshake, masking, fragments, ping and close) is websockets' sans-I/O
``ClientProtocol``, which only turns bytes into events and events into bytes. The bytes travel
through :class:`~grepls.client.stream.StreamConnection`'s non-blocking loop, so this transport
keeps every deadline and timestamp rule of the others: :class:`WebSocketConnection` overrides only
how received bytes become messages (``_cut``), how messages are written (``send``), and the end.
websockets is imported only when a WebSocket connection is made (it is an optional dependency).
"""

from __future__ import annotations

import contextlib
import socket
import time

from grepls.client.messages import Frame, ServerGone
from grepls.client.stream import StreamConnection


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

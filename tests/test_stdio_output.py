"""stdio output room: a large publish must not wait for the editor to read it.

Editors built on libuv (Neovim) give a server a socket pair for stdio, others a pipe; either holds
less than one publish of 1,000 diagnostics (160 kB) by default, so grepls widens what it writes to.
"""

from __future__ import annotations

import fcntl
import os
import socket
import subprocess
import sys

from grepls.client import Client
from grepls.frames import LARGE_BODY_BYTES

INITIALIZE = (
    b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,'
    b'"rootUri":null,"capabilities":{}}}'
)


def framed(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def test_a_socket_pair_for_stdio_gets_a_megabyte_of_send_buffer() -> None:
    ours, theirs = socket.socketpair()
    default = theirs.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
    assert default < LARGE_BODY_BYTES  # else this test proves nothing
    server = subprocess.Popen(
        [sys.executable, "-m", "grepls"], stdin=theirs.fileno(), stdout=theirs.fileno()
    )
    try:
        ours.settimeout(30)
        ours.sendall(framed(INITIALIZE))
        answer = b""
        while b'"id":1' not in answer:  # answered: stdio is set up by now (each recv: 30 s)
            chunk = ours.recv(65536)
            assert chunk, "the server closed its output"
            answer += chunk
        # The server's end is the socket we still hold the other descriptor of.
        assert theirs.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) >= LARGE_BODY_BYTES
    finally:
        server.kill()
        server.wait(timeout=30)
        ours.close()
        theirs.close()


def test_a_pipe_for_stdout_is_widened_to_a_megabyte() -> None:
    with Client.start(timeout=30) as client:
        client.initialize()
        assert client.process is not None
        pid = client.process.pid
        # The pipe the server writes to: its stdout, seen through /proc.
        out = os.open(f"/proc/{pid}/fd/1", os.O_WRONLY | os.O_NONBLOCK)
        try:
            assert fcntl.fcntl(out, fcntl.F_GETPIPE_SZ) >= LARGE_BODY_BYTES
        finally:
            os.close(out)

"""Lifecycle: how a grepls process starts a session, ends it, and how it listens.

LSP's rules: a request before ``initialize`` is answered with ServerNotInitialized (-32002) and a
notification before it is dropped; after ``shutdown`` every request is refused with InvalidRequest
(-32600) saying the server is shutting down; ``shutdown`` then ``exit`` ends the server with status
0, ``exit`` without ``shutdown`` with 1. The server must also end on its own when its client
cannot talk to it any more — its input closes, or the client process named by
``--clientProcessId`` or ``initialize.processId`` dies (checked about once a second) — and leave
no process behind. These rules hold on every transport.

``--tcp`` serves one client per server: it listens on loopback unless ``--host`` says otherwise,
a connection that closes without a word (a port probe) does not end it, a second connection while
a session is live is closed without hearing anything of the first, and the server exits when its
session's client leaves.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from grepls.client import (
    Client,
    ServerProcess,
    Transport,
    connect,
    frame,
    framed,
    free_port,
)
from servers import TIMEOUT, TRANSPORTS, spans_of, start

URI = "file:///reliability/life.txt"
SERVER_NOT_INITIALIZED = -32002
INVALID_REQUEST = -32600


def wait_exit(server: Client, timeout: float = TIMEOUT) -> int | None:
    """The server's exit status, reading meanwhile as a client does (a WebSocket closes with a
    handshake)."""
    return server.wait_exit(timeout)


def assert_group_gone(server: Client) -> None:
    """No process is left in the server's process group (no orphans)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            raise AssertionError("processes of the server's group outlived it")
        time.sleep(0.05)


@pytest.fixture(params=TRANSPORTS)
def server(request: pytest.FixtureRequest) -> Iterator[Client]:
    """A fresh server over each transport, not yet initialized."""
    started = start(request.param)
    yield started
    started.kill()


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    """A stand-in for the editor's process, to be killed while the server watches it."""
    process = subprocess.Popen(["sleep", "60"], start_new_session=True)
    yield process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(TIMEOUT)


def small_session(server: Client) -> None:
    server.open(URI, "one TODO\ntwo\nTODO three")
    reply = server.command("grepls.setPattern", "TODO")
    assert reply["result"]["matches"] == 2
    listed = server.command("grepls.listMatches", URI)["result"]
    assert spans_of(listed) == [(0, 4, 0, 8), (2, 0, 2, 4)]


# -- ending a session ----------------------------------------------------------------------------


def test_shutdown_then_exit_exits_0(server: Client) -> None:
    server.initialize()
    small_session(server)
    assert server.request("shutdown")["result"] is None
    server.notify("exit")
    assert wait_exit(server) == 0
    assert_group_gone(server)


def test_exit_without_shutdown_exits_1(server: Client) -> None:
    server.initialize()
    small_session(server)
    server.notify("exit")
    assert wait_exit(server) == 1
    assert_group_gone(server)


def test_exits_when_its_input_closes(server: Client) -> None:
    server.initialize()
    small_session(server)
    server.close_input()
    wait_exit(server)
    assert_group_gone(server)


def test_exits_when_the_client_process_named_in_initialize_dies(
    server: Client, sleeper: subprocess.Popen[bytes]
) -> None:
    server.initialize(process_id=sleeper.pid)
    small_session(server)
    time.sleep(1.5)  # a few liveness checks while the client lives: it must stay
    assert server.alive()
    os.killpg(sleeper.pid, signal.SIGKILL)
    sleeper.wait(TIMEOUT)
    wait_exit(server, timeout=5.0)  # "about once a second", with room for a loaded machine
    assert_group_gone(server)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_exits_when_the_client_process_named_on_the_command_line_dies(
    transport: Transport, sleeper: subprocess.Popen[bytes]
) -> None:
    server = start(transport, ["--clientProcessId", str(sleeper.pid)])
    try:
        server.initialize()
        small_session(server)
        time.sleep(1.5)
        assert server.alive()
        os.killpg(sleeper.pid, signal.SIGKILL)
        sleeper.wait(TIMEOUT)
        wait_exit(server, timeout=5.0)
        assert_group_gone(server)
    finally:
        server.kill()


# -- before initialize, after shutdown -----------------------------------------------------------


def test_the_server_says_nothing_but_its_answer_until_the_client_is_initialized(
    server: Client, tmp_path: Path
) -> None:
    """Settings given at ``initialize`` (the workspace scope, a pattern) start a scan at once,
    which asks for progress, registers its file watch and publishes: all of it waits for the
    client's ``initialized``. VS Code answered such early requests with errors, and was left
    without the watch and the progress."""
    (tmp_path / "a.txt").write_text("one TODO\n")
    capabilities = {
        "window": {"workDoneProgress": True},
        "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}},
    }
    options = {"scope": "workspace", "pattern": "TODO"}
    params = {
        "processId": None,
        "rootUri": tmp_path.as_uri(),
        "workspaceFolders": [{"uri": tmp_path.as_uri(), "name": "t"}],
        "capabilities": capabilities,
        "initializationOptions": options,
    }
    assert "capabilities" in server.result("initialize", params)
    server.drain(quiet=0.5)  # the scan has long found a.txt by now
    assert (server.server_requests, server.notifications, server.publishes) == ([], [], [])
    server.notify("initialized", {})
    found = server.wait_publish((tmp_path / "a.txt").as_uri())
    assert len(found.diagnostics()) == 1
    asked = [r.method for r in server.server_requests]
    assert asked[:2] == ["window/workDoneProgress/create", "client/registerCapability"]


def test_a_request_before_initialize_is_refused_and_initialize_then_works(server: Client) -> None:
    # Notifications before initialize are dropped: this document is never opened.
    server.open(URI, "TODO before initialize")
    server.notify("workspace/didChangeConfiguration", {"settings": {"grepls": {"pattern": "x"}}})
    for method, params in [
        ("workspace/executeCommand", {"command": "grepls.setPattern", "arguments": ["TODO"]}),
        (
            "textDocument/documentHighlight",
            {
                "textDocument": {"uri": URI},
                "position": {"line": 0, "character": 0},
            },
        ),
        ("shutdown", None),
    ]:
        reply = server.request(method, params)
        assert "error" in reply, f"{method} before initialize was answered: {reply}"
        assert reply["error"]["code"] == SERVER_NOT_INITIALIZED, reply["error"]
    assert server.alive()
    result = server.initialize()
    assert result["capabilities"]["positionEncoding"] == "utf-16"
    reply = server.command("grepls.setPattern", "TODO")
    assert reply["result"]["matches"] == 0, "a didOpen sent before initialize was not dropped"
    small_session(server)
    assert server.stop() == 0


def test_a_request_after_shutdown_is_invalid_request_and_exit_then_exits_0(
    server: Client,
) -> None:
    server.initialize()
    small_session(server)
    assert server.request("shutdown")["result"] is None
    for method, params in [
        ("workspace/executeCommand", {"command": "grepls.listMatches", "arguments": [URI]}),
        ("textDocument/diagnostic", {"textDocument": {"uri": URI}}),
        ("shutdown", None),
    ]:
        reply = server.request(method, params)
        assert "error" in reply, f"{method} after shutdown was answered: {reply}"
        assert reply["error"]["code"] == INVALID_REQUEST, reply["error"]
        assert re.search(r"shut(ting)?\s*down", reply["error"]["message"], re.IGNORECASE)
    server.notify("exit")
    assert wait_exit(server) == 0
    assert_group_gone(server)


def test_a_lone_surrogate_regex_in_initialization_options_is_reported_and_skipped(
    server: Client,
) -> None:
    result = server.initialize(options={"pattern": "\ud800", "regex": True})
    assert "capabilities" in result
    server.pump(lambda: bool(server.shown()), what="a window/showMessage about the pattern")
    assert any("pattern" in shown["message"] for shown in server.shown()), server.shown()
    small_session(server)
    assert server.stop() == 0


# -- TCP: one client per server ------------------------------------------------------------------


def listening_addresses(port: int) -> set[str]:
    """Local addresses of TCP sockets listening on ``port`` (from /proc/net/tcp, IPv4)."""
    found = set()
    with open("/proc/net/tcp") as table:
        next(table)
        for row in table:
            fields = row.split()
            address, port_hex = fields[1].split(":")
            if int(port_hex, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                raw = bytes.fromhex(address)[::-1]
                found.add(".".join(str(b) for b in raw))
    return found


@pytest.mark.parametrize("host", [None, "127.0.0.2"])
def test_tcp_listens_on_loopback_unless_told_otherwise(host: str | None) -> None:
    port = free_port()
    server = start("tcp", port=port, **({"host": host} if host else {}))
    try:
        assert listening_addresses(port) == {host or "127.0.0.1"}
        server.initialize()
        small_session(server)
        assert server.request("shutdown")["result"] is None
        server.notify("exit")
        assert wait_exit(server) == 0
        assert_group_gone(server)
    finally:
        server.kill()


def probe(port: int, process: ServerProcess) -> None:
    """Connect to ``port`` once the server listens, and hang up without a word."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), TIMEOUT).close()
            return
        except OSError:
            assert process.alive(), process.stderr_text()
            assert time.monotonic() < deadline, "the server never listened"
            time.sleep(0.05)


def test_tcp_a_port_probe_does_not_end_the_server() -> None:
    port = free_port()
    process = ServerProcess(["--tcp", "--port", str(port)], pipes=False)
    client = None
    try:
        probe(port, process)
        time.sleep(0.5)
        assert process.alive(), "a connection that sent nothing ended the server"
        client = Client(connect("tcp", "127.0.0.1", port, process=process), process)
        client.initialize()
        small_session(client)
        assert client.stop() == 0
    finally:
        (client or process).kill()


def read_until_closed(sock: socket.socket, timeout: float) -> tuple[bytes, bool]:
    """Everything ``sock`` receives within ``timeout``, and whether the peer closed it."""
    sock.settimeout(0.1)
    received = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = sock.recv(1 << 16)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return received, True
        if not data:
            return received, True
        received += data
    return received, False


def test_tcp_a_second_connection_is_refused_and_hears_nothing_of_the_first() -> None:
    port = free_port()
    first = start("tcp", port=port)
    try:
        first.initialize()
        first.open(URI, "one TODO\ntwo\nTODO three")
        try:
            second = socket.create_connection(("127.0.0.1", port), TIMEOUT)
        except ConnectionRefusedError:
            second = None  # refused outright: as good as closed at once
        if second is not None:
            with second:
                # The second client speaks; the first keeps talking meanwhile.
                second.sendall(
                    framed({"jsonrpc": "2.0", "id": 1, "method": "shutdown"})
                    + frame(b'{"jsonrpc":"2.0","method":"exit"}')
                )
                small_session(first)
                first.barrier()
                heard, closed = read_until_closed(second, 3.0)
                assert heard == b"", f"the second connection received: {heard[:300]!r}"
                assert closed, "the server kept a second connection open"
        small_session(first)
        assert first.alive()
        assert first.stop() == 0
    finally:
        first.kill()


def test_tcp_the_server_exits_when_its_client_hangs_up() -> None:
    server = start("tcp")
    try:
        server.initialize()
        small_session(server)
        server.connection.close()
        assert server.process is not None
        assert server.process.wait(TIMEOUT) == 1  # no shutdown came first
        assert_group_gone(server)
    finally:
        server.kill()


def test_ws_connections_opened_before_the_session_are_not_served_nor_end_it() -> None:
    """Two WebSocket connections open before the session begins: one sends a request once the
    session runs (it is closed, 1013, hearing nothing, and its request is not run), the other
    says nothing and hangs up (a probe). Neither ends the session."""
    pytest.importorskip("websockets")
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect as ws_connect

    port = free_port()
    process = ServerProcess(["--ws", "--port", str(port)], pipes=False)
    client = None
    early = []
    connections = contextlib.ExitStack()
    try:
        deadline = time.monotonic() + TIMEOUT
        while len(early) < 2:
            try:
                opened = ws_connect(f"ws://127.0.0.1:{port}", open_timeout=TIMEOUT)
                early.append(connections.enter_context(opened))
            except OSError:
                assert process.alive(), process.stderr_text()
                assert time.monotonic() < deadline, "the server never listened"
                time.sleep(0.05)
        speaker, silent = early
        client = Client(connect("ws", "127.0.0.1", port, process=process), process)
        client.initialize()
        small_session(client)
        command = {"command": "grepls.setPattern", "arguments": ["INJECTED"]}
        speaker.send(
            '{"jsonrpc": "2.0", "id": "early", "method": "workspace/executeCommand", '
            f'"params": {json.dumps(command)}}}'
        )
        with pytest.raises(ConnectionClosed) as closed:
            heard = speaker.recv(timeout=TIMEOUT)
            raise AssertionError(f"the early connection heard: {heard[:300]!r}")
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
        silent.close()
        time.sleep(0.3)
        small_session(client)  # the search is still TODO, not INJECTED
        assert client.alive()
        assert client.stop() == 0
    finally:
        connections.close()
        (client or process).kill()


# -- cancelling ------------------------------------------------------------------------------------

REQUEST_CANCELLED = -32800


def test_a_waiting_request_cancelled_is_answered_request_cancelled(server: Client) -> None:
    """A pull client's ``workspace/diagnostic`` with nothing new waits (a long poll); cancelled,
    it is answered at once with RequestCancelled, as LSP wants, and a later change does not
    answer it again. Cancelling an unknown or answered id changes nothing."""
    server.initialize(
        capabilities={
            "general": {"positionEncodings": ["utf-16"]},
            "textDocument": {"diagnostic": {}},
            "workspace": {"diagnostics": {"refreshSupport": True}},
        }
    )
    waiting = server.send_request("workspace/diagnostic", {"previousResultIds": []})
    server.drain(0.3)
    assert waiting not in server.responses  # nothing new: it waits
    server.notify("$/cancelRequest", {"id": 99_999})  # unknown
    server.notify("$/cancelRequest", {"id": waiting})
    reply = server.response(waiting)
    assert reply["error"]["code"] == REQUEST_CANCELLED
    small_session(server)  # a pattern set, matches shown: the cancelled request stays answered
    server.drain(0.3)
    assert waiting not in server.responses
    server.notify("$/cancelRequest", {"id": waiting})  # answered already
    small_session(server)

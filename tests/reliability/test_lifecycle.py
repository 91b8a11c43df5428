"""Lifecycle: how a grepls process ends, and how it listens.

LSP's rules: ``shutdown`` then ``exit`` ends the server with status 0; ``exit`` without
``shutdown`` ends it with 1. The server must also end on its own when its client cannot talk to it
any more — its input closes, or the client process named in ``initialize.processId`` dies (checked
about once a second) — and leave no process behind. ``--tcp`` listens on loopback unless ``--host``
says otherwise.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from lsp_wire import TIMEOUT, LspProcess, free_port, spans_of

URI = "file:///reliability/life.txt"


def wait_exit(server: LspProcess, timeout: float = TIMEOUT) -> int:
    try:
        return server.process.wait(timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the server did not exit within {timeout}s") from None


def assert_group_gone(server: LspProcess) -> None:
    """No process is left in the server's process group (no orphans)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            os.killpg(server.process.pid, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            raise AssertionError("processes of the server's group outlived it")
        time.sleep(0.05)


@pytest.fixture
def server() -> LspProcess:
    started = LspProcess()
    yield started
    started.kill()


def small_session(server: LspProcess) -> None:
    server.open(URI, "one TODO\ntwo\nTODO three")
    reply = server.command("grepls.setPattern", "TODO")
    assert reply["result"]["matches"] == 2
    listed = server.command("grepls.listMatches", URI)["result"]
    assert spans_of(listed) == [(0, 4, 0, 8), (2, 0, 2, 4)]


def test_shutdown_then_exit_exits_0(server: LspProcess) -> None:
    server.initialize()
    small_session(server)
    assert server.request("shutdown")["result"] is None
    server.notify("exit", None)
    assert wait_exit(server) == 0
    assert_group_gone(server)


def test_exit_without_shutdown_exits_1(server: LspProcess) -> None:
    server.initialize()
    small_session(server)
    server.notify("exit", None)
    assert wait_exit(server) == 1
    assert_group_gone(server)


def test_exits_when_its_input_closes(server: LspProcess) -> None:
    server.initialize()
    small_session(server)
    server._input.close()
    wait_exit(server)
    assert_group_gone(server)


def test_exits_when_the_client_process_dies(server: LspProcess) -> None:
    client = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    )
    try:
        server.initialize(process_id=client.pid)
        small_session(server)
        time.sleep(1.5)  # a few liveness checks while the client lives: it must stay
        assert server.alive()
        os.killpg(client.pid, signal.SIGKILL)
        client.wait(TIMEOUT)
        started = time.monotonic()
        wait_exit(server, timeout=5.0)  # "about once a second", with room for a loaded machine
        assert time.monotonic() - started < 5.0
        assert_group_gone(server)
    finally:
        if client.poll() is None:
            os.killpg(client.pid, signal.SIGKILL)
            client.wait(TIMEOUT)


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
    arguments = ["--tcp", "--port", str(port)] + (["--host", host] if host else [])
    server = LspProcess(arguments, tcp_port=port)
    try:
        assert listening_addresses(port) == {host or "127.0.0.1"}
        server.initialize()
        small_session(server)
        assert server.request("shutdown")["result"] is None
        server.notify("exit", None)
        assert wait_exit(server) == 0
        assert_group_gone(server)
    finally:
        server.kill()

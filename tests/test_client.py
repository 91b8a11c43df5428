"""The raw client (grepls.client) against a scripted peer: framing, filing, answers, deadlines."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest
from grepls.client import Client, LspError, ServerGone, StreamConnection, Unresponsive, framed


@pytest.fixture
def pair() -> Iterator[tuple[Client, socket.socket]]:
    """A client on one end of a socket pair; the test plays the server on the other."""
    ours, theirs = socket.socketpair()
    client = Client(StreamConnection.of_socket(ours), timeout=2.0)
    theirs.settimeout(2.0)
    yield client, theirs
    client.kill()
    theirs.close()


def read_message(peer: socket.socket) -> dict[str, object]:
    """One framed message the client wrote."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += peer.recv(1)
    header, _, body = data.partition(b"\r\n\r\n")
    length = int(header.split(b":")[1])
    while len(body) < length:
        body += peer.recv(length - len(body))
    message: dict[str, object] = json.loads(body)
    return message


def publish(uri: str, version: int | None, count: int) -> dict[str, object]:
    diagnostic = {
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}
    }
    params = {"uri": uri, "version": version, "diagnostics": [diagnostic] * count}
    return {"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": params}


def test_frames_cut_anywhere_are_filed_by_kind(pair: tuple[Client, socket.socket]) -> None:
    client, server = pair
    stream = b"".join(
        [
            framed(publish("file:///a%20b.txt", 3, 2)),
            framed({"jsonrpc": "2.0", "id": 1, "result": {"ok": True}}),
            framed({"jsonrpc": "2.0", "method": "window/showMessage", "params": {"message": "hi"}}),
            framed({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "bad"}}),
            framed(publish("file:///a%20b.txt", None, 0)),
        ]
    )
    for at in range(0, len(stream), 7):  # in small pieces, headers cut in the middle
        server.sendall(stream[at : at + 7])
        client.wait_arrival(time.monotonic() + 0.001)  # each piece read on its own
    client.pump(lambda: len(client.publishes) == 2, what="two publishes")
    first, last = client.publishes
    assert (first.uri, first.version, len(first.diagnostics())) == ("file:///a%20b.txt", 3, 2)
    assert (last.uri, last.version) == ("file:///a%20b.txt", None)
    assert client.published("file:///a%20b.txt") == publish("file:///a%20b.txt", None, 0)["params"]
    assert first.received_ns <= last.received_ns
    assert client.response(1) == {"jsonrpc": "2.0", "id": 1, "result": {"ok": True}}
    assert client.shown() == [{"message": "hi"}]
    assert client.orphans[0]["error"]["code"] == -32700


def test_server_requests_are_answered_as_configured(pair: tuple[Client, socket.socket]) -> None:
    client, server = pair

    def refuse(params: object) -> object:
        raise LspError("no edits here", -32803)

    client.answers["workspace/applyEdit"] = refuse
    requests = [
        ("workspace/configuration", {"items": [{"section": "grepls"}, {}]}),
        ("workspace/diagnostic/refresh", None),
        ("window/workDoneProgress/create", {"token": "t"}),
        ("workspace/applyEdit", {"edit": {}}),
    ]
    for number, (method, params) in enumerate(requests):
        server.sendall(framed({"jsonrpc": "2.0", "id": number, "method": method, "params": params}))
    client.pump(lambda: len(client.server_requests) == 4, what="four requests")
    answers = [read_message(server) for _ in requests]
    assert [answer["id"] for answer in answers] == [0, 1, 2, 3]
    assert answers[0]["result"] == [None, None]
    assert answers[1]["result"] is None and answers[2]["result"] is None
    assert answers[3]["error"] == {"code": -32803, "message": "no edits here", "data": None}


def test_a_silent_server_fails_the_wait_at_its_deadline(pair: tuple[Client, socket.socket]) -> None:
    client, server = pair
    started = time.monotonic()
    with pytest.raises(Unresponsive):
        client.request("shutdown", timeout=0.3)
    assert 0.3 <= time.monotonic() - started < 2.0
    assert read_message(server)["method"] == "shutdown"


def test_a_server_that_hangs_up_ends_the_wait_at_once(pair: tuple[Client, socket.socket]) -> None:
    client, server = pair
    server.sendall(framed({"jsonrpc": "2.0", "id": 5, "result": None}))
    server.close()
    started = time.monotonic()
    with pytest.raises(ServerGone):
        client.pump(lambda: 6 in client.responses, what="a response that never comes")
    assert time.monotonic() - started < 1.0
    with pytest.raises(ServerGone):
        client.notify("exit")
    assert client.responses[5]["result"] is None  # what came before the end was filed

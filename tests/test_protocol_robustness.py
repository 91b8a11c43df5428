"""Whatever one message does, the server answers what it can and reads on to the next.

In process (through :meth:`grepls.rpc.Endpoint.receive`, as every transport hands bodies on) and
end to end, against the real server on stdio, ``--tcp`` and ``--ws``: a ``$/cancelRequest``
naming an id that is an array or an object, a body nested deeper than any JSON parser here
reads, and a message whose handling fails outside its handler. On the byte streams the bad
message and the next request go in one write, as a client's burst does; on WebSocket, one
message after the other. The next request must be answered, the server must stay up, and its
log must hold no traceback but for the failure it was made to have. On the byte streams, too,
a frame whose ``Content-Length`` is too long by less than what follows it, and a header whose
name only ends in ``Content-Length``, cost no request (the reader's own cases are in
``test_frames.py``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from grepls.client import TRANSPORTS, Client, Transport, encode, frame, notification
from inprocess import InProcess

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INTERNAL_ERROR = -32603
TIMEOUT = 10.0

BAD_CANCELS = [[1], {"a": 1}, [], {}, True, [[1, 2], {"id": 3}]]

# 1,100 levels: past orjson's 1,024, so the standard library's parser is asked, and past the
# recursion it allows; 100,000: far past both.
DEEP = [b"[" * depth + b"]" * depth for depth in (1_100, 100_000)] + [
    b'{"a":' * 100_000 + b"1" + b"}" * 100_000
]

# A server whose endpoint fails on one method (a stand-in for a fault not found yet), started
# the way `python -m grepls` is: in ``_handle`` (outside any handler: the endpoint answers), or in
# ``receive`` itself (escaping the endpoint: the transport must read on).
FAULTY_SERVER = """
import sys
from grepls import rpc
from grepls.__main__ import main

original = rpc.Endpoint.{method}

def names_the_fault(message):
    if isinstance(message, dict):
        return message.get("method") == "test/fault"
    if isinstance(message, str):
        message = message.encode()
    return b'"test/fault"' in bytes(message)

def faulty(self, message):
    if names_the_fault(message):
        raise RuntimeError("a fault outside any handler")
    original(self, message)

rpc.Endpoint.{method} = faulty
sys.exit(main())
"""


def list_patterns(request_id: int) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "workspace/executeCommand",
        "params": {"command": "grepls.listPatterns"},
    }


# -- in process ----------------------------------------------------------------------------------


@pytest.mark.parametrize("cancelled", BAD_CANCELS, ids=repr)
def test_a_cancel_naming_an_array_or_object_is_ignored(cancelled: Any) -> None:
    server = InProcess()
    server.notify("$/cancelRequest", {"id": cancelled})
    assert server.command("grepls.listPatterns") == []
    assert not [message for message in server.written if "error" in message]


@pytest.mark.parametrize("body", DEEP, ids=["1100-deep", "100000-deep", "100000-deep-object"])
def test_a_body_nested_too_deep_to_read_is_a_parse_error(body: bytes) -> None:
    server = InProcess()
    server.server.endpoint.receive(body)
    error = server.written[-1]
    assert error["id"] is None
    assert error["error"]["code"] == PARSE_ERROR
    assert server.command("grepls.listPatterns") == []


def test_a_body_nested_as_deep_as_orjson_reads_is_an_invalid_request() -> None:
    server = InProcess()
    server.server.endpoint.receive(b"[" * 1_000 + b"]" * 1_000)
    assert server.written[-1]["error"]["code"] == INVALID_REQUEST


def test_a_request_whose_handling_fails_outside_its_handler_gets_internal_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    server = InProcess()
    endpoint = server.server.endpoint
    handle = endpoint._handle

    def faulty(message: Any) -> None:
        if isinstance(message, dict) and message.get("method") == "test/fault":
            raise RuntimeError("a fault outside any handler")
        handle(message)

    monkeypatch.setattr(endpoint, "_handle", faulty)
    with caplog.at_level(logging.ERROR, logger="grepls.rpc"):
        endpoint.receive(encode({"jsonrpc": "2.0", "id": "f", "method": "test/fault"}))
        endpoint.receive(encode(notification("test/fault")))
    assert server.written[-1] == {
        "jsonrpc": "2.0",
        "id": "f",
        "error": {"code": INTERNAL_ERROR, "message": "test/fault failed; see the server log"},
    }
    failures = [record for record in caplog.records if record.exc_info is not None]
    assert len(failures) == 2  # both logged with their traceback; the notification unanswered
    assert server.written[-1]["id"] == "f"
    assert server.command("grepls.listPatterns") == []


# -- end to end, on every transport --------------------------------------------------------------


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> Transport:
    return request.param  # type: ignore[no-any-return]


def started(transport: Transport, argv: list[str] | None = None) -> Client:
    options: dict[str, Any] = {} if argv is None else {"argv": argv}
    client = Client.start(transport=transport, timeout=TIMEOUT, **options)
    client.initialize()
    return client


@pytest.fixture
def server(transport: Transport) -> Iterator[Client]:
    client = started(transport)
    try:
        yield client
    finally:
        client.kill()


def send_together(client: Client, *bodies: bytes) -> None:
    """In one write on a byte stream (the server reads them in one go); one message each on
    WebSocket."""
    if client.connection.streams:
        client.write_raw(b"".join(frame(body) for body in bodies))
    else:
        for body in bodies:
            client.write_raw(body)


def stopped(client: Client) -> tuple[int | None, str]:
    """End the session politely; return the exit status and everything the server logged."""
    assert "error" not in client.request("shutdown")
    client.notify("exit")
    status = client.wait_exit()
    return status, client.stderr_text()  # read before kill() closes the log


def assert_still_serving(client: Client, request_id: int) -> None:
    reply = client.response(request_id)
    assert reply.get("result") == [], reply
    assert client.alive()
    assert client.command("grepls.listPatterns")["result"] == []


def test_a_cancel_naming_an_array_or_object_leaves_the_server_serving(server: Client) -> None:
    for number, cancelled in enumerate(BAD_CANCELS):
        cancel = encode(notification("$/cancelRequest", {"id": cancelled}))
        send_together(server, cancel, encode(list_patterns(9000 + number)))
        assert_still_serving(server, 9000 + number)
    assert not server.orphans
    status, log = stopped(server)
    assert status == 0
    assert "Traceback" not in log, log


def test_a_body_nested_too_deep_to_read_gets_a_parse_error(server: Client) -> None:
    for number, body in enumerate(DEEP):
        send_together(server, body, encode(list_patterns(9100 + number)))
        assert_still_serving(server, 9100 + number)
        error = server.orphans.pop()
        assert error["id"] is None
        assert error["error"]["code"] == PARSE_ERROR
    status, log = stopped(server)
    assert status == 0
    assert "Traceback" not in log, log


def test_a_message_whose_handling_fails_gets_internal_error_and_the_next_is_read(
    transport: Transport,
) -> None:
    client = started(transport, [sys.executable, "-c", FAULTY_SERVER.format(method="_handle")])
    try:
        fault = {"jsonrpc": "2.0", "id": 9200, "method": "test/fault"}
        send_together(client, encode(fault), encode(list_patterns(9201)))
        error = client.response(9200)["error"]
        assert error["code"] == INTERNAL_ERROR
        assert_still_serving(client, 9201)
        send_together(client, encode(notification("test/fault")), encode(list_patterns(9202)))
        assert_still_serving(client, 9202)
        status, log = stopped(client)
        assert status == 0
        # Each failure logged once, with its traceback, and nothing else failed.
        assert log.count("RuntimeError: a fault outside any handler") == 2, log
        assert log.count("Traceback") == 2, log
    finally:
        client.kill()


def test_a_fault_escaping_the_endpoint_costs_that_message_only(transport: Transport) -> None:
    """The transport's own guard: the failed message is logged, and the next one read."""
    client = started(transport, [sys.executable, "-c", FAULTY_SERVER.format(method="receive")])
    try:
        fault = {"jsonrpc": "2.0", "id": 9300, "method": "test/fault"}
        send_together(client, encode(fault), encode(list_patterns(9301)))
        assert_still_serving(client, 9301)
        assert 9300 not in client.responses  # unanswered: nothing past the endpoint knows how
        status, log = stopped(client)
        assert status == 0
        assert log.count("RuntimeError: a fault outside any handler") == 1, log
        assert log.count("Traceback") == 1, log
    finally:
        client.kill()


# -- wrong frames, end to end on the byte streams ------------------------------------------------

STREAMS = [transport for transport in TRANSPORTS if transport != "ws"]


@pytest.mark.parametrize("excess", [1, 9, 50, "the next frame"])
@pytest.mark.parametrize("stream", STREAMS)
def test_a_length_too_long_by_less_than_what_follows_costs_no_message(
    stream: Transport, excess: int | str
) -> None:
    """The bad frame's own request and the two after it are all answered, whether the server
    reads them in one go or not."""
    client = started(stream)
    try:
        first, second, third = (encode(list_patterns(number)) for number in (9400, 9401, 9402))
        extra = len(frame(second)) if isinstance(excess, str) else excess
        client.write_raw(b"Content-Length: %d\r\n\r\n" % (len(first) + extra) + first)
        client.write_raw(frame(second))
        client.write_raw(frame(third))
        for number in (9400, 9401, 9402):
            assert client.response(number).get("result") == [], number
        assert not client.orphans
        status, log = stopped(client)
        assert status == 0
        assert "Traceback" not in log, log
    finally:
        client.kill()


@pytest.mark.parametrize("stream", STREAMS)
def test_a_header_named_like_content_length_does_not_override_it(stream: Transport) -> None:
    client = started(stream)
    try:
        body = encode(list_patterns(9500))
        headers = b"Content-Length: %d\r\nX-Original-Content-Length: 3\r\n\r\n" % len(body)
        client.write_raw(headers + body)
        assert client.response(9500).get("result") == []
        assert not client.orphans
    finally:
        client.kill()

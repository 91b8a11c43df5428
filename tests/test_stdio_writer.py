"""stdio writing ahead: documents pushed after a pattern change do not hold up the next search.

After a pattern change each document is pushed as soon as it is searched again. A publish of
thousands of diagnostics is larger than the pipe, so writing it waits for the editor to read; the
server leaves that wait to a writer thread and searches the next document meanwhile. These tests
start the real server on pipes and read nothing while it works: the event loop's thread must not
be the one waiting in the pipe, and everything must still arrive, whole and in order, even when
the editor says ``exit`` before it has read a byte of it.

A publish of long rows (twenty patterns' matches on a line) is written from its rows, a piece
each, with ``writev`` instead of one joined string: the pieces must arrive whole and in order
however the editor reads them, through a descriptor that blocks or not. The test with a real
server runs on TCP and WebSocket too, whose writers are handed the same pieces, and with a client
that pulls, whose full reports come in pieces as well.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from grepls.client import Client
from grepls.client.connection import Transport
from grepls.client.messages import encode, frame
from grepls.render import item_pieces
from grepls.transport import StreamWriter, write_pieces

TIMEOUT = 30.0
DOCUMENTS = 3
LINES = 12_000
"""``TODO`` on every line: about 2 MB a publish, twice what the widened pipe holds."""


def framed(message: dict[str, Any]) -> bytes:
    return frame(encode({"jsonrpc": "2.0", **message}))


def read_message(stream: Any) -> dict[str, Any] | None:
    """The next message, or ``None`` at the end of the output."""
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        if line == b"\r\n":
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    assert length is not None, "a frame without Content-Length"
    message: dict[str, Any] = json.loads(stream.read(length))
    return message


def thread_waits(pid: int) -> dict[int, str]:
    """What each of ``pid``'s threads waits in (``/proc``'s wchan; ``0``: running)."""
    waits = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            waits[int(task.name)] = (task / "wchan").read_text()
        except OSError:  # the thread ended meanwhile
            continue
    return waits


@contextmanager
def server_with_documents() -> Iterator[subprocess.Popen[bytes]]:
    """A server on pipes, initialized, holding ``DOCUMENTS`` open documents and no pattern.
    It is killed after ``TIMEOUT`` seconds, which ends any read of its output that would wait."""
    server = subprocess.Popen(
        [sys.executable, "-m", "grepls"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert server.stdin is not None and server.stdout is not None
    watchdog = threading.Timer(TIMEOUT, server.kill)
    watchdog.start()
    try:
        options = {"maxMatchesPerDocument": 100_000}
        server.stdin.write(
            framed(
                {
                    "id": 1,
                    "method": "initialize",
                    "params": {"capabilities": {}, "initializationOptions": options},
                }
            )
        )
        server.stdin.write(framed({"method": "initialized", "params": {}}))
        for n in range(DOCUMENTS):
            item = {"uri": f"file:///d{n}.txt", "languageId": "plaintext", "version": 1}
            item["text"] = "TODO\n" * LINES
            server.stdin.write(
                framed({"method": "textDocument/didOpen", "params": {"textDocument": item}})
            )
        server.stdin.flush()
        first = read_message(server.stdout)
        assert first is not None and first.get("id") == 1
        yield server
    finally:
        watchdog.cancel()
        server.kill()
        server.wait(TIMEOUT)


def set_pattern(server: subprocess.Popen[bytes], request_id: int) -> None:
    assert server.stdin is not None
    params = {"command": "grepls.setPattern", "arguments": ["TODO"]}
    server.stdin.write(
        framed({"id": request_id, "method": "workspace/executeCommand", "params": params})
    )
    server.stdin.flush()


def test_the_event_loop_goes_on_while_a_pushed_document_waits_for_the_editor() -> None:
    with server_with_documents() as server:
        set_pattern(server, 2)
        # Nothing is read: the first publish fills the pipe. The writer thread waits in it; the
        # event loop searches the other documents and goes back to waiting for input.
        deadline = time.monotonic() + TIMEOUT
        while True:
            waits = thread_waits(server.pid)
            main = waits.pop(server.pid, "")
            if "epoll" in main and any("pipe_write" in wait for wait in waits.values()):
                break
            assert time.monotonic() < deadline, f"threads still waiting in {waits}"
            time.sleep(0.01)
        assert server.stdout is not None
        uris = []
        while len(uris) < DOCUMENTS:
            message = read_message(server.stdout)
            assert message is not None, "the output ended early"
            if message.get("method") == "textDocument/publishDiagnostics":
                assert len(message["params"]["diagnostics"]) == LINES
                uris.append(message["params"]["uri"])
        assert uris == [f"file:///d{n}.txt" for n in range(DOCUMENTS)]


def test_what_waits_for_the_editor_still_goes_out_when_it_exits_without_reading() -> None:
    with server_with_documents() as server:
        assert server.stdin is not None and server.stdout is not None
        set_pattern(server, 2)
        server.stdin.write(framed({"id": 3, "method": "shutdown", "params": None}))
        server.stdin.write(framed({"method": "exit", "params": None}))
        server.stdin.flush()
        time.sleep(0.2)  # exit handled while the publishes still fill the pipe
        received = []
        while (message := read_message(server.stdout)) is not None:
            received.append(message)
        assert server.wait(TIMEOUT) == 0
        published = [
            (m["params"]["uri"], len(m["params"]["diagnostics"]))
            for m in received
            if m.get("method") == "textDocument/publishDiagnostics"
        ]
        assert published == [(f"file:///d{n}.txt", LINES) for n in range(DOCUMENTS)]
        answered = [m["id"] for m in received if "id" in m and "method" not in m]
        assert answered == [2, 3]  # setPattern's answer, then shutdown's, in order


def test_an_output_that_fails_is_reported_and_dropped_not_left_to_a_dead_thread(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failures: list[threading.ExceptHookArgs] = []
    hook, threading.excepthook = threading.excepthook, failures.append
    full = open("/dev/full", "wb")  # noqa: SIM115 -- every write fails: ENOSPC
    try:
        writer = StreamWriter(full)
        writer.write_message([b"x" * 100_000], ahead=True)  # from the writer thread
        writer.write_message([b"y"])  # after it: through the thread too
        writer.close(timeout=TIMEOUT)
        writer.write_message([b"z"])  # the output is given up: nothing is tried
    finally:
        threading.excepthook = hook
        with suppress(OSError):  # what the failed write left in the buffer fails again
            full.close()
    assert failures == []
    failed = [r for r in caplog.records if "writing to the client failed" in r.getMessage()]
    assert len(failed) == 1


def drain(fd: int, into: bytearray, pause: float = 0.0) -> threading.Thread:
    """A thread reading ``fd`` into ``into`` until its end, 4 kB a read (``pause`` s between).
    It closes ``fd`` when it stops, so a writer left alone fails at once instead of waiting."""

    def run() -> None:
        try:
            while chunk := os.read(fd, 4096):
                into.extend(chunk)
                if pause:
                    time.sleep(pause)
        finally:
            os.close(fd)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def varied_pieces() -> list[bytes]:
    """Three times as many pieces as one writev takes, of sizes from one byte to 100 kB, each
    telling its place (so that a piece lost, repeated or moved shows)."""
    return [
        b"<%d:%s>" % (n, b"x" * (n * 37 % 100_000 if n % 50 == 0 else n % 300)) for n in range(3100)
    ]


@pytest.mark.parametrize("blocking", [True, False], ids=["blocking", "non-blocking"])
def test_a_message_in_thousands_of_pieces_arrives_whole_and_in_order(blocking: bool) -> None:
    pieces = varied_pieces()
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, blocking)
    with suppress(OSError):  # the pipe as small as Linux allows: every writev stops part-way
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    received = bytearray()
    reader = drain(read_end, received, pause=0.0005)
    try:
        write_pieces(write_end, pieces)
    finally:
        os.close(write_end)
        reader.join(TIMEOUT)
    assert not reader.is_alive(), "the reader never saw the end"
    assert bytes(received) == b"".join(pieces)


@pytest.mark.parametrize("ahead", [False, True], ids=["written-at-once", "from-the-thread"])
def test_the_stdio_writer_frames_a_message_of_many_pieces_like_one_of_a_single_part(
    ahead: bool,
) -> None:
    pieces = varied_pieces()
    outputs = []
    for message in (pieces, [b"".join(pieces)]):
        read_end, write_end = os.pipe()
        received = bytearray()
        reader = drain(read_end, received)
        with os.fdopen(write_end, "wb") as stream:
            writer = StreamWriter(stream)
            writer.write_message([b"{"], ahead=ahead)  # ahead: what follows goes to the thread
            writer.write_message(message)
            writer.write_message([b"}"])
            writer.close(TIMEOUT)
        reader.join(TIMEOUT)
        outputs.append(bytes(received))
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"Content-Length") == 3


def test_a_publish_of_long_rows_goes_in_pieces_and_one_of_short_rows_in_one() -> None:
    long_rows = [b'{"n":%d,"pad":"%s"}' % (n, b"x" * 2000) for n in range(300)]
    pieces = item_pieces(long_rows)
    assert len(pieces) == 2 * len(long_rows) - 1
    assert json.loads(b"[" + b"".join(pieces) + b"]") == [json.loads(r) for r in long_rows]
    short_rows = [b'{"n":%d}' % n for n in range(30_000)]
    assert item_pieces(short_rows) == [b",".join(short_rows)]
    assert item_pieces(long_rows[:10]) == [b",".join(long_rows[:10])]  # small: one piece
    assert item_pieces([]) == [b""]


TWENTY = (
    [{"pattern": f"TODO{n}", "id": f"literal{n}"} for n in range(10)]
    + [{"pattern": "todo", "caseSensitive": False, "id": f"word{n}"} for n in range(5)]
    + [{"pattern": "T.D", "regex": True, "id": f"regex{n}"} for n in range(5)]
)
"""Twenty patterns over a line of ``TODO0 TODO1 ... TODO9``: each literal matches one token, each
of the others all ten, so a line holds 110 diagnostics (a row of about 16 kB)."""


def counts_by_code(diagnostics: list[dict[str, Any]], line: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for diagnostic in diagnostics:
        if diagnostic["range"]["start"]["line"] == line:
            counts[diagnostic["code"]] = counts.get(diagnostic["code"], 0) + 1
    return counts


PULL = {
    "textDocument": {"diagnostic": {"dynamicRegistration": False}},
    "workspace": {"diagnostics": {"refreshSupport": True}},
}
"""A client that pulls diagnostics (as VS Code does): full reports come in parts too."""


def diagnostics_of(client: Client, uri: str, version: int, pull: bool) -> list[dict[str, Any]]:
    """The document's diagnostics for ``version``: its publish, or its report when pulled."""
    if not pull:
        return client.wait_publish(uri, version).diagnostics()
    report = client.result("textDocument/diagnostic", {"textDocument": {"uri": uri}})
    assert report["kind"] == "full"
    items: list[dict[str, Any]] = report["items"]
    return items


@pytest.mark.parametrize(
    ("transport", "pull"),
    [("stdio", False), ("tcp", False), ("ws", False), ("stdio", True)],
    ids=["stdio", "tcp", "ws", "stdio-pull"],
)
def test_a_real_server_sends_twenty_patterns_on_long_lines_whole_after_each_edit(
    transport: Transport, pull: bool
) -> None:
    lines = 100
    text = " ".join(f"TODO{n}" for n in range(10)) + "\n"
    uri = "file:///long.txt"
    with Client.start(transport=transport, timeout=TIMEOUT) as client:
        options = {"maxMatchesPerDocument": 100_000, "patterns": TWENTY}
        client.initialize(options=options, capabilities=PULL if pull else None)
        client.open(uri, text * lines)
        opened = diagnostics_of(client, uri, 1, pull)
        every_line = {f"literal{n}": 1 for n in range(10)}
        every_line |= {f"word{n}": 10 for n in range(5)} | {f"regex{n}": 10 for n in range(5)}
        assert len(opened) == 110 * lines
        assert all(counts_by_code(opened, line) == every_line for line in range(lines))
        third = [d for d in opened if d["code"] == "literal3" and d["range"]["start"]["line"] == 7]
        assert third[0]["range"] == {
            "start": {"line": 7, "character": 18},
            "end": {"line": 7, "character": 23},
        }
        # Typed into line 50's TODO0: that line's row is rendered again, the others kept.
        typed = {"start": {"line": 50, "character": 1}, "end": {"line": 50, "character": 1}}
        client.change(uri, 2, [{"range": typed, "text": "x"}])
        edited = diagnostics_of(client, uri, 2, pull)
        # "TxODO0": no literal0, and one match fewer for each word and regex pattern.
        broken = {code: count - (count > 1) for code, count in every_line.items()}
        del broken["literal0"]
        assert counts_by_code(edited, 50) == broken
        assert [d for d in edited if d["range"]["start"]["line"] != 50] == [
            d for d in opened if d["range"]["start"]["line"] != 50
        ]
        if pull:
            assert client.find_publish(uri) is None  # nothing pushed to a client that pulls

"""stdio writing ahead: documents pushed after a pattern change do not hold up the next search.

After a pattern change each document is pushed as soon as it is searched again. A publish of
thousands of diagnostics is larger than the pipe, so writing it waits for the editor to read; the
server leaves that wait to a writer thread and searches the next document meanwhile. These tests
start the real server on pipes and read nothing while it works: the event loop's thread must not
be the one waiting in the pipe, and everything must still arrive, whole and in order, even when
the editor says ``exit`` before it has read a byte of it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from grepls.client.messages import encode, frame
from grepls.transport import StreamWriter

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

"""A small synchronous LSP client that drives a real grepls process over its stdio pipes.

Why not pytest-lsp here: Hypothesis stateful tests run thousands of short sequences inside one
synchronous test function, and asyncio fixtures mix badly with that. This client is plain blocking
I/O: a reader thread turns the server's stdout into parsed messages on a queue, and the test thread
takes them off with a deadline, so every wait is bounded and a silent server fails fast.

Model: the test thread owns all state. Responses are filed by request id; publishDiagnostics are
kept as the latest per URI; showMessage notifications are collected; requests from the server
(configuration, refresh) are answered with a null result so the server never waits.
The process runs in its own session (process group), and :meth:`LspProcess.kill` ends the group.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from stuck import Stuck

SERVER = [sys.executable, "-m", "grepls"]
TIMEOUT = 10.0

_CLOSED = object()  # queued by the reader when the server's stdout ends


def frame(body: bytes) -> bytes:
    """One message as sent on the wire: a Content-Length header, then ``body``."""
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def framed(message: dict[str, Any]) -> bytes:
    """``message`` encoded as JSON and framed."""
    return frame(json.dumps(message).encode("utf-8"))


class ServerGone(AssertionError):
    """The server closed its output (or died) while a test was waiting for it."""


class Unresponsive(Stuck):
    """The server did not answer in time (a hang: not worth shrinking, see :mod:`stuck`)."""


class LspProcess:
    """One grepls server process and the client side of its conversation."""

    def __init__(self, arguments: list[str] | None = None, *, tcp_port: int | None = None) -> None:
        """Start the server; talk over its stdio, or over TCP to ``tcp_port`` on ``--host``."""
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the process)
        pipes = tcp_port is None
        self.process = subprocess.Popen(
            [*SERVER, *(arguments or [])],
            stdin=subprocess.PIPE if pipes else subprocess.DEVNULL,
            stdout=subprocess.PIPE if pipes else subprocess.DEVNULL,
            stderr=self.stderr,
            start_new_session=True,
        )
        self.socket: socket.socket | None = None
        if pipes:
            self._input: Any = self.process.stdin
            self._output: Any = self.process.stdout
        else:
            host = (
                (arguments or [])[arguments.index("--host") + 1]
                if "--host" in (arguments or [])
                else "127.0.0.1"
            )
            self.socket = _connect(host, tcp_port, self.process)
            self._input = self.socket.makefile("wb")
            self._output = self.socket.makefile("rb")
        self._ids = itertools.count(1)
        self._inbox: queue.Queue[Any] = queue.Queue()
        self.responses: dict[Any, dict[str, Any]] = {}
        self.publishes: dict[str, dict[str, Any]] = {}
        self.messages: list[dict[str, Any]] = []
        self.unexpected: list[dict[str, Any]] = []
        self.closed = False
        threading.Thread(target=self._read, daemon=True).start()

    # -- wire ------------------------------------------------------------------------------------

    def _read(self) -> None:
        stream = self._output
        try:
            while True:
                length = None
                while True:
                    header = stream.readline()
                    if not header:
                        return
                    if header in (b"\r\n", b"\n"):
                        break
                    name, _, value = header.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if length is None:
                    continue
                body = stream.read(length)
                if len(body) < length:
                    return
                self._inbox.put(json.loads(body))
        except (OSError, ValueError) as error:
            self._inbox.put({"reader-error": repr(error)})
        finally:
            self._inbox.put(_CLOSED)

    def write_raw(self, data: bytes) -> None:
        """Write bytes to the server as they are (any framing is the caller's) and flush them."""
        self._input.write(data)
        self._input.flush()

    def send_body(self, body: bytes) -> None:
        """Write one framed message whose body is given as bytes (possibly not JSON at all)."""
        self.write_raw(frame(body))

    def send(self, message: dict[str, Any]) -> None:
        self.write_raw(framed(message))

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def send_request(self, method: str, params: Any = None) -> int:
        request_id = next(self._ids)
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return request_id

    # -- receiving -------------------------------------------------------------------------------

    def _take(self, timeout: float) -> bool:
        """File one message from the server; False if none came within ``timeout``."""
        try:
            message = self._inbox.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return False
        if message is _CLOSED:
            self.closed = True
            return True
        if "reader-error" in message:
            raise AssertionError(f"unreadable output from the server: {message['reader-error']}")
        if "method" in message and "id" in message:
            # A request from the server: answer it so it never waits on us.
            result: Any = None
            if message["method"] == "workspace/configuration":
                result = [None for _ in message.get("params", {}).get("items", [])]
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})
            self.messages.append(message)
        elif "method" in message:
            if message["method"] == "textDocument/publishDiagnostics":
                self.publishes[message["params"]["uri"]] = message["params"]
            else:
                self.messages.append(message)
        elif "id" in message and message["id"] is not None:
            self.responses[message["id"]] = message
        else:
            self.unexpected.append(message)  # e.g. an error response with a null id
        return True

    def pump(self, until: Any, timeout: float = TIMEOUT, what: str = "") -> None:
        """Read messages until ``until()`` holds; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not until():
            if self.closed:
                raise ServerGone(f"server closed its output while waiting for {what or until}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise Unresponsive(f"timed out after {timeout}s waiting for {what or until}")
            self._take(left)

    def drain(self, quiet: float = 0.05) -> None:
        """Read whatever arrives until the server has been silent for ``quiet`` seconds."""
        while self._take(quiet) and not self.closed:
            pass

    def response(self, request_id: int, timeout: float = TIMEOUT) -> dict[str, Any]:
        self.pump(lambda: request_id in self.responses, timeout, f"response {request_id}")
        return self.responses.pop(request_id)

    def request(self, method: str, params: Any = None, timeout: float = TIMEOUT) -> dict[str, Any]:
        """Send a request and return the whole response message (``result`` or ``error``)."""
        return self.response(self.send_request(method, params), timeout)

    def result(self, method: str, params: Any = None, timeout: float = TIMEOUT) -> Any:
        reply = self.request(method, params, timeout)
        if "error" in reply:
            raise AssertionError(f"{method} failed: {reply['error']}")
        return reply["result"]

    def command(self, name: str, *arguments: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
        return self.request(
            "workspace/executeCommand", {"command": name, "arguments": list(arguments)}, timeout
        )

    def barrier(self) -> None:
        """Return once the server has handled everything sent so far *and* published what it
        deferred: the server flushes publishes when it next waits for input, which the second of
        two sequential round trips guarantees has happened."""
        for _ in range(2):
            self.command("grepls.listMatches", "barrier:")

    # -- session ---------------------------------------------------------------------------------

    def initialize(
        self,
        encoding: str | None = "utf-16",
        process_id: int | None = None,
        options: Any = None,
        capabilities: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if capabilities is None:
            capabilities = {}
            if encoding is not None:
                capabilities["general"] = {"positionEncodings": [encoding]}
        params: dict[str, Any] = {
            "processId": process_id,
            "rootUri": None,
            "capabilities": capabilities,
        }
        if options is not None:
            params["initializationOptions"] = options
        result = self.result("initialize", params)
        self.notify("initialized", {})
        return result

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "plaintext",
                    "version": version,
                    "text": text,
                }
            },
        )

    def change(self, uri: str, version: int | None, changes: list[dict[str, Any]]) -> None:
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes},
        )

    def close_document(self, uri: str) -> None:
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def alive(self) -> bool:
        return self.process.poll() is None

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")

    def stop(self, timeout: float = 5.0) -> int | None:
        """End the session politely (shutdown, exit), then make sure the whole group is gone."""
        if self.alive() and not self.closed:
            with contextlib.suppress(Exception):
                self.request("shutdown", None, timeout)
                self.notify("exit", None)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout)
        self.kill()
        return self.process.returncode

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        for stream in (self._input, self._output, self.socket):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self.stderr.close()


def _connect(host: str, port: int, process: subprocess.Popen[bytes]) -> socket.socket:
    """Connect to a server that is still starting up, within the usual deadline."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            connection = socket.create_connection((host, port), timeout=TIMEOUT)
            connection.settimeout(None)  # the reader thread blocks; deadlines are the caller's
            return connection
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def edit(start: tuple[int, int], end: tuple[int, int], text: str) -> dict[str, Any]:
    """A ranged content change."""
    return {
        "range": {
            "start": {"line": start[0], "character": start[1]},
            "end": {"line": end[0], "character": end[1]},
        },
        "text": text,
    }


def spans_of(items: list[dict[str, Any]]) -> list[tuple[int, int, int, int]]:
    """Ranges of diagnostics, highlights or listMatches items, as tuples in the order given."""
    return [
        (
            item["range"]["start"]["line"],
            item["range"]["start"]["character"],
            item["range"]["end"]["line"],
            item["range"]["end"]["character"],
        )
        for item in items
    ]


def listed(items: list[dict[str, Any]]) -> list[tuple[tuple[int, int, int, int], str]]:
    """``grepls.listMatches`` items as (range tuple, line text) pairs, in the order given."""
    return [(span, item["text"]) for span, item in zip(spans_of(items), items, strict=True)]

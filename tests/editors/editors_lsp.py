"""A small LSP client over the real server's stdio, for configs whose editor is not available.

Helix and Sublime Text are not packaged for Debian, so their tests speak for them: start
`grepls` exactly as the config says, initialize like a push-diagnostics client, open a
document, and send the `workspace/executeCommand` requests the config's key bindings and
palette entries would send. Every read has a deadline; the server runs in its own process group.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

READ_TIMEOUT_S = 15.0


class LspError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.code = error.get("code")


class StdioClient:
    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        os.set_blocking(self.process.stdout.fileno(), False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.process.stdout, selectors.EVENT_READ)
        self._buffer = b""
        self._next_id = 0
        self.notifications: list[dict[str, Any]] = []

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._selector.close()

    def __enter__(self) -> StdioClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while True:
            header_end = self._buffer.find(b"\r\n\r\n")
            if header_end != -1:
                headers = self._buffer[:header_end].decode("ascii").split("\r\n")
                length = next(
                    int(h.split(":", 1)[1])
                    for h in headers
                    if h.lower().startswith("content-length:")
                )
                start = header_end + 4
                if len(self._buffer) >= start + length:
                    body = self._buffer[start : start + length]
                    self._buffer = self._buffer[start + length :]
                    message: dict[str, Any] = json.loads(body)
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no message from grepls in time")
            if self._selector.select(remaining):
                assert self.process.stdout is not None
                chunk = self.process.stdout.read(65536)
                if not chunk:
                    raise EOFError("grepls closed its stdout")
                self._buffer += chunk

    def request(self, method: str, params: Any) -> Any:
        self._next_id += 1
        request_id = self._next_id
        self._send({"id": request_id, "method": method, "params": params})
        deadline = time.monotonic() + READ_TIMEOUT_S
        while True:
            message = self._read_message(deadline)
            if message.get("id") == request_id and "method" not in message:
                if "error" in message:
                    raise LspError(message["error"])
                return message.get("result")
            self._handle(message)

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def _handle(self, message: dict[str, Any]) -> None:
        if "id" in message and "method" in message:
            # A request from the server (configuration, registration): answer as a plain client.
            result: Any = None
            if message["method"] == "workspace/configuration":
                result = [None for _ in message["params"]["items"]]
            self._send({"id": message["id"], "result": result})
        elif "method" in message:
            self.notifications.append(message)

    def wait_for_diagnostics(self, uri: str, count: int) -> list[dict[str, Any]]:
        """The first publishDiagnostics for uri with `count` entries (earlier ones are dropped)."""
        deadline = time.monotonic() + READ_TIMEOUT_S
        while True:
            for index, note in enumerate(self.notifications):
                params = note.get("params") or {}
                if (
                    note["method"] == "textDocument/publishDiagnostics"
                    and params.get("uri") == uri
                    and len(params.get("diagnostics", [])) == count
                ):
                    del self.notifications[: index + 1]
                    diagnostics: list[dict[str, Any]] = params["diagnostics"]
                    return diagnostics
            self._handle(self._read_message(deadline))

    def initialize(self, root: Path) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "initialize",
            {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}},
        )
        self.notify("initialized", {})
        return result

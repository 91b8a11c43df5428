"""A grepls server driven in this process along the production road, without a transport.

Messages go in as JSON bodies through :meth:`~grepls.rpc.Endpoint.receive`, and every message
ends a batch (:meth:`~grepls.server.Server.after_batch`), as a transport that reads one message
at a time would do; what the server writes is decoded and kept. Tests then look into the server's
documents directly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from grepls.server import Server, create_server


class InProcess:
    """One in-process server, initialized, with everything it wrote."""

    def __init__(
        self, encoding: str = "utf-16", options: Any = None, capabilities: Any = None
    ) -> None:
        self.server: Server = create_server()
        self.written: list[dict[str, Any]] = []
        self.server.endpoint.writer = self
        self._next = 0
        capabilities = {"general": {"positionEncodings": [encoding]}, **(capabilities or {})}
        self.request("initialize", {"capabilities": capabilities, "initializationOptions": options})
        self.notify("initialized", {})

    def write_message(self, parts: Sequence[bytes], ahead: bool = False) -> None:
        self.written.append(json.loads(b"".join(parts)))

    def send(self, message: dict[str, Any]) -> None:
        self.server.endpoint.receive(json.dumps({"jsonrpc": "2.0", **message}).encode())
        self.server.after_batch()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        """Send a request; return its result, or raise AssertionError with its error."""
        self._next += 1
        self.send({"id": self._next, "method": method, "params": params})
        for message in self.written:
            if message.get("id") == self._next and "method" not in message:
                if "error" in message:
                    raise AssertionError(message["error"])
                return message["result"]
        raise AssertionError(f"no answer to {method}")

    def command(self, name: str, *arguments: Any) -> Any:
        return self.request("workspace/executeCommand", {"command": name, "arguments": arguments})

    def open(self, uri: str, text: str, version: int = 1) -> None:
        item = {"uri": uri, "languageId": "plaintext", "version": version, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": item})

    def change(self, uri: str, version: int, changes: list[dict[str, Any]]) -> None:
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes},
        )

    def close(self, uri: str) -> None:
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def published(self, uri: str) -> list[dict[str, Any]]:
        """The diagnostics of the last publish for ``uri``."""
        for message in reversed(self.written):
            publish = message.get("method") == "textDocument/publishDiagnostics"
            if publish and message["params"]["uri"] == uri:
                return list(message["params"]["diagnostics"])
        raise AssertionError(f"nothing published for {uri}")

    def messages(self, method: str) -> list[Any]:
        return [m["params"] for m in self.written if m.get("method") == method]

    def messages_since(self, start: int, method: str) -> list[Any]:
        """The params of the messages ``method`` written from the ``start``-th on."""
        return [m["params"] for m in self.written[start:] if m.get("method") == method]

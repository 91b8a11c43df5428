"""The editor's floor: a language server that publishes a single diagnostic, and nothing else.

Not the thing under test. It answers the same commands the editors' configs send
(``grepls.setPattern`` and ``grepls.clearPattern``) and, after every ``didChange``, publishes one
diagnostic: on the first changed line when the change inserts text (the bench's keystroke that
makes a match: a pasted line, or the ``O`` of ``TODO``), else on line 0 (the keystroke that
deletes it again). So an editor shows
"the typed match" after the same keystroke as with grepls, having read one diagnostic instead of
thousands: what remains is the editor's own cost of a keystroke and a publish — its floor.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def read_message(stream: Any) -> Any:
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        return None
    return json.loads(stream.read(length))


def write_message(message: Any) -> None:
    body = json.dumps(message).encode()
    sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    sys.stdout.buffer.flush()


def publish(uri: str, version: Any, line: int) -> None:
    diagnostic = {
        "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 4}},
        "severity": 3,
        "source": "grepls",
        "message": 'matches "TODO"',
    }
    params = {"uri": uri, "diagnostics": [diagnostic]}
    if version is not None:
        params["version"] = version
    write_message({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": params})


def main() -> int:
    stdin = sys.stdin.buffer
    while (message := read_message(stdin)) is not None:
        method, params = message.get("method"), message.get("params") or {}
        if "id" in message and method is None:
            continue  # a response to nothing we asked
        result: Any = None
        if method == "initialize":
            result = {
                "capabilities": {
                    "textDocumentSync": {"openClose": True, "change": 2},
                    "executeCommandProvider": {
                        "commands": ["grepls.setPattern", "grepls.clearPattern"]
                    },
                },
                "serverInfo": {"name": "grepls-floor"},
            }
        elif method == "workspace/executeCommand":
            arguments = params.get("arguments") or [None]
            pattern = arguments[0] if arguments else None
            if isinstance(pattern, dict):
                pattern = pattern.get("pattern")
            result = {"pattern": pattern, "matches": 1, "complete": True}
        elif method == "textDocument/didOpen":
            document = params["textDocument"]
            publish(document["uri"], document.get("version"), 0)
        elif method == "textDocument/didChange":
            document = params["textDocument"]
            line = 0
            for change in params.get("contentChanges", []):
                if "range" in change and change.get("text"):  # the first that inserts
                    line = change["range"]["start"]["line"]
                    if change["text"].startswith("\n"):  # inserted after a line's end
                        line += 1
                    break
            publish(document["uri"], document.get("version"), line)
        elif method == "exit":
            return 0
        elif "id" in message and method != "shutdown":
            write_message(
                {
                    "jsonrpc": "2.0",
                    "id": message["id"],
                    "error": {"code": -32601, "message": f"{method} not served"},
                }
            )
            continue
        if "id" in message:
            write_message({"jsonrpc": "2.0", "id": message["id"], "result": result})
    return 0


if __name__ == "__main__":
    sys.exit(main())

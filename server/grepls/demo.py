"""The demo: what an editor receives from grepls, printed as ``path:line:col: message``.

``python -m grepls.demo FILE... --pattern TODO`` starts the real server (``python -m grepls``) as a
child process, talks LSP to it over its stdin/stdout exactly as an editor does — initialize, open
each file, ``workspace/executeCommand grepls.setPattern`` — and prints every diagnostic it
publishes, with 1-based lines and columns like grep and compilers print them (columns count
characters, as editors show them). Then it edits the first file and prints what changed, and shuts
the server down.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from grepls.lines import split_lines
from grepls.positions import column_to_index


class Client:
    """A minimal LSP client over a child process's stdio."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.next_id = 0
        self.responses: dict[Any, asyncio.Future[Any]] = {}
        self.published: dict[str, list[dict[str, Any]]] = {}
        self.publish_event = asyncio.Event()
        self.reader = asyncio.ensure_future(self._read())

    def _send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.responses[self.next_id] = future
        self._send({"id": self.next_id, "method": method, "params": params})
        return await asyncio.wait_for(future, 30)

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    async def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            length = 0
            while (line := await stdout.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                for future in self.responses.values():
                    if not future.done():
                        future.set_exception(RuntimeError("the server exited"))
                return
            message = json.loads(await stdout.readexactly(length))
            if "id" in message and "method" not in message:
                waiting = self.responses.pop(message["id"], None)
                if waiting is not None and not waiting.done():
                    if "error" in message:
                        waiting.set_exception(RuntimeError(message["error"]["message"]))
                    else:
                        waiting.set_result(message.get("result"))
            elif message.get("method") == "textDocument/publishDiagnostics":
                params = message["params"]
                self.published[params["uri"]] = params["diagnostics"]
                self.publish_event.set()
            elif "id" in message:  # a request from the server, e.g. workspace/configuration
                self._send({"id": message["id"], "result": None})

    async def settle(self, quiet: float = 0.3) -> None:
        """Wait until the server has published nothing for ``quiet`` seconds."""
        while True:
            self.publish_event.clear()
            try:
                await asyncio.wait_for(self.publish_event.wait(), quiet)
            except asyncio.TimeoutError:
                return


def print_matches(client: Client, files: dict[str, Path], texts: dict[str, str]) -> None:
    for uri, path in files.items():
        lines, _ = split_lines(texts[uri])
        published = client.published.get(uri, [])
        for diagnostic in sorted(
            published, key=lambda d: (d["range"]["start"]["line"], d["range"]["start"]["character"])
        ):
            start = diagnostic["range"]["start"]
            column = column_to_index(lines[start["line"]], start["character"], "utf-16")
            print(f"{path}:{start['line'] + 1}:{column + 1}: {diagnostic['message']}")


async def run(paths: list[Path], pattern: str, regex: bool) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "grepls",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    client = Client(process)
    await client.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    client.notify("initialized", {})
    files = {path.resolve().as_uri(): path for path in paths}
    texts = {uri: path.read_text(encoding="utf-8") for uri, path in files.items()}
    for uri, text in texts.items():
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "plaintext", "version": 1, "text": text}},
        )
    result = await client.request(
        "workspace/executeCommand",
        {"command": "grepls.setPattern", "arguments": [{"pattern": pattern, "regex": regex}]},
    )
    await client.settle()
    print(f"# grepls.setPattern {pattern!r} -> {result['matches']} matches")
    print_matches(client, files, texts)

    # Type a new match at the top of the first file, as an editor would send it.
    first = next(iter(files))
    client.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": first, "version": 2},
            "contentChanges": [
                {
                    "range": {
                        "start": {"line": 0, "character": 0},
                        "end": {"line": 0, "character": 0},
                    },
                    "text": f"{pattern} typed in the editor\n",
                },
            ],
        },
    )
    texts[first] = f"{pattern} typed in the editor\n" + texts[first]
    await client.settle()
    print(f"# after typing a line at the top of {files[first]}:")
    print_matches(client, {first: files[first]}, texts)

    await client.request("shutdown", None)
    client.notify("exit", None)
    return await asyncio.wait_for(process.wait(), 10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--pattern", default="TODO")
    parser.add_argument("--regex", action="store_true")
    arguments = parser.parse_args()
    return asyncio.run(run(arguments.files, arguments.pattern, arguments.regex))


if __name__ == "__main__":
    sys.exit(main())

"""The command line: --version, --help, and serving over WebSocket on loopback."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time

from grepls import __version__

GREPLS = [sys.executable, "-m", "grepls"]


def test_version_and_help() -> None:
    version = subprocess.run([*GREPLS, "--version"], capture_output=True, text=True, timeout=30)
    assert version.stdout.strip() == f"grepls {__version__}"
    usage = subprocess.run([*GREPLS, "--help"], capture_output=True, text=True, timeout=30)
    for flag in ("--stdio", "--tcp", "--ws", "--host", "--port", "--clientProcessId"):
        assert flag in usage.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_websocket_clients_get_matches() -> None:
    from websockets.asyncio.client import connect

    port = free_port()
    server = subprocess.Popen([*GREPLS, "--ws", "--port", str(port)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = await connect(f"ws://127.0.0.1:{port}")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)
        async with connection as ws:

            async def send(message: dict[str, object]) -> None:
                await ws.send(json.dumps({"jsonrpc": "2.0", **message}))

            async def receive(predicate: object) -> dict[str, object]:
                while True:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 30))
                    if predicate(message):  # type: ignore[operator]
                        return message  # type: ignore[no-any-return]

            await send({"id": 1, "method": "initialize", "params": {"capabilities": {}}})
            await receive(lambda m: m.get("id") == 1)
            await send({"method": "initialized", "params": {}})
            await send(
                {
                    "method": "textDocument/didOpen",
                    "params": {
                        "textDocument": {
                            "uri": "file:///ws.txt",
                            "languageId": "text",
                            "version": 1,
                            "text": "a TODO\n",
                        }
                    },
                }
            )
            await send(
                {
                    "id": 2,
                    "method": "workspace/executeCommand",
                    "params": {"command": "grepls.setPattern", "arguments": ["TODO"]},
                }
            )
            published = await receive(
                lambda m: (
                    m.get("method") == "textDocument/publishDiagnostics"
                    and m["params"]["diagnostics"]
                )
            )
            params = published["params"]
            assert params["diagnostics"][0]["range"]["start"] == {"line": 0, "character": 2}  # type: ignore[index]
    finally:
        server.kill()
        server.wait(10)

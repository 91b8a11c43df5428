"""The command line: --version, --help, and serving over WebSocket on loopback."""

from __future__ import annotations

import subprocess
import sys

from grepls import __version__
from grepls.client import Client

GREPLS = [sys.executable, "-m", "grepls"]


def test_version_and_help() -> None:
    version = subprocess.run([*GREPLS, "--version"], capture_output=True, text=True, timeout=30)
    assert version.stdout.strip() == f"grepls {__version__}"
    usage = subprocess.run([*GREPLS, "--help"], capture_output=True, text=True, timeout=30)
    for flag in ("--stdio", "--tcp", "--ws", "--host", "--port", "--clientProcessId"):
        assert flag in usage.stdout


def test_websocket_clients_get_matches() -> None:
    with Client.start(transport="ws", timeout=30) as client:
        client.initialize(None)
        client.open("file:///ws.txt", "a TODO\n", language="text")
        assert client.command("grepls.setPattern", "TODO")["result"]["matches"] == 1
        client.pump(lambda: bool((client.published("file:///ws.txt") or {}).get("diagnostics")))
        published = client.published("file:///ws.txt")
        assert published is not None
        assert published["diagnostics"][0]["range"]["start"] == {"line": 0, "character": 2}

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


def test_ws_without_its_extra_says_how_to_get_it() -> None:
    blocked = (
        "import sys; sys.modules['websockets'] = None\n"
        "from grepls.__main__ import main\nmain(['--ws'])"
    )
    run = subprocess.run(
        [sys.executable, "-c", blocked], capture_output=True, text=True, timeout=30
    )
    assert run.returncode == 2
    assert "--ws needs the websockets package" in run.stderr
    assert "ws extra" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_log_level_is_read_in_either_case() -> None:
    run = subprocess.run(
        [*GREPLS, "--log-level", "debug"], stdin=subprocess.DEVNULL, capture_output=True, timeout=30
    )
    assert run.returncode == 1  # input closed before exit: 1, as the protocol says
    assert b"invalid choice" not in run.stderr


def test_an_input_the_event_loop_cannot_watch_ends_the_server() -> None:
    """/dev/null (as a service manager may give): read in a thread, its end seen at once."""
    run = subprocess.run(GREPLS, stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    assert run.returncode == 1
    assert b"Error" not in run.stderr, run.stderr

"""The command line: --version, --help, and serving over WebSocket on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

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


def _refused(*arguments: str) -> str:
    """What grepls says on stderr as it refuses to start with ``arguments`` (and no traceback)."""
    run = subprocess.run(
        [*GREPLS, *arguments], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30
    )
    assert run.returncode != 0, run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    return run.stderr


def test_mistakes_on_the_command_line_are_one_line_each(tmp_path: Path) -> None:
    assert "not a port (0 to 65535): '99999'" in _refused("--tcp", "--port", "99999")
    assert "--port goes with --tcp or --ws" in _refused("--port", "3001")
    assert "--host goes with --tcp or --ws" in _refused("--host", "0.0.0.0")
    missing = str(tmp_path / "no" / "x.log")
    assert f"--log-file {missing}: No such file or directory" in _refused("--log-file", missing)
    assert "Is a directory" in _refused("--log-file", str(tmp_path))
    assert "--trace-timing" in _refused("--trace-timing", missing)
    assert "cannot listen on nosuch.invalid:2087" in _refused("--tcp", "--host", "nosuch.invalid")


def test_a_port_already_taken_is_said_in_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for transport in ("--tcp", "--ws"):
            said = _refused(transport, "--port", str(port))
            assert f"grepls: cannot listen on 127.0.0.1:{port}: " in said
            assert "in use" in said

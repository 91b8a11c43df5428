"""Running a real editor headless, bounded in time, leaving no process behind.

Each editor runs in its own session (process group), so the editor and the `grepls` server it
spawns can be killed together: on timeout, and again after a normal exit in case the editor left
its server running. HOME and the XDG directories point into the test's temp dir so no personal
config leaks in, and `.venv/bin` comes first on PATH so the snippets' plain `grepls` starts the
server from this checkout.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from editors_fixture import Match, matches, phases
from editors_readme import REPO

VENV_BIN = REPO / ".venv" / "bin"
EDITOR_TIMEOUT_S = 90  # below pytest-timeout's 120 s, so our cleanup runs first


def require_binary(name: str) -> str:
    """The editor's path; in CI a missing editor fails the test, locally it skips it.
    ``GREPLS_TEST_<NAME>`` names another one to run instead (``GREPLS_TEST_EMACS``: the Emacs
    from Debian's backports, see ``emacs_backport.py``)."""
    chosen = os.environ.get(f"GREPLS_TEST_{name.upper()}")
    path = (
        chosen if chosen and os.access(chosen, os.X_OK) else None if chosen else shutil.which(name)
    )
    if path:
        return path
    message = (
        f"{chosen} (GREPLS_TEST_{name.upper()}) is not there"
        if chosen
        else f"{name} is not installed (make test-editors installs it from Debian's packages)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def require_server() -> None:
    grepls = VENV_BIN / "grepls"
    if not grepls.exists():
        pytest.fail(f"{grepls} is missing: the package is not installed in the venv")
    probe = subprocess.run(
        [str(grepls), "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    if probe.returncode != 0:
        pytest.fail(f"grepls --version failed: {probe.stderr.strip() or probe.stdout.strip()}")


def editor_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("VIMINIT", "EXINIT", "MYVIMRC", "NVIM_LISTEN_ADDRESS", "NVIM", "EMACSLOADPATH"):
        env.pop(name, None)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        XDG_CACHE_HOME=str(home / ".cache"),
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}",
        TERM="dumb",
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
    )
    return env


@dataclass
class EditorRun:
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def run_editor(argv: list[str], env: dict[str, str], cwd: Path) -> EditorRun:
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=EDITOR_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        stdout, stderr = process.communicate()
        pytest.fail(
            f"{argv[0]} did not finish within {EDITOR_TIMEOUT_S}s and was killed\n"
            f"--- stdout\n{stdout.decode(errors='replace')}\n"
            f"--- stderr\n{stderr.decode(errors='replace')}"
        )
    finally:
        _kill_group(process.pid)
    return EditorRun(
        process.returncode, stdout.decode(errors="replace"), stderr.decode(errors="replace")
    )


def run_in_terminal(
    argv: list[str], env: dict[str, str], cwd: Path, rows: int = 24, columns: int = 80
) -> EditorRun:
    """``argv`` on a terminal of its own (a pseudo-terminal of ``rows`` by ``columns``, its
    controlling terminal), for an editor whose windows need a real height; what it draws is read
    and dropped, so it never blocks on a full terminal."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

    def take_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env={**env, "TERM": "xterm"},
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,
        preexec_fn=take_terminal,
    )
    os.close(terminal)
    drawn = bytearray()
    deadline = time.monotonic() + EDITOR_TIMEOUT_S
    try:
        while process.poll() is None and time.monotonic() < deadline:
            readable, _, _ = select.select([controller], [], [], 0.1)
            if readable:
                try:
                    drawn += os.read(controller, 65536)
                except OSError:  # the editor closed its terminal
                    process.wait(timeout=10)
        if process.poll() is None:
            pytest.fail(f"{argv[0]} did not finish within {EDITOR_TIMEOUT_S}s and was killed")
    finally:
        _kill_group(process.pid)
        process.wait(timeout=10)
        os.close(controller)
    return EditorRun(process.returncode, drawn[-4000:].decode(errors="replace"), "")


def run_emacs_batch(
    config_text: str, driver: Path, env: dict[str, str], workdir: Path, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """Batch Emacs with ``config_text`` (written to the test's folder) and then ``driver``; a
    non-zero exit fails the test with the end of Emacs's output."""
    emacs = require_binary("emacs")
    config = workdir / "grepls-config.el"
    config.write_text(config_text, encoding="utf-8")
    done = subprocess.run(
        [emacs, "--batch", "-q", "-l", str(config), "-l", str(driver)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=EDITOR_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def read_report(path: Path, run: EditorRun) -> dict[str, object]:
    """The JSON the driver wrote; its absence means the driver died, which is a failure."""
    if not path.exists():
        pytest.fail(f"the editor wrote no report\n{run.describe()}")
    report = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(report, dict)
    return report


def passing_report(path: Path, run: EditorRun) -> dict[str, object]:
    """The driver's report, after checking that neither it nor the editor saw an error."""
    report = read_report(path, run)
    assert report["errors"] == [], f"{report['errors']}\n{run.describe()}"
    assert run.returncode == 0, run.describe()
    return report


def run_driver(
    argv: list[str], env: dict[str, str], workdir: Path, plan_file: Path
) -> dict[str, Any]:
    """Run an editor with its driver on the plan in the test's project; its passing report."""
    env["GREPLS_PLAN"] = str(plan_file)
    run = run_editor(argv, env, workdir / "project")
    return passing_report(workdir / "report.json", run)


def check_phases(
    report: dict[str, Any], row: Callable[[Match], dict[str, object]], text_key: str = "message"
) -> None:
    """Check every phase's buffer and diagnostics (one `row` per match), then that clear cleared.

    Each diagnostic's `text_key` must name the pattern; it is removed before the exact compare.
    """
    recorded = {phase["name"]: phase for phase in report["phases"]}
    for name, lines in phases():
        phase = recorded[name]
        assert phase["lines"] == lines, f"{name}: the buffer is not what the edits should give"
        held = phase["diagnostics"]
        assert all('"TODO"' in d.pop(text_key) for d in held), f"{name}: {held}"
        assert held == [row(m) for m in matches(lines)], name
    assert recorded["clear"]["diagnostics"] == []

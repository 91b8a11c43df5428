"""The server as a child process: started in its own session, killed with everything it started.

A :class:`ServerProcess` runs ``python -m grepls`` (or any ``argv``) in a new session, so that its
process group holds the server and whatever it spawned, and :meth:`ServerProcess.kill` ends them
all at once and reaps the server. Its standard error goes to a file the server writes at its own
pace and the client reads without moving the shared offset; its stdin and stdout are pipes for a
stdio connection, or closed when the server listens on a port (:func:`free_port` picks one).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from typing import IO

from grepls.client.messages import DEFAULT_TIMEOUT, Unresponsive

SERVER = (sys.executable, "-m", "grepls")
"""How to start the server: this interpreter, this package."""


class ServerProcess:
    """A server started as a child process in its own session (process group).

    Its standard error goes to ``stderr_path``, or to a temporary file; with ``pipes`` its stdin and
    stdout are pipes for a stdio connection, otherwise they are closed (``--tcp``, ``--ws``).
    """

    def __init__(
        self,
        arguments: Sequence[str] = (),
        *,
        argv: Sequence[str] = SERVER,
        pipes: bool = True,
        cwd: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        stderr_path: str | os.PathLike[str] | None = None,
    ) -> None:
        # Both stay open as long as the server may write to them: closed in kill().
        self.stderr: IO[bytes] = (
            open(stderr_path, "w+b")  # noqa: SIM115
            if stderr_path is not None
            else tempfile.TemporaryFile()  # noqa: SIM115
        )
        self.popen = subprocess.Popen(
            [*argv, *arguments],
            stdin=subprocess.PIPE if pipes else subprocess.DEVNULL,
            stdout=subprocess.PIPE if pipes else subprocess.DEVNULL,
            stderr=self.stderr,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        """The exit status; :class:`Unresponsive` if the server is still running at ``timeout``."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Unresponsive(f"the server did not exit within {timeout:g} s") from None

    def stderr_text(self, limit: int | None = None) -> str:
        """What the server wrote to its standard error (the last ``limit`` characters)."""
        if self.stderr.closed:
            return ""
        # pread: the server shares the file's offset, which must stay at the end for its writes.
        fd = self.stderr.fileno()
        text = os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", "replace")
        return text if limit is None else text[-limit:]

    def kill(self) -> None:
        """Kill the whole process group and reap the server."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(DEFAULT_TIMEOUT)
        for pipe in (self.popen.stdin, self.popen.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        self.stderr.close()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (another process may still take it first)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])

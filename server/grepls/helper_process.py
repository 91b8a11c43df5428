"""Helper processes: work that would hold the server's GIL runs in a process of grepls's own.

There are two helpers. The scan worker (:mod:`grepls.scan_worker`) reads and searches a
workspace's files. grepls's own file watcher (:mod:`grepls.watch`) must walk every folder of the
workspace when it starts, which on the Linux tree takes watchfiles's native code a quarter of a
second without letting go of the GIL: in a thread of the server, that stopped the server for as
long, keystrokes included.

Each helper is ``python -m MODULE`` with this package first on its path, running at the lowest
priority (``SCHED_IDLE`` where Linux has it, else ``nice``). It talks to the server in frames: a
``marshal``'d tuple after its 4-byte length, over the helper's stdin and stdout. The server reads a
helper's stdout from its event loop (``add_reader``) and never waits for it; a helper ends when its
stdin closes, that is, when the server ends.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import struct
import subprocess
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asyncio import AbstractEventLoop

NICENESS = 10
"""How much lower a helper's scheduling priority is than the server's (and that of any program
it starts, which inherits it), where there is no ``SCHED_IDLE``."""
_LENGTH = struct.Struct("<I")

Message = tuple[Any, ...]


def frame(message: Message) -> bytes:
    body = marshal.dumps(message)
    return _LENGTH.pack(len(body)) + body


class Frames:
    """Cuts the frames out of a byte stream."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Message]:
        self._buffer += data
        messages: list[Message] = []
        start = 0
        while len(self._buffer) - start >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(self._buffer, start)
            end = start + _LENGTH.size + length
            if end > len(self._buffer):
                break
            messages.append(marshal.loads(self._buffer[start + _LENGTH.size : end]))
            start = end
        del self._buffer[:start]
        return messages


def lower_priority() -> None:
    """Give the CPU to everything else first: ``SCHED_IDLE`` where there is one, else ``nice``.
    Called by the helper itself, first thing."""
    os.nice(NICENESS)
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or a sandbox refusing it
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def loop() -> AbstractEventLoop:
    """The server's running event loop (asyncio is imported here, not at the top: the scan
    worker does without it, and importing it would add a tenth of a second to its start)."""
    import asyncio

    return asyncio.get_running_loop()


def start(
    command: list[str], readable: Callable[[subprocess.Popen[bytes]], None]
) -> subprocess.Popen[bytes]:
    """Start a helper; ``readable(process)`` is called on the event loop whenever its stdout has
    something (or closed). Without a running loop (RuntimeError), none is started."""
    running = loop()
    # The folder that holds this package goes first on the helper's path: the server may run
    # from a tree that only its own sys.path knows.
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (package_root, environment.get("PYTHONPATH")) if p
    )
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment, close_fds=True
    )
    assert process.stdout is not None
    os.set_blocking(process.stdout.fileno(), False)
    running.add_reader(process.stdout.fileno(), readable, process)
    return process


def read(process: subprocess.Popen[bytes]) -> bytes | None:
    """What the helper wrote since the last read: ``b""`` if nothing after all, ``None`` once its
    stdout has closed (it ended)."""
    assert process.stdout is not None
    try:
        return os.read(process.stdout.fileno(), 1 << 20) or None
    except BlockingIOError:
        return b""
    except OSError:
        return None


def forget(process: subprocess.Popen[bytes]) -> None:
    """Stop reading the helper, and close its pipes (its stdin closing tells it to end)."""
    assert process.stdout is not None and process.stdin is not None
    with contextlib.suppress(RuntimeError, ValueError):
        loop().remove_reader(process.stdout.fileno())
    for pipe in (process.stdout, process.stdin):
        with contextlib.suppress(OSError):
            pipe.close()


def end(process: subprocess.Popen[bytes]) -> int:
    """Forget the helper, kill it if it still runs, and collect it; its exit status."""
    forget(process)
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    return process.wait()

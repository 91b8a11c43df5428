"""Helper processes: work that would hold the server's GIL runs in a process of grepls's own.

There are two helpers. The scan worker (:mod:`grepls.scan_worker`) reads and searches a
workspace's files. grepls's own file watcher (:mod:`grepls.watch`) must walk every folder of the
workspace when it starts, which on the Linux tree takes watchfiles's native code a quarter of a
second without letting go of the GIL: in a thread of the server, that stopped the server for as
long, keystrokes included.

Each helper is ``python -m MODULE`` with this package first on its path, running at a lower
priority than the server. It talks to the server in frames: a ``marshal``'d tuple after its 4-byte
length, over the helper's stdin and stdout. The server reads a helper's stdout from its event loop
(``add_reader``) and never waits for it; a helper ends when its stdin closes, that is, when the
server ends.

**Idle CPU until starved.** The scan worker, and the ripgrep it or the server starts, run on idle
CPU only (``SCHED_IDLE``, Linux): the kernel hands the CPU back to the server or the editor the
moment either wakes, so a keystroke seldom waits behind a scan's time slice (it still can: a server
that the editor's wake-up preempted is not waking, and Linux's EEVDF may pick a helper before it
until the next tick; see the performance log). But a process on idle CPU only gets almost nothing
while other programs keep every CPU busy (a build, a test run, in the same session or with
autogroups off): a scan of the Linux tree then took minutes instead of seconds, and a file saved
meanwhile waited behind it. So while such a helper has work, a
:class:`StarvationWatch` reads how long it ran and how long it waited for a CPU
(``/proc/PID/task/*/schedstat``); when it mostly waited and barely ran for a second, the
:class:`Priority` turns to ``nice`` alone for the rest of the session, and the helper is started
again at it (a helper cannot leave ``SCHED_IDLE`` by itself, nor the server take it out unless it is
privileged). grepls's own file watcher always runs at ``nice``: it has little to do, but its news of
a saved file must not wait for an idle CPU.
"""

from __future__ import annotations

import contextlib
import logging
import marshal
import os
import struct
import subprocess
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asyncio import AbstractEventLoop, TimerHandle

logger = logging.getLogger("grepls.workspace")

NICENESS = 10
"""How much lower a helper's scheduling priority is than the server's (and that of any program
it starts, which inherits it)."""
IDLE_ONLY = "GREPLS_IDLE_CPU_ONLY"
"""The environment variable that tells a helper to run on idle CPU only (``"1"``, the default) or
at ``nice`` alone (``"0"``)."""
LOOK_SECONDS = 0.25
"""How often a :class:`StarvationWatch` looks."""
STARVED_LOOKS = 4
"""How many looks in a row must find a helper starved before it is: a second, so that an editor
busy on every CPU for a moment (drawing a scan's thousands of diagnostics) does not count."""
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
    """Give the CPU to the server and the editor first: ``nice``, and ``SCHED_IDLE`` where there is
    one unless the server said otherwise (:data:`IDLE_ONLY`). Called by the helper itself, first
    thing."""
    os.nice(NICENESS)
    if os.environ.get(IDLE_ONLY, "1") == "0":
        return
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or a sandbox refusing it
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


class Priority:
    """Whether helpers run on idle CPU only, shared by every helper of a server: yes until one was
    starved, then ``nice`` alone for the rest of the session."""

    def __init__(self) -> None:
        self.idle_only = hasattr(os, "SCHED_IDLE")

    def starved(self, helper: str) -> None:
        """``helper`` barely ran for want of an idle CPU: from now on helpers run at ``nice``."""
        if self.idle_only:
            self.idle_only = False
            logger.warning(
                "%s got almost no CPU: other programs keep every CPU busy, so grepls's helpers "
                "run at nice %d from now on instead of on idle CPU only",
                helper,
                NICENESS,
            )


class StarvationWatch:
    """Every :data:`LOOK_SECONDS`, how long the threads of the processes ``pids()`` names ran, and
    whether they wait for a CPU; ``starved()`` is called once when, for :data:`STARVED_LOOKS` looks
    in a row, they ran at most a tenth of the time and were waiting: a thread runnable at the look
    (``R`` in its ``stat``), or half the time spent runnable since the last look (its
    ``schedstat``, which the kernel adds to only once the thread runs again: a thread starved for
    long shows no wait at all, hence the state). A process asleep (waiting for input) neither runs
    nor waits: it is not starved. Where there is no ``/proc`` (not Linux), nothing is ever
    starved. Needs a running loop."""

    def __init__(self, pids: Callable[[], Iterable[int]], starved: Callable[[], None]) -> None:
        self._pids = pids
        self._starved = starved
        self._looks = 0
        self._before = self._sample()
        self._since = time.monotonic()
        self._handle: TimerHandle | None = loop().call_later(LOOK_SECONDS, self._look)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _sample(self) -> dict[int, tuple[int, int, bool]]:
        """Thread id → (nanoseconds run, nanoseconds waited, runnable now), of every thread of
        ``pids()``."""
        sample: dict[int, tuple[int, int, bool]] = {}
        for pid in self._pids():
            with contextlib.suppress(OSError, ValueError):  # ended, or not Linux
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/schedstat", "rb") as stats:
                        ran, waited, _ = stats.read().split()
                    with open(f"/proc/{pid}/task/{task}/stat", "rb") as stat:
                        state = stat.read().rsplit(b")", 1)[1].split()[0]
                    sample[int(task)] = (int(ran), int(waited), state == b"R")
        return sample

    def _look(self) -> None:
        now, sample = time.monotonic(), self._sample()
        interval = (now - self._since) * 1e9
        ran = waited = 0
        for task, (ran_now, waited_now, _) in sample.items():
            if (before := self._before.get(task)) is not None:
                ran += ran_now - before[0]
                waited += waited_now - before[1]
        runnable = any(now_runnable for _, _, now_runnable in sample.values())
        self._before, self._since = sample, now
        starved = (runnable or waited >= interval / 2) and ran <= interval / 10
        self._looks = self._looks + 1 if starved else 0
        if self._looks >= STARVED_LOOKS:
            self._handle = None
            self._starved()
            return
        self._handle = loop().call_later(LOOK_SECONDS, self._look)


def loop() -> AbstractEventLoop:
    """The server's running event loop (asyncio is imported here, not at the top: the scan
    worker does without it, and importing it would add a tenth of a second to its start)."""
    import asyncio

    return asyncio.get_running_loop()


def start(
    command: list[str], readable: Callable[[subprocess.Popen[bytes]], None], idle_only: bool
) -> subprocess.Popen[bytes]:
    """Start a helper, on idle CPU only or at ``nice`` alone; ``readable(process)`` is called on
    the event loop whenever its stdout has something (or closed). Without a running loop
    (RuntimeError), none is started."""
    running = loop()
    # The folder that holds this package goes first on the helper's path: the server may run
    # from a tree that only its own sys.path knows.
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (package_root, environment.get("PYTHONPATH")) if p
    )
    environment[IDLE_ONLY] = "1" if idle_only else "0"
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

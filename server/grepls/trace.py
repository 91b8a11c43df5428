"""Timing trace: the server's own clock on every message, for measuring its share of a keystroke.

Opt-in (``grepls --trace-timing FILE``, or ``GREPLS_TRACE_TIMING=FILE``). When on, the endpoint
stamps each message with ``time.monotonic_ns()`` — ``CLOCK_MONOTONIC``, the clock every process on
the machine shares (Neovim's ``vim.uv.hrtime()``, a benchmark's ``time.monotonic_ns()``) — twice:

* ``in``: as the read that completed its frame returned (:mod:`grepls.frames` stamps each read;
  on WebSocket, as the message is handed over), before it is parsed — a body of a megabyte or
  more, read on straight from the input, is stamped at the read that began taking it;
* ``out``: as a message the server sends (an answer, a publish) has been handed whole to the
  transport — on stdio, written and flushed to the pipe; a document pushed ahead of the next
  one's search, handed to the writer thread (:class:`grepls.transport.StreamWriter`).

So "``didChange`` in → ``publishDiagnostics`` out" is the server's own share of a keystroke, with
no process between it and the editor.

Each stamp also carries the server's **CPU time** then (``cpu``: ``CLOCK_THREAD_CPUTIME_ID`` of its
one thread). Between two stamps the ``mono`` span is the wall time; the ``cpu`` span, the part of
it the server itself ran. They differ when something else had its CPU in between — most often the
editor itself: a write to an editor waiting on the same CPU wakes it, and the kernel may run it
before the write returns, so the ``out`` stamp comes after the editor has begun reading the
message (over a pipe, 16 kB to a Python reader on the same CPU: ~200 µs instead of ~60).

The stamps go to a list in memory: two clock reads and one append per message. They are written
out, one JSON line each, when the server has been idle for :data:`IDLE_SECONDS` (a timer set once
per burst, not per message, and never between a message's ``in`` stamp and its answer's ``out``),
when the list grows long, and at exit. The first line of the file says which clocks it holds and
pairs them once (``{"trace": "grepls", "mono": ns, "wall": ns}``), so a reader that stamps with the
wall clock (a browser) can convert. Each other line is

    {"mono": ns, "cpu": ns, "dir": "in"|"out", "method": ..., "id": ..., "bytes": body size}

(``method`` absent on answers, ``id`` absent on notifications); ``bench/editors/run.py`` reads it.
When off, the endpoint pays one ``is None`` check per message.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import time
from typing import IO, Any

ENVIRONMENT = "GREPLS_TRACE_TIMING"
"""The environment variable that turns the trace on (its value: the file to append to)."""

IDLE_SECONDS = 0.25
"""Write the stamps out once no message has come or gone for this long."""

_MOST_HELD = 4096
"""Write them out anyway past this many (a client that never pauses)."""

_clock = time.monotonic_ns
_cpu_clock = time.thread_time_ns


class TimingTrace:
    """Stamps of messages in and out, held in memory and appended to a file when idle."""

    def __init__(self, path: str) -> None:
        self._file: IO[str] = open(path, "a", encoding="utf-8")  # noqa: SIM115 (closed at exit)
        self._file.write(
            json.dumps(
                {"trace": "grepls", "pid": os.getpid(), "mono": _clock(), "wall": time.time_ns()}
            )
            + "\n"
        )
        self._file.flush()
        self._held: list[tuple[int, int, str, str | None, Any, int]] = []
        """(stamp, CPU time, direction, method, id, bytes) not written yet."""
        self._timer: asyncio.TimerHandle | None = None
        atexit.register(self.close)

    def received(self, stamp: int, cpu: int, method: Any, request_id: Any, size: int) -> None:
        """A message whose frame was read whole at ``stamp``, the server's CPU time ``cpu``."""
        self._held.append((stamp, cpu, "in", method, request_id, size))
        # No timer set here, inside the span being timed (cold, setting one costs tens of µs):
        # the transport calls batch_done once the burst is handled.
        if len(self._held) >= _MOST_HELD:
            self.flush()

    def batch_done(self) -> None:
        """Every message received so far is handled (their answers stamped): write the stamps out
        once the server has been idle a while."""
        self._idle_later()

    def sent(self, method: str | None, request_id: Any, size: int) -> None:
        """A message just handed whole to the transport."""
        self._held.append((_clock(), _cpu_clock(), "out", method, request_id, size))
        self._idle_later()

    def _idle_later(self) -> None:
        if len(self._held) >= _MOST_HELD:
            self.flush()
        elif self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # no event loop (a caller outside the server): written at exit
            self._timer = loop.call_later(IDLE_SECONDS, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if not self._held:
            return
        quiet_for = (_clock() - self._held[-1][0]) / 1e9
        if quiet_for < IDLE_SECONDS:  # still busy: look again when it may have gone quiet
            self._timer = asyncio.get_running_loop().call_later(
                IDLE_SECONDS - quiet_for, self._on_timer
            )
            return
        self.flush()

    def flush(self) -> None:
        """Append the held stamps to the file."""
        held, self._held = self._held, []
        if self._file.closed or not held:
            return
        lines = []
        for stamp, cpu, direction, method, request_id, size in held:
            entry: dict[str, Any] = {"mono": stamp, "cpu": cpu, "dir": direction}
            if method is not None:
                entry["method"] = method
            if request_id is not None:
                entry["id"] = request_id
            entry["bytes"] = size
            lines.append(json.dumps(entry))
        self._file.write("\n".join(lines) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.flush()
        if not self._file.closed:
            self._file.close()

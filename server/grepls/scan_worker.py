"""The scan worker: a process of its own, at a lower priority, that reads and searches the files.

**Why a process.** A workspace scan reads and searches tens of thousands of files. Done on the
server's event loop, in slices, it kept the server busy all the time: a keystroke arriving mid-scan
found the server runnable but not running, waiting for a CPU that ripgrep, the client and the scan
itself shared (two cores), and its tail was the scheduler's. In a worker thread it was no better
(the GIL). So the scan's reading and searching runs in this process, and the server's event
loop only stores what the worker found, publishes it and answers the editor, and sleeps in
``epoll`` in between, so that a keystroke wakes it at once.

**Only idle CPU, until starved.** On Linux the worker runs under ``SCHED_IDLE`` (and so does the
ripgrep it starts, which inherits it): it gets a CPU nobody else wants, and the kernel takes that
CPU back the moment the server or the editor wakes up, instead of letting the worker finish its
turn. At a mere lower priority (``nice``, still set: it is all other systems offer) a keystroke that
woke the server could wait behind the worker's or ripgrep's time slice. But when other programs
keep every CPU busy, idle CPU is none: while a job runs, the server watches the worker and its
ripgrep (:class:`~grepls.helper_process.StarvationWatch`), and if they are starved it kills the
worker and tells the job to start again (``("again", generation)``), with a worker at ``nice``
alone (:class:`~grepls.helper_process.Priority`, shared by every helper of the server).

**The same matches.** The worker builds the same :class:`~grepls.matcher.Matcher` objects from the
same pattern settings and position encoding, and searches each file with
:class:`~grepls.disk.FileSearch`, as the server does an open document or a single file searched
again: a file shows the same matches whether the worker or the server searched it.

**The conversation** (:class:`ScanWorker` is the server's end): frames of ``marshal``'d tuples
over the worker's stdin and stdout, as every helper process talks (:mod:`grepls.helper_process`).

* server → worker: ``("scan", generation, patterns, encoding, limit, max_size, commands)`` — run
  each ripgrep command (folder, argv) and search every file it names, dropping any job before;
  ``("stop", generation)`` — drop that job.
* worker → server: ``("found", generation, plain, found, skipped)`` — files searched without a
  match (paths), with matches (path, each pattern's lines, spans and counts), skipped (path, why) —
  a batch at most every ``BATCH_SECONDS``; ``("done", generation)`` once every file is searched;
  ``("ripgrep", generation, pid)`` as each ripgrep starts (so that the server watches it too).

Every message carries its job's generation: the server takes only the current one's, so nothing
found for an old pattern is stored once a new one is asked for. The worker ends when its stdin
closes (the server ended); if it dies, the server sees its stdout close, starts another, and asks
again (see :mod:`grepls.workspace_scan`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from grepls import helper_process
from grepls.disk import FileSearch, read_file
from grepls.helper_process import (
    Frames,
    Message,
    Priority,
    StarvationWatch,
    frame,
    lower_priority,
)
from grepls.matcher import Matcher
from grepls.pattern import PatternSpec
from grepls.positions import Encoding

logger = logging.getLogger("grepls.workspace")

BATCH_SECONDS = 0.005
"""The worker sends what it found at most this often (each batch wakes the server once)."""
WORK_SECONDS = 0.004
"""The worker searches at most this long before it looks for a newer command."""

PatternArguments = tuple[str, str, bool, bool, bool]
"""A pattern as sent to the worker: id, pattern, regex, case-sensitive, whole word."""


# -- the server's end ------------------------------------------------------------------------------


class ScanWorker:
    """The server's handle on the worker process: started on the first scan, kept for the next
    (unless it runs on idle CPU only and ``priority`` has turned to ``nice`` since)."""

    def __init__(self, priority: Priority | None = None) -> None:
        self.command = [sys.executable, "-m", "grepls.scan_worker"]
        """How the worker is started."""
        self.priority = priority or Priority()
        self._process: subprocess.Popen[bytes] | None = None
        self._idle_only = False
        """Whether the worker runs on idle CPU only (then it is watched while it has a job)."""
        self._ripgrep: int | None = None
        """The process id of the current job's ripgrep, as the worker said."""
        self._watch: StarvationWatch | None = None
        self._frames = Frames()
        self._generation = 0
        self._listener: Callable[[Message], None] | None = None
        """Where the current job's messages go (the others are dropped)."""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def scan(
        self,
        patterns: list[tuple[str, Matcher]],
        limit: int,
        max_size: int,
        commands: list[tuple[str, list[str]]],
        listener: Callable[[Message], None],
    ) -> int:
        """Start a job (the one running is dropped); its messages go to ``listener``, and a
        ``("died", generation)`` if the worker dies before it is done, or ``("again",
        generation)`` if it was starved (a worker at ``nice`` takes the next job). Returns its
        generation."""
        if self._process is not None and self._idle_only and not self.priority.idle_only:
            self._end_process()
        self._generation += 1
        self._listener = listener
        arguments: list[PatternArguments] = [
            (i, m.spec.pattern, m.spec.regex, m.spec.case_sensitive, m.spec.whole_word)
            for i, m in patterns
        ]
        encoding = patterns[0][1].encoding if patterns else "utf-16"
        self._send(("scan", self._generation, arguments, encoding, limit, max_size, commands))
        self._unwatch()
        self._ripgrep = None
        if self._process is not None and self._idle_only:
            with contextlib.suppress(RuntimeError):  # no event loop (tests of parts)
                self._watch = StarvationWatch(self._watched, self._starved)
        return self._generation

    def prepare(self) -> None:
        """Start the worker now, so that it is ready for the first job."""
        if self._process is None:
            with contextlib.suppress(RuntimeError):  # no event loop (tests of parts)
                self._process = self._start()

    def stop(self, generation: int) -> None:
        """Drop job ``generation`` (if it is still the current one)."""
        if generation == self._generation and self._listener is not None:
            self._listener = None
            self._unwatch()
            self._send(("stop", generation), start=False)

    def close(self) -> None:
        self._listener = None
        self._end_process()

    def _end_process(self) -> None:
        self._unwatch()
        process, self._process = self._process, None
        if process is not None:
            helper_process.end(process)

    def _start(self) -> subprocess.Popen[bytes]:
        self._frames = Frames()
        self._idle_only = self.priority.idle_only
        return helper_process.start(self.command, self._readable, self._idle_only)

    def _watched(self) -> list[int]:
        """The processes a starvation watch looks at: the worker, and its ripgrep."""
        pids = [self._process.pid] if self._process is not None else []
        return pids + ([self._ripgrep] if self._ripgrep is not None else [])

    def _unwatch(self) -> None:
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.stop()

    def _starved(self) -> None:
        """The worker or its ripgrep got almost no CPU: a worker at ``nice`` does the job again."""
        self._watch = None
        self.priority.starved("the scan worker")
        self._end_process()
        listener, self._listener = self._listener, None
        if listener is not None:
            listener(("again", self._generation))

    def _send(self, message: Message, start: bool = True) -> None:
        """Write ``message`` to the worker, starting one if there is none (unless not
        ``start``); a job that reaches no worker is told it died."""
        for _ in range(2):
            if self._process is None:
                if not start:
                    return
                try:
                    self._process = self._start()
                except OSError:
                    logger.exception("the scan worker could not be started")
                    break
            assert self._process.stdin is not None
            try:
                # Commands are small: the pipe takes them at once.
                self._process.stdin.write(frame(message))
                self._process.stdin.flush()
                return
            except OSError:  # it died since its last job: a new one takes this one
                self._died(self._process, tell=False)
        listener, self._listener = self._listener, None
        if listener is not None:
            listener(("died", self._generation))

    def _readable(self, process: subprocess.Popen[bytes]) -> None:
        data = helper_process.read(process)
        if data is None:
            self._died(process)
            return
        for message in self._frames.feed(data):
            if message[1] != self._generation or self._listener is None:
                continue
            if message[0] == "ripgrep":
                self._ripgrep = message[2]
                continue
            if message[0] == "done":
                self._unwatch()
            self._listener(message)

    def _died(self, process: subprocess.Popen[bytes], tell: bool = True) -> None:
        """The worker ended (its stdout closed, or its stdin): the current job is told (if
        ``tell``); the next job starts a new worker."""
        if process is not self._process:
            return
        self._unwatch()
        self._process = None
        code = helper_process.end(process)
        logger.warning("the scan worker ended (exit status %s)", code)
        if tell:
            listener, self._listener = self._listener, None
            if listener is not None:
                listener(("died", self._generation))


# -- the worker's end ------------------------------------------------------------------------------


class Job:
    """One scan in the worker: ripgrep's commands run one after the other, each file it names
    read and searched, the results sent in batches."""

    def __init__(
        self, message: Message, send: Callable[[Message], None], selector: selectors.BaseSelector
    ) -> None:
        _, self.generation, patterns, encoding, self.limit, self.max_size, commands = message
        self.matchers = [
            (i, Matcher(PatternSpec(p, regex, case, word), _encoding(encoding)))
            for i, p, regex, case, word in patterns
        ]
        self._send = send
        self._selector = selector
        """Watches ripgrep's output (registered while it runs)."""
        self._commands: list[tuple[str, list[str]]] = list(commands)
        self.ripgrep: subprocess.Popen[bytes] | None = None
        self._prefix = ""
        self._rest = b""
        self._waiting: deque[str] = deque()
        self._plain: list[str] = []
        self._found: list[tuple[str, list[tuple[str, dict[int, list[Any]], int, int, bool]]]] = []
        self._skipped: list[tuple[str, str]] = []
        self._sent = time.perf_counter()
        self._next_command()

    def timeout(self) -> float | None:
        """How long the worker may wait for ripgrep or a command: not at all while files wait to
        be searched, until the next batch is due while results wait to be sent."""
        if self._waiting:
            return 0
        if self._plain or self._found or self._skipped:
            return max(0.0, BATCH_SECONDS - (time.perf_counter() - self._sent))
        return None

    def names(self) -> None:
        """ripgrep's output is readable: take the paths it names."""
        assert self.ripgrep is not None and self.ripgrep.stdout is not None
        data = os.read(self.ripgrep.stdout.fileno(), 1 << 16)
        if not data:
            if self._rest:
                self._waiting.append(self._prefix + os.fsdecode(self._rest))
            self._close_ripgrep()
            self._next_command()
            return
        lines = (self._rest + data).split(b"\0")  # ripgrep runs with --null
        self._rest = lines.pop()
        self._waiting.extend(self._prefix + os.fsdecode(line) for line in lines if line)

    def work(self) -> bool:
        """Search waiting files for a while, send what is due; whether the job is done."""
        started = time.perf_counter()
        waiting = self._waiting
        while waiting and time.perf_counter() - started < WORK_SECONDS:
            self._search(waiting.popleft())
        done = not waiting and self.ripgrep is None
        if done or time.perf_counter() - self._sent >= BATCH_SECONDS:
            self._flush()
        if done:
            self._send(("done", self.generation))
        return done

    def close(self) -> None:
        self._commands = []
        self._close_ripgrep()

    def _search(self, path: str) -> None:
        data = read_file(path, self.max_size)
        if not isinstance(data, bytes):
            self._skipped.append((path, data))
            return
        each = FileSearch.of(data, self.matchers, self.limit)
        if each is None:
            self._skipped.append((path, "binary"))
            return
        while not each.step():
            pass
        found = [
            (identifier, f.matches, f.searched, f.lines, f.cut)
            for identifier, f in each.found().items()
            if f.matches
        ]
        if found:
            self._found.append((path, found))
        else:
            self._plain.append(path)

    def _flush(self) -> None:
        if self._plain or self._found or self._skipped:
            self._send(("found", self.generation, self._plain, self._found, self._skipped))
            self._plain, self._found, self._skipped = [], [], []
            self._sent = time.perf_counter()

    def _next_command(self) -> None:
        while self._commands:
            folder, argv = self._commands.pop(0)
            try:
                self.ripgrep = subprocess.Popen(
                    argv,
                    cwd=folder,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
            except OSError:
                continue  # the folder vanished: nothing to search there
            self._send(("ripgrep", self.generation, self.ripgrep.pid))
            self._prefix = folder.rstrip("/") + "/"
            self._rest = b""
            assert self.ripgrep.stdout is not None
            self._selector.register(self.ripgrep.stdout.fileno(), selectors.EVENT_READ, self)
            return
        self.ripgrep = None

    def _close_ripgrep(self) -> None:
        process, self.ripgrep = self.ripgrep, None
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        assert process.stdout is not None
        self._selector.unregister(process.stdout.fileno())  # before the descriptor is reused
        process.stdout.close()
        process.wait()


def _encoding(name: str) -> Encoding:
    if name not in ("utf-8", "utf-16", "utf-32"):
        raise ValueError(f"unknown position encoding {name!r}")
    return name  # type: ignore[return-value]


def serve(commands: int, results: int) -> None:
    """Take jobs from ``commands`` and send what they find to ``results`` until ``commands``
    closes."""
    selector = selectors.DefaultSelector()
    selector.register(commands, selectors.EVENT_READ, None)
    frames = Frames()
    job: Job | None = None

    def send(message: Message) -> None:
        data = frame(message)
        while data:
            data = data[os.write(results, data) :]

    while True:
        timeout = job.timeout() if job is not None else None
        for key, _ in selector.select(timeout):
            if key.data is None:
                data = os.read(commands, 1 << 16)
                if not data:
                    if job is not None:
                        job.close()
                    return
                for message in frames.feed(data):
                    if message[0] == "stop" and (job is None or job.generation != message[1]):
                        continue
                    if job is not None:
                        job.close()
                        job = None
                    if message[0] == "scan":
                        job = Job(message, send, selector)
            elif key.data is job and job is not None and job.ripgrep is not None:
                job.names()
        if job is not None and job.work():
            job = None


def main() -> None:
    lower_priority()
    # stdout carries the frames: anything printed by accident goes to stderr instead.
    results = os.dup(1)
    os.dup2(2, 1)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    with contextlib.suppress(BrokenPipeError):  # the server ended
        serve(0, results)


if __name__ == "__main__":
    main()

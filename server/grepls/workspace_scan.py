"""A workspace scan: every file ripgrep names searched by the scan worker, its results stored here.

**A scan** is one pass of the bound patterns over the workspace folders. ripgrep names the files
(those a pattern may match in, when its prefilter is safe — :mod:`grepls.ripgrep` —, else every
file in scope), and the scan worker (:mod:`grepls.scan_worker`, a process of its own at a lower
priority) reads and searches them as the names stream in, and sends what it found in batches. The
server's event loop only stores each batch (in the :class:`~grepls.closed.ClosedFiles` store, which
drops a file opened meanwhile, or searched again on its own since the scan began: that is newer),
publishes it and answers the editor; between batches it sleeps, so a keystroke wakes it at once.
A batch is stored in slices of at most ``SLICE_SECONDS``, the editor's messages answered between
them; after each slice the files stored are shown for at most as long again, the rest at the next
(a slice stores files by the hundred: publishing them all at once kept a keystroke that came
meanwhile waiting for milliseconds). A slice, storing or showing, ends early once the editor has
sent something (the transport polls its input): a keystroke waits for one file, not a slice.

A scan stops past ``maxWorkspaceMatches`` matches (the user is told once, with the numbers), and is
cancelled at once by the next one (:meth:`WorkspaceScan.cancel`: the worker drops the job, and
nothing it found for it is stored after that). If the worker dies, the scan starts it again and
asks again, up to ``RESTARTS`` times, then ends saying so; if the worker was starved on idle CPU
(:mod:`grepls.scan_worker`), the scan asks again, of a worker at ``nice``, without counting a
restart. Work-done progress reports files and matches while it runs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from grepls.closed import ClosedFiles
from grepls.counted import count_of
from grepls.helper_process import Message
from grepls.matcher import Matcher
from grepls.progress import PROGRESS_SECONDS, Progress
from grepls.ripgrep import Ripgrep
from grepls.scan import Found
from grepls.scan_worker import ScanWorker

logger = logging.getLogger("grepls.workspace")

RESTARTS = 2
"""How many times a scan starts the worker again when it dies, before it gives up."""
SLICE_SECONDS = 0.0005
"""The longest the event loop stores the worker's results before it answers the editor (half a
millisecond: when the event loop searched the files itself, half a millisecond against one
answered keystrokes sooner, p50 and p99, for all three benchmark patterns)."""


@dataclass(frozen=True, slots=True)
class Options:
    """The settings a scan depends on."""

    scope: str = "open"
    """``"open"`` or ``"workspace"``."""
    exclude: tuple[str, ...] = ()
    max_file_size: int = 1_048_576
    max_matches: int = 20_000
    per_document: int = 10_000
    watcher: str = "editor"
    """Who reports files changed on disk: ``"editor"`` (when it can) or ``"grepls"``."""


class Flush(Protocol):
    """Show what changed (the server's ``after_batch``): closed files only for ``budget``
    seconds, if given; whether everything was shown."""

    def __call__(self, budget: float | None = None) -> bool: ...


class Capped(Exception):
    """The scan passed ``maxWorkspaceMatches``."""


class WorkerDied(Exception):
    """The scan worker died more than ``RESTARTS`` times during one scan."""


class WorkspaceScan:
    """One scan of ``matchers`` over ``folders``, its results kept in ``store``."""

    def __init__(
        self,
        store: ClosedFiles,
        ripgrep: Ripgrep,
        folders: tuple[str, ...],
        matchers: list[tuple[str, Matcher]],
        options: Options,
        worker: ScanWorker,
        flush: Flush,
        progress: Progress | None,
        input_waiting: Callable[[], bool],
    ) -> None:
        self.store = store
        self.ripgrep = ripgrep
        self.folders = folders
        self.matchers = matchers
        self.options = options
        self.worker = worker
        self.flush = flush
        self.progress = progress
        self.input_waiting = input_waiting
        """Whether the editor has sent something not read yet: a slice ends early for it."""
        self.listed: set[str] | None = None
        """Every file in scope, when the scan had to read them all (else: not known yet)."""
        self.cancelled = False
        self._tick = store.tick()
        """A file searched again on its own from this tick on was searched after the worker
        may have read it: the worker's result is dropped (the newer search stands)."""
        self._slice_started = self._reported = time.perf_counter()

    def cancel(self) -> None:
        self.cancelled = True

    async def run(self) -> None:
        """Search every file ripgrep names (raises :class:`Capped`, :class:`WorkerDied`)."""
        self.store.seen = set()
        prefilter = await self.ripgrep.prefilter(self.matchers)
        if prefilter is None:
            self.listed = set()
        commands = self.ripgrep.commands(
            prefilter or ["--files"], self.folders, self.options.exclude
        )
        if not commands:
            return  # no ripgrep (the user is told), or no folder
        restarts = 0
        while (outcome := await self._search(commands)) != "done":
            if outcome == "died":
                restarts += 1
                if restarts > RESTARTS:
                    raise WorkerDied
            # The worker died, or was starved: what it found is stored; the files are searched
            # again from the start.
            totals = self.store.totals
            totals.files = 0
            totals.skipped = dict.fromkeys(totals.skipped, 0)
            self.store.seen = set()
            if self.listed is not None:
                self.listed = set()

    def describe(self) -> str:
        totals = self.store.totals
        skipped = ", ".join(f"{n:,} {why}" for why, n in totals.skipped.items() if n)
        files = f"{len(self.store.files):,} of {count_of(totals.files, 'file')}"
        if self.listed is None:  # ripgrep ruled out the others
            files = (
                f"{len(self.store.files):,} of the {count_of(totals.files, 'file')} ripgrep named"
            )
        text = f"{count_of(totals.matches, 'match')} in {files}"
        return text + (f" (skipped: {skipped})" if skipped else "")

    async def _search(self, commands: list[tuple[str, list[str]]]) -> str:
        """Have the worker search the files ripgrep names, and store what it finds as it comes;
        how the job ended: ``"done"``, ``"died"`` (the worker), or ``"again"`` (the worker was
        starved: ask a new one)."""
        queue: asyncio.Queue[Message] = asyncio.Queue()
        options = self.options
        generation = self.worker.scan(
            self.matchers, options.per_document, options.max_file_size, commands, queue.put_nowait
        )
        try:
            while True:
                if queue.empty():
                    # Show what is stored before sleeping until the worker's next batch, a slice
                    # at a time.
                    while not self._show():
                        await self._yield()
                message = await queue.get()
                if self.cancelled:
                    raise asyncio.CancelledError
                if message[0] in ("done", "died", "again"):
                    return str(message[0])
                await self._take(message)
        finally:
            self.worker.stop(generation)  # if it still runs: cancelled, or capped

    async def _take(self, message: Message) -> None:
        """Store one batch of the worker's results, yielding to the event loop every slice."""
        _, _, plain, found, skipped = message
        store, matchers, tick = self.store, self.matchers, self._tick
        totals, seen = store.totals, store.seen
        # Counted as taken: a cut at the cap stops inside a batch, after the files taken so far.
        totals.files += len(plain) + len(skipped)
        seen.update(plain)
        if self.listed is not None:
            self.listed.update(plain)
        for path in plain:
            if store.uri_of(path) is not None and store.newer(path, tick):
                store.store(path, {}, matchers)  # held before, no match now
        for path, why in skipped:
            seen.add(path)
            if self.listed is not None:
                self.listed.add(path)
            totals.skipped[why] += 1
            if store.newer(path, tick):
                store.store(path, {}, matchers)
        for path, tracks in found:
            totals.files += 1
            seen.add(path)
            if self.listed is not None:
                self.listed.add(path)
            if store.newer(path, tick):  # unless open, or searched again on its own meanwhile
                results = {
                    identifier: Found(matches, searched, lines, cut)
                    for identifier, matches, searched, lines, cut in tracks
                }
                store.store(path, results, matchers)
            if totals.matches > self.options.max_matches:
                raise Capped
            await self._pause()

    def _show(self) -> bool:
        """Show what is stored, for at most a slice; whether all of it was shown."""
        complete = self.flush(SLICE_SECONDS)
        now = time.perf_counter()
        if self.progress is not None and now - self._reported > PROGRESS_SECONDS:
            self._reported = now
            self.progress.report(self.describe())
        self._slice_started = now
        return complete

    async def _pause(self) -> None:
        """Let the event loop answer the editor, once a slice of storing is over, or at once if
        the editor has sent something."""
        if time.perf_counter() - self._slice_started <= SLICE_SECONDS and not self.input_waiting():
            return
        self._show()  # what it leaves is shown after the next slice, or by the next flush
        await self._yield()

    async def _yield(self) -> None:
        await asyncio.sleep(0)
        if self.cancelled:
            raise asyncio.CancelledError
        self._slice_started = time.perf_counter()


def spawn(coroutine: Any) -> asyncio.Task[None] | None:
    """Run ``coroutine`` on the running loop (none in a test that drives objects directly)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        coroutine.close()
        return None
    task: asyncio.Task[None] = loop.create_task(coroutine)
    task.add_done_callback(_log_failure)
    return task


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (failure := task.exception()) is not None:
        logger.error("workspace task failed", exc_info=failure)

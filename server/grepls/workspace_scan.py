"""A workspace scan: every file ripgrep names searched, in slices between the editor's messages.

**A scan** is one pass of the bound patterns over the workspace folders. ripgrep names the files
(those a pattern may match in, when its prefilter is safe — :mod:`grepls.ripgrep` —, else every
file in scope), and they are read and searched as the names stream in
(:class:`~grepls.disk.FileSearch`: most files as bytes, a piece of whole lines at a time). A file
ripgrep named for its prefilter was read by ripgrep a moment before, and is in the page cache: the
event loop reads it itself, right before searching it. Files only listed may have to come from the
disk: a worker thread reads them a batch at a time while the event loop searches the batch before.
After at most ``SLICE_SECONDS`` of searching, the publisher is flushed and the loop answers
whatever the editor sent meanwhile — a keystroke never waits for the scan. Results go to the
:class:`~grepls.closed.ClosedFiles` store, which drops a read older than a search the file had on
its own meanwhile, or a file opened meanwhile.

A scan stops past ``maxWorkspaceMatches`` matches (the user is told once, with the numbers), and is
cancelled at once by the next one (:meth:`WorkspaceScan.cancel`: its subprocess killed, nothing it
found stored after that). Work-done progress reports files and matches while it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from grepls.closed import ClosedFiles
from grepls.disk import FileSearch, Skip, read_file, read_files
from grepls.matcher import Matcher
from grepls.progress import PROGRESS_SECONDS, Progress
from grepls.ripgrep import Ripgrep

logger = logging.getLogger("grepls.workspace")

BATCH_FILES = 32
"""Files read per batch by the worker thread."""
SLICE_SECONDS = 0.0005
"""The longest the scan searches before the event loop answers the editor (half a millisecond:
against a millisecond, in one run on a loaded machine, keystrokes during a scan were answered
sooner, p50 and p99, for all three benchmark patterns; the scan's time did not move beyond the
noise)."""


@dataclass(frozen=True, slots=True)
class Options:
    """The settings a scan depends on."""

    scope: str = "open"
    """``"open"`` or ``"workspace"``."""
    exclude: tuple[str, ...] = ()
    max_file_size: int = 1_048_576
    max_matches: int = 20_000
    per_document: int = 10_000


class Capped(Exception):
    """The scan passed ``maxWorkspaceMatches``."""


class WorkspaceScan:
    """One scan of ``matchers`` over ``folders``, its results kept in ``store``."""

    def __init__(
        self,
        store: ClosedFiles,
        ripgrep: Ripgrep,
        folders: tuple[str, ...],
        matchers: list[tuple[str, Matcher]],
        options: Options,
        pool: ThreadPoolExecutor,
        flush: Callable[[], None],
        progress: Progress | None,
    ) -> None:
        self.store = store
        self.ripgrep = ripgrep
        self.folders = folders
        self.matchers = matchers
        self.options = options
        self.pool = pool
        self.flush = flush
        self.progress = progress
        self.listed: set[str] | None = None
        """Every file in scope, when the scan had to read them all (else: not known yet)."""
        self.cancelled = False
        self._slice_started = self._reported = time.perf_counter()

    def cancel(self) -> None:
        self.cancelled = True

    async def run(self) -> None:
        """Search every file ripgrep names (raises :class:`Capped`)."""
        self.store.seen = set()
        prefilter = await self.ripgrep.prefilter(self.matchers)
        if prefilter is None:
            self.listed = set()
        names = self.ripgrep.lines(prefilter or ["--files"], self.folders, self.options.exclude)
        await self._search(names)

    def describe(self) -> str:
        totals = self.store.totals
        skipped = ", ".join(f"{n:,} {why}" for why, n in totals.skipped.items() if n)
        files = f"{len(self.store.files):,} of {totals.files:,} files"
        if self.listed is None:  # ripgrep ruled out the others
            files = f"{len(self.store.files):,} of the {totals.files:,} files ripgrep named"
        text = f"{totals.matches:,} matches in {files}"
        return text + (f" (skipped: {skipped})" if skipped else "")

    async def _search(self, names: AsyncGenerator[list[str], None]) -> None:
        """Read and search the files ripgrep names, as it names them. When ripgrep prefiltered,
        it has just read each file it names, so the file is in the page cache: it is read on the
        event loop right before it is searched (no hand-off to a thread, no GIL to share). When
        ripgrep only listed the files, they may have to come from the disk: a worker thread reads
        them a batch at a time while the event loop searches the batch before."""
        loop = asyncio.get_running_loop()
        size = self.options.max_file_size
        waiting: list[str] = []
        reading: tuple[list[str], asyncio.Future[list[bytes | Skip]], int] | None = None

        async def search_next(final: bool) -> None:
            nonlocal reading, waiting
            while len(waiting) >= BATCH_FILES or (waiting and (reading is None or final)):
                batch, waiting = waiting[:BATCH_FILES], waiting[BATCH_FILES:]
                if self.listed is None:  # prefiltered
                    await self._searched(batch, None, -1)
                    continue
                future = loop.run_in_executor(self.pool, read_files, batch, size)
                if reading is not None:
                    await self._searched(*reading)
                reading = (batch, future, self.store.tick())

        async with contextlib.aclosing(names) as paths:
            async for found in paths:
                if self.listed is not None:
                    self.listed.update(found)
                waiting.extend(found)
                await search_next(final=False)
        await search_next(final=True)
        if reading is not None:
            await self._searched(*reading)

    async def _searched(
        self,
        batch: list[str],
        reading: asyncio.Future[list[bytes | Skip]] | None,
        tick: int,
    ) -> None:
        """Search a batch — read by the worker thread from ``tick`` on, or (``None``) each file
        read now — yielding to the event loop every slice."""
        read = await reading if reading is not None else None
        store, limit, size = self.store, self.options.per_document, self.options.max_file_size
        totals, matchers = store.totals, self.matchers
        for number, path in enumerate(batch):
            if self.cancelled:
                raise asyncio.CancelledError
            totals.files += 1
            store.seen.add(path)
            if read is None:
                tick, data = store.tick(), read_file(path, size)
            else:
                data = read[number]
            if not store.newer(path, tick):
                continue  # open, or searched again since this read began: that is newer
            each = FileSearch.of(data, matchers, limit) if isinstance(data, bytes) else None
            if each is None:
                totals.skipped[data if isinstance(data, str) else "binary"] += 1
                store.store(path, {}, matchers)
            else:
                while not each.step():
                    await self._pause()
                if store.newer(path, tick):  # unless opened or searched again meanwhile
                    store.store(path, each.found(), matchers)
            if totals.matches > self.options.max_matches:
                raise Capped
            await self._pause()

    async def _pause(self) -> None:
        """Let the event loop answer the editor, once a slice of searching is over."""
        now = time.perf_counter()
        if now - self._slice_started <= SLICE_SECONDS:
            return
        self.flush()
        if self.progress is not None and now - self._reported > PROGRESS_SECONDS:
            self._reported = now
            self.progress.report(self.describe())
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

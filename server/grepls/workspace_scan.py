"""A workspace scan: every listed file searched, in slices, cancelled by the next one.

**A scan.** Binding new patterns or settings starts one scan and cancels the one running at once
(its subprocess killed, its results dropped): nothing found for an old pattern is published after
the new one's first publish. Files are read a batch at a time in a worker thread while the event
loop searches the previous batch, in slices of a couple of milliseconds; after each slice the
publisher is flushed and the loop answers whatever the editor sent meanwhile — a keystroke never
waits for the scan. A scan stops past ``maxWorkspaceMatches`` matches (the user is told once, with
the numbers). Work-done progress reports files and matches while it runs.

A file larger than ``PIECE_CHARACTERS`` is searched a piece of whole lines at a time, with the same
pauses. Files created meanwhile (or ignore files changed) make the scan list the files again when it
ends (:meth:`WorkspaceScan._relist`), and search only what joined the list.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from grepls.closed import ClosedFiles
from grepls.disk import Skip, decode, read_files
from grepls.positions import SPAN
from grepls.progress import PROGRESS_SECONDS, Progress
from grepls.ripgrep import FileSet
from grepls.scan import Found

logger = logging.getLogger("grepls.workspace")

BATCH_FILES = 32
"""Files read per batch by the worker thread."""
SLICE_SECONDS = 0.001
"""The longest the scan searches before the event loop answers the editor."""
PIECE_CHARACTERS = 1 << 16
"""A larger text is searched this much (in whole lines) at a time between the editor's messages."""


class _Capped(Exception):
    """The scan passed ``maxWorkspaceMatches``."""


class WorkspaceScan(FileSet, ClosedFiles):
    """The scan and the relisting (a part of the :class:`~grepls.workspace.Workspace`, which sets
    this state up)."""

    flush: Callable[[], None]
    progress_supported: bool
    _serial: int
    _task: asyncio.Task[None] | None
    _relist_task: asyncio.Task[None] | None
    _relist_wanted: bool
    _pending: set[str]
    _pool: ThreadPoolExecutor | None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def _cancel(self) -> None:
        self._serial += 1
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _scan(self, serial: int) -> None:
        progress = Progress(self.endpoint) if self.progress_supported else None
        totals = self.totals
        self._seen = set()
        listing: asyncio.Task[set[str]] | None = None
        try:
            prefilter = await self._prefilter() if self._rg is not None else None
            if prefilter is not None:
                # ripgrep names the files that may hold a match; the list of every file (for
                # the watch, and the count) is made meanwhile.
                listing = asyncio.ensure_future(self._list())
                await self._search(serial, self._rg_lines(prefilter), progress, listing=False)
            else:
                self.listed = set()
                await self._search(serial, self._rg_lines(["--files"]), progress, listing=True)
            totals.complete = True
        except _Capped:
            self._tell_capped()
        except asyncio.CancelledError:
            if listing is not None:
                listing.cancel()
            if progress is not None:
                progress.end("cancelled")
            raise
        if listing is not None:
            self.listed = await listing
            totals.files = len(self.listed)
        if serial != self._serial:
            return
        for path in [p for p in self._uris if p not in self._seen]:
            self._drop(self._uris[path])
        if progress is not None:
            progress.end(self._describe())
        self.flush()
        if self._relist_wanted:  # files were created while it ran
            self._relist_wanted = False
            self._relist_task = _spawn(self._relist(self._serial))

    async def _search(
        self,
        serial: int,
        lines: AsyncGenerator[list[str], None],
        progress: Progress | None,
        listing: bool,
    ) -> None:
        """Read the files ripgrep names in a worker thread, a batch at a time, and search each
        batch on the event loop while the next one is read."""
        loop = asyncio.get_running_loop()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="grepls-read")
        pool, size = self._pool, self.options.max_file_size
        waiting: list[str] = []
        reading: tuple[list[str], asyncio.Future[list[bytes | Skip]], int] | None = None
        clock = [time.perf_counter(), time.perf_counter()]  # slice start, last progress

        async def read_next(final: bool) -> None:
            nonlocal reading, waiting
            while len(waiting) >= BATCH_FILES or (waiting and (reading is None or final)):
                batch, waiting = waiting[:BATCH_FILES], waiting[BATCH_FILES:]
                future = loop.run_in_executor(pool, read_files, batch, size)
                if reading is not None:
                    done, done_future, tick = reading
                    read = await done_future
                    await self._searched(serial, done, read, tick, clock, progress)
                reading = (batch, future, self._tick)

        async with contextlib.aclosing(lines) as paths:
            async for found in paths:
                if listing:
                    self.listed.update(found)
                waiting.extend(found)
                await read_next(final=False)
        await read_next(final=True)
        if reading is not None:
            done, done_future, tick = reading
            read = await done_future
            await self._searched(serial, done, read, tick, clock, progress)

    async def _searched(
        self,
        serial: int,
        batch: list[str],
        read: list[bytes | Skip],
        tick: int,
        clock: list[float],
        progress: Progress | None,
    ) -> None:
        """Search a batch read from ``tick`` on, yielding to the event loop every slice."""
        totals, limit = self.totals, self.options.max_matches
        for path, data in zip(batch, read, strict=True):
            if serial != self._serial:
                raise asyncio.CancelledError
            totals.files += 1
            self._seen.add(path)
            if path in self._open or self._fresh.get(path, -1) >= tick:
                continue  # open, or searched again since this read began: that is newer
            text = decode(data) if isinstance(data, bytes) else None
            if text is None:
                totals.skipped[data if isinstance(data, str) else "binary"] += 1
            if text is not None and len(text) > PIECE_CHARACTERS and "\r" not in text:
                found = await self._search_in_pieces(text, serial)
                if path not in self._open and self._fresh.get(path, -1) < tick:
                    self._store_found(path, found)  # unless opened or searched again meanwhile
            else:
                self._store(path, text)
            if totals.matches > limit:
                raise _Capped
            now = time.perf_counter()
            if now - clock[0] > SLICE_SECONDS:
                self.flush()
                if progress is not None and now - clock[1] > PROGRESS_SECONDS:
                    clock[1] = now
                    progress.report(self._describe())
                await asyncio.sleep(0)
                clock[0] = time.perf_counter()

    async def _search_in_pieces(self, text: str, serial: int) -> dict[str, Found]:
        """:func:`~grepls.disk.search` of a large text broken by ``\\n`` only, a piece of whole
        lines at a time, yielding to the event loop between pieces: one file never holds up a
        keystroke for longer than a piece takes."""
        limit = self.options.per_document
        matches: dict[str, dict[int, list[SPAN]]] = {i: {} for i, _ in self.matchers}
        counts = dict.fromkeys(matches, 0)
        stopped: dict[str, Found] = {}
        line = start = 0
        length = len(text)
        while start <= length:
            end = text.find("\n", start + PIECE_CHARACTERS)
            if end < 0:
                end = length
            piece = text[start:end]
            running = [(i, m) for i, m in self.matchers if i not in stopped]
            lines = piece.count("\n") + 1
            for identifier, matcher in running:
                found = matcher.scan([], piece, limit - counts[identifier])
                held = matches[identifier]
                for number, spans in found.matches.items():
                    held[line + number] = spans
                counts[identifier] += found.count
                if found.searched < found.lines or found.cut:
                    stopped[identifier] = Found(held, line + found.searched, -1, found.cut)
            line += lines
            start = end + 1
            if start <= length:
                await asyncio.sleep(0)
                if serial != self._serial:
                    raise asyncio.CancelledError
        return {
            identifier: stopped.get(identifier) or Found(held, line, line)
            for identifier, held in matches.items()
        }

    def _relist_soon(self) -> None:
        """List the files again (a file was created, an ignore file changed): search what joined
        the list, forget what left it."""
        if self.running or (self._relist_task is not None and not self._relist_task.done()):
            self._relist_wanted = True
            return
        self._relist_wanted = False
        self._relist_task = _spawn(self._relist(self._serial))

    async def _relist(self, serial: int) -> None:
        listed = await self._list()
        if serial != self._serial:
            return
        joined, left = listed - self.listed, self.listed - listed
        # Files named by events meanwhile: the scan may have read them before they were written.
        joined |= self._pending & listed
        self._pending.clear()
        self.totals.files += len(listed) - len(self.listed)
        self.listed = listed
        for path in left:
            if (uri := self._uris.get(path)) is not None:
                self._drop(uri)
        started = time.perf_counter()
        for path in sorted(joined):
            if serial != self._serial:
                return
            self._research(path)
            if time.perf_counter() - started > SLICE_SECONDS:
                self.flush()
                await asyncio.sleep(0)
                started = time.perf_counter()
        self.flush()
        if self._relist_wanted:
            self._relist_wanted = False
            self._relist_task = _spawn(self._relist(self._serial))

    def _describe(self) -> str:
        totals = self.totals
        skipped = ", ".join(f"{n:,} {why}" for why, n in totals.skipped.items() if n)
        text = f"{totals.matches:,} matches in {len(self.files):,} of {totals.files:,} files"
        return text + (f" (skipped: {skipped})" if skipped else "")

    def _tell_capped(self) -> None:
        self._message(
            f"grepls: more than {self.options.max_matches:,} matches in the workspace; the search "
            f"stopped after {self.totals.files:,} files with {self.totals.matches:,} matches "
            "(setting grepls.maxWorkspaceMatches)"
        )


def _spawn(coroutine: Any) -> asyncio.Task[None] | None:
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

"""End to end: the scan worker — the process of its own that reads and searches a scan's files.

The real server, the real worker: a test finds the worker among the server's children, stops or
kills it with signals, and checks what the editor sees — the scan still ends with every match, the
server keeps answering, and nothing found for an old pattern follows the new one's first publish.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest_lsp
from conftest import TIMEOUT, command, eventually, every_cpu_busy
from lsprotocol import types
from pytest_lsp import LanguageClient
from test_lsp_workspace import CONFIG, SEARCHED, SETTINGS, counts, showing, start
from test_lsp_workspace import tree as tree  # the fixture

WORKER = b"grepls.scan_worker"


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> Any:
    yield
    await lsp_client.shutdown_session()


def server_pid(client: LanguageClient) -> int:
    server = client._server  # pytest-lsp's server process
    assert server is not None
    return int(server.pid)


def workers(parent: int) -> list[int]:
    """The scan workers ``parent`` started (its children running grepls.scan_worker)."""
    return children(parent, WORKER)


def children(parent: int, command: bytes = b"") -> list[int]:
    """The processes ``parent`` started whose command line holds ``command``."""
    with suppress(OSError):  # Linux lists them itself (CONFIG_PROC_CHILDREN)
        listed = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        return [int(pid) for pid in listed if command in _command_line(int(pid))]
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command_line = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and command in command_line:
            found.append(int(entry.name))
    return found


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # ended
        return b""


async def the_worker(client: LanguageClient, other_than: int | None = None) -> int:
    """The server's one scan worker (a new one, when ``other_than`` names the old one)."""
    parent = server_pid(client)
    await eventually(
        lambda: [p for p in workers(parent) if p != other_than] != [],
        what="the scan worker",
    )
    (pid,) = [p for p in workers(parent) if p != other_than]
    return pid


@contextmanager
def stopped(pid: int) -> Iterator[None]:
    """Process ``pid`` stopped (SIGSTOP) until the block ends."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        with suppress(ProcessLookupError):  # killed meanwhile, and reaped
            os.kill(pid, signal.SIGCONT)


def many(root: Path, number: int, text: str) -> None:
    for n in range(number):
        folder = root / "many" / f"{n // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{n}.txt").write_text(text)


async def test_the_worker_starts_with_the_workspace_scope_and_searches_each_scan(
    client: LanguageClient, tree: Path
) -> None:
    await start(client, tree)
    pid = await the_worker(client)  # before any pattern: ready for the first scan
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    await command(client, "grepls.setPattern", "and")
    await showing(client, tree, {"src/b.txt": 1})
    assert workers(server_pid(client)) == [pid]  # one worker, kept from scan to scan


async def test_the_worker_and_its_ripgrep_take_only_idle_cpu(
    client: LanguageClient, tree: Path
) -> None:
    many(tree, 3000, "none\n")  # ripgrep names more than its pipe holds: it lives a while
    await start(client, tree)
    pid = await the_worker(client)
    # Set by the worker itself as it starts.
    await eventually(lambda: os.sched_getscheduler(pid) == os.SCHED_IDLE, what="SCHED_IDLE")
    assert os.sched_getscheduler(server_pid(client)) == os.SCHED_OTHER  # the server is not
    policies: set[int] = set()

    def ripgrep_seen() -> bool:
        for child in children(pid):
            with suppress(ProcessLookupError):  # ended meanwhile
                policies.add(os.sched_getscheduler(child))
        return policies != set()

    await command(client, "grepls.setPattern", "none")
    await eventually(ripgrep_seen, what="the worker's ripgrep")
    assert policies == {os.SCHED_IDLE}
    await showing(client, tree, {f"many/{n // 100}/{n}.txt": 1 for n in range(3000)})


async def test_a_scan_ends_while_other_programs_keep_every_cpu_busy(
    client: LanguageClient, tree: Path
) -> None:
    """On idle CPU only, the worker would get almost nothing: it is seen starved, and a worker at
    nice takes the scan, which ends complete; so does the next one, without another change."""
    many(tree, 3000, "none\n")
    await start(client, tree)
    idle = await the_worker(client)
    await eventually(lambda: os.sched_getscheduler(idle) == os.SCHED_IDLE, what="SCHED_IDLE")
    with every_cpu_busy():
        await command(client, "grepls.setPattern", "none")
        await showing(client, tree, {f"many/{n // 100}/{n}.txt": 1 for n in range(3000)})
        (at_nice,) = workers(server_pid(client))
        assert at_nice != idle
        assert os.sched_getscheduler(at_nice) == os.SCHED_OTHER
        await command(client, "grepls.setPattern", "TODO")
        await showing(client, tree, SEARCHED)
        assert workers(server_pid(client)) == [at_nice]


async def test_a_worker_killed_mid_scan_is_started_again_and_the_scan_ends_complete(
    client: LanguageClient, tree: Path
) -> None:
    many(tree, 300, "none\n")
    await start(client, tree, "visual-studio-code")
    old = await the_worker(client)
    with stopped(old):
        # The scan's job waits in the stopped worker's pipe: the worker dies with it.
        result = await command(client, "grepls.setPattern", "TODO")
        assert result["workspace"]["complete"] is False
        os.kill(old, signal.SIGKILL)
    await showing(client, tree, SEARCHED)
    new = await the_worker(client, other_than=old)
    assert new != old

    def ended() -> list[str]:
        return [
            reports[-1].message
            for reports in client.progress_reports.values()
            if reports and getattr(reports[-1], "kind", None) == "end"
        ]

    await eventually(lambda: ended() != [], what="the scan's progress to end")
    (message,) = ended()
    # Every file counted once, not once per worker.
    assert message == "5 matches in 3 of the 5 files ripgrep named (skipped: 1 large, 1 binary)"
    # The server answers, and the new worker serves the next scan.
    await command(client, "grepls.setPattern", "none")
    await showing(client, tree, {f"many/{n // 100}/{n}.txt": 1 for n in range(300)})


async def test_a_pattern_changed_while_old_results_wait_in_the_pipe_publishes_nothing_old(
    client: LanguageClient, tree: Path
) -> None:
    """The server is stopped while the worker finds TODO everywhere, so that its results wait
    in the pipe when the new pattern arrives: none of them may be shown after FIXME's first
    publish."""
    many(tree, 2000, "TODO FIXME\n")
    await start(client, tree, settings={"maxWorkspaceMatches": 100_000})
    await the_worker(client)
    await command(client, "grepls.setPattern", "TODO")
    server = server_pid(client)
    with stopped(server):
        await asyncio.sleep(0.3)  # the worker searches on, and fills the pipe
        changed = asyncio.ensure_future(command(client, "grepls.setPattern", "FIXME"))
        await asyncio.sleep(0.1)
    await asyncio.wait_for(changed, TIMEOUT)
    expected = {f"many/{n // 100}/{n}.txt": 1 for n in range(2000)}
    log: list[tuple[str, list[str], Any]] = client.log  # type: ignore[attr-defined]
    await eventually(
        lambda: (
            counts(client, tree) == expected
            and all(m == ['matches "FIXME"'] for _, m, _ in log[-2000:])
        ),
        what="every file with FIXME",
    )
    first = next(n for n, (_, messages, _) in enumerate(log) if 'matches "FIXME"' in messages)
    assert not any('matches "TODO"' in messages for _, messages, _ in log[first:])
    # Nor TODO's matches under FIXME's name: every FIXME publish is at FIXME's column.
    columns: list[list[tuple[str, int]]] = client.columns  # type: ignore[attr-defined]
    assert {c for shown in columns[first:] for _, c in shown} == {5}
    listed = await command(client, "grepls.listMatches")
    assert {item["range"]["start"]["character"] for item in listed} == {5}  # FIXME, not TODO
    assert len(listed) == 2000


async def test_the_scope_set_back_to_open_mid_scan_stops_the_workers_job(
    client: LanguageClient, tree: Path
) -> None:
    many(tree, 1000, "TODO\n")
    await start(client, tree, "visual-studio-code")
    await command(client, "grepls.setPattern", "TODO")
    client.set_configuration({**SETTINGS, "scope": "open"}, section="grepls")
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"grepls": {**SETTINGS, "scope": "open"}})
    )
    await eventually(lambda: counts(client, tree) == {}, what="the closed files cleared")
    await asyncio.sleep(0.3)  # whatever the worker still sends is dropped
    assert counts(client, tree) == {}


async def test_a_worker_killed_between_scans_is_replaced_by_the_next_scan(
    client: LanguageClient, tree: Path
) -> None:
    await start(client, tree)
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    old = await the_worker(client)
    os.kill(old, signal.SIGKILL)
    await command(client, "grepls.setPattern", "and")
    await showing(client, tree, {"src/b.txt": 1})
    assert await the_worker(client, other_than=old) != old


async def test_the_scope_set_back_to_open_ends_the_worker(
    client: LanguageClient, tree: Path
) -> None:
    await start(client, tree)
    await command(client, "grepls.setPattern", "TODO")
    await showing(client, tree, SEARCHED)
    await the_worker(client)
    client.set_configuration({**SETTINGS, "scope": "open"}, section="grepls")
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"grepls": {**SETTINGS, "scope": "open"}})
    )
    await eventually(lambda: workers(server_pid(client)) == [], what="the worker to end")

"""The timing trace (``--trace-timing``): the server's own clock on a keystroke, read by a bench."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from grepls.client import Client, edit

URI = "file:///traced.txt"


def read_trace(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return lines[0], lines[1:]


def type_a_match(client: Client) -> tuple[int, int]:
    """Open a document, set a pattern, insert a matching line: the monotonic ns just before the
    change was sent and just after its publish arrived."""
    client.initialize()
    client.open(URI, "one\ntwo TODO\nthree\n")
    client.command("grepls.setPattern", "TODO")
    client.wait_publish(URI, 1)
    client.barrier()
    before = time.monotonic_ns()
    client.change(URI, 2, [edit((0, 0), (0, 0), "TODO typed\n")])
    client.wait_publish(URI, 2)
    return before, time.monotonic_ns()


def keystroke_entries(
    entries: list[dict[str, Any]], before: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The didChange in and the publish out after it."""
    change = next(
        e
        for e in entries
        if e["dir"] == "in" and e.get("method") == "textDocument/didChange" and e["mono"] >= before
    )
    publish = next(
        e
        for e in entries
        if e["dir"] == "out"
        and e.get("method") == "textDocument/publishDiagnostics"
        and e["mono"] >= change["mono"]
    )
    return change, publish


def keystroke_span(entries: list[dict[str, Any]], before: int) -> tuple[int, int]:
    """(didChange in, the publish out after it) stamps."""
    change, publish = keystroke_entries(entries, before)
    return change["mono"], publish["mono"]


def test_the_trace_times_a_keystroke_from_didchange_in_to_publish_out(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    with Client.start(["--trace-timing", str(trace)], timeout=30) as client:
        before, after = type_a_match(client)
    header, entries = read_trace(trace)  # written at exit
    assert header["trace"] == "grepls"
    assert header["mono"] <= before and header["wall"] > 0
    change_in, publish_out = keystroke_span(entries, before)
    # On one clock with the client's: read after `before` was taken and before the publish
    # arrived. (Not "written before it arrived": the write wakes the client, which may read and
    # take `after` before the server's write returns and is stamped.)
    assert before <= change_in <= publish_out
    assert change_in <= after
    assert publish_out - change_in < 10_000_000_000
    # Requests and their answers are paired by id, in order; notifications carry no id.
    requests = {e["id"]: e for e in entries if e["dir"] == "in" and "id" in e}
    answers = [e for e in entries if e["dir"] == "out" and "method" not in e]
    assert answers and all(e["id"] in requests for e in answers)
    assert all(requests[e["id"]]["mono"] <= e["mono"] for e in answers)
    assert [e["mono"] for e in entries] == sorted(e["mono"] for e in entries)
    publishes = [e for e in entries if e.get("method") == "textDocument/publishDiagnostics"]
    assert all(e["bytes"] > 50 and "id" not in e for e in publishes)
    methods = {e.get("method") for e in entries if e["dir"] == "in"}
    assert {"initialize", "textDocument/didOpen", "shutdown", "exit"} <= methods


def test_each_stamp_carries_the_servers_cpu_time_within_the_wall_time(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    with Client.start(["--trace-timing", str(trace)], timeout=30) as client:
        before, _ = type_a_match(client)
    _, entries = read_trace(trace)
    change, publish = keystroke_entries(entries, before)
    # The server ran to handle the keystroke, and no longer than the wall time it took — give or
    # take the moment between a stamp's two clock reads (monotonic, then CPU time), which can put
    # the CPU span a few hundred nanoseconds past the wall span (seen: 111 ns in CI).
    clock_reads = 5_000
    assert 0 < publish["cpu"] - change["cpu"] <= publish["mono"] - change["mono"] + clock_reads
    # One thread's CPU clock: it never goes back.
    assert [e["cpu"] for e in entries] == sorted(e["cpu"] for e in entries)
    first, last = entries[0], entries[-1]
    # And it stands still while the server waits for the client, as it did between messages.
    assert last["cpu"] - first["cpu"] < last["mono"] - first["mono"]


def test_the_environment_turns_it_on_and_an_idle_server_writes_it_out(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    env = {**os.environ, "GREPLS_TRACE_TIMING": str(trace)}
    with Client.start(env=env, timeout=30) as client:
        before, _ = type_a_match(client)
        # Still running: the stamps reach the file once the server has been idle a moment.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            _, entries = read_trace(trace)
            if any(e.get("method") == "textDocument/didChange" for e in entries):
                break
            time.sleep(0.05)
        change_in, publish_out = keystroke_span(entries, before)
        assert change_in <= publish_out


def test_a_message_that_is_not_answered_is_written_out_when_idle_too(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    with Client.start(["--trace-timing", str(trace)], timeout=30) as client:
        type_a_match(client)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the burst above written out
            if any(e.get("method") == "textDocument/didChange" for e in read_trace(trace)[1]):
                break
            time.sleep(0.05)
        # A keystroke that changes no match: nothing is sent back, the timer is set all the same.
        client.change(URI, 3, [edit((3, 0), (3, 0), "x")])  # "three"
        while time.monotonic() < deadline:
            _, entries = read_trace(trace)
            if sum(e.get("method") == "textDocument/didChange" for e in entries) == 2:
                break
            time.sleep(0.05)
        changes = [e for e in entries if e.get("method") == "textDocument/didChange"]
        assert len(changes) == 2 and all(e["dir"] == "in" for e in changes)


def test_without_the_flag_no_trace_is_written(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GREPLS_TRACE_TIMING"}
    with Client.start(env=env, cwd=tmp_path, timeout=30) as client:
        type_a_match(client)
    assert list(tmp_path.iterdir()) == []

"""The measured scenarios, each run against one fresh server process through `grepls.client`.

- keystrokes: open one document, then type/delete one character at a time in its middle; the
  latency of a keystroke is from writing its didChange to receiving the publishDiagnostics whose
  `version` is that edit's version. Every publish is decoded (after its time is taken) and its
  diagnostic count checked against the planted matches +/- the keystroke's effect.
- opens: with the pattern set, open a document under a fresh uri; latency is from writing
  didOpen to the first publish for that uri. The document is closed again before the next one.
- pattern change: ten documents open; latency is from writing `grepls.setPattern` to the last
  of the ten publishes that carry the new pattern's matches.

A scenario that sees a wrong count, a timeout or a dead server raises `ScenarioError`; the
runner records it and the run exits non-zero.

The client stamps each message when its last byte is read, before decoding it, and leaves
publishes undecoded until a scenario asks (`Frame.diagnostics(keep=False)`, which also checks the
cheap uri/version reading and drops the bytes): its own JSON work stays out of the latencies.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from grepls.client import Client, Frame, LspError, Pending, ServerGone, Unresponsive

from bench.documents import (
    ALTERNATE_PATTERN,
    PATTERN,
    Document,
    Keystroke,
    expected_ranges,
    plan_keystrokes,
)
from bench.process import tree_memory_kb

CLIENT_CAPABILITIES: dict[str, Any] = {
    # A push-only editor: no textDocument.diagnostic, so servers must publishDiagnostics.
    "general": {"positionEncodings": ["utf-16"]},
    "textDocument": {
        "synchronization": {"dynamicRegistration": False, "didSave": False},
        "publishDiagnostics": {"versionSupport": True, "relatedInformation": False},
        "documentHighlight": {"dynamicRegistration": False},
    },
    "workspace": {
        "configuration": True,
        "didChangeConfiguration": {"dynamicRegistration": False},
        "executeCommand": {"dynamicRegistration": False},
        "workspaceFolders": False,
    },
    "window": {"workDoneProgress": False},
}


# An unknown request every server answers in order with MethodNotFound: a cheap "caught up" probe.
BARRIER_METHOD = "$/grepls-bench/barrier"
METHOD_NOT_FOUND = -32601
BARRIER_GRACE_S = 0.010


class ScenarioError(Exception):
    """The server answered wrongly or not at all."""


@dataclass
class ServerSpec:
    name: str
    argv: list[str]
    # Caps for a slow server: scenario label -> max measured iterations (see `_cap`).
    caps: dict[str, int] = field(default_factory=dict)
    # The server's environment, when not the benchmark's own (a baseline's PYTHONPATH).
    env: dict[str, str] | None = None


@dataclass
class Measurement:
    samples_ns: list[int]
    memory: dict[str, int]
    notes: list[str] = field(default_factory=list)
    # Keystroke scenarios: the samples whose edit was answered by a publish (the target's metric).
    published_ns: list[int] | None = None


@contextmanager
def server_session(
    spec: ServerSpec, scratch_dir: str, label: str, timeout: float
) -> Iterator[Client]:
    client = Client.start(
        argv=spec.argv,
        stderr_path=os.path.join(scratch_dir, f"{spec.name}-{label}.stderr"),
        timeout=timeout,
        env=spec.env,
    )
    try:
        result = client.result(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": None,
                "capabilities": CLIENT_CAPABILITIES,
                "clientInfo": {"name": "grepls-bench", "version": "1"},
                # Every planted match is published and checked (up to 10,000 a document): above
                # the default cap, chosen for what editors can show (see "In real editors").
                "initializationOptions": {"maxMatchesPerDocument": 100_000},
            },
            timeout=30,
        )
        sync = result.get("capabilities", {}).get("textDocumentSync")
        change_kind = sync.get("change") if isinstance(sync, dict) else sync
        if change_kind != 2:
            raise ScenarioError(f"server does not offer incremental sync (change={change_kind})")
        client.notify("initialized", {})
        yield client
    except (LspError, ServerGone, Unresponsive) as exc:
        tail = client.stderr_text(2000)
        raise ScenarioError(
            f"{exc}" + (f"\n--- server stderr ---\n{tail}" if tail else "")
        ) from exc
    finally:
        client.stop()


def set_pattern(client: Client, pattern: str, timeout: float) -> Any:
    return client.result(
        "workspace/executeCommand",
        {"command": "grepls.setPattern", "arguments": [pattern]},
        timeout=timeout,
    )


def _open_params(uri: str, doc: Document) -> dict[str, Any]:
    return {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": doc.text}}


def _check_publish(frame_diagnostics: list[dict[str, Any]], expected: int, what: str) -> None:
    if len(frame_diagnostics) != expected:
        raise ScenarioError(f"{what}: {len(frame_diagnostics)} diagnostics, expected {expected}")


def _check_lines(diagnostics: list[dict[str, Any]], expected_lines: list[int], what: str) -> None:
    got = sorted(d["range"]["start"]["line"] for d in diagnostics)
    if got != expected_lines:
        raise ScenarioError(f"{what}: diagnostics on the wrong lines")


def open_and_wait(
    client: Client, uri: str, doc: Document, timeout: float, what: str
) -> tuple[int, list[dict[str, Any]]]:
    """didOpen `doc`; return (latency ns, diagnostics of the first publish for it), having
    checked that publish holds one diagnostic per planted match (`what` names it in errors)."""
    frame_data = client.encode_notification("textDocument/didOpen", _open_params(uri, doc))
    start = len(client.publishes)
    sent = client.write_raw(frame_data)
    frame = client.wait_publish(uri, None, start, timeout)
    latency = frame.received_ns - sent
    diagnostics = frame.diagnostics(keep=False)
    _check_publish(diagnostics, len(doc.todo_lines), what)
    return latency, diagnostics


def _change_params(uri: str, version: int, line: int, column: int, insert: bool) -> dict[str, Any]:
    end = column if insert else column + 1
    change = {
        "range": {
            "start": {"line": line, "character": column},
            "end": {"line": line, "character": end},
        },
        "text": "x" if insert else "",
    }
    return {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}


def _finish_barrier(client: Client, barrier: Pending, timeout: float) -> None:
    """The barrier is an unknown method: a MethodNotFound error is its expected answer."""
    try:
        client.finish(barrier, timeout)
    except LspError as exc:
        if exc.code != METHOD_NOT_FOUND:
            raise


def _time_keystroke(
    client: Client, uri: str, version: int, key: Keystroke, timeout: float
) -> tuple[int, Frame | None]:
    """Send one keystroke; return (latency ns, the publish for its version or None).

    A keystroke that changes the diagnostics must be answered by a publish with its version.
    One that leaves every range as it was may be answered by nothing, so it is followed by a
    barrier request (answered in order, after the change is processed); if the barrier answer
    comes first and no publish for the version follows within BARRIER_GRACE_S, the keystroke's
    latency is the barrier's.
    """
    data = client.encode_notification(
        "textDocument/didChange", _change_params(uri, version, key.line, key.column, key.insert)
    )
    scan_from = len(client.publishes)
    sent = client.write_raw(data)
    barrier = None
    if not key.changes_diagnostics:
        barrier = client.start_request(BARRIER_METHOD, None)
    deadline = time.monotonic() + timeout
    grace_end: float | None = None
    frame = None
    while True:
        frame = client.find_publish(uri, version, scan_from)
        if frame is not None:
            break
        scan_from = len(client.publishes)
        if barrier is not None and barrier.id in client.response_received_ns:
            if grace_end is None:
                grace_end = time.monotonic() + BARRIER_GRACE_S
            elif time.monotonic() >= grace_end:
                break
        if grace_end is None and time.monotonic() >= deadline:
            raise Unresponsive(f"no publish for {uri} v{version} within {timeout:.0f} s")
        client.wait_arrival(grace_end if grace_end is not None else deadline)
    if barrier is not None:
        _finish_barrier(client, barrier, timeout)
    if frame is not None:
        return frame.received_ns - sent, frame
    assert barrier is not None
    return client.response_received_ns[barrier.id] - sent, None


def _cap(spec: ServerSpec, label: str, count: int, what: str, notes: list[str]) -> int:
    """How many rounds to run: fewer where this server's rounds take seconds, and say so."""
    capped = spec.caps.get(label)
    if capped is None or capped >= count:
        return count
    notes.append(f"capped at {capped} {what} (of {count})")
    return capped


def keystrokes(
    spec: ServerSpec,
    scratch_dir: str,
    label: str,
    doc: Document,
    count: int,
    warmup: int,
    timeout: float,
    check_lines: bool,
    patterns: list[dict[str, Any]] | None = None,
) -> Measurement:
    """Type into the open document; with ``patterns`` (added before it opens) instead of the
    one search pattern, every publish carries every pattern's matches and must hold some (the
    tests check several patterns against an oracle)."""
    uri = f"file:///bench/{label}.py"
    notes: list[str] = []
    capped = _cap(spec, label, count, "keystrokes", notes)
    if capped < count:
        count = capped
        warmup = min(warmup, max(2, capped // 5))
    plan = plan_keystrokes(doc, warmup + count)
    with server_session(spec, scratch_dir, label, timeout) as client:
        _prepare(client, patterns, timeout)
        _open(client, uri, doc, timeout, f"{label}: didOpen", patterns)
        samples, published = [], []
        for index, key in enumerate(plan):
            latency, frame = _time_keystroke(client, uri, index + 2, key, timeout)
            if index >= warmup:
                samples.append(latency)
                if frame is not None:
                    published.append(latency)
            if frame is None:
                continue  # nothing changed and nothing was published: nothing to check
            diagnostics = frame.diagnostics(keep=False)
            what = f"{label}: keystroke {index} ({key.kind} {'insert' if key.insert else 'delete'})"
            if patterns is not None:
                if not diagnostics:
                    raise ScenarioError(f"{what}: a publish without matches")
                continue
            _check_publish(diagnostics, key.expected_matches, what)
            if check_lines:
                got = sorted(
                    (
                        d["range"]["start"]["line"],
                        d["range"]["start"]["character"],
                        d["range"]["end"]["character"],
                    )
                    for d in diagnostics
                )
                if got != expected_ranges(doc, key):
                    raise ScenarioError(f"{what}: diagnostics with the wrong ranges")
        memory = tree_memory_kb(client.pid)
    if len(published) < len(samples):
        notes.append(
            f"{len(samples) - len(published)} of {len(samples)} keystrokes changed no "
            "range and got no publish: timed by a barrier request"
        )
    return Measurement(samples, memory, notes, published)


def opens(
    spec: ServerSpec,
    scratch_dir: str,
    label: str,
    doc: Document,
    count: int,
    warmup: int,
    timeout: float,
    check_lines: bool,
    patterns: list[dict[str, Any]] | None = None,
) -> Measurement:
    """didOpen -> first publish, with the search pattern set (or ``patterns`` added)."""
    notes: list[str] = []
    count = _cap(spec, label, count, "opens", notes)
    with server_session(spec, scratch_dir, label, timeout) as client:
        _prepare(client, patterns, timeout)
        samples = []
        memory: dict[str, int] = {}
        for index in range(warmup + count):
            uri = f"file:///bench/{label}-{index}.py"
            what = f"{label}: open {index}"
            latency, diagnostics = _open(client, uri, doc, timeout, what, patterns)
            if check_lines and patterns is None:
                _check_lines(diagnostics, doc.todo_lines, what)
            if index >= warmup:
                samples.append(latency)
            if index == warmup + count - 1:
                memory = tree_memory_kb(client.pid)
            client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return Measurement(samples, memory, notes)


def pattern_changes(
    spec: ServerSpec,
    scratch_dir: str,
    label: str,
    docs: list[Document],
    rounds: int,
    warmup: int,
    timeout: float,
    check_lines: bool,
) -> Measurement:
    """Alternate the pattern between TODO and FIXME with every document open."""
    notes: list[str] = []
    rounds = _cap(spec, label, rounds, "pattern changes", notes)
    uris = [f"file:///bench/{label}-{n}.py" for n in range(len(docs))]
    with server_session(spec, scratch_dir, label, timeout) as client:
        set_pattern(client, PATTERN, timeout)
        for uri, doc in zip(uris, docs, strict=False):
            open_and_wait(client, uri, doc, timeout, f"{label}: open {uri}")
        samples = []
        for index in range(warmup + rounds):
            pattern = ALTERNATE_PATTERN if index % 2 == 0 else PATTERN
            expected: Callable[[Document], list[int]] = (
                (lambda d: d.fixme_lines)
                if pattern == ALTERNATE_PATTERN
                else (lambda d: d.todo_lines)
            )
            start = len(client.publishes)
            request = client.start_request(
                "workspace/executeCommand",
                {"command": "grepls.setPattern", "arguments": [pattern]},
            )
            # First find a candidate publish per document without decoding any of them, so the
            # reader's arrival stamps are not delayed by our JSON work; then verify the counts.
            positions = dict.fromkeys(uris, start)
            last_ns = 0
            pending = list(uris)
            while pending:
                candidates = [
                    (uri, client.wait_publish(uri, None, positions[uri], timeout))
                    for uri in pending
                ]
                pending = []
                for uri, frame in candidates:
                    positions[uri] = frame.index + 1
                    doc = docs[uris.index(uri)]
                    diagnostics = frame.diagnostics(keep=False)
                    if len(diagnostics) != len(expected(doc)):
                        pending.append(uri)  # e.g. a clearing publish first; keep looking
                        continue
                    if check_lines:
                        _check_lines(diagnostics, expected(doc), f"{label}: round {index} {uri}")
                    last_ns = max(last_ns, frame.received_ns)
            result = client.finish(request, timeout)
            total = sum(len(expected(d)) for d in docs)
            if not isinstance(result, dict) or result.get("matches") != total:
                raise ScenarioError(f"{label}: setPattern returned {result!r}, expected {total}")
            if index >= warmup:
                samples.append(last_ns - request.sent_ns)
        memory = tree_memory_kb(client.pid)
    return Measurement(samples, memory, notes)


def startups(
    spec: ServerSpec, scratch_dir: str, label: str, count: int, warmup: int, timeout: float
) -> Measurement:
    """Spawn -> initialize result, one fresh process per sample; memory of the last one."""
    samples: list[int] = []
    memory: dict[str, int] = {}
    for round_number in range(warmup + count):
        started = time.perf_counter_ns()
        client = Client.start(
            argv=spec.argv,
            stderr_path=os.path.join(scratch_dir, f"{spec.name}-{label}.stderr"),
            timeout=timeout,
            env=spec.env,
        )
        try:
            client.result(
                "initialize",
                {"processId": os.getpid(), "rootUri": None, "capabilities": CLIENT_CAPABILITIES},
                timeout=timeout,
            )
            elapsed = time.perf_counter_ns() - started
            if round_number >= warmup:
                samples.append(elapsed)
            memory = tree_memory_kb(client.pid)
        except (LspError, ServerGone, Unresponsive) as exc:
            raise ScenarioError(
                f"{exc}\n--- server stderr ---\n{client.stderr_text(2000)}"
            ) from exc
        finally:
            client.stop()
    return Measurement(samples, memory)


def first_keystrokes(
    spec: ServerSpec,
    scratch_dir: str,
    label: str,
    doc: Document,
    count: int,
    warmup: int,
    timeout: float,
    where: str,
) -> Measurement:
    """Open the document, and type into a TODO the moment its first publish arrives: the time
    from that didChange to the publish carrying it. ``where`` picks the TODO: ``"top"`` (the
    first of the file, where an editor's cursor is on open) or ``"middle"``."""
    todo_lines = doc.todo_lines
    line = todo_lines[0] if where == "top" else todo_lines[len(todo_lines) // 2]
    column = doc.lines[line].index(PATTERN) + 1
    key = Keystroke(line, column, True, "break", len(todo_lines) - 1, True)
    with server_session(spec, scratch_dir, label, timeout) as client:
        set_pattern(client, PATTERN, timeout)
        samples: list[int] = []
        memory: dict[str, int] = {}
        for index in range(warmup + count):
            uri = f"file:///bench/{label}-{index}.py"
            open_and_wait(client, uri, doc, timeout, f"{label}: open {index}")
            latency, frame = _time_keystroke(client, uri, 2, key, timeout)
            if frame is None:
                raise ScenarioError(f"{label}: the keystroke that broke a TODO got no publish")
            _check_publish(frame.diagnostics(keep=False), key.expected_matches, label)
            if index >= warmup:
                samples.append(latency)
            if index == warmup + count - 1:
                memory = tree_memory_kb(client.pid)
            client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
            _finish_barrier(client, client.start_request(BARRIER_METHOD, None), timeout)
    return Measurement(samples, memory)


# Twenty patterns, each matching every planted TODO once: 10 literals, 5 case-insensitive whole
# words, 5 regexes (the generated code is lower case, so upper-case letters occur only in TODO).
SEVERAL_PATTERNS: list[dict[str, Any]] = [
    *(
        {"pattern": literal, "id": f"literal-{literal}"}
        for literal in ["TODO", "TOD", "ODO", "TO", "OD", "DO", "T", "O", "D", "TODO:"]
    ),
    *(
        {"pattern": word, "caseSensitive": False, "wholeWord": True, "id": f"word-{n}"}
        for n, word in enumerate(["todo"] * 5)
    ),
    *(
        {"pattern": regex, "regex": True, "id": f"regex-{n}"}
        for n, regex in enumerate([r"T.DO", r"TO+DO", r"[T]ODO", r"TOD(O)", r"\bTODO\b"])
    ),
]


def add_patterns(client: Client, patterns: list[dict[str, Any]], timeout: float) -> None:
    for pattern in patterns:
        client.result(
            "workspace/executeCommand",
            {"command": "grepls.addPattern", "arguments": [pattern]},
            timeout=timeout,
        )


def _prepare(client: Client, patterns: list[dict[str, Any]] | None, timeout: float) -> None:
    """Set the search pattern, or add ``patterns``."""
    if patterns is None:
        set_pattern(client, PATTERN, timeout)
    else:
        add_patterns(client, patterns, timeout)


def _open(
    client: Client,
    uri: str,
    doc: Document,
    timeout: float,
    what: str,
    patterns: list[dict[str, Any]] | None,
) -> tuple[int, list[dict[str, Any]]]:
    """didOpen; (latency, diagnostics of the first publish), checked: one per planted match for
    the search pattern, at least one with ``patterns``."""
    if patterns is None:
        return open_and_wait(client, uri, doc, timeout, what)
    start = len(client.publishes)
    sent = client.write_raw(
        client.encode_notification("textDocument/didOpen", _open_params(uri, doc))
    )
    frame = client.wait_publish(uri, None, start, timeout)
    diagnostics = frame.diagnostics(keep=False)
    if not diagnostics:
        raise ScenarioError(f"{what}: the first publish holds no matches")
    return frame.received_ns - sent, diagnostics


def pattern_additions(
    spec: ServerSpec,
    scratch_dir: str,
    label: str,
    docs: list[Document],
    rounds: int,
    warmup: int,
    timeout: float,
) -> Measurement:
    """Ten documents open with twenty patterns: add a twenty-first (and remove it again); the
    time from writing ``grepls.addPattern`` to the last of the ten publishes that carry it.

    Every publish is decoded after the round's time is taken, its count checked (one more per
    planted ``TODO`` with the twenty-first pattern) and its bytes dropped: a round receives 70 MB,
    and a client that kept them grew by that much each round and slowed every later one."""
    uris = [f"file:///bench/{label}-{n}.py" for n in range(len(docs))]
    extra = {"pattern": "TODO", "id": "twenty-first", "severity": "hint"}
    with server_session(spec, scratch_dir, label, timeout) as client:
        add_patterns(client, SEVERAL_PATTERNS, timeout)
        opened = [
            len(_open(client, uri, doc, timeout, f"{label}: open {uri}", SEVERAL_PATTERNS)[1])
            for uri, doc in zip(uris, docs, strict=True)
        ]
        added = [count + len(doc.todo_lines) for count, doc in zip(opened, docs, strict=True)]
        samples = []
        for index in range(warmup + rounds):
            start = len(client.publishes)
            request = client.start_request(
                "workspace/executeCommand", {"command": "grepls.addPattern", "arguments": [extra]}
            )
            frames = [client.wait_publish(uri, None, start, timeout) for uri in uris]
            last = max(frame.received_ns for frame in frames)
            client.finish(request, timeout)
            if index >= warmup:
                samples.append(last - request.sent_ns)
            _check_counts(frames, added, f"{label}: round {index}, added")
            start = len(client.publishes)
            client.result(
                "workspace/executeCommand",
                {"command": "grepls.removePattern", "arguments": [extra["id"]]},
                timeout=timeout,
            )
            # The removal's publishes, before the next round.
            frames = [client.wait_publish(uri, None, start, timeout) for uri in uris]
            _check_counts(frames, opened, f"{label}: round {index}, removed")
            _finish_barrier(client, client.start_request(BARRIER_METHOD, None), timeout)
        memory = tree_memory_kb(client.pid)
    return Measurement(samples, memory)


def _check_counts(frames: list[Frame], counts: list[int], what: str) -> None:
    """Each publish holds its expected number of diagnostics; its bytes are dropped."""
    for frame, count in zip(frames, counts, strict=True):
        got = len(frame.diagnostics(keep=False))
        if got != count:
            raise ScenarioError(f"{what}: {frame.uri} published {got} diagnostics, not {count}")


def _line_edit(uri: str, version: int, insert: bool) -> dict[str, Any]:
    """A line break typed at the very top of the document, or the top line's break deleted."""
    end = {"line": 1 if not insert else 0, "character": 0}
    change = {
        "range": {"start": {"line": 0, "character": 0}, "end": end},
        "text": "\n" if insert else "",
    }
    return {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}


def line_insertions(
    spec: ServerSpec,
    scratch_dir: str,
    label: str,
    doc: Document,
    count: int,
    warmup: int,
    timeout: float,
    check_lines: bool,
) -> Measurement:
    """A line inserted above every match, then deleted, again and again: every keystroke moves
    every match, so every publish carries all of them at new line numbers (issue 15's worst
    case for an editor). Each publish is checked: all planted matches, one line lower after an
    insertion (range by range with ``check_lines``)."""
    uri = f"file:///bench/{label}.py"
    notes: list[str] = []
    capped = _cap(spec, label, count, "keystrokes", notes)
    if capped < count:
        count, warmup = capped, min(warmup, max(2, capped // 5))
    with server_session(spec, scratch_dir, label, timeout) as client:
        set_pattern(client, PATTERN, timeout)
        open_and_wait(client, uri, doc, timeout, f"{label}: didOpen")
        samples = []
        for index in range(warmup + count):
            version, insert = index + 2, index % 2 == 0
            start = len(client.publishes)
            data = client.encode_notification(
                "textDocument/didChange", _line_edit(uri, version, insert)
            )
            sent = client.write_raw(data)
            frame = client.wait_publish(uri, version, start, timeout)
            if index >= warmup:
                samples.append(frame.received_ns - sent)
            diagnostics = frame.diagnostics(keep=False)
            what = f"{label}: keystroke {index} ({'insert' if insert else 'delete'} a line)"
            _check_publish(diagnostics, len(doc.todo_lines), what)
            if check_lines:
                _check_lines(diagnostics, [line + insert for line in doc.todo_lines], what)
        memory = tree_memory_kb(client.pid)
    return Measurement(samples, memory, notes)


FLOOR_METHOD = "$/grepls-bench/floor"


def publish_floor(
    spec: ServerSpec,
    scratch_dir: str,
    label: str,
    diagnostics: int,
    count: int,
    warmup: int,
    timeout: float,
) -> Measurement:
    """The floor program (``bench/pipe_floor.py``) answering each edit with a publish of
    ``diagnostics`` diagnostics prepared in advance: what moving such a publish through the pipe
    into this client costs, with no server work at all."""
    uri = f"file:///bench/{label}.py"
    with server_session(spec, scratch_dir, label, timeout) as client:
        client.notify(FLOOR_METHOD, {"diagnostics": diagnostics})
        samples = []
        for index in range(warmup + count):
            version = index + 2
            start = len(client.publishes)
            data = client.encode_notification(
                "textDocument/didChange", _line_edit(uri, version, True)
            )
            sent = client.write_raw(data)
            frame = client.wait_publish(uri, version, start, timeout)
            if index >= warmup:
                samples.append(frame.received_ns - sent)
            if index == 0:
                size = len(frame.body)
            _check_publish(frame.diagnostics(keep=False), diagnostics, f"{label}: publish {index}")
        memory = tree_memory_kb(client.pid)
    return Measurement(samples, memory, [f"{size / 1e6:.2f} MB a publish"])

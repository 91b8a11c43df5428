"""The measured scenarios, each run against one fresh server process through `LspClient`.

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
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from bench.documents import ALTERNATE_PATTERN, PATTERN, Document, plan_keystrokes
from bench.lsp_client import LspClient, LspError, checked_publish
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


class ScenarioError(Exception):
    """The server answered wrongly or not at all."""


@dataclass
class ServerSpec:
    name: str
    argv: list[str]
    # Scale factor and caps for a slow server: scenario -> max measured iterations.
    caps: dict[str, int] = field(default_factory=dict)


@dataclass
class Measurement:
    samples_ns: list[int]
    memory: dict[str, int]
    notes: list[str] = field(default_factory=list)


@asynccontextmanager
async def server_session(spec: ServerSpec, scratch_dir: str, label: str):  # type: ignore[no-untyped-def]
    client = LspClient(spec.argv, os.path.join(scratch_dir, f"{spec.name}-{label}.stderr"))
    await client.start()
    try:
        result = await client.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": None,
                "capabilities": CLIENT_CAPABILITIES,
                "clientInfo": {"name": "grepls-bench", "version": "1"},
            },
            timeout=30,
        )
        sync = result.get("capabilities", {}).get("textDocumentSync")
        change_kind = sync.get("change") if isinstance(sync, dict) else sync
        if change_kind != 2:
            raise ScenarioError(f"server does not offer incremental sync (change={change_kind})")
        await client.notify("initialized", {})
        yield client
    except LspError as exc:
        tail = client.stderr_tail()
        raise ScenarioError(
            f"{exc}" + (f"\n--- server stderr ---\n{tail}" if tail else "")
        ) from exc
    finally:
        await client.close()


async def set_pattern(client: LspClient, pattern: str, timeout: float) -> Any:
    return await client.request(
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


async def open_and_wait(
    client: LspClient, uri: str, doc: Document, timeout: float
) -> tuple[int, list[dict[str, Any]]]:
    """didOpen `doc`; return (latency ns, diagnostics of the first publish for it)."""
    frame_data = client.encode_notification("textDocument/didOpen", _open_params(uri, doc))
    start = len(client.publishes)
    sent = await client.send(frame_data)
    frame = await client.wait_publish(uri, None, start, timeout)
    return frame.received_ns - sent, checked_publish(frame)


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


async def keystrokes(
    spec: ServerSpec,
    scratch_dir: str,
    label: str,
    doc: Document,
    count: int,
    warmup: int,
    timeout: float,
    check_lines: bool,
) -> Measurement:
    uri = f"file:///bench/{label}.py"
    notes = []
    capped = spec.caps.get(label)
    if capped is not None and capped < count:
        notes.append(f"capped at {capped} keystrokes (of {count})")
        count = capped
        warmup = min(warmup, max(2, capped // 5))
    plan = plan_keystrokes(doc, warmup + count)
    planted = len(doc.todo_lines)
    async with server_session(spec, scratch_dir, label) as client:
        await set_pattern(client, PATTERN, timeout)
        _, diagnostics = await open_and_wait(client, uri, doc, timeout)
        _check_publish(diagnostics, planted, f"{label}: didOpen")
        samples = []
        version = 1
        for index, key in enumerate(plan):
            version += 1
            frame_data = client.encode_notification(
                "textDocument/didChange",
                _change_params(uri, version, key.line, key.column, key.insert),
            )
            start = len(client.publishes)
            sent = await client.send(frame_data)
            frame = await client.wait_publish(uri, version, start, timeout)
            if index >= warmup:
                samples.append(frame.received_ns - sent)
            diagnostics = checked_publish(frame)
            what = f"{label}: keystroke {index} ({'insert' if key.insert else 'delete'})"
            _check_publish(diagnostics, key.expected_matches, what)
            if check_lines:
                lines = doc.todo_lines
                if key.expected_matches < planted:
                    lines = [n for n in lines if n != key.line]
                _check_lines(diagnostics, lines, what)
        memory = tree_memory_kb(client.pid)
    return Measurement(samples, memory, notes)


async def opens(
    spec: ServerSpec,
    scratch_dir: str,
    label: str,
    doc: Document,
    count: int,
    warmup: int,
    timeout: float,
    check_lines: bool,
) -> Measurement:
    notes = []
    capped = spec.caps.get(label)
    if capped is not None and capped < count:
        notes.append(f"capped at {capped} opens (of {count})")
        count = capped
    async with server_session(spec, scratch_dir, label) as client:
        await set_pattern(client, PATTERN, timeout)
        samples = []
        memory: dict[str, int] = {}
        for index in range(warmup + count):
            uri = f"file:///bench/{label}-{index}.py"
            latency, diagnostics = await open_and_wait(client, uri, doc, timeout)
            _check_publish(diagnostics, len(doc.todo_lines), f"{label}: open {index}")
            if check_lines:
                _check_lines(diagnostics, doc.todo_lines, f"{label}: open {index}")
            if index >= warmup:
                samples.append(latency)
            if index == warmup + count - 1:
                memory = tree_memory_kb(client.pid)
            await client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return Measurement(samples, memory, notes)


async def pattern_changes(
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
    notes = []
    capped = spec.caps.get(label)
    if capped is not None and capped < rounds:
        notes.append(f"capped at {capped} pattern changes (of {rounds})")
        rounds = capped
    uris = [f"file:///bench/{label}-{n}.py" for n in range(len(docs))]
    async with server_session(spec, scratch_dir, label) as client:
        await set_pattern(client, PATTERN, timeout)
        for uri, doc in zip(uris, docs, strict=False):
            _, diagnostics = await open_and_wait(client, uri, doc, timeout)
            _check_publish(diagnostics, len(doc.todo_lines), f"{label}: open {uri}")
        samples = []
        for index in range(warmup + rounds):
            pattern = ALTERNATE_PATTERN if index % 2 == 0 else PATTERN
            expected: Callable[[Document], list[int]] = (
                (lambda d: d.fixme_lines)
                if pattern == ALTERNATE_PATTERN
                else (lambda d: d.todo_lines)
            )
            start = len(client.publishes)
            sent, response = await client.start_request(
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
                    (uri, await client.wait_publish(uri, None, positions[uri], timeout))
                    for uri in pending
                ]
                pending = []
                for uri, frame in candidates:
                    positions[uri] = frame.index + 1
                    doc = docs[uris.index(uri)]
                    diagnostics = checked_publish(frame)
                    if len(diagnostics) != len(expected(doc)):
                        pending.append(uri)  # e.g. a clearing publish first; keep looking
                        continue
                    if check_lines:
                        _check_lines(diagnostics, expected(doc), f"{label}: round {index} {uri}")
                    last_ns = max(last_ns, frame.received_ns)
            result = await client.finish_request("workspace/executeCommand", response, timeout)
            total = sum(len(expected(d)) for d in docs)
            if not isinstance(result, dict) or result.get("matches") != total:
                raise ScenarioError(f"{label}: setPattern returned {result!r}, expected {total}")
            if index >= warmup:
                samples.append(last_ns - sent)
        memory = tree_memory_kb(client.pid)
    return Measurement(samples, memory, notes)

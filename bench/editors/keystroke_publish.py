"""In process: grepls's share of the editors' bench keystroke, without an editor or a pipe.

The real server (``create_server``) is fed message bodies as a transport feeds them, and writes
through the real stdio writer into ``/dev/null``. Each keystroke is the editors' bench's: a
matching line inserted above half of the first 500 matches (then deleted), in a generated file.
Timed, per keystroke, from the ``didChange`` handed to the endpoint to the last byte written:

* **diagnostics**: ``didChange`` → ``publishDiagnostics`` (a push client);
* **tokens**: ``didChange`` → the answer to ``semanticTokens/full/delta`` (diagnostics off).

``--full-text`` sends each keystroke as Vim's ALE does: the whole text, no range (the texts are
built before timing, as the editor builds them; encoding and parsing them is timed, on the floor
row too).

    .venv/bin/python -m bench.editors.keystroke_publish [--lines 2000 100000]
        [--matches 100 1000 5000] [--rounds 200] [--idle SECONDS | --evict MB] [--profile]
        [--full-text]

``--profile`` prints cProfile's top entries for each case instead of timing it.

**Cold keystrokes.** Kept busy, a keystroke takes a fraction of what it takes in an editor, where
the server sleeps between keystrokes while other processes run: ``--idle SECONDS`` sleeps before
each one. ``--evict MB`` instead copies that many megabytes before each one, without sleeping —
the CPU caches emptied of the server's code and data, the CPU kept awake — to tell the two apart.
Each case is shown beside a **floor** row: the same keystroke's ``didChange`` answered by the least
a Python server can do (parse it, write one diagnostic through the same writer), paused alike.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import time
from collections.abc import Sequence
from typing import Any, Protocol

import orjson
from grepls.server import Server, create_server
from grepls.transport import StreamWriter

from bench.documents import generate
from bench.editors.run import TYPED, target_line

URI = "file:///bench.txt"
PUBLISH = "textDocument/publishDiagnostics"
_RESULT_ID = re.compile(rb'^\{"resultId":"([^"]*)"')


class Sink(StreamWriter):
    """The stdio writer into /dev/null, keeping the result id of the last answer that has one."""

    result_id: str | None = None

    def write_message(self, parts: Sequence[bytes], ahead: bool = False) -> None:
        super().write_message(parts)
        if len(parts) == 5 and (found := _RESULT_ID.match(parts[3][:64])):  # an answer
            self.result_id = found.group(1).decode()


class Typist:
    """One server with one document, and the keystrokes that insert and delete the typed line."""

    def __init__(self, lines: int, matches: int, tokens: bool, full_text: bool = False) -> None:
        self.server: Server = create_server()
        self.sink = open(os.devnull, "wb")  # noqa: SIM115 (closed by close())
        self.writer = Sink(self.sink)
        self.server.endpoint.writer = self.writer
        self.tokens = tokens
        self.version = 1
        self.serial = 0
        self.result_id: str | None = None
        capabilities: dict[str, Any] = {"general": {"positionEncodings": ["utf-16"]}}
        if tokens:
            requests = {"full": {"delta": True}}
            capabilities["textDocument"] = {"semanticTokens": {"requests": requests}}
        self.send(
            "initialize",
            {
                "capabilities": capabilities,
                "initializationOptions": {"diagnostics": not tokens},
            },
            request=True,
        )
        self.send("initialized", {})
        document = generate(lines, matches)
        self.line = target_line(document.todo_lines, matches)
        text = "\n".join(document.lines) + "\n"
        self.whole_texts: tuple[str, str] | None = None
        """With the typed line, without it: what a client that sends whole texts sends."""
        if full_text:
            typed = [*document.lines[: self.line], TYPED, *document.lines[self.line :]]
            self.whole_texts = ("\n".join(typed) + "\n", text)
        item = {"uri": URI, "languageId": "plaintext", "version": 1, "text": text}
        self.send("textDocument/didOpen", {"textDocument": item})
        arguments = {"command": "grepls.setPattern", "arguments": ["TODO"]}
        self.send("workspace/executeCommand", arguments, request=True)
        if tokens:
            self.pull_tokens()

    def send(self, method: str, params: Any, request: bool = False) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.serial += 1
            message["id"] = self.serial
        self.server.endpoint.receive(orjson.dumps(message))
        self.server.after_batch()

    def pull_tokens(self) -> None:
        document = {"textDocument": {"uri": URI}}
        if self.result_id is None:
            self.send("textDocument/semanticTokens/full", document, request=True)
        else:
            params = {**document, "previousResultId": self.result_id}
            self.send("textDocument/semanticTokens/full/delta", params, request=True)
        self.result_id = self.writer.result_id

    def keystroke(self, insert: bool) -> None:
        self.version += 1
        line = self.line
        if self.whole_texts is not None:
            change: dict[str, Any] = {"text": self.whole_texts[0 if insert else 1]}
        elif insert:
            change = {"range": _range(line, 0, line, 0), "text": TYPED + "\n"}
        else:
            change = {"range": _range(line, 0, line + 1, 0), "text": ""}
        params = {"textDocument": {"uri": URI, "version": self.version}, "contentChanges": [change]}
        self.send("textDocument/didChange", params)
        if self.tokens:
            self.pull_tokens()

    def close(self) -> None:
        self.sink.close()


class Keyboard(Protocol):
    """What is timed: a keystroke that inserts the typed line or deletes it."""

    def keystroke(self, insert: bool) -> None: ...

    def close(self) -> None: ...


class Floor:
    """The least a Python server does for the keystroke: parse ``didChange``, publish one
    diagnostic (the editors' floor server's) through the same writer."""

    def __init__(self, whole_text: str | None = None) -> None:
        self.sink = open(os.devnull, "wb")  # noqa: SIM115 (closed by close())
        self.writer = Sink(self.sink)
        self.version = 1
        self.line = 1
        self.whole_text = whole_text
        """The text sent whole in each keystroke (``--full-text``), or ``None``: a range."""

    def keystroke(self, insert: bool) -> None:
        self.version += 1
        line = self.line
        text = TYPED + "\n" if insert else ""
        change: dict[str, Any] = {"range": _range(line, 0, line + (not insert), 0), "text": text}
        if self.whole_text is not None:
            change = {"text": self.whole_text}
        params = {"textDocument": {"uri": URI, "version": self.version}, "contentChanges": [change]}
        change_json = {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": params}
        message = orjson.loads(orjson.dumps(change_json))
        document = message["params"]["textDocument"]
        diagnostic = {"range": _range(line, 0, line, 4), "severity": 3, "message": "TODO"}
        publish = {"uri": document["uri"], "version": document["version"]}
        publish["diagnostics"] = [diagnostic]
        notification = {"jsonrpc": "2.0", "method": PUBLISH, "params": publish}
        self.writer.write_message((orjson.dumps(notification),))

    def close(self) -> None:
        self.sink.close()


class Pause:
    """What happens before each timed keystroke: a sleep, or the CPU caches evicted."""

    def __init__(self, idle: float = 0.0, evict_mb: float = 0.0) -> None:
        self.idle = idle
        size = int(evict_mb * (1 << 20))
        self._buffers = (bytearray(size), bytearray(b"x" * size)) if size else None

    def __call__(self) -> None:
        if self.idle:
            time.sleep(self.idle)
        if self._buffers is not None:
            target, source = self._buffers
            target[:] = source


def _range(line: int, start: int, end_line: int, end: int) -> dict[str, Any]:
    return {
        "start": {"line": line, "character": start},
        "end": {"line": end_line, "character": end},
    }


def measure(typist: Keyboard, rounds: int, pause: Pause | None = None) -> tuple[float, float]:
    """Median µs of (the insert, the delete), each after ``pause``."""
    inserts: list[float] = []
    deletes: list[float] = []
    try:
        for round_ in range(rounds + 5):
            for insert, samples in ((True, inserts), (False, deletes)):
                if pause is not None:
                    pause()
                started = time.perf_counter_ns()
                typist.keystroke(insert)
                if round_ >= 5:
                    samples.append((time.perf_counter_ns() - started) / 1000)
    finally:
        typist.close()
    return statistics.median(inserts), statistics.median(deletes)


def profile(lines: int, matches: int, tokens: bool, rounds: int, full_text: bool) -> None:
    typist = Typist(lines, matches, tokens, full_text)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        typist.keystroke(True)
        typist.keystroke(False)
    profiler.disable()
    typist.close()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", nargs="*", type=int, default=[2_000, 100_000])
    parser.add_argument("--matches", nargs="*", type=int, default=[100, 1_000, 5_000])
    parser.add_argument("--channels", nargs="*", default=["diagnostics", "tokens"])
    parser.add_argument("--rounds", type=int, default=200)
    pausing = parser.add_mutually_exclusive_group()
    pausing.add_argument(
        "--idle",
        type=float,
        default=0.0,
        help="seconds to sleep before each keystroke, as the server idles between an editor's",
    )
    pausing.add_argument(
        "--evict",
        type=float,
        default=0.0,
        metavar="MB",
        help="copy this many MB before each keystroke instead: CPU caches emptied, CPU awake",
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--full-text",
        action="store_true",
        help="send each keystroke as the whole text, without a range (as Vim's ALE does)",
    )
    args = parser.parse_args()
    pause = Pause(args.idle, args.evict) if args.idle or args.evict else None
    print(f"load average {os.getloadavg()[0]:.2f}")
    floors_done: set[int | None] = set()
    for channel in args.channels:
        for lines in args.lines:
            for matches in args.matches:
                if matches > lines // 2:
                    continue
                # The floor parses what the keystroke carries: with whole texts, the document.
                floor_lines = lines if args.full_text else None
                if not args.profile and floor_lines not in floors_done:
                    floors_done.add(floor_lines)
                    whole = None
                    if args.full_text:
                        whole = "\n".join(generate(lines, matches).lines) + "\n"
                    insert, delete = measure(Floor(whole), args.rounds, pause)
                    label = f"{lines:>7,} lines" if args.full_text else ""
                    timings = f"insert {insert:7.1f} µs, delete {delete:7.1f} µs"
                    print(f"{'floor':11} {label:>31}: {timings}")
                tokens = channel == "tokens"
                if args.profile:
                    print(f"--- {channel} {lines:,} lines {matches:,} matches")
                    profile(lines, matches, tokens, args.rounds, args.full_text)
                    continue
                typist = Typist(lines, matches, tokens, args.full_text)
                insert, delete = measure(typist, args.rounds, pause)
                print(
                    f"{channel:11} {lines:>7,} lines {matches:>5,} matches: "
                    f"insert {insert:7.1f} µs, delete {delete:7.1f} µs"
                )
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

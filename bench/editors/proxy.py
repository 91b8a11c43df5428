"""A logging proxy between an editor and its language server: the server's own share, timed outside.

``python -m bench.editors.proxy LOG -- COMMAND...`` starts COMMAND (the server) and relays bytes
both ways unchanged, *handing each chunk to a writer thread before looking at it*, so the proxy adds
a pipe hop and a copy, never a parse, to what the editor sees, and its stamps are taken as the
bytes leave the sender, however slowly the receiver reads them. A copy of each direction is cut into
Content-Length frames afterwards, and every frame whose last byte has arrived is logged as one JSON
line: both clocks (``CLOCK_MONOTONIC`` — Neovim's ``vim.uv.hrtime()`` — and the wall clock, which
Emacs and the browser stamp with), the direction, and the few fields the bench joins on:

    {"mono": ns, "wall": ns, "dir": "in"|"out", "method": ..., "id": ..., "version": ...,
     "bytes": frame size}

``in`` is editor → server, ``out`` is server → editor. Large frames (a publish of thousands of
diagnostics) are read for ``method``/``version`` from their first few hundred bytes only.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from typing import IO, Any

_HEAD = 600
_BODIES = os.environ.get("GREPLS_PROXY_BODIES") == "1"
"""Also log small bodies whole (debugging a bench run)."""
_METHOD = re.compile(rb'"method"\s*:\s*"([^"]+)"')
_ID = re.compile(rb'"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)')
_VERSION = re.compile(rb'"version"\s*:\s*(-?\d+)')


def describe(body: bytes) -> dict[str, Any]:
    """The fields the bench joins on, read cheaply (large bodies by their head only)."""
    # Editors order keys as they like (Neovim's method may follow a whole didOpen text): look at
    # the head, then the tail.
    head = body[:_HEAD] + b" " + body[-_HEAD:] if len(body) > 2 * _HEAD else body
    entry: dict[str, Any] = {"bytes": len(body)}
    if found := _METHOD.search(head):
        entry["method"] = found.group(1).decode().replace("\\/", "/")  # Neovim 0.7 writes \/
    if (found := _ID.search(head)) is not None:
        entry["id"] = json.loads(found.group(1))
    versioned = ("textDocument/didChange", "textDocument/publishDiagnostics")
    if entry.get("method") in versioned and (found := _VERSION.search(head)):
        entry["version"] = int(found.group(1))
    return entry


class Framer:
    """Cuts a byte stream into Content-Length frames; logs each as it completes."""

    def __init__(self, direction: str, log: IO[str], lock: threading.Lock) -> None:
        self.direction = direction
        self.log = log
        self.lock = lock
        self.buffer = bytearray()

    def feed(self, chunk: bytes, mono: int, wall: int) -> None:
        buffer = self.buffer
        buffer += chunk
        while True:
            header_end = buffer.find(b"\r\n\r\n")
            if header_end < 0:
                return
            length = None
            for header in bytes(buffer[:header_end]).split(b"\r\n"):
                name, _, value = header.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if length is None:  # not LSP framing: give up logging, keep relaying
                buffer.clear()
                return
            end = header_end + 4 + length
            if len(buffer) < end:
                return
            body = bytes(buffer[header_end + 4 : end])
            del buffer[:end]
            entry = {"mono": mono, "wall": wall, "dir": self.direction, **describe(body)}
            if _BODIES and len(body) < 4096:
                entry["body"] = body.decode(errors="replace")
            with self.lock:
                self.log.write(json.dumps(entry) + "\n")
                self.log.flush()


def relay(source: int, sink: int, framer: Framer) -> None:
    """Copy ``source`` to ``sink``: one thread reads and stamps, another writes, so a reader that
    is slow to take a large message (a busy editor) never delays the stamps."""
    chunks: queue.SimpleQueue[bytes] = queue.SimpleQueue()

    def write() -> None:
        while chunk := chunks.get():
            view = memoryview(chunk)
            try:
                while view:
                    view = view[os.write(sink, view) :]
            except OSError:
                break
        with contextlib.suppress(OSError):
            os.close(sink)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    while True:
        try:
            chunk = os.read(source, 1 << 20)
        except OSError:
            chunk = b""
        mono, wall = time.monotonic_ns(), time.time_ns()
        chunks.put(chunk)
        if not chunk:
            break
        framer.feed(chunk, mono, wall)
    writer.join()


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m bench.editors.proxy LOG -- COMMAND...", file=sys.stderr)
        return 2
    log_path, command = argv[0], argv[2:]
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    assert server.stdin is not None and server.stdout is not None
    lock = threading.Lock()
    with open(log_path, "a", encoding="utf-8") as log:
        to_server = threading.Thread(
            target=relay,
            args=(sys.stdin.fileno(), server.stdin.fileno(), Framer("in", log, lock)),
            daemon=True,
        )
        to_server.start()
        relay(server.stdout.fileno(), sys.stdout.fileno(), Framer("out", log, lock))
        return server.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

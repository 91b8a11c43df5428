"""The transport floor: a program that does nothing but answer each edit with a publish of a size.

A publish of 20,000 diagnostics is about 3.4 MB of JSON, and moving that many bytes through a pipe
into the benchmark's client takes time of its own, whatever the server does. This program measures
that floor: for every ``textDocument/didChange`` it writes a ``publishDiagnostics`` for the edit's
version, prepared once, of as many diagnostics as it was told (notification
``$/grepls-bench/floor`` with ``{"diagnostics": n}``), each as long as grepls's, through the same
kind of writer grepls uses (``writelines`` on stdout, then ``flush``, into a pipe widened to a
megabyte as grepls widens its own). It searches nothing and keeps no document: the benchmark's
latency for it is the pipe and the client alone.
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any, BinaryIO

# A diagnostic as grepls renders one (lines and columns of the size of a 100k-line document's).
_DIAGNOSTIC = (
    b'{"range":{"start":{"line":%d,"character":12},"end":{"line":%d,"character":16}},'
    b'"severity":3,"code":"literal-TODO","source":"grepls","message":"matches \\"TODO\\""}'
)


def _read_frame(stream: BinaryIO) -> bytes | None:
    read_line = stream.readline
    length = None
    while True:
        line = read_line()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    assert length is not None
    return stream.read(length)


def main() -> None:
    if "--version" in sys.argv:
        print("grepls-bench floor 1")
        return
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl  # not on Windows

        # As grepls does: its output pipe holds a megabyte (see grepls.transport).
        fcntl.fcntl(sink.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)

    def send(body: bytes, *more: bytes) -> None:
        size = len(body) + sum(map(len, more))
        sink.writelines((b"Content-Length: %d\r\n\r\n" % size, body, *more))
        sink.flush()

    diagnostics = b""
    while (frame := _read_frame(source)) is not None:
        message = json.loads(frame)
        method = message.get("method")
        if method == "$/grepls-bench/floor":
            count = message["params"]["diagnostics"]
            diagnostics = b",".join(_DIAGNOSTIC % (50_000 + n, 50_000 + n) for n in range(count))
        elif method == "textDocument/didChange":
            document = message["params"]["textDocument"]
            head = b'{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":'
            send(
                head,
                json.dumps(document["uri"]).encode(),
                b',"version":%d,"diagnostics":[' % document["version"],
                diagnostics,
                b"]}}",
            )
        elif "id" in message:
            answer: dict[str, Any]
            if method == "initialize":
                answer = {"result": {"capabilities": {"textDocumentSync": 2}}}
            elif method == "shutdown":
                answer = {"result": None}
            else:
                answer = {"error": {"code": -32601, "message": f"{method} is not served"}}
            send(json.dumps({"jsonrpc": "2.0", "id": message["id"], **answer}).encode())
        if method == "exit":
            return


if __name__ == "__main__":
    main()

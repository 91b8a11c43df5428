"""A minimal asyncio LSP client over a server's stdio, built for timing rather than convenience.

Model: one reader task turns the server's stdout into frames (Content-Length counts BYTES) and
stamps each with `perf_counter_ns()` the moment its last byte is read, before any JSON parsing, so
the client's own decoding cost never lands inside a measured latency. publishDiagnostics frames,
which can be megabytes, are not parsed on arrival: their uri and version are picked out with two
cheap byte searches and the full JSON is decoded only when a scenario asks for it (and that decode
is checked against the cheap reading). Every other frame is parsed at once: responses resolve the
pending request, server-to-client requests (workspace/configuration, registerCapability, ...) are
answered immediately so the server never stalls on us.

Outgoing frames are encoded before the clock starts (`encode_notification`), then written with
`send`, which returns the stamp taken just before the first byte is written.

The server runs in its own session (process group); `close` asks it to shut down and kills the
group if it does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import time
from dataclasses import dataclass
from typing import Any

_PUBLISH_METHOD = b'"textDocument/publishDiagnostics"'
_URI = re.compile(rb'"uri"\s*:\s*"((?:[^"\\]|\\.)*)"')
_VERSION = re.compile(rb'"version"\s*:\s*(-?\d+|null)')
_READ_LIMIT = 64 * 1024 * 1024


class LspError(Exception):
    """A JSON-RPC error response, or the server going away while we wait for it."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Frame:
    """One message from the server, with the time its last byte arrived."""

    received_ns: int
    body: bytes
    index: int = -1  # position in LspClient.publishes, for publish frames
    uri: str | None = None
    version: int | None = None


def _peek_publish(body: bytes) -> tuple[str | None, int | None]:
    """uri and version of a publishDiagnostics body without decoding its diagnostics.

    lsprotocol serializes `uri` first and `version` last in the params, so the first "uri" and
    the last "version" are the top-level ones; `checked_publish` verifies that on every frame a
    scenario relies on.
    """
    uri_match = _URI.search(body)
    version_at = body.rfind(b'"version"')
    version_match = _VERSION.match(body, version_at) if version_at >= 0 else None
    uri = json.loads(b'"' + uri_match.group(1) + b'"') if uri_match else None
    raw_version = version_match.group(1) if version_match else b"null"
    return uri, None if raw_version == b"null" else int(raw_version)


@dataclass
class PendingRequest:
    id: int
    method: str
    sent_ns: int
    future: asyncio.Future[Any]


def frame_bytes(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class LspClient:
    def __init__(self, argv: list[str], stderr_path: str) -> None:
        self.argv = argv
        self.stderr_path = stderr_path
        self.process: asyncio.subprocess.Process | None = None
        self.publishes: list[Frame] = []
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._arrival_waiters: list[asyncio.Future[None]] = []
        self.response_received_ns: dict[int, int] = {}
        self._next_id = 0
        self._reader: asyncio.Task[None] | None = None
        self._failure: LspError | None = None
        self._stderr_file: Any = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self) -> None:
        self._stderr_file = open(self.stderr_path, "wb")  # noqa: SIM115 - closed in close()
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=self._stderr_file,
            start_new_session=True,
            limit=_READ_LIMIT,
        )
        self._reader = asyncio.create_task(self._read_frames())

    def stderr_tail(self, limit: int = 2000) -> str:
        try:
            with open(self.stderr_path, "rb") as handle:
                data = handle.read()
        except OSError:
            return ""
        return data[-limit:].decode("utf-8", "replace")

    # -- reading ---------------------------------------------------------------------------

    async def _read_frames(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        stdout = self.process.stdout
        try:
            while True:
                header = await stdout.readuntil(b"\r\n\r\n")
                length = None
                for line in header.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if length is None:
                    raise LspError(f"frame without Content-Length: {header!r}")
                body = await stdout.readexactly(length)
                self._dispatch(Frame(time.perf_counter_ns(), body))
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            self._fail(LspError(f"server closed its output ({exc.__class__.__name__})"))
        except LspError as exc:
            self._fail(exc)
        except asyncio.CancelledError:
            self._fail(LspError("client closed"))
            raise

    def _fail(self, error: LspError) -> None:
        self._failure = error
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._wake_waiters()

    def _wake_waiters(self) -> None:
        waiters, self._arrival_waiters = self._arrival_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _dispatch(self, frame: Frame) -> None:
        if _PUBLISH_METHOD in frame.body:
            frame.uri, frame.version = _peek_publish(frame.body)
            frame.index = len(self.publishes)
            self.publishes.append(frame)
            self._wake_waiters()
            return
        message = json.loads(frame.body)
        if "id" in message and "method" in message:
            self._answer_server_request(message)
        elif "id" in message:
            future = self._pending.pop(message["id"], None)
            if future is not None and not future.done():
                if "error" in message:
                    error = message["error"]
                    future.set_exception(LspError(error.get("message", ""), error.get("code")))
                else:
                    future.set_result(message.get("result"))
            self.response_received_ns[message["id"]] = frame.received_ns
            self._wake_waiters()

    def _answer_server_request(self, message: dict[str, Any]) -> None:
        result: Any = None
        if message["method"] == "workspace/configuration":
            # Spec: null for every item we hold no setting for -> the server uses its defaults.
            result = [None] * len(message.get("params", {}).get("items", []))
        self._write(frame_bytes({"jsonrpc": "2.0", "id": message["id"], "result": result}))

    async def wait_arrival(self, deadline: float) -> None:
        """Wait until any publish or response arrives; fail at `deadline` (monotonic) or on EOF."""
        if self._failure is not None:
            raise self._failure
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LspError("timed out waiting for the server")
        waiter = asyncio.get_running_loop().create_future()
        self._arrival_waiters.append(waiter)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(waiter, remaining)
        if self._failure is not None:
            raise self._failure

    def find_publish(self, uri: str, version: int | None, start: int) -> Frame | None:
        """First publish already received for `uri` (and `version`, unless None) from `start`."""
        for frame in self.publishes[start:]:
            if frame.uri == uri and (version is None or frame.version == version):
                return frame
        return None

    async def wait_publish(
        self, uri: str, version: int | None, start: int, timeout: float
    ) -> Frame:
        """First publish for `uri` (with `version`, unless None) at index >= `start`."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.find_publish(uri, version, start)
            if frame is not None:
                return frame
            start = len(self.publishes)
            try:
                await self.wait_arrival(deadline)
            except LspError as exc:
                raise LspError(f"{exc} (publish for {uri} v{version}, {timeout:.0f} s)") from None

    # -- writing ---------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(data)

    async def send(self, data: bytes) -> int:
        """Write a pre-encoded frame; return the clock reading taken just before writing."""
        assert self.process is not None and self.process.stdin is not None
        if self._failure is not None:
            raise self._failure
        started = time.perf_counter_ns()
        self.process.stdin.write(data)
        await self.process.stdin.drain()
        return started

    @staticmethod
    def encode_notification(method: str, params: Any) -> bytes:
        return frame_bytes({"jsonrpc": "2.0", "method": method, "params": params})

    async def notify(self, method: str, params: Any) -> int:
        return await self.send(self.encode_notification(method, params))

    async def start_request(self, method: str, params: Any) -> PendingRequest:
        """Send a request; its send stamp and response future come back in a PendingRequest."""
        if self._failure is not None:
            raise self._failure
        self._next_id += 1
        request_id = self._next_id
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        message = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        sent = await self.send(frame_bytes(message))
        return PendingRequest(request_id, method, sent, future)

    async def finish_request(self, pending: PendingRequest, timeout: float) -> Any:
        try:
            return await asyncio.wait_for(pending.future, timeout)
        except asyncio.TimeoutError:
            raise LspError(f"no answer to {pending.method} within {timeout:.0f} s") from None

    async def request(self, method: str, params: Any, timeout: float = 30.0) -> Any:
        return await self.finish_request(await self.start_request(method, params), timeout)

    # -- lifecycle -------------------------------------------------------------------------

    async def close(self) -> None:
        process = self.process
        if process is None:
            return
        if process.returncode is None and self._failure is None:
            with contextlib.suppress(Exception):
                await self.request("shutdown", None, timeout=5)
                await self.notify("exit", None)
        if process.returncode is None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(process.wait(), 5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(process.wait(), 5)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._stderr_file is not None:
            self._stderr_file.close()


def checked_publish(frame: Frame) -> list[dict[str, Any]]:
    """Decode a publish fully, confirm the cheap uri/version reading, return its diagnostics.

    The frame's bytes are dropped afterwards: a run sees thousands of megabyte-sized publishes
    and keeping them would grow the client until its own memory work disturbed the timings.
    """
    params = json.loads(frame.body)["params"]
    frame.body = b""
    if params.get("uri") != frame.uri or params.get("version") != frame.version:
        raise LspError(
            f"publish header misread: peeked {frame.uri!r} v{frame.version}, "
            f"decoded {params.get('uri')!r} v{params.get('version')}"
        )
    diagnostics: list[dict[str, Any]] = params["diagnostics"]
    return diagnostics

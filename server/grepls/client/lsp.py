"""The client an LSP test, the demo and the benchmark talk through: :class:`Client`.

:meth:`Client.start` starts a server and connects to it over any transport; the client then speaks
LSP in its verbs — :meth:`~Client.initialize`, :meth:`~Client.open`, :meth:`~Client.change`,
:meth:`~Client.command` — each a plain message sent through the
:class:`~grepls.client.conversation.Conversation` underneath, which files what arrives. What the
server published is asked for by uri and version (:meth:`~Client.wait_publish`,
:meth:`~Client.find_publish`, :meth:`~Client.published`); :meth:`~Client.barrier` returns once the
server has handled and published everything sent so far; :meth:`~Client.stop` ends the session
politely and then makes sure the server is gone. :func:`edit` builds a ranged change.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from grepls.client.answers import Answer
from grepls.client.connection import Connection, Transport, connect
from grepls.client.conversation import Conversation
from grepls.client.messages import DEFAULT_TIMEOUT, OMITTED, Frame, Unresponsive
from grepls.client.process import SERVER, ServerProcess, free_port
from grepls.client.stream import StreamConnection


class Client(Conversation):
    """The client side of one conversation with a grepls server. See :mod:`grepls.client`."""

    # -- starting ------------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        arguments: Sequence[str] = (),
        *,
        transport: Transport = "stdio",
        argv: Sequence[str] = SERVER,
        host: str = "127.0.0.1",
        port: int | None = None,
        cwd: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        stderr_path: str | os.PathLike[str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        answers: dict[str, Answer] | None = None,
        on_timeout: Callable[[str], BaseException] = Unresponsive,
    ) -> Client:
        """Start a server (``argv`` + ``arguments``) and connect to it over ``transport``: for
        ``tcp`` and ``ws`` the server is told ``--tcp``/``--ws --host host --port port`` (a free
        port unless given)."""
        extra: list[str] = []
        if transport != "stdio":
            port = free_port(host) if port is None else port
            extra = [f"--{transport}", "--host", host, "--port", str(port)]
        process = ServerProcess(
            [*extra, *arguments],
            argv=argv,
            pipes=transport == "stdio",
            cwd=cwd,
            env=env,
            stderr_path=stderr_path,
        )
        try:
            if transport == "stdio":
                connection: Connection = StreamConnection.of_process(process)
            else:
                assert port is not None
                connection = connect(transport, host, port, process=process, timeout=timeout)
        except BaseException:
            process.kill()
            raise
        return cls(connection, process, timeout=timeout, answers=answers, on_timeout=on_timeout)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what was published --------------------------------------------------------------------

    def settle(self, quiet: float = 0.3, timeout: float | None = None) -> None:
        """Wait until the server has published nothing for ``quiet`` seconds."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            seen = len(self.publishes)
            quiet_until = time.monotonic() + quiet
            while len(self.publishes) == seen and time.monotonic() < quiet_until:
                self.wait_arrival(quiet_until)
            if len(self.publishes) == seen:
                return
            if time.monotonic() >= deadline:
                raise self.on_timeout(f"the server kept publishing for {timeout} s")

    def find_publish(self, uri: str, version: int | None = None, start: int = 0) -> Frame | None:
        """The first publish already received for ``uri`` (and ``version``, unless None), from
        index ``start`` of :attr:`publishes`."""
        for received in itertools.islice(self.publishes, start, None):
            if received.uri == uri and (version is None or received.version == version):
                return received
        return None

    def wait_publish(
        self, uri: str, version: int | None = None, start: int = 0, timeout: float | None = None
    ) -> Frame:
        """The first publish for ``uri`` (with ``version``, unless None) at index >= ``start``."""
        found: list[Frame] = []

        def arrived() -> bool:
            nonlocal start
            hit = self.find_publish(uri, version, start)
            start = len(self.publishes)
            if hit is not None:
                found.append(hit)
            return hit is not None

        self.pump(arrived, timeout, f"a publish for {uri} v{version}")
        return found[0]

    def published(self, uri: str) -> dict[str, Any] | None:
        """The params of the last publish for ``uri`` (None if there was none)."""
        last = self.latest.get(uri)
        return None if last is None else last.params()

    def shown(self) -> list[dict[str, Any]]:
        """The params of every ``window/showMessage`` so far."""
        return [n.params for n in self.notifications if n.method == "window/showMessage"]

    # -- LSP -----------------------------------------------------------------------------------

    def initialize(
        self,
        encoding: str | None = "utf-16",
        *,
        process_id: int | None = None,
        options: Any = OMITTED,
        capabilities: dict[str, Any] | None = None,
        root_uri: str | None = None,
        timeout: float | None = None,
    ) -> Any:
        """``initialize`` (its result returned) then ``initialized``. Without ``capabilities``,
        the client offers only the position ``encoding``."""
        if capabilities is None:
            capabilities = {}
            if encoding is not None:
                capabilities["general"] = {"positionEncodings": [encoding]}
        params: dict[str, Any] = {
            "processId": process_id,
            "rootUri": root_uri,
            "capabilities": capabilities,
        }
        if options is not OMITTED:
            params["initializationOptions"] = options
        result = self.result("initialize", params, timeout)
        self.notify("initialized", {})
        return result

    def open(self, uri: str, text: str, version: int = 1, language: str = "plaintext") -> None:
        document = {"uri": uri, "languageId": language, "version": version, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": document})

    def change(self, uri: str, version: int | None, changes: list[dict[str, Any]]) -> None:
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes},
        )

    def close_document(self, uri: str) -> None:
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def command(self, name: str, *arguments: Any, timeout: float | None = None) -> Any:
        """``workspace/executeCommand``; the whole response message."""
        params = {"command": name, "arguments": list(arguments)}
        return self.request("workspace/executeCommand", params, timeout)

    def barrier(self) -> None:
        """Return once the server has handled everything sent so far *and* published what it
        deferred: it flushes publishes when it next waits for input, which the second of two
        sequential round trips guarantees has happened."""
        for _ in range(2):
            self.command("grepls.listMatches", "barrier:")

    # -- ending --------------------------------------------------------------------------------

    def stop(self, timeout: float = 5.0) -> int | None:
        """End the session politely (``shutdown``, ``exit``), then make sure the server is gone;
        return its exit status (None when this client did not start it)."""
        with contextlib.suppress(Exception):
            if self.alive() and not self.closed:
                self.request("shutdown", timeout=timeout)
                self.notify("exit")
        with contextlib.suppress(Exception):
            self.wait_exit(timeout)
        self.kill()
        return None if self.process is None else self.process.returncode


def edit(start: tuple[int, int], end: tuple[int, int], text: str) -> dict[str, Any]:
    """A ranged content change, from (line, character) to (line, character)."""
    return {
        "range": {
            "start": {"line": start[0], "character": start[1]},
            "end": {"line": end[0], "character": end[1]},
        },
        "text": text,
    }

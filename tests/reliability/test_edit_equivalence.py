"""Equivalence under random edits: the matches the server holds always equal a from-scratch scan.

A Hypothesis state machine plays an editor: it opens and closes documents, sends didChange
notifications carrying one or several changes (insertions, deletions, replacements across lines,
whole-document replacements, with every kind of line break and awkward character), and sets and
clears patterns (literal or regex, case-insensitive, whole word). The machine keeps the text the
*client* believes in, applying each change itself; after every step the server's matches must equal
:mod:`grep_oracle`'s scan of that text.

Two drivers share the machine:

* in-process, against a real :class:`~grepls.server.Server` driven along the production road
  (``tests/inprocess.py``) — the match index the grep coroutine keeps, the line store's text, and
  ``listMatches``;
* end to end, against real ``python -m grepls`` processes (one per position encoding), over each
  transport — stdio, TCP and WebSocket — ``grepls.listMatches``, ``textDocument/documentHighlight``
  and the last published diagnostics.
"""

from __future__ import annotations

import itertools
import pathlib
import re
import shutil
import tempfile
import time
from typing import Any

import pytest
from edit_strategies import ENCODINGS, changes, searches, texts
from grep_oracle import Search, apply_change, expected_lines, expected_matches, expected_replace
from grepls.client import Client, Transport
from grepls.pattern import PatternSpec
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from inprocess import InProcess
from profiles import slow_only
from servers import TRANSPORTS, listed, spans_of, start
from stuck import cpu_limit

_runs = itertools.count()
# Replacements for the replace step: empty, plain, non-ASCII, a line break, and (in a regex) the
# match itself and an escaped backslash.
REPLACEMENTS = ["", "X", "é😀", "a\nb", "<\\0>", "\\\\"]
MAX_OPEN = 3
STEP_CPU_SECONDS = 10.0


class EditorMachine(RuleBasedStateMachine):
    """An editor's side of the conversation, checked against the oracle after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.encoding: str | None = None
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.search: Search | None = None
        # URIs differ between sequences (a shared server may still hold an old one) but sort the
        # same way within each, so that Hypothesis replays the same choices the same way.
        self.run = next(_runs)
        self.opened = itertools.count()

    def new_uri(self) -> str:
        # Percent-escapes in the URI must be carried through exactly as given.
        return f"file:///reliability/d%C3%A9j%C3%A0%20vu-{self.run}/{next(self.opened):04}.txt"

    # -- what the driver does ----------------------------------------------------------------

    def connect(self, encoding: str) -> None:
        raise NotImplementedError

    def server_open(self, uri: str, version: int, text: str) -> None:
        raise NotImplementedError

    def server_change(self, uri: str, version: int, changes: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def server_close(self, uri: str) -> None:
        raise NotImplementedError

    def server_set_pattern(self, search: Search | None) -> dict[str, Any]:
        raise NotImplementedError

    def check(self) -> None:
        raise NotImplementedError

    # -- rules ---------------------------------------------------------------------------------

    @initialize(encoding=st.sampled_from(ENCODINGS), text=texts(), search=st.none() | searches())
    def start(self, encoding: str, text: str, search: Search | None) -> None:
        """Connect in one encoding; most sequences start with a document and a pattern."""
        self.encoding = encoding
        self.connect(encoding)
        self.open(text, 1)
        if search is not None:
            self.set_pattern(search)

    @precondition(lambda self: len(self.texts) < MAX_OPEN)
    @rule(text=texts(), version=st.integers(0, 2**31 - 1))
    def open(self, text: str, version: int) -> None:
        uri = self.new_uri()
        self.texts[uri] = text
        self.versions[uri] = version
        self.server_open(uri, version, text)

    @precondition(lambda self: bool(self.texts))
    @rule(data=st.data())
    def close(self, data: st.DataObject) -> None:
        uri = data.draw(st.sampled_from(sorted(self.texts)), label="uri")
        del self.texts[uri], self.versions[uri]
        self.server_close(uri)

    @precondition(lambda self: bool(self.texts))
    @rule(data=st.data())
    def change(self, data: st.DataObject) -> None:
        assert self.encoding is not None
        uri = data.draw(st.sampled_from(sorted(self.texts)), label="uri")
        count = data.draw(st.integers(1, 4), label="changes")
        text = self.texts[uri]
        sent = []
        for _ in range(count):
            one = data.draw(changes(text, self.encoding), label="change")
            text = apply_change(text, one, self.encoding)
            sent.append(one)
        self.texts[uri] = text
        self.versions[uri] += 1
        self.server_change(uri, self.versions[uri], sent)

    @rule(search=searches())
    def set_pattern(self, search: Search) -> None:
        self.search = search
        result = self.server_set_pattern(search)
        assert (result["pattern"], result["matches"]) == (search.pattern, self.total())
        assert result.get("complete", True) is True  # far below maxMatchesPerDocument

    @rule()
    def clear_pattern(self) -> None:
        self.search = None
        result = self.server_set_pattern(None)
        assert (result["pattern"], result["matches"]) == (None, 0)

    @invariant()
    def server_matches_equal_the_oracle(self) -> None:
        if self.encoding is not None:
            self.check()

    # -- helpers -------------------------------------------------------------------------------

    def expected(self, uri: str) -> list[tuple[int, int, int, int]]:
        assert self.encoding is not None
        return expected_matches(self.search, self.texts[uri], self.encoding)

    def total(self) -> int:
        return sum(len(self.expected(uri)) for uri in self.texts)


# -- in process ----------------------------------------------------------------------------------


def bounded(method: Any) -> Any:
    """Run a call into the server under a CPU limit, so that a hang fails at once (stuck.py)."""

    def call(self: Any, *arguments: Any) -> Any:
        with cpu_limit(STEP_CPU_SECONDS, method.__name__):
            return method(self, *arguments)

    return call


def _spec(search: Search) -> PatternSpec:
    return PatternSpec(search.pattern, search.regex, search.case_sensitive, search.whole_word)


class InProcessMachine(EditorMachine):
    """Drives a real server object along the production road and looks into its documents."""

    driver: InProcess

    def connect(self, encoding: str) -> None:
        # An editor that applies workspace edits, with versions: the replace step needs one.
        edits = {"applyEdit": True, "workspaceEdit": {"documentChanges": True}}
        self.driver = InProcess(encoding, capabilities={"workspace": edits})
        self.server = self.driver.server

    @precondition(lambda self: bool(self.texts) and self.search is not None)
    @rule(data=st.data(), replacement=st.sampled_from(REPLACEMENTS))
    def replace(self, data: st.DataObject, replacement: str) -> None:
        """grepls.replace in one document: the editor applies the edit the server sends; the text
        must then be ``re2.sub`` of the text before, line by line."""
        assert self.search is not None and self.encoding is not None
        uri = data.draw(st.sampled_from(sorted(self.texts)), label="uri")
        matches = self.expected(uri)
        count = len(matches)
        expected = (
            None
            if self.search.nullable
            else expected_replace(self.search, replacement, self.texts[uri])
        )
        answer = self.server_replace(uri, replacement)
        if expected is None:
            assert "error" in answer and "nothing to replace" in answer["error"]["message"]
            return
        breaks = re.findall(r"\r\n|\r|\n", self.texts[uri])
        if matches and "\r" in breaks[: max(match[0] for match in matches)]:
            # A lone \r above a match: editors that do not end a line there would misplace it.
            assert "lone carriage return" in answer["error"]["message"], answer
            return
        assert "error" not in answer, answer
        assert answer["result"]["replacements"] == count
        assert self.texts[uri] == expected
        assert answer["result"]["applied"] is True

    @bounded
    def server_replace(self, uri: str, replacement: str) -> dict[str, Any]:
        """Send grepls.replace; apply the workspace/applyEdit it sends (as an editor would: the
        edits, then didChange, then the answer); return the command's answer message."""
        driver = self.driver
        written = len(driver.written)
        driver.send(
            {
                "id": "replace",
                "method": "workspace/executeCommand",
                "params": {
                    "command": "grepls.replace",
                    "arguments": [{"replacement": replacement, "uri": uri}],
                },
            }
        )
        asked = [m for m in driver.written[written:] if m.get("method") == "workspace/applyEdit"]
        if asked:
            (request,) = asked
            (document,) = request["params"]["edit"]["documentChanges"]
            assert document["textDocument"] == {"uri": uri, "version": self.versions[uri]}
            changes = sorted(
                document["edits"],
                key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
                reverse=True,
            )
            text = self.texts[uri]
            for change in changes:
                text = apply_change(
                    text, {"range": change["range"], "text": change["newText"]}, self.encoding or ""
                )
            self.texts[uri] = text
            self.versions[uri] += 1
            sent = [{"range": c["range"], "text": c["newText"]} for c in changes]
            driver.change(uri, self.versions[uri], sent)
            driver.send({"id": request["id"], "result": {"applied": True}})
        (answer,) = [m for m in driver.written[written:] if m.get("id") == "replace"]
        return answer

    @bounded
    def server_open(self, uri: str, version: int, text: str) -> None:
        self.driver.open(uri, text, version)

    @bounded
    def server_change(self, uri: str, version: int, changes: list[dict[str, Any]]) -> None:
        self.driver.change(uri, version, changes)

    @bounded
    def server_close(self, uri: str) -> None:
        self.driver.close(uri)

    @bounded
    def server_set_pattern(self, search: Search | None) -> dict[str, Any]:
        if search is None:
            result: dict[str, Any] = self.driver.command("grepls.clearPattern")
            return result
        spec = _spec(search)
        options = {
            "pattern": spec.pattern,
            "regex": spec.regex,
            "caseSensitive": spec.case_sensitive,
            "wholeWord": spec.whole_word,
        }
        answer: dict[str, Any] = self.driver.command("grepls.setPattern", options)
        return answer

    @bounded
    def check(self) -> None:
        assert sorted(self.server.documents) == sorted(self.texts)
        for uri, text in self.texts.items():
            document = self.server.documents[uri]
            assert document.lines.text() == text
            assert document.version == self.versions[uri]
            assert list(document.tracks) == ([] if self.search is None else ["search"])
            if self.search is not None:
                index = document.tracks["search"].index
                held = [
                    (line, start, line, end)
                    for line in sorted(index.lines)
                    for start, end in index.lines[line]
                ]
                assert all(index.lines.values()), "a line is stored with no matches"
                assert held == self.expected(uri)
                assert index.count == len(held)
            assert listed(self.driver.command("grepls.listMatches", uri)) == (
                expected_lines(self.search, text, self.encoding or "")
            )


def test_in_process_server_equals_the_oracle() -> None:
    run_state_machine_as_test(
        InProcessMachine,
        settings=settings(max_examples=250, stateful_step_count=30),
    )


@slow_only
def test_in_process_server_equals_the_oracle_long() -> None:
    run_state_machine_as_test(
        InProcessMachine, settings=settings(max_examples=6_000, stateful_step_count=30)
    )


@slow_only
def test_in_process_server_equals_the_oracle_long_sequences() -> None:
    run_state_machine_as_test(
        InProcessMachine, settings=settings(max_examples=1_500, stateful_step_count=100)
    )


# -- end to end ------------------------------------------------------------------------------------


class ServerPool:
    """One server process per position encoding, shared by every sequence of a test, reached
    over one transport."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.servers: dict[str, Client] = {}

    def get(self, encoding: str) -> Client:
        server = self.servers.get(encoding)
        if server is None or not server.alive() or server.closed:
            if server is not None:
                server.kill()
            server = start(self.transport)
            result = server.initialize(encoding)
            assert result["capabilities"]["positionEncoding"] == encoding
            self.servers[encoding] = server
        return server

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()


class WireMachine(EditorMachine):
    """Drives real server processes and checks what a client can observe."""

    pool: ServerPool
    wire: Client

    def connect(self, encoding: str) -> None:
        self.wire = self.pool.get(encoding)

    def server_open(self, uri: str, version: int, text: str) -> None:
        self.wire.open(uri, text, version)

    def server_change(self, uri: str, version: int, changes: list[dict[str, Any]]) -> None:
        self.wire.change(uri, version, changes)

    def server_close(self, uri: str) -> None:
        self.wire.close_document(uri)
        self.closed_uri = uri

    def server_set_pattern(self, search: Search | None) -> dict[str, Any]:
        if search is None:
            reply = self.wire.command("grepls.clearPattern")
        else:
            reply = self.wire.command("grepls.setPattern", search.argument())
        assert "error" not in reply, reply["error"]
        return reply["result"]

    def check(self) -> None:
        wire = self.wire
        listing = {
            uri: wire.send_request(
                "workspace/executeCommand", {"command": "grepls.listMatches", "arguments": [uri]}
            )
            for uri in self.texts
        }
        lighting = {
            uri: wire.send_request(
                "textDocument/documentHighlight",
                {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}},
            )
            for uri in self.texts
        }
        for uri, text in self.texts.items():
            expected = expected_lines(self.search, text, self.encoding or "")
            reply = wire.response(listing[uri])
            assert "error" not in reply, reply["error"]
            assert listed(reply["result"]) == expected
            highlights = wire.response(lighting[uri])["result"] or []
            assert spans_of(highlights) == [span for span, _ in expected]
            assert all(item["kind"] == 1 for item in highlights)
        wire.barrier()
        for uri in self.texts:
            published = wire.published(uri)
            if published is None:
                # Nothing published yet: only right if there is nothing to show.
                assert self.expected(uri) == [], f"no publish for {uri}"
                continue
            assert sorted(spans_of(published["diagnostics"])) == self.expected(uri)
            assert published["version"] <= self.versions[uri]
            assert all(item["source"] == "grepls" for item in published["diagnostics"])
        closed = getattr(self, "closed_uri", None)
        if closed is not None and closed not in self.texts and closed in wire.latest:
            assert wire.latest[closed].diagnostics() == []

    def teardown(self) -> None:
        if getattr(self, "wire", None) is None or not self.wire.alive():
            return
        for uri in list(self.texts):
            self.wire.close_document(uri)
        self.wire.command("grepls.clearPattern")
        self.wire.barrier()


@pytest.fixture(params=TRANSPORTS)
def pool(request: pytest.FixtureRequest) -> Any:
    servers = ServerPool(request.param)
    yield servers
    servers.stop()


def _run_wire(pool: ServerPool, sequences: int, steps: int) -> None:
    def factory() -> WireMachine:
        machine = WireMachine()
        machine.pool = pool
        return machine

    # No shrinking end to end: every shrink step replays a sequence through a server, and a
    # failure would spend minutes there (Hypothesis gives shrinking five). The failing sequence
    # is printed whole; the in-process machine shrinks the same bugs in seconds.
    run_state_machine_as_test(
        factory,
        settings=settings(
            max_examples=sequences,
            stateful_step_count=steps,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
        ),
    )


def test_server_process_equals_the_oracle(pool: ServerPool) -> None:
    _run_wire(pool, 100, 25)


@slow_only
def test_server_process_equals_the_oracle_long(pool: ServerPool) -> None:
    _run_wire(pool, 3_000, 25)


# -- the workspace scope: documents closed and reopened over disk text that differs ------------


WORKSPACE_FILES = 3
WORKSPACE_WAIT = 10.0


def disk_text(data: bytes) -> str | None:
    """What grepls must search of a file holding ``data``: ``None`` for a binary file (a NUL in
    the first 8 KB), else the UTF-8 text (bad bytes replaced, a byte-order mark dropped)."""
    if b"\0" in data[:8192]:
        return None
    text = data.decode("utf-8", "replace")
    return text[1:] if text.startswith("\ufeff") else text


class WorkspaceMachine(RuleBasedStateMachine):
    """An editor over a workspace folder whose files it opens, edits, closes and saves behind
    grepls's back: after every step, ``grepls.listMatches`` (every match in scope) and the last
    publish of each file must equal the oracle run on the editor's text for open files and on the
    disk's for closed ones."""

    pool: dict[str, Client]
    folders: dict[str, str]
    """Encoding → the workspace folder its pooled server was last given."""
    transport: Transport

    def __init__(self) -> None:
        super().__init__()
        self.encoding = ""
        self.search: Search | None = None
        self.folder = ""
        self.disk: dict[str, bytes] = {}
        self.editor: dict[str, str] = {}
        self.versions: dict[str, int] = {}

    def uri(self, name: str) -> str:
        return pathlib.Path(self.folder, name).as_uri()

    @initialize(
        encoding=st.sampled_from(ENCODINGS),
        files=st.lists(texts(), min_size=WORKSPACE_FILES, max_size=WORKSPACE_FILES),
        search=searches(),
    )
    def start(self, encoding: str, files: list[str], search: Search) -> None:
        self.encoding = encoding
        wire = self.pool.get(encoding)
        if wire is None or not wire.alive():
            wire = start(self.transport)
            self.folders.pop(encoding, None)
            wire.initialize(
                None,
                capabilities={
                    "general": {"positionEncodings": [encoding]},
                    "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}},
                },
                options={"scope": "workspace"},
            )
            self.pool[encoding] = wire
        self.wire = wire
        previous = self.folders.get(encoding)
        self.folder = tempfile.mkdtemp(prefix="grepls-workspace-")
        for number, text in enumerate(files):
            self.write(f"f{number}.txt", text)
        wire.notify(
            "workspace/didChangeWorkspaceFolders",
            {
                "event": {
                    "added": [{"uri": pathlib.Path(self.folder).as_uri(), "name": "w"}],
                    "removed": [{"uri": pathlib.Path(previous).as_uri(), "name": "w"}]
                    if previous
                    else [],
                }
            },
        )
        self.folders[encoding] = self.folder
        self.set_pattern(search)

    def write(self, name: str, text: str) -> None:
        data = text.encode("utf-8", "surrogatepass")
        pathlib.Path(self.folder, name).write_bytes(data)
        self.disk[name] = data

    @rule(number=st.integers(0, WORKSPACE_FILES - 1), text=texts())
    def open(self, number: int, text: str) -> None:
        name = f"f{number}.txt"
        if name in self.editor:
            self.wire.close_document(self.uri(name))
        self.editor[name] = text
        self.versions[name] = self.versions.get(name, 0) + 1
        self.wire.open(self.uri(name), text, self.versions[name])

    @precondition(lambda self: bool(self.editor))
    @rule(data=st.data())
    def change(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.editor)), label="name")
        one = data.draw(changes(self.editor[name], self.encoding), label="change")
        self.editor[name] = apply_change(self.editor[name], one, self.encoding)
        self.versions[name] += 1
        self.wire.change(self.uri(name), self.versions[name], [one])

    @precondition(lambda self: bool(self.editor))
    @rule(data=st.data())
    def close(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.editor)), label="name")
        del self.editor[name]
        self.wire.close_document(self.uri(name))

    @rule(number=st.integers(0, WORKSPACE_FILES - 1), text=texts())
    def save_behind(self, number: int, text: str) -> None:
        """Another program writes the file (the editor's copy, if open, stays as it is)."""
        name = f"f{number}.txt"
        self.write(name, text)
        self.wire.notify(
            "workspace/didChangeWatchedFiles", {"changes": [{"uri": self.uri(name), "type": 2}]}
        )

    @rule(search=searches())
    def set_pattern(self, search: Search) -> None:
        self.search = search
        reply = self.wire.command("grepls.setPattern", search.argument())
        assert "error" not in reply, reply["error"]
        assert "workspace" in reply["result"]

    def expected(self) -> dict[str, list[tuple[tuple[int, int, int, int], str]]]:
        found = {}
        for name, data in self.disk.items():
            text = self.editor.get(name)
            if text is None:
                text = disk_text(data)
            lines = expected_lines(self.search, text, self.encoding) if text is not None else []
            if lines:
                found[self.uri(name)] = lines
        return found

    @invariant()
    def every_match_in_scope_equals_the_oracle(self) -> None:
        if not self.folder:
            return
        expected = self.expected()
        deadline = time.monotonic() + WORKSPACE_WAIT
        while True:  # the scan and the watched-file events are asynchronous: wait for them
            reply = self.wire.command("grepls.listMatches")
            assert "error" not in reply, reply["error"]
            got: dict[str, list[Any]] = {}
            for item in reply["result"]:
                got.setdefault(item["uri"], []).append(item)
            shown = {uri: listed(items) for uri, items in got.items()}
            if shown == expected or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        assert shown == expected
        assert list(got) == sorted(got, key=lambda uri: pathlib.Path(uri[7:]).as_posix())
        self.wire.barrier()
        for name in self.disk:
            uri = self.uri(name)
            published = self.wire.published(uri)
            spans = sorted(span for span, _ in expected.get(uri, []))
            if published is None:
                assert spans == [], f"no publish for {name}"
            else:
                assert sorted(spans_of(published["diagnostics"])) == spans, name

    def teardown(self) -> None:
        wire = getattr(self, "wire", None)
        if wire is not None and wire.alive():
            for name in self.editor:
                wire.close_document(self.uri(name))
            wire.barrier()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)  # the next sequence replaces it


@pytest.fixture(params=TRANSPORTS)
def workspace_pool(request: pytest.FixtureRequest) -> Any:
    """Servers by encoding, all on one transport (the scan's slices end early when the editor
    has sent something: each transport polls its own input)."""
    servers: dict[str, Client] = {}
    yield request.param, servers
    for server in servers.values():
        server.stop()


def _run_workspace(pool: tuple[Transport, dict[str, Client]], sequences: int, steps: int) -> None:
    folders: dict[str, str] = {}

    def factory() -> WorkspaceMachine:
        machine = WorkspaceMachine()
        machine.transport, machine.pool = pool
        machine.folders = folders
        return machine

    run_state_machine_as_test(
        factory, settings=settings(max_examples=sequences, stateful_step_count=steps)
    )


def test_workspace_scope_closed_and_reopened_documents_equal_the_oracle(
    workspace_pool: tuple[Transport, dict[str, Client]],
) -> None:
    _run_workspace(workspace_pool, 30, 15)


@slow_only
def test_workspace_scope_closed_and_reopened_documents_equal_the_oracle_long(
    workspace_pool: tuple[Transport, dict[str, Client]],
) -> None:
    _run_workspace(workspace_pool, 1_000, 25)

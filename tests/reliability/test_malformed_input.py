"""Malformed input: whatever a client sends, the server answers clearly, stays up, and stays right.

Each case drives a real server through a :class:`Session`, which keeps the text the client
believes in (edited by the oracle) and, after the case, checks that ``listMatches`` and the
published diagnostics of every open document still equal the oracle's scan. Requests must get
a JSON-RPC error with a message (InvalidParams for bad params), never silence or a crash;
notifications that make no sense are ignored, as the server documents.

Every case runs over stdio, TCP and WebSocket and must get the same answer on all three: the
transport only carries messages. Frames with a wrong ``Content-Length`` exist only on the two
byte-stream transports; one such frame must not desynchronise the reader for good.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from grep_oracle import Search, apply_change, expected_lines, expected_matches
from grepls.client import Client, Transport, edit, encode, frame, notification
from servers import TRANSPORTS, listed, spans_of, start

INVALID_PARAMS = -32602
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
URI = "file:///reliability/malformed.txt"
TEXT = "TODO one\nTO\r\nDO TODO\rlast TODO"


class Session:
    """A server plus the client's view of it, checkable against the oracle at any time."""

    def __init__(self, transport: Transport = "stdio", encoding: str = "utf-16") -> None:
        self.wire = start(transport)
        self.transport = transport
        self.encoding = encoding
        # The oracle counts every match: no cap below what these texts hold (binary noise matches
        # `[\x00-\x08]+` a few thousand times, over the default cap).
        self.wire.initialize(encoding, options={"maxMatchesPerDocument": 100_000})
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int | None] = {}
        self.search: Search | None = None

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.texts[uri] = text
        self.versions[uri] = version
        self.wire.open(uri, text, version)

    def change(self, uri: str, version: int | None, *changes: dict[str, Any]) -> None:
        for change in changes:
            self.texts[uri] = apply_change(self.texts[uri], change, self.encoding)
        self.versions[uri] = version
        self.wire.change(uri, version, list(changes))

    def set_pattern(self, search: Search) -> dict[str, Any]:
        reply = self.wire.command("grepls.setPattern", search.argument())
        assert "error" not in reply, reply["error"]
        self.search = search
        return reply["result"]

    def check(self) -> None:
        """The server is up, and every open document's matches equal the oracle's."""
        assert self.wire.alive(), self.wire.stderr_text()[-3000:]
        for uri, text in self.texts.items():
            reply = self.wire.command("grepls.listMatches", uri)
            assert "error" not in reply, reply["error"]
            assert listed(reply["result"]) == expected_lines(self.search, text, self.encoding)
        self.wire.barrier()
        for uri in self.texts:
            expected = expected_matches(self.search, self.texts[uri], self.encoding)
            published = self.wire.published(uri)
            got = [] if published is None else sorted(spans_of(published["diagnostics"]))
            assert got == expected

    def error(self, reply: dict[str, Any], code: int = INVALID_PARAMS) -> str:
        assert "error" in reply, f"expected error {code}, got {reply}"
        assert reply["error"]["code"] == code, reply["error"]
        message = reply["error"]["message"]
        assert isinstance(message, str) and message.strip()
        return message


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> Transport:
    """Each case runs once per transport."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def session(transport: Transport) -> Iterator[Session]:
    """A server with one document open and ``TODO`` set; after the case, still right, and it
    still shuts down cleanly."""
    current = Session(transport)
    current.open(URI, TEXT)
    current.set_pattern(Search("TODO"))
    current.check()
    yield current
    try:
        current.check()
        assert current.wire.stop() == 0
    finally:
        current.wire.kill()


# -- positions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        edit((99, 0), (120, 5), "\nTODO tail"),  # past the end: the end of the document
        edit((3, 0), (40, 0), "TO"),  # from a line into the void
        edit((-5, 3), (-1, 0), "TODO "),  # negative lines: the start
        edit((1, -4), (1, -1), "TODO"),  # negative columns: the line's start
        edit((1, 99), (1, 99), "DO"),  # past the line's end: the line's end
        edit((2, 4), (0, 2), ""),  # start after end: read the other way round
        edit((2, 99), (0, -3), "x\r"),  # both at once
    ],
)
def test_out_of_range_and_reversed_ranges_follow_the_documented_clamping(
    session: Session, change: dict[str, Any]
) -> None:
    session.change(URI, 2, change)
    session.check()
    session.change(URI, 3, change, change)
    session.check()


def test_changes_for_documents_never_opened_are_ignored(session: Session) -> None:
    stranger = "file:///reliability/never-opened.txt"
    session.wire.change(stranger, 5, [edit((0, 0), (0, 0), "TODO")])
    session.wire.change(stranger, 6, [{"text": "TODO TODO"}])
    session.wire.close_document(stranger)
    session.check()
    assert stranger not in session.wire.latest
    session.error(session.wire.command("grepls.listMatches", stranger))


def test_versions_going_backwards_are_applied_in_order(session: Session) -> None:
    session.change(URI, 10, edit((0, 0), (0, 0), "TODO "))
    session.change(URI, 3, edit((1, 0), (1, 0), "TODO"))
    session.change(URI, 3, edit((0, 0), (0, 5), ""))
    session.check()
    assert session.wire.latest[URI].version == 3


def test_reopening_an_open_document_replaces_it(session: Session) -> None:
    session.open(URI, "fresh TODO", version=1)
    session.check()


# -- commands ----------------------------------------------------------------------------------

BAD_COMMANDS = [
    ("grepls.setPattern", []),
    ("grepls.setPattern", [5]),
    ("grepls.setPattern", [None]),
    ("grepls.setPattern", [True]),
    ("grepls.setPattern", [["TODO"]]),
    ("grepls.setPattern", [""]),
    ("grepls.setPattern", ["a", "b"]),
    ("grepls.setPattern", [{}]),
    ("grepls.setPattern", [{"pattern": 5}]),
    ("grepls.setPattern", [{"pattern": None}]),
    ("grepls.setPattern", [{"pattern": ""}]),
    ("grepls.setPattern", [{"pattern": ["x"]}]),
    ("grepls.setPattern", [{"pattern": "x", "regex": "yes"}]),
    ("grepls.setPattern", [{"pattern": "x", "regex": 1}]),
    ("grepls.setPattern", [{"pattern": "x", "caseSensitive": None}]),
    ("grepls.setPattern", [{"pattern": "x", "wholeWord": []}]),
    ("grepls.setPattern", [{"pattern": "x", "colour": "red"}]),
    ("grepls.setPattern", [{"pattern": "(", "regex": True}]),
    ("grepls.setPattern", [{"pattern": "(a)\\1", "regex": True}]),
    ("grepls.setPattern", [{"pattern": "(?=a)", "regex": True}]),
    ("grepls.setPattern", [{"pattern": "a\\C", "regex": True}]),
    ("grepls.clearPattern", ["x"]),
    ("grepls.clearPattern", [None]),
    ("grepls.listMatches", [5]),
    ("grepls.listMatches", [None]),
    ("grepls.listMatches", [{"uri": URI}]),
    ("grepls.listMatches", [URI, URI]),
    ("grepls.listMatches", ["file:///reliability/not-open.txt"]),
    ("grepls.noSuchCommand", []),
    ("", []),
]


@pytest.mark.parametrize(("name", "arguments"), BAD_COMMANDS)
def test_bad_command_arguments_are_invalid_params_and_change_nothing(
    session: Session, name: str, arguments: list[Any]
) -> None:
    message = session.error(session.wire.command(name, *arguments))
    if name == "grepls.noSuchCommand":
        assert name in message


@pytest.mark.parametrize(
    "params",
    [
        {"command": 5},
        {"arguments": ["TODO"]},
        {"command": None, "arguments": []},
        {"command": "grepls.setPattern", "arguments": 5},
    ],
)
def test_execute_command_of_the_wrong_shape_is_invalid_params(
    session: Session, params: dict[str, Any]
) -> None:
    session.error(session.wire.request("workspace/executeCommand", params))


@pytest.mark.parametrize("arguments", ["T", "e", {"pattern": "x"}])
def test_arguments_that_are_not_an_array_are_invalid_params_and_set_no_pattern(
    transport: Transport, arguments: Any
) -> None:
    current = Session(transport)
    try:
        current.open(URI, TEXT)
        current.set_pattern(Search("TODO"))
        reply = current.wire.request(
            "workspace/executeCommand", {"command": "grepls.setPattern", "arguments": arguments}
        )
        current.error(reply)
        current.check()
    finally:
        current.wire.kill()


def test_unknown_methods_and_options(session: Session) -> None:
    session.error(session.wire.request("grepls/noSuchMethod", {}), METHOD_NOT_FOUND)
    session.wire.notify("grepls/noSuchNotification", {"x": 1})
    session.wire.notify("$/noSuchThing", None)
    session.wire.notify("$/cancelRequest", {"id": 12345})
    # Settings keys grepls does not know are ignored (clients keep their own keys there).
    session.wire.notify(
        "workspace/didChangeConfiguration", {"settings": {"grepls": {"colour": "red"}}}
    )
    session.check()


def test_unknown_and_wrong_initialization_options_leave_the_server_working(
    transport: Transport,
) -> None:
    wire = start(transport)
    try:
        options = {"colour": "red", "severity": 7, "maxMatchesPerDocument": "many", "regex": 2}
        wire.initialize("utf-16", options=options)
        still_serving(wire)
    finally:
        wire.kill()


def still_serving(wire: Client) -> None:
    """The server finds the matches of a document, then ends cleanly."""
    wire.open(URI, TEXT)
    reply = wire.command("grepls.setPattern", "TODO")
    assert reply["result"]["matches"] == TEXT.count("TODO")
    assert wire.stop() == 0


@pytest.mark.parametrize(
    "odd",
    [
        {"workspaceFolders": [{"uri": 5}, {"uri": None}, {"name": "no uri"}]},
        {"processId": 2**40},
        {"processId": -3, "rootUri": 7},
    ],
    ids=["folders-without-string-uris", "process-id-past-32-bits", "negative-process-id"],
)
def test_odd_initialize_params_leave_the_server_working(
    transport: Transport, odd: dict[str, Any]
) -> None:
    """What cannot be a folder or a process is no folder and no process: initialize is
    answered, and the server keeps serving (a process id past 32 bits ended it a second later)."""
    wire = start(transport)
    try:
        params = {"capabilities": {"general": {"positionEncodings": ["utf-16"]}}, **odd}
        assert "capabilities" in wire.result("initialize", params)
        wire.notify("initialized", {})
        time.sleep(1.5)  # past the check of the client's process
        still_serving(wire)
    finally:
        wire.kill()


# -- requests and bodies of the wrong shape ------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("textDocument/documentHighlight", {"textDocument": 5}),
        ("textDocument/documentHighlight", {"textDocument": {"uri": URI}}),
        ("textDocument/documentHighlight", "nonsense"),
        ("textDocument/diagnostic", {"textDocument": 5}),
        ("textDocument/diagnostic", {"textDocument": {"uri": 5}}),
        ("workspace/diagnostic", {"previousResultIds": "x"}),
        ("workspace/diagnostic", {"previousResultIds": [5]}),
        ("workspace/diagnostic", {"previousResultIds": [{"uri": URI}]}),
        ("workspace/diagnostic", {"previousResultIds": [{"uri": 5, "value": "1"}]}),
        ("workspace/executeCommand", "grepls.setPattern"),
        ("workspace/executeCommand", [1, 2]),
        (
            "textDocument/codeAction",
            {
                "textDocument": {"uri": URI},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}},
                "context": {"diagnostics": [], "only": [5, None]},
            },
        ),
    ],
)
def test_requests_with_params_of_the_wrong_shape_get_invalid_params(
    session: Session, method: str, params: Any
) -> None:
    session.error(session.wire.request(method, params))


@pytest.mark.parametrize(
    "params",
    [
        {"textDocument": 5, "contentChanges": []},
        {"textDocument": {"uri": URI, "version": 2}, "contentChanges": 5},
        {"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"text": 5}]},
        {"textDocument": {"uri": URI, "version": "2"}, "contentChanges": [{"text": "x"}]},
        {"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"range": "x"}]},
        {
            "textDocument": {"uri": URI, "version": 2},
            "contentChanges": [{"range": {"start": {"line": "0"}}, "text": "x"}],
        },
        {"textDocument": {"uri": 5, "version": 2}, "contentChanges": [{"text": "x"}]},
        "nonsense",
        None,
    ],
)
def test_malformed_notifications_are_ignored(session: Session, params: Any) -> None:
    session.wire.notify("textDocument/didChange", params)
    session.wire.notify("textDocument/didOpen", params)
    document = params.get("textDocument") if isinstance(params, dict) else None
    if not (isinstance(document, dict) and isinstance(document.get("uri"), str)):
        session.wire.notify("textDocument/didClose", params)  # (a good uri would close it)
    session.check()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", PARSE_ERROR),
        (b"\xff\xfe\x00garbage", PARSE_ERROR),
        (b"", PARSE_ERROR),
        (b"[1, 2]", INVALID_REQUEST),
        (b"{}", INVALID_REQUEST),
        (b'"just a string"', INVALID_REQUEST),
    ],
)
def test_bodies_that_are_not_json_rpc_get_an_error_and_the_server_stays_up(
    session: Session, body: bytes, code: int
) -> None:
    session.wire.send_body(body)
    session.wire.pump(lambda: bool(session.wire.orphans), what="an error with a null id")
    error = session.wire.orphans.pop()
    assert error["id"] is None
    assert error["error"]["code"] == code


# -- frames with a wrong Content-Length (byte streams only) -------------------------------------

STREAMS = [transport for transport in TRANSPORTS if transport != "ws"]


def _list_matches(request_id: int) -> bytes:
    return encode(
        {
            "jsonrpc": "2.0",
            "id": request_id,
            "method": "workspace/executeCommand",
            "params": {"command": "grepls.listMatches", "arguments": [URI]},
        }
    )


def _too_short(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % (len(body) - 5) + body


def _too_long(body: bytes) -> bytes:
    # The 40 missing bytes are taken from the messages the client sends next.
    return b"Content-Length: %d\r\n\r\n" % (len(body) + 40) + body


def _megabytes_too_long(body: bytes) -> bytes:
    # Long enough for a body received into a buffer of its own.
    return b"Content-Length: %d\r\n\r\n" % (len(body) + 2_000_000) + body


def _beyond_memory(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % 10**12 + body


def _beyond_any_integer(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % 10**30 + body


def _missing(body: bytes) -> bytes:
    return b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + body


@pytest.mark.parametrize(
    "bad_frame",
    [_too_short, _too_long, _megabytes_too_long, _beyond_memory, _beyond_any_integer, _missing],
    ids=["too-short", "too-long", "megabytes-too-long", "1e12", "1e30", "missing"],
)
@pytest.mark.parametrize("stream", STREAMS)
def test_a_frame_with_a_wrong_content_length_does_not_desynchronise_the_reader(
    stream: Transport, bad_frame: Any
) -> None:
    current = Session(stream)
    try:
        current.open(URI, TEXT)
        current.set_pattern(Search("TODO"))
        expected = expected_lines(current.search, TEXT, current.encoding)
        wire = current.wire
        wire.write_raw(bad_frame(_list_matches(900)))
        # Two well-formed requests, in separate writes: the bad frame costs that message only
        # (README, "The protocol"), so both are answered, and right.
        wire.write_raw(frame(_list_matches(901)))
        wire.write_raw(frame(_list_matches(902)))
        for request_id in (901, 902):
            reply = wire.response(request_id)
            assert "error" not in reply, reply["error"]
            assert listed(reply["result"]) == expected
        wire.drain(0.2)
        answered = wire.responses.pop(900, None)
        if answered is not None and "result" in answered:
            assert listed(answered["result"]) == expected
        # The malformed frame may get a ParseError with a null id, or be skipped; nothing else.
        assert all(orphan["error"]["code"] == PARSE_ERROR for orphan in wire.orphans), wire.orphans
        current.check()
        assert wire.stop() == 0
    finally:
        current.wire.kill()


# -- awkward text and patterns -----------------------------------------------------------------


def test_a_10_mb_single_line(session: Session) -> None:
    line = "x" * 5_000_000 + "TODO" + "é" * 2_500_000 + "TODO"
    session.open("file:///reliability/huge.txt", line)
    session.check()
    session.change("file:///reliability/huge.txt", 2, edit((0, 7_000_000), (0, 7_000_000), "TODO"))
    session.check()


def test_nul_and_lone_surrogates_in_text(session: Session) -> None:
    # Only lone *low* surrogates, and a high one that no low one follows: JSON would fuse a pair.
    text = "a\x00TODO\udfff\udc80TODO\n\x00\x00\r\ud800"
    session.open("file:///reliability/nul.txt", text)
    session.check()
    session.change("file:///reliability/nul.txt", 2, edit((0, 1), (0, 1), "\udcff\x00TODO"))
    session.check()
    session.set_pattern(Search("\x00"))
    session.check()
    session.set_pattern(Search(".", regex=True))
    session.check()


def test_a_pattern_with_a_lone_surrogate(session: Session) -> None:
    session.open("file:///reliability/surrogate.txt", "a\udfffb")
    reply = session.wire.command("grepls.setPattern", "\udfff")
    if "error" in reply:
        session.error(reply)  # a clear refusal is acceptable
    else:
        session.search = Search("\udfff")
    session.check()


def test_binary_looking_text(session: Session) -> None:
    noise = bytes((i * 7919 + 13) % 256 for i in range(20_000))
    text = bytes(range(256)).decode("latin-1") + noise.decode("utf-8", "surrogateescape")
    text += "TODO" + noise[::-1].decode("latin-1")
    session.open("file:///reliability/binary.bin", text)
    session.check()
    session.set_pattern(Search("[\\x00-\\x08]+", regex=True))
    session.check()


def test_a_100_kb_regex(session: Session) -> None:
    session.open("file:///reliability/words.txt", "w1 w19999 w20000\nx w77 y")
    regex = "(?:" + "|".join(f"w{i}" for i in range(20_000)) + ")"
    assert len(regex) > 100_000
    reply = session.wire.command("grepls.setPattern", {"pattern": regex, "regex": True})
    if "error" in reply:
        session.error(reply)  # too big for the engine: refused, nothing changed
    else:
        session.search = Search(regex, regex=True)
    session.check()


def test_a_100_kb_literal_pattern_answers_promptly(transport: Transport) -> None:
    needle = ("abc" * 40_000)[:100_000]
    current = Session(transport)
    try:
        current.open(URI, "x" + needle + "y\n" + needle[:-1])
        reply = current.wire.command("grepls.setPattern", needle, timeout=5.0)
        assert reply["result"]["matches"] == 1
    finally:
        current.wire.kill()


@pytest.mark.parametrize("pattern", ["^", "$", "^$", "a*", "x?", "\\b", "(?:)", "(?:TODO)?"])
def test_zero_width_patterns_report_the_first_match_of_each_line(
    session: Session, pattern: str
) -> None:
    session.open("file:///reliability/zero.txt", "abc\n\n  x TODO\r\naaa\rTODO x")
    session.set_pattern(Search(pattern, regex=True, nullable=True))
    session.check()


def test_a_one_character_whole_word_at_the_start_of_a_line(transport: Transport) -> None:
    wire = start(transport)
    try:
        wire.initialize("utf-16")
        wire.open(URI, "a b\nb a")
        reply = wire.command("grepls.setPattern", {"pattern": "a", "wholeWord": True}, timeout=5.0)
        assert reply["result"]["matches"] == 2
    finally:
        wire.kill()


def test_a_burst_of_10000_did_change_notifications(session: Session) -> None:
    uri = "file:///reliability/burst.txt"
    session.open(uri, "")
    session.check()
    messages = []
    text = ""
    for version in range(2, 10_002):
        character = "TODO "[version % 5]
        change = edit((0, len(text)), (0, len(text)), character)
        text += character
        messages.append(
            notification(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
            )
        )
    session.wire.send_all(messages)
    session.wire.timeout = 30.0  # 10,000 edits take the server seconds on a loaded machine
    session.texts[uri] = text
    session.versions[uri] = 10_001
    session.check()
    published = session.wire.published(uri)
    assert published is not None and published["version"] == 10_001
    assert len(published["diagnostics"]) == text.count("TODO") > 1_900

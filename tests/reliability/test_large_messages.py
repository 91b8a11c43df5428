"""Large documents: a megabyte-sized didOpen is read whole and matched exactly, however it arrives.

A body of a megabyte or more is received into one buffer, read straight from the input while the
client keeps writing, and the text it carries is searched before it is split into lines. These
tests send such bodies to the real server over stdio — in one write, in pieces with a pause longer
than the server waits outside its event loop, followed at once by more messages, or cut off by
the client's exit — and compare every publish with the oracle.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from grep_oracle import Search, apply_change, expected_matches
from grepls.client import Client, edit, framed
from servers import TIMEOUT, spans_of, start

URI = "file:///reliability/large.txt"

# Lines with and without matches, ASCII and not (an emoji is two UTF-16 units, "é" one).
_LINES = [
    "    value = parse_buffer(count, offset=12)",
    "    # TODO: merge the cache first",
    "    😀 TODO 😀 todo TODOS café",
    "",
    "    raise ParserError(f'cannot load {name}')",
    "\tx = 'é' * 3  # todo",
]


def large_text(lines: int = 40_000) -> str:
    """About 1.3 MB: over the size the server reads into one buffer."""
    return "\n".join(_LINES[(n * 7 + n // 5) % len(_LINES)] for n in range(lines)) + "\n"


def did_open(text: str, uri: str = URI) -> dict[str, Any]:
    document = {"uri": uri, "languageId": "plaintext", "version": 1, "text": text}
    return {
        "jsonrpc": "2.0",
        "method": "textDocument/didOpen",
        "params": {"textDocument": document},
    }


def published(server: Client, uri: str = URI) -> list[tuple[int, int, int, int]]:
    server.barrier()
    params = server.published(uri)
    return [] if params is None else sorted(spans_of(params["diagnostics"]))


@pytest.fixture
def server() -> Any:
    client = start()
    client.initialize("utf-16", options={"maxMatchesPerDocument": 1_000_000})
    yield client
    client.stop()


@pytest.mark.parametrize(
    "search",
    [
        Search("TODO"),
        Search("todo", case_sensitive=False),
        Search("TODO", whole_word=True),
        Search(r"[😀é]\s*\w", regex=True),
        Search("^$|é$", regex=True, nullable=True),
    ],
    ids=["literal", "ignore-case", "whole-word", "regex", "zero-width"],
)
def test_a_large_document_is_matched_exactly_and_stays_exact_when_typed_into_at_once(
    server: Client, search: Search
) -> None:
    text = large_text()
    assert len(json.dumps(did_open(text))) > 1 << 20
    assert "error" not in server.command("grepls.setPattern", search.argument())
    # didOpen and the first keystrokes in one write: they reach the server before its lines are.
    change = edit((2, 4), (2, 4), "TODO ")
    removal = edit((40, 0), (41, 0), "")
    server.write_raw(
        framed(did_open(text))
        + framed(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didChange",
                "params": {"textDocument": {"uri": URI, "version": 2}, "contentChanges": [change]},
            }
        )
    )
    text = apply_change(text, change, "utf-16")
    assert published(server) == expected_matches(search, text, "utf-16")
    server.change(URI, 3, [removal])
    text = apply_change(text, removal, "utf-16")
    assert published(server) == expected_matches(search, text, "utf-16")


def test_a_large_message_that_pauses_midway_is_still_read_whole(server: Client) -> None:
    search = Search("TODO")
    assert "error" not in server.command("grepls.setPattern", search.argument())
    text = large_text()
    data = framed(did_open(text))
    other = "TODO\n" * 3
    # The pause is longer than the server keeps reading outside its event loop, and the end of
    # the large message comes in the same write as a whole small one.
    server.write_raw(data[: len(data) // 3])
    time.sleep(0.6)
    server.write_raw(data[len(data) // 3 :] + framed(did_open(other, URI + ".small")))
    assert published(server) == expected_matches(search, text, "utf-16")
    assert published(server, URI + ".small") == expected_matches(search, other, "utf-16")


def test_input_that_ends_inside_a_large_message_ends_the_server(server: Client) -> None:
    data = framed(did_open(large_text()))
    server.write_raw(data[: len(data) // 2])
    server.close_input()
    assert server.process is not None
    # It must not keep waiting for a message its client never finished; no shutdown came first.
    assert server.process.wait(TIMEOUT) == 1

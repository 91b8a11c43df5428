"""The frame reader: bodies cut from a byte stream however it arrives, and found again after a
frame with a wrong Content-Length."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from grepls.frames import LARGE_BODY_BYTES, FrameReader, frame_header


def framed(body: bytes) -> bytes:
    return frame_header(len(body)) + body


async def read(*chunks: bytes) -> tuple[list[bytes], int]:
    """Feed ``chunks`` to a reader; return the bodies it cut and how many batches it closed."""
    bodies: list[bytes] = []
    batches = [0]

    def batch_done() -> None:
        batches[0] += 1

    frames = FrameReader(lambda body: bodies.append(bytes(body)), batch_done)
    for chunk in chunks:
        frames.data_received(chunk)
    return bodies, batches[0]


def body(number: int) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": number, "method": "shutdown"}).encode()


def run(*chunks: bytes) -> tuple[list[bytes], int]:
    return asyncio.run(read(*chunks))


def test_messages_in_one_chunk_are_cut_and_end_one_batch() -> None:
    bodies, batches = run(framed(body(1)) + framed(body(2)) + framed(body(3)))
    assert bodies == [body(1), body(2), body(3)]
    assert batches == 1


def test_a_message_split_anywhere_is_joined() -> None:
    stream = framed(body(1)) + framed(body(2))
    for cut in range(1, len(stream)):
        bodies, _ = run(stream[:cut], stream[cut:])
        assert bodies == [body(1), body(2)], cut


def test_a_large_body_arriving_in_pieces_is_received_whole() -> None:
    text = "x" * LARGE_BODY_BYTES
    large = json.dumps({"jsonrpc": "2.0", "method": "m", "params": text}).encode()
    stream = framed(large) + framed(body(2))
    pieces = [stream[i : i + 65536] for i in range(0, len(stream), 65536)]
    bodies, _ = run(*pieces)
    assert bodies == [large, body(2)]


def test_an_empty_body_is_handed_on_at_once() -> None:
    bodies, _ = run(b"Content-Length: 0\r\n\r\n")
    assert bodies == [b""]


def test_a_too_short_length_costs_that_message_only() -> None:
    short = b"Content-Length: 10\r\n\r\n" + body(1)
    bodies, _ = run(short + framed(body(2)))
    assert bodies[0] == body(1)[:10]
    assert bodies[-1] == body(2)


def test_a_too_long_length_is_found_out_when_the_next_message_arrives() -> None:
    long = b"Content-Length: 5000\r\n\r\n" + body(1)
    bodies, _ = run(long, framed(body(2)))
    assert bodies == [body(1), body(2)]


def test_a_body_holding_the_words_content_length_is_not_cut_there() -> None:
    text = json.dumps({"jsonrpc": "2.0", "method": "m", "params": "Content-Length: 3\r\n\r\n"})
    stream = framed(text.encode())
    bodies, _ = run(stream[:30], stream[30:])
    assert bodies == [text.encode()]


def test_a_missing_length_skips_that_message_and_reads_the_next() -> None:
    bodies, _ = run(b"Content-Type: x\r\n\r\n" + body(1) + framed(body(2)))
    assert bodies == [body(2)]


def test_a_length_of_megabytes_too_long_is_found_out_too() -> None:
    """A declared length past the large-body size: the body's own buffer is searched alike."""
    long = b"Content-Length: %d\r\n\r\n" % (LARGE_BODY_BYTES * 2) + body(1)
    bodies, _ = run(long, framed(body(2)), framed(body(3)))
    assert bodies == [body(1), body(2), body(3)]


def test_a_length_no_buffer_can_hold_is_found_out_too() -> None:
    for length in (10**12, 10**30):
        long = b"Content-Length: %d\r\n\r\n" % length + body(1)
        bodies, _ = run(long, framed(body(2)), framed(body(3)))
        assert bodies == [body(1), body(2), body(3)], length


# -- a length too long by less than what follows -------------------------------------------------


def test_a_length_too_long_by_any_amount_short_of_the_next_frames_costs_no_message() -> None:
    """However far into the next frame the declared length reaches (into its header, its body,
    or past it into the frame after), that frame is read from its header on."""
    following = framed(body(2)) + framed(body(3))
    for excess in range(1, len(following)):
        long = b"Content-Length: %d\r\n\r\n" % (len(body(1)) + excess) + body(1)
        bodies, _ = run(long + following)
        assert bodies == [body(1), body(2), body(3)], excess
        bodies, _ = run(long, framed(body(2)), framed(body(3)))
        assert bodies == [body(1), body(2), body(3)], excess


def test_a_body_with_a_header_inside_is_cut_there_even_when_it_is_no_json() -> None:
    """The bytes before the header are handed on as they are (the endpoint answers ParseError)."""
    junk = b'{"jsonrpc": "2.0", "id'
    long = b"Content-Length: %d\r\n\r\n" % (len(junk) + 30) + junk
    bodies, _ = run(long + framed(body(2)) + framed(body(3)))
    assert bodies == [junk, body(2), body(3)]


@pytest.mark.parametrize(
    "text",
    [
        "Content-Length: 3\r\n\r\n",
        "x}Content-Length: 12",
        "}Content-Len",
        "Content-Length",
        "c",
        "\r\n\r\nContent-Length: 3\r\n\r\n{}",
    ],
)
def test_a_body_holding_the_words_content_length_in_a_string_is_never_cut(text: str) -> None:
    """A JSON string holds a line break only escaped, so no header line can stand in one; a
    body that parses is handed on whole, sent in one piece or two, compact or pretty-printed
    with CRLF (the line breaks a header line ends with)."""
    for message in (
        {"jsonrpc": "2.0", "method": "m", "params": text},
        {"jsonrpc": "2.0", "method": "m", "params": {text: [text, 1]}},
    ):
        compact = json.dumps(message).encode()
        pretty = json.dumps(message, indent=1).replace("\n", "\r\n").encode()
        for sent in (compact, pretty):
            stream = framed(sent) + framed(body(2))
            assert run(stream)[0] == [sent, body(2)]
            for cut in range(1, len(stream)):
                assert run(stream[:cut], stream[cut:])[0] == [sent, body(2)], cut


# -- many bad frames in one read -----------------------------------------------------------------


@pytest.mark.parametrize(
    "declared",
    [
        lambda length: length + 7,  # into the next frame's header
        lambda length: 10**6,  # past the end of the read
        lambda length: LARGE_BODY_BYTES * 2,  # a buffer of its own, past the end of the read
    ],
    ids=["into-the-next", "past-the-read", "past-the-read-large"],
)
def test_5000_frames_too_long_in_one_read_are_each_recovered_from(declared: Any) -> None:
    """Each recovery reads on in the same loop (no recursion that 5,000 would overflow)."""
    count = 5000
    bad = b"".join(
        b"Content-Length: %d\r\n\r\n" % declared(len(body(number))) + body(number)
        for number in range(count)
    )
    bodies, batches = run(bad + framed(body(count)))
    assert bodies == [body(number) for number in range(count + 1)]
    assert batches == 1


# -- header fields -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        b"Content-Length: %d\r\nX-Original-Content-Length: 3",
        b"X-Original-Content-Length: 3\r\nContent-Length: %d",
        b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length:%d",
        b"CONTENT-LENGTH : %d \r\nX-Content-Length: 9999",
    ],
)
def test_only_the_field_named_content_length_gives_the_length(headers: bytes) -> None:
    message = body(1)
    bodies, _ = run(headers % len(message) + b"\r\n\r\n" + message + framed(body(2)))
    assert bodies == [message, body(2)]


def test_a_field_whose_name_only_ends_in_content_length_is_no_length() -> None:
    """Without a Content-Length of its own, the frame is skipped as one without a length."""
    stream = b"X-Original-Content-Length: 3\r\n\r\n" + body(1) + framed(body(2))
    assert run(stream)[0] == [body(2)]


# -- a message whose handling fails --------------------------------------------------------------


def test_a_message_whose_handling_raises_costs_that_message_only() -> None:
    async def read_all() -> tuple[list[bytes], int]:
        bodies: list[bytes] = []
        batches = [0]

        def receive(message: bytes | memoryview) -> None:
            bodies.append(bytes(message))
            if bytes(message) == body(2):
                raise RuntimeError("a fault in handling")

        def batch_done() -> None:
            batches[0] += 1
            raise RuntimeError("a fault after the batch")

        frames = FrameReader(receive, batch_done)
        frames.data_received(framed(body(1)) + framed(body(2)) + framed(body(3)))
        frames.data_received(framed(body(4)))
        return bodies, batches[0]

    bodies, batches = asyncio.run(read_all())
    assert bodies == [body(1), body(2), body(3), body(4)]
    assert batches == 2


def test_a_large_body_too_long_by_less_than_the_next_frame_costs_no_message() -> None:
    text = "x" * LARGE_BODY_BYTES
    large = json.dumps({"jsonrpc": "2.0", "method": "m", "params": text}).encode()
    following = framed(body(2)) + framed(body(3))
    for excess in (1, 12, 20, 50, len(framed(body(2)))):
        stream = b"Content-Length: %d\r\n\r\n" % (len(large) + excess) + large + following
        assert run(stream)[0] == [large, body(2), body(3)], excess
        pieces = [stream[i : i + 65536] for i in range(0, len(stream), 65536)]
        assert run(*pieces)[0] == [large, body(2), body(3)], excess

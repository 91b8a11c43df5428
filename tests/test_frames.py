"""The frame reader: bodies cut from a byte stream however it arrives, and found again after a
frame with a wrong Content-Length."""

from __future__ import annotations

import asyncio
import json

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

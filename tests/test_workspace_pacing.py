"""End to end: closed files' publishes wait for an editor that has not read the ones before.

An editor that takes a millisecond over each publish (Neovim) was handed a scan's thousands of
them at once and froze for 50-90 ms at a time. The publisher now pushes closed files only while
the editor has less than ``UNREAD_BYTES`` of what was sent still to read; the rest follows as it
reads. These tests start a real server over stdio, stop reading its output, and look at the pipe
itself (``FIONREAD``): what waits in it stays under the bound, and nothing is lost once the
client reads again.
"""

from __future__ import annotations

import fcntl
import termios
import time
from pathlib import Path

import pytest
from grepls.client import Client
from grepls.publisher import UNREAD_BYTES

TIMEOUT = 30.0
FILES = 400
"""Closed files that match: about 250 kB of publishes, many times the bound."""
SLACK = 8_192
"""Besides closed files: the last publish let through, progress reports."""


def _unread(client: Client) -> int:
    """Bytes the server wrote to its stdout that this client has not read."""
    assert client.process is not None and client.process.popen.stdout is not None
    count = bytearray(4)
    fcntl.ioctl(client.process.popen.stdout.fileno(), termios.FIONREAD, count)
    return int.from_bytes(count, "little", signed=True)


def _settled_unread(client: Client, quiet: float = 0.5) -> int:
    """What waits in the pipe once it has stopped growing for ``quiet`` seconds."""
    deadline = time.monotonic() + TIMEOUT
    last, since = _unread(client), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.02)
        now = _unread(client)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
    pytest.fail(f"the server kept writing for {TIMEOUT} s (last {last} bytes unread)")


def test_closed_files_wait_for_the_editor_to_read_and_all_arrive_once_it_does(
    tmp_path: Path,
) -> None:
    for number in range(FILES):
        (tmp_path / f"f{number:03}.txt").write_text(f"TODO one {number}\nand TODO two\n")
    with Client.start(transport="stdio", timeout=TIMEOUT) as client:
        client.initialize(root_uri=tmp_path.as_uri(), options={"scope": "workspace"})
        client.command("grepls.setPattern", "TODO")
        # From here on this client reads nothing until the pipe has settled.
        held = _settled_unread(client)
        assert held <= UNREAD_BYTES + SLACK, f"{held} bytes sent ahead of the editor"

        uris = {(tmp_path / f"f{number:03}.txt").as_uri() for number in range(FILES)}

        def all_shown() -> bool:
            return all(
                len((client.published(uri) or {}).get("diagnostics", [])) == 2 for uri in uris
            )

        client.pump(all_shown, what="every closed file's two matches")

"""How the reliability tests start a real grepls server and read what it answers.

Every test talks to ``python -m grepls`` through :class:`grepls.client.Client` (plain blocking
I/O, every wait bounded: see its module docstring), over one of three transports — its stdio
pipes, TCP (``--tcp``) or WebSocket (``--ws``). Tests that must hold on every transport take the
``transport`` parameter from :data:`TRANSPORTS`.

A wait that times out raises :class:`Unresponsive`, a :class:`~stuck.Stuck`: a hang fails the test
at once instead of being retried by Hypothesis's shrinking (see :mod:`stuck`).
"""

from __future__ import annotations

from typing import Any

from grepls.client import TRANSPORTS, Client, Transport
from stuck import Stuck

__all__ = ["TIMEOUT", "TRANSPORTS", "Unresponsive", "listed", "spans_of", "start"]

TIMEOUT = 10.0
"""Seconds any one wait may take."""


class Unresponsive(Stuck):
    """The server did not answer in time (a hang: not worth shrinking, see :mod:`stuck`)."""


def start(
    transport: Transport = "stdio", arguments: list[str] | None = None, **options: Any
) -> Client:
    """A fresh server, connected over ``transport``."""
    return Client.start(
        arguments or [], transport=transport, timeout=TIMEOUT, on_timeout=Unresponsive, **options
    )


def spans_of(items: list[dict[str, Any]]) -> list[tuple[int, int, int, int]]:
    """Ranges of diagnostics, highlights or listMatches items, as tuples in the order given."""
    return [
        (
            item["range"]["start"]["line"],
            item["range"]["start"]["character"],
            item["range"]["end"]["line"],
            item["range"]["end"]["character"],
        )
        for item in items
    ]


def listed(items: list[dict[str, Any]]) -> list[tuple[tuple[int, int, int, int], str]]:
    """``grepls.listMatches`` items as (range tuple, line text) pairs, in the order given."""
    return [(span, item["text"]) for span, item in zip(spans_of(items), items, strict=True)]

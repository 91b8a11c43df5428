"""The fence around google-re2: every non-public name of the ``re2`` package is used here alone.

grepls matches with RE2 because it is linear-time: no pattern a user types can stall the server.
google-re2's public Python API (``re2.compile(...).search``) builds a match object per call, which
costs microseconds — more than the search itself on a short line, and a keystroke searches many
short lines. So the hot path calls the C++ object under the wrapper. Those names are private and may
move in any release; this module owns them, and ``tests/test_engine.py`` fails with the missing
name if an upgrade moves one:

``re2._Regexp._regexp``
    The pybind11 ``RE2`` object the wrapper holds. Public fallback: keep the wrapper and call
    ``.search(data, pos, endpos)``, about 1.5 µs more per call for the match object.
``RE2.Match(anchor, data, pos, endpos)``
    Returns the spans of every group as a list of ``(start, end)`` byte offsets, ``(-1, -1)`` for
    "no match". Public fallback: ``Match.span(group)`` on the wrapper's match object (same cost as
    above).
``re2._Anchor.UNANCHORED``, ``re2._Anchor.ANCHOR_BOTH``
    The anchor arguments ``Match`` takes (``ANCHOR_BOTH`` reads the groups of a match already
    found, for a replacement). Public fallback: none needed once ``Match`` is gone.

The size of the compiled program and its number of groups are public (``_Regexp.programsize``,
``_Regexp.groups``) and used as such.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import re2

SPAN = tuple[int, int]

Search = Callable[[bytes, int, int], SPAN]
"""Finds the leftmost match in ``data[position:end]`` (the bytes around it still count as context
for ``^``, ``$`` and ``\\b``): the span of the chosen group, or ``NO_MATCH``."""

NO_MATCH: SPAN = (-1, -1)
"""What RE2 reports for a search that found nothing (and for a group that did not take part)."""

error = re2.error
"""What RE2 raises for a pattern it cannot compile."""


class Compiled:
    """One RE2 program over UTF-8 bytes."""

    __slots__ = ("_raw", "_wrapper", "groups", "program_size")

    program_size: int
    """The size of RE2's compiled program: a measure of how much memory and time matching takes."""
    groups: int
    """How many capturing groups the pattern has."""

    def __init__(self, source: bytes, *, case_sensitive: bool, multiline: bool) -> None:
        """Compile ``source`` (raises :data:`error`). ``multiline``: ``^`` and ``$`` match at
        every ``"\\n"``, and no match crosses one (for searching many lines joined at once)."""
        options = re2.Options()
        options.log_errors = False
        options.case_sensitive = case_sensitive
        options.max_mem = 64 << 20
        if multiline:
            options.never_nl = True
            source = b"(?m)" + source
        wrapper = re2.compile(source, options)
        self.program_size = wrapper.programsize
        self.groups = wrapper.groups
        self._wrapper: Any = wrapper
        self._raw: Any = wrapper._regexp

    def matches_empty_at(self, data: bytes, position: int) -> bool:
        """Whether the pattern matches the empty string at ``position`` in ``data`` (the bytes
        around it are the context ``^``, ``$`` and ``\\b`` see). Public API: not on a hot path."""
        return self._wrapper.fullmatch(data, position, position) is not None

    def searcher(self, group: int = 0) -> Search:
        """A search function reporting the span of ``group`` (0: the whole match)."""
        match = self._raw.Match
        unanchored = re2._Anchor.UNANCHORED

        def search(data: bytes, position: int, end: int) -> SPAN:
            span: SPAN = match(unanchored, data, position, end)[group]
            return span

        return search

    def group_spans(self, data: bytes, start: int, end: int) -> list[SPAN]:
        """The spans of group 0 and every group when the pattern matches exactly
        ``data[start:end]`` (the bytes around it are context, as for a search), or ``[]``.
        ``NO_MATCH`` for a group that took no part."""
        spans: list[SPAN] = self._raw.Match(re2._Anchor.ANCHOR_BOTH, data, start, end)
        return [] if spans[0] == NO_MATCH else spans


def missing_private_names() -> list[str]:
    """The private names this module relies on that the installed google-re2 lacks (the engine
    test fails naming them)."""
    wrapper = re2.compile(b"x")
    lookups: dict[str, Callable[[], object]] = {
        "re2._Anchor.UNANCHORED": lambda: re2._Anchor.UNANCHORED,
        "re2._Anchor.ANCHOR_BOTH": lambda: re2._Anchor.ANCHOR_BOTH,
        "re2._Regexp._regexp": lambda: wrapper._regexp,
        "RE2.Match (on re2._Regexp._regexp)": lambda: wrapper._regexp.Match,
    }
    missing = []
    for name, lookup in lookups.items():
        try:
            lookup()
        except AttributeError:
            missing.append(name)
    return missing


def enclosable(source: bytes) -> bytes:
    """``source`` ready to go inside a larger pattern (a group, a whole-word frame, one branch
    of several): RE2 reads a ``\\Q`` left open as quoting the rest of the pattern, which would
    swallow what follows it, so it is closed with ``\\E``."""
    if b"\\Q" not in source or _compiles(b"(?:" + source + b")") or not _compiles(source):
        return source
    return source + b"\\E"


def _compiles(source: bytes) -> bool:
    options = re2.Options()
    options.log_errors = False
    try:
        re2.compile(source, options)
    except error:
        return False
    return True


def escape(literal: bytes) -> bytes:
    """``literal`` as a regex matching exactly those bytes."""
    escaped: bytes = re2.escape(literal)
    return escaped

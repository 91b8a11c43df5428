"""The grep coroutine: one per open document and pattern, fed only the lines that changed.

This is the classic consumer coroutine, grown up::

    def grep(pattern):
        while True:
            line = (yield)
            if pattern in line: ...

Ours is bound to one compiled pattern (a :class:`~grepls.matcher.Matcher`) and one document's
:class:`~grepls.index.MatchIndex`. It is primed with ``next()`` by the :func:`coroutine` decorator,
fed with ``.send()`` and ended with ``.close()``:

* on ``didOpen`` (and when the pattern changes) it is sent every line, as one
  :class:`~grepls.lines.Splice` from line 0 — on open, mostly a text not split into lines yet;
* on ``didChange`` it is sent only the lines the edit touched, with how many old lines they replace,
  so that matches below an inserted or deleted line shift rather than being searched again;
* on ``didClose``, or when the pattern changes, it is closed, and it empties the index it fed.

A document searched for several patterns has one grep coroutine per pattern, and its splices go to
all of them through :func:`broadcast`, the classic fan-out consumer.

It reads only what it is sent. A document may hold far more matches than an editor can show (``e``
in a million-line file), so the coroutine searches only as far as the first ``limit`` + 1 matches:
lines past that *horizon* are left unsearched. When edits above the horizon remove matches, fewer
than ``limit`` may be left before it; then the value of ``.send()`` is the line it needs to read on
from — the horizon, or the line just before it when that line was searched only as far as its
first few matches (a *cut* line, read again from its start) — and its sender (the
:class:`~grepls.document.Document`) sends those lines as a :class:`~grepls.lines.ReadOn` until the
answer is ``None``. So the work is in proportion to the edit and to what is shown.

The coroutine itself is cheap (a warm ``.send()`` costs about a microsecond); the work it does is
proportional to the lines it is sent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Generator, Sequence
from typing import ParamSpec, Protocol, TypeVar

from grepls.index import MatchIndex
from grepls.lines import ReadOn, Splice
from grepls.matcher import Matcher

P = ParamSpec("P")
Wanted = TypeVar("Wanted")
Sent = TypeVar("Sent")

Grep = Generator[int | None, Splice | ReadOn, None]
"""Sent splices and read-ons; answers the line to read on from, or ``None``."""


def coroutine(
    function: Callable[P, Generator[Wanted, Sent, None]],
) -> Callable[P, Generator[Wanted, Sent, None]]:
    """Start a consumer generator: call it, then advance it to its first ``(yield)``."""

    @functools.wraps(function)
    def primed(*args: P.args, **kwargs: P.kwargs) -> Generator[Wanted, Sent, None]:
        generator = function(*args, **kwargs)
        next(generator)
        return generator

    return primed


@coroutine
def grep(matcher: Matcher, index: MatchIndex, limit: int) -> Grep:
    """Receive splices of a document's lines; keep ``index`` equal to the matches of ``matcher``
    on every line before the index's horizon, with more than ``limit`` of them whenever the
    document has that many."""
    scan = matcher.scan
    wanted: int | None = None
    try:
        while True:
            splice = (yield wanted)  # fmt: skip
            if isinstance(splice, ReadOn):  # the lines asked for below
                if splice.first == index.held_until:
                    # A line cut short is searched again from its start, so the matches held
                    # stay the document's first ones, in order.
                    index.forget_from(splice.first)
                    found = scan(splice.texts, None, limit - index.count)
                    index.extend(splice.first, found, splice.to_end)
            elif index.horizon is not None and splice.first >= index.horizon:
                pass  # an edit past the horizon changes nothing that is shown
            else:
                found = scan(splice.texts, splice.tail, limit, splice.sifted)
                index.splice(splice.first, splice.removed, found)
            # Fewer matches held than can be shown, and some not held: ask to read on from the
            # first line whose matches are not all held (a line cut short, or the horizon).
            wanted = index.held_until if index.count <= limit else None
            # Let go of what was sent while waiting for the next send: on open, that is the
            # whole document's text.
            del splice
    except GeneratorExit:
        index.clear()


class Target(Protocol):
    """Anything that takes splices with ``.send()``: a grep coroutine, or a track feeding one."""

    def send(self, splice: Splice, /) -> object: ...


@coroutine
def broadcast(targets: Sequence[Target]) -> Generator[None, Splice, None]:
    """The classic fan-out: send every splice received on to each target, in order (one document's
    text to the grep coroutine of each pattern)."""
    while True:
        splice = (yield)  # fmt: skip
        for target in targets:
            target.send(splice)

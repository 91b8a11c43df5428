"""The grep coroutine: one per open document, fed only the lines that changed.

This is the classic consumer coroutine, grown up::

    def grep(pattern):
        while True:
            line = (yield)
            if pattern in line: ...

Ours is bound to one compiled pattern (a :class:`~grepls.pattern.Matcher`) and one document's
:class:`~grepls.index.MatchIndex`. It is primed with ``next()`` by the :func:`coroutine` decorator,
fed with ``.send()`` and ended with ``.close()``:

* on ``didOpen`` (and when the pattern changes) it is sent every line, as one
  :class:`~grepls.lines.Splice` from line 0 — on open, the whole text before it is even split;
* on ``didChange`` it is sent only the lines the edit touched, with how many old lines they replace,
  so that matches below an inserted or deleted line shift rather than being searched again;
* on ``didClose``, or when the pattern changes, it is closed, and it empties the index it fed.

A document may hold far more matches than an editor can show (``e`` in a million-line file). The
coroutine searches only as far as the first ``limit`` + 1 matches: lines past that *horizon* are
left unsearched until edits above it remove matches, when it reads on from the line store just far
enough to show ``limit`` again. So the work is in proportion to the edit and to what is shown.

The coroutine itself is cheap (a warm ``.send()`` costs about a microsecond); the work it does is
proportional to the lines it is sent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Generator
from typing import ParamSpec, TypeVar

from grepls.index import MatchIndex
from grepls.lines import LineStore, Splice
from grepls.pattern import Matcher

P = ParamSpec("P")
Sent = TypeVar("Sent")

Grep = Generator[None, Splice, None]

# How many lines past the horizon to search at a time when matches above it were removed.
_READ_ON_LINES = 4096


def coroutine(
    function: Callable[P, Generator[None, Sent, None]],
) -> Callable[P, Generator[None, Sent, None]]:
    """Start a consumer generator: call it, then advance it to its first ``(yield)``."""

    @functools.wraps(function)
    def primed(*args: P.args, **kwargs: P.kwargs) -> Generator[None, Sent, None]:
        generator = function(*args, **kwargs)
        next(generator)
        return generator

    return primed


@coroutine
def grep(matcher: Matcher, index: MatchIndex, lines: LineStore, limit: int) -> Grep:
    """Receive splices of a document's lines; keep ``index`` equal to the matches of ``matcher``
    on every line before the index's horizon, with more than ``limit`` of them whenever the
    document has that many."""
    try:
        while True:
            splice = (yield)  # fmt: skip
            if index.horizon is not None and splice.first >= index.horizon:
                pass  # an edit past the horizon changes nothing that is shown
            elif splice.whole is not None:  # a text just opened, not split into lines yet
                found, searched, added = matcher.scan_text(splice.whole, limit)
                index.splice(splice.first, splice.removed, added, found, searched)
            else:
                found, searched = matcher.scan(splice.texts, limit)
                index.splice(splice.first, splice.removed, len(splice.texts), found, searched)
            while index.horizon is not None and index.count <= limit:
                start = index.horizon
                found, searched = matcher.scan(
                    lines.texts[start : start + _READ_ON_LINES], limit - index.count
                )
                index.extend(start, found, searched, len(lines))
            # Let go of what was sent while waiting for the next send: on open, that is the
            # whole document's text, encoded.
            del splice
    except GeneratorExit:
        index.clear()

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
  :class:`~grepls.lines.Splice` from line 0;
* on ``didChange`` it is sent only the lines the edit touched, with how many old lines they replace,
  so that matches below an inserted or deleted line shift rather than being searched again;
* on ``didClose``, or when the pattern changes, it is closed, and it empties the index it fed.

The coroutine itself is cheap (a warm ``.send()`` costs about a microsecond); the work it does is
proportional to the lines it is sent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Generator
from typing import ParamSpec, TypeVar

from grepls.index import MatchIndex
from grepls.lines import Splice
from grepls.pattern import Matcher
from grepls.positions import SPAN

P = ParamSpec("P")
Sent = TypeVar("Sent")

Grep = Generator[None, Splice, None]

# Above this many lines in one splice, one RE2 pass over the joined text finds the candidate lines
# faster than a Python loop over every line.
BULK_LINES = 64


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
def grep(matcher: Matcher, index: MatchIndex) -> Grep:
    """Receive splices of a document's lines; keep ``index`` equal to the matches of ``matcher``."""
    try:
        while True:
            splice = (yield)  # fmt: skip
            texts = splice.texts
            found: dict[int, list[SPAN]]
            if len(texts) > BULK_LINES:
                found = matcher.scan(texts, splice.joined)
            else:
                found = {}
                for line, text in enumerate(texts):
                    if spans := matcher.columns(text):
                        found[line] = spans
            index.splice(splice.first, splice.removed, len(texts), found)
            # Let go of what was sent while waiting for the next send: on open, that is the
            # whole document's text, encoded.
            del splice, texts, found
    except GeneratorExit:
        index.clear()

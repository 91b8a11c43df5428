"""The sieve: one pass over a whole document for the lines any of several patterns may match.

Twenty patterns bound to a document just opened would each read its whole text — twenty passes
over a hundred thousand lines to find the same thousand. Instead, one RE2 program, the
alternation of every pattern's core (its text or regex, without the whole-word frame, in its
case), searches the text once, in multi-line mode, and keeps the lines it matches on: the
*candidates*. A line that matches none of the alternatives matches none of the patterns, so each
pattern's own scan (see :mod:`grepls.scan`) then reads only the candidates, and the result is
what reading every line would have found.

Patterns the sieve cannot stand for are left out of it and read every line as before: those
that may match the empty string (every line would be a candidate), regexes that must see one line
at a time (``\\A``, ``\\z``: no multi-line search), and literals holding a lone surrogate (RE2
cannot compile it). A sieve is made for at least two patterns; for one, its own scan is the pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from grepls.engine import Compiled, Search, enclosable, error, escape
from grepls.lines import Sifted, Splice
from grepls.matcher import Matcher

# RE2's program for the alternation must stay small enough to run as a DFA.
_MOST_PROGRAM = 20_000


class Sieve:
    """One search for the lines any of some patterns may match."""

    __slots__ = ("_search", "matchers")

    def __init__(self, matchers: tuple[Matcher, ...], search: Search) -> None:
        self.matchers: frozenset[object] = frozenset(matchers)
        """The patterns the sieve stands for: only their scans may read its candidates."""
        self._search = search

    def sift(self, splice: Splice) -> Splice:
        """``splice`` with its candidate lines found (its texts and tail are kept: patterns
        outside the sieve read them)."""
        texts, tail = splice.texts, splice.tail
        if not texts and tail is None:
            return splice
        whole = "\n".join(texts if tail is None else [*texts, tail])
        ascii_only = whole.isascii()
        blob = whole.encode("utf-8", "surrogatepass")
        search, length = self._search, len(blob)
        numbers: list[int] = []
        candidates: list[str] = []
        line = 0
        counted = 0  # line breaks before this offset are counted in `line`
        position = 0
        while position <= length:
            start = search(blob, position, length)[0]
            if start < 0:
                break
            line += blob.count(b"\n", counted, start)
            line_start = blob.rfind(b"\n", 0, start) + 1
            line_end = blob.find(b"\n", start)
            if line_end < 0:
                line_end = length
            numbers.append(line)
            candidates.append(
                whole[line_start:line_end]
                if ascii_only
                else blob[line_start:line_end].decode("utf-8", "surrogatepass")
            )
            counted = line_end
            position = line_end + 1
        total = line + 1 + blob.count(b"\n", counted)  # the breaks after the last candidate
        return Splice(
            splice.first,
            splice.removed,
            texts,
            tail,
            Sifted(numbers, candidates, total, self.matchers),
        )


def sieve_for(matchers: Sequence[Matcher]) -> Sieve | None:
    """A sieve for those of ``matchers`` it can stand for, or ``None`` if fewer than two."""
    return _sieve(tuple(matchers))


@lru_cache(maxsize=16)
def _sieve(matchers: tuple[Matcher, ...]) -> Sieve | None:
    cores = {matcher: core for matcher in matchers if (core := _core(matcher)) is not None}
    if len(cores) < 2:
        return None
    source = b"|".join(b"(?:%s)" % core for core in cores.values())
    try:
        compiled = Compiled(source, case_sensitive=True, multiline=True)
    except error:
        return None
    if compiled.program_size > _MOST_PROGRAM:
        return None
    return Sieve(tuple(cores), compiled.searcher(0))


def _core(matcher: Matcher) -> bytes | None:
    """The regex a line matching ``matcher`` must match, or ``None`` when the sieve cannot
    stand for it."""
    spec = matcher.spec
    if matcher.zero_width or matcher.bulk is None:
        return None
    try:
        pattern = spec.pattern.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return None
    core = enclosable(pattern) if spec.regex else escape(pattern)
    return core if spec.case_sensitive else b"(?i:%s)" % core

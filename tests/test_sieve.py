"""The sieve: a document bound to several patterns at once, read once for the candidate lines of
all of them, holds exactly the matches each pattern finds reading every line alone — also where a
pattern stops at its limit, on non-ASCII text, and for patterns the sieve cannot stand for."""

from __future__ import annotations

import sys
from pathlib import Path

from grepls.document import Document
from grepls.matcher import Matcher
from grepls.pattern import PatternSpec
from grepls.sieve import sieve_for
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "reliability"))
from edit_strategies import ENCODINGS, searches, texts

URI = "file:///sieved.txt"


def spec_of(search: object) -> PatternSpec:
    argument = search.argument()  # type: ignore[attr-defined]
    return PatternSpec(
        argument["pattern"],
        argument.get("regex", False),
        argument.get("caseSensitive", True),
        argument.get("wholeWord", False),
    )


def state(document: Document, identifier: str) -> tuple[object, ...]:
    index = document.tracks[identifier].index
    return dict(index.lines), index.count


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_patterns_read_through_the_sieve_find_what_each_finds_alone(data: st.DataObject) -> None:
    encoding = data.draw(st.sampled_from(ENCODINGS))
    text = data.draw(texts()) * data.draw(st.integers(1, 3))
    limit = data.draw(st.integers(1, 12))
    matchers = [Matcher(spec_of(data.draw(searches())), encoding) for _ in range(3)]
    patterns = [(f"p{n}", matcher) for n, matcher in enumerate(matchers)]
    together = Document(URI, 1, text)
    together.bind(patterns, limit)
    for identifier, matcher in patterns:
        alone = Document(URI, 1, text)
        alone.bind([(identifier, matcher)], limit)
        assert state(together, identifier) == state(alone, identifier), matcher.spec
        # Where each search stopped may differ (between lines that hold no match), and so may
        # whether it knows it holds every match: the sieve leaves a whole word's frame out, so a
        # line just past the limit can be its candidate ("TODOTODO" for the word TODO) where the
        # pattern's own pass skips it. What must hold: an index that says it holds every match
        # does.
        everything = Document(URI, 1, text)
        everything.bind([(identifier, matcher)], 10**9)
        every_match = everything.tracks[identifier].index.lines
        for document in (together, alone):
            index = document.tracks[identifier].index
            if index.exact:
                assert index.count == everything.tracks[identifier].index.count, matcher.spec
            # Every line before the first it may not hold all of (a line cut short, the
            # horizon) holds all its matches: what is read past the cap is read from there.
            held_until = index.held_until
            for line in range(len(document.lines) if held_until is None else held_until):
                assert index.lines.get(line, []) == every_match.get(line, []), (matcher.spec, line)


def test_a_sieve_stands_only_for_patterns_it_can_read_for() -> None:
    literal = Matcher(PatternSpec("TODO"))
    word = Matcher(PatternSpec("fix", case_sensitive=False, whole_word=True))
    empty = Matcher(PatternSpec("x*", regex=True))  # matches the empty string: every line
    anchored = Matcher(PatternSpec(r"\Afoo", regex=True))  # line by line only
    sieve = sieve_for([literal, word, empty, anchored])
    assert sieve is not None and sieve.matchers == {literal, word}
    assert sieve_for([literal, empty]) is None  # one pattern: its own scan is the pass


def test_the_sieve_keeps_a_lone_surrogate_literal_out_and_still_finds_it() -> None:
    lone = Matcher(PatternSpec("\ud800"))
    literal = Matcher(PatternSpec("TODO"))
    word = Matcher(PatternSpec("Todo", case_sensitive=False))
    document = Document(URI, 1, "a\ud800 TODO\nb\nc todo \ud800\n")
    document.bind([("lone", lone), ("literal", literal), ("word", word)], 100)
    assert document.tracks["lone"].index.lines == {0: [(1, 2)], 2: [(7, 8)]}
    assert document.tracks["literal"].index.lines == {0: [(3, 7)]}
    assert document.tracks["word"].index.lines == {0: [(3, 7)], 2: [(2, 6)]}

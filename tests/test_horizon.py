"""A pattern that matches nearly everywhere costs what the editor shows, not what the file holds.

The coroutine stops searching once it has more matches than ``maxMatchesPerDocument``; edits
above that horizon keep the first matches exact, reading on from the line store when matches
above it disappear.
"""

from __future__ import annotations

import random

import pytest
from grep_oracle import Search, expected_matches
from grepls.document import Change, Document
from grepls.matcher import Matcher
from grepls.pattern import PatternSpec

CAP = 5


def first_matches(document: Document, cap: int = CAP) -> list[tuple[int, int, int]]:
    lines = document.tracks["search"].index.lines
    return [(n, s, e) for n in sorted(lines) for s, e in lines[n]][:cap]


def oracle(text: str, needle: str, cap: int = CAP) -> list[tuple[int, int, int]]:
    """The first ``cap`` matches of a literal (the text is ASCII: columns are code points)."""
    found = expected_matches(Search(needle), text, "utf-32")
    return [(line, start, end) for line, start, _, end in found][:cap]


def test_the_search_stops_past_the_cap_and_reads_on_when_matches_go() -> None:
    document = Document("file:///many", 1, "\n".join(["x e e", "y"] * 5000))
    document.bind([("search", Matcher(PatternSpec("e")))], CAP)
    assert document.tracks["search"].index.count == 6  # lines 0, 2, 4: just past the cap
    assert document.tracks["search"].index.horizon in (
        5,
        6,
    )  # line 5 holds no match: either is a true horizon
    document.apply([Change("", (0, 0, 4, 0))], "utf-16")  # delete the first four lines
    assert first_matches(document) == oracle(document.lines.text(), "e")
    assert document.tracks["search"].index.count > CAP
    document.apply([Change("e", (9000, 0, 9000, 0))], "utf-16")  # far past the horizon
    assert (
        document.tracks["search"].index.horizon is not None
        and document.tracks["search"].index.horizon < 100
    )


@pytest.mark.parametrize("seed", range(8))
def test_the_first_matches_stay_exact_under_random_edits(seed: int) -> None:
    rng = random.Random(seed)
    document = Document(
        "file:///random", 1, "\n".join(rng.choice(["e", "ee", "x", ""]) for _ in range(400))
    )
    document.bind([("search", Matcher(PatternSpec("e")))], CAP)
    for _ in range(400):
        texts = document.lines.texts
        start_line = rng.randrange(len(texts))
        end_line = min(len(texts) - 1, start_line + rng.choice([0, 0, 1, 3, 50]))
        start = rng.randrange(len(texts[start_line]) + 1)
        end = rng.randrange(len(texts[end_line]) + 1) if end_line > start_line else start
        new = rng.choice(["", "e", "x", "\n", "e\ne\n", "\n\n\n", "ee x e"])
        if rng.random() < 0.01:
            document.apply([Change("\n".join(rng.choice(["e", "x"]) for _ in range(50)))], "utf-8")
        else:
            document.apply([Change(new, (start_line, start, end_line, end))], "utf-16")
        assert first_matches(document) == oracle(document.lines.text(), "e")
        if document.tracks["search"].index.horizon is not None:
            assert document.tracks["search"].index.count > CAP


def test_a_huge_line_is_searched_only_as_far_as_can_be_shown() -> None:
    minified = "e," * 500_000  # one line of a million characters, half a million matches
    document = Document("file:///min.js", 1, "x\n" + minified + "\ny e")
    document.bind([("search", Matcher(PatternSpec("e")))], CAP)
    assert document.tracks["search"].index.count == CAP + 1
    assert first_matches(document) == oracle(document.lines.text(), "e")
    document.apply([Change("e", (1, 0, 1, 0))], "utf-16")  # type at the start of the huge line
    assert first_matches(document) == oracle(document.lines.text(), "e")
    assert document.tracks["search"].index.count == CAP + 1

"""Several patterns at once, under random edits: every published diagnostic equals the oracle's.

Hypothesis picks one document, a few patterns (literal or regex, case-insensitive, whole word) and
a series of edits. After every edit the server's last publish — in-process, along the production
road (``tests/inprocess.py``) — must hold, in order, each pattern's matches as the oracle finds
them in the client's text, merged by position and then by pattern order, each with its pattern's
id as ``code``. Patterns are added, replaced and removed between edits too.
"""

from __future__ import annotations

from typing import Any

from edit_strategies import ENCODINGS, changes, searches, texts
from grep_oracle import Search, apply_change, expected_matches
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inprocess import InProcess

URI = "file:///several.txt"


def expected(patterns: dict[str, Search], text: str, encoding: str) -> list[tuple[Any, ...]]:
    found = []
    for order, (identifier, search) in enumerate(patterns.items()):
        for line, start, _, end in expected_matches(search, text, encoding):
            found.append((line, start, order, end, identifier))
    found.sort()
    return [(line, start, end, identifier) for line, start, _, end, identifier in found]


def published(driver: InProcess) -> list[tuple[Any, ...]]:
    return [
        (
            d["range"]["start"]["line"],
            d["range"]["start"]["character"],
            d["range"]["end"]["character"],
            d["code"],
        )
        for d in driver.published(URI)
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_several_patterns_under_random_edits_equal_the_oracle(data: st.DataObject) -> None:
    encoding = data.draw(st.sampled_from(ENCODINGS))
    text = data.draw(texts())
    driver = InProcess(encoding)
    driver.open(URI, text)
    patterns: dict[str, Search] = {}
    for step in range(data.draw(st.integers(2, 8))):
        action = data.draw(st.sampled_from(["add", "add", "edit", "edit", "edit", "remove"]))
        if action == "add" or not patterns:
            identifier = data.draw(st.sampled_from(["a", "b", "c", "d"]))
            search = data.draw(searches())
            driver.command("grepls.addPattern", {**search.argument(), "id": identifier})
            patterns[identifier] = search  # an existing id is replaced in place
        elif action == "remove":
            identifier = data.draw(st.sampled_from(sorted(patterns)))
            driver.command("grepls.removePattern", identifier)
            del patterns[identifier]
        else:
            change = data.draw(changes(text, encoding))
            text = apply_change(text, change, encoding)
            driver.change(URI, step + 2, [change])
        want = expected(patterns, text, encoding)
        if patterns:
            assert published(driver) == want, (step, action)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_document_opened_with_several_patterns_in_force_equals_the_oracle(
    data: st.DataObject,
) -> None:
    """Opened with several patterns already in force, a document is read once by a sieve for
    all of them (grepls.sieve), then by each pattern on the candidate lines only: the first
    publish and every one after an edit must still hold exactly the oracle's matches."""
    encoding = data.draw(st.sampled_from(ENCODINGS))
    text = data.draw(texts())
    driver = InProcess(encoding)
    patterns: dict[str, Search] = {}
    for identifier in data.draw(st.lists(st.sampled_from("abcde"), min_size=2, unique=True)):
        search = data.draw(searches())
        driver.command("grepls.addPattern", {**search.argument(), "id": identifier})
        patterns[identifier] = search
    driver.open(URI, text)
    assert published(driver) == expected(patterns, text, encoding)
    for step in range(data.draw(st.integers(0, 3))):
        change = data.draw(changes(text, encoding))
        text = apply_change(text, change, encoding)
        driver.change(URI, step + 2, [change])
        assert published(driver) == expected(patterns, text, encoding), step


def expected_first(
    patterns: dict[str, Search], text: str, encoding: str, cap: int
) -> list[tuple[Any, ...]]:
    """Each pattern's first ``cap`` matches in document order, merged as every publish is."""
    found = []
    for order, (identifier, search) in enumerate(patterns.items()):
        for line, start, _, end in sorted(expected_matches(search, text, encoding))[:cap]:
            found.append((line, start, order, end, identifier))
    found.sort()
    return [(line, start, end, identifier) for line, start, _, end, identifier in found]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_several_patterns_past_a_small_cap_under_random_edits_equal_the_oracle(
    data: st.DataObject,
) -> None:
    """With ``maxMatchesPerDocument`` small, some patterns are cut at it and others shown whole,
    and edits take them over and back: after each edit only the patterns cut before or over the
    cap now are cut again (grepls.compose), so each publish must still hold every pattern's
    first ``cap`` matches, as the oracle finds them."""
    encoding = data.draw(st.sampled_from(ENCODINGS))
    text = data.draw(texts())
    cap = data.draw(st.integers(1, 6))
    driver = InProcess(encoding, options={"maxMatchesPerDocument": cap})
    patterns: dict[str, Search] = {}
    for identifier in data.draw(st.lists(st.sampled_from("abcde"), min_size=2, unique=True)):
        search = data.draw(searches())
        driver.command("grepls.addPattern", {**search.argument(), "id": identifier})
        patterns[identifier] = search
    driver.open(URI, text)
    assert published(driver) == expected_first(patterns, text, encoding, cap)
    for step in range(data.draw(st.integers(1, 8))):
        if data.draw(st.integers(0, 4)) == 0:
            identifier = data.draw(st.sampled_from("abcde"))
            search = data.draw(searches())
            driver.command("grepls.addPattern", {**search.argument(), "id": identifier})
            patterns[identifier] = search
        else:
            change = data.draw(changes(text, encoding))
            text = apply_change(text, change, encoding)
            driver.change(URI, step + 2, [change])
        assert published(driver) == expected_first(patterns, text, encoding, cap), step

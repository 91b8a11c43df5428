"""Whole-text changes (no range, as Vim's ALE sends them) cost the edit, and change nothing else.

A client that ignores incremental sync sends the whole text in every ``didChange``. The line store
compares it with the text held and replaces only the lines between the common prefix and suffix
(see :mod:`grepls.lines`). Checked here with random edits sent as whole texts — every LSP line
break, edits at the start and the end, empty documents, edits that split or join a ``\\r\\n``:

* the line store's text and lines equal the new text, its splice describes the change, and it
  spans no more lines than the edit touched (plus the neighbour a ``\\r`` and ``\\n`` pairing can
  bring in);
* a real server (in process, along the production road) publishes for the edited document exactly
  what it publishes for a fresh open of the same text, and holds the oracle's matches.
"""

from __future__ import annotations

from typing import Any

from edit_strategies import ENCODINGS, searches, texts
from grep_oracle import Search, expected_matches, line_starts, lines_of
from grepls.lines import COMPARE_CHARACTERS, LineStore, common_prefix, common_suffix
from hypothesis import given, settings
from hypothesis import strategies as st
from inprocess import InProcess
from profiles import slow_only

Edit = tuple[int, int, str]
"""(start offset, end offset, new text) in the text before the edit."""


@st.composite
def whole_text_sessions(draw: Any) -> tuple[str, list[Edit]]:
    """A text, then edits, each to be sent as the whole text after it."""
    text = draw(texts())
    model = text
    edits = []
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.sampled_from(["anywhere", "anywhere", "start", "end", "all"]))
        start = draw(st.integers(0, len(model)))
        end = draw(st.integers(start, len(model)))
        if where == "start":
            start = 0
        elif where == "end":
            end = len(model)
        elif where == "all":
            start, end = 0, len(model)
        new_text = draw(texts(max_tokens=4))
        edits.append((start, end, new_text))
        model = model[:start] + new_text + model[end:]
    return text, edits


def line_of(text: str, offset: int) -> int:
    return sum(1 for start in line_starts(text)[1:] if start <= offset)


def check_line_store(session: tuple[str, list[Edit]]) -> None:
    text, edits = session
    store = LineStore(text)
    model = text
    for start, end, new_text in edits:
        before = list(store.texts)
        new = model[:start] + new_text + model[end:]
        splice = store.reset(new)
        assert store.text() == new
        assert store.texts == lines_of(new)
        rebuilt = before[: splice.first] + splice.texts + before[splice.first + splice.removed :]
        assert rebuilt == store.texts, "the splice does not describe the change"
        # Only the lines where the texts differ (plus a neighbour where a "\r" and a "\n" meet
        # across the difference's edge), found here by a plain walk over the characters.
        prefix = next(
            (i for i, (a, b) in enumerate(zip(model, new, strict=False)) if a != b),
            min(len(model), len(new)),
        )
        suffix = 0
        while (
            suffix < min(len(model), len(new)) - prefix and model[-1 - suffix] == new[-1 - suffix]
        ):
            suffix += 1
        first, last = line_of(model, prefix), line_of(model, len(model) - suffix)
        assert first - 1 <= splice.first
        assert splice.first + splice.removed - 1 <= last + 1
        model = new


def test_a_whole_text_that_splits_a_crlf_splices_its_line() -> None:
    store = LineStore("a\nb\r\nc\nd")
    splice = store.reset("a\nb\rX\nc\nd")
    # The change ends where line 2 starts, so line 2 is re-split with it.
    assert (splice.first, splice.removed, splice.texts) == (1, 2, ["b", "X", "c"])
    assert store.breaks == ["\n", "\r", "\n", "\n", ""]
    splice = store.reset("a\nb\r\nc\nd")  # and joins it again
    assert (splice.first, splice.removed, splice.texts) == (1, 2, ["b"])


def test_a_whole_text_equal_to_the_document_splices_one_line() -> None:
    store = LineStore("one\ntwo\nthree")
    splice = store.reset("one\ntwo\nthree")
    assert (splice.first, splice.removed, splice.texts) == (2, 1, ["three"])


def test_a_ranged_change_drops_the_whole_text_held() -> None:
    store = LineStore("x\ny")
    store.reset("x\ny\nz")
    store.replace((0, 0), (0, 1), "w")  # the store no longer matches the whole text it held
    splice = store.reset("w\ny\nz!")
    assert (splice.first, splice.removed, splice.texts) == (2, 1, ["z!"])
    assert store.text() == "w\ny\nz!"


def test_the_first_difference_is_found_across_comparison_steps() -> None:
    old = "abcdefghij" * (3 * COMPARE_CHARACTERS // 10)
    for at in [
        0,
        1,
        COMPARE_CHARACTERS - 1,
        COMPARE_CHARACTERS,
        COMPARE_CHARACTERS + 1,
        len(old) - 1,
    ]:
        new = old[:at] + "#" + old[at + 1 :]
        assert common_prefix(old, new) == at
        assert common_suffix(old, new, len(old)) == len(old) - at - 1
        longer = old[:at] + "##" + old[at:]
        assert common_prefix(old, longer) == at
        assert common_suffix(old, longer, len(old) - at) == len(old) - at
    assert common_prefix(old, old) == common_suffix(old, old, len(old)) == len(old)


@settings(max_examples=300)
@given(whole_text_sessions())
def test_whole_texts_splice_only_the_edited_lines(session: tuple[str, list[Edit]]) -> None:
    check_line_store(session)


@slow_only
@settings(max_examples=20_000)
@given(whole_text_sessions())
def test_whole_texts_splice_only_the_edited_lines_long(session: tuple[str, list[Edit]]) -> None:
    check_line_store(session)


# -- a real server ----------------------------------------------------------------------------


def check_server(session: tuple[str, list[Edit]], search: Search, encoding: str) -> None:
    text, edits = session
    driver = InProcess(encoding)
    driver.command(
        "grepls.setPattern",
        {
            "pattern": search.pattern,
            "regex": search.regex,
            "caseSensitive": search.case_sensitive,
            "wholeWord": search.whole_word,
        },
    )
    edited, fresh = "file:///edited/doc.txt", "file:///fresh/doc.txt"
    driver.open(edited, text)
    model = text
    for version, (start, end, new_text) in enumerate(edits, start=2):
        model = model[:start] + new_text + model[end:]
        driver.change(edited, version, [{"text": model}])
        driver.open(fresh, model, version)
        assert driver.published(edited) == driver.published(fresh)
        held = driver.server.documents[edited].tracks
        for track in held.values():
            spans = [
                (n, s, n, e) for n in sorted(track.index.lines) for s, e in track.index.lines[n]
            ]
            assert spans == expected_matches(search, model, encoding)
        driver.close(fresh)


@settings(max_examples=100, deadline=None)
@given(whole_text_sessions(), searches(), st.sampled_from(ENCODINGS))
def test_whole_text_changes_publish_what_a_fresh_open_publishes(
    session: tuple[str, list[Edit]], search: Search, encoding: str
) -> None:
    check_server(session, search, encoding)

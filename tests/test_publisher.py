"""The publisher: document order, one render per changed line, result ids never reused, the cap.

Driven in-process along the production road (tests/inprocess.py).
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
from typing import Any

import pytest
from grepls.transport import input_poll, unread_bytes
from inprocess import InProcess

URI = "file:///published.txt"


def starts(diagnostics: list[dict[str, Any]]) -> list[tuple[int, int]]:
    return [(d["range"]["start"]["line"], d["range"]["start"]["character"]) for d in diagnostics]


def edit(line: int, column: int, text: str) -> dict[str, Any]:
    position = {"line": line, "character": column}
    return {"range": {"start": position, "end": position}, "text": text}


EXTRA_PATTERNS = [
    {"pattern": "O F", "id": "overlap"},
    {"pattern": "o", "caseSensitive": False, "id": "o", "severity": "hint"},
    {"pattern": "^\\w", "regex": True, "id": "first"},
]
"""Patterns the randomized tests add and remove: overlapping, case-insensitive, regex."""


def two_patterns(rng: Any, cap: int | None, lines: list[str]) -> InProcess:
    """A document of 120 random ``lines`` with the patterns ``FIX`` (added) and ``TODO`` (the
    search), at the cap ``cap``."""
    driver = InProcess(options={} if cap is None else {"maxMatchesPerDocument": cap})
    driver.open(URI, "".join(rng.choice(lines) for _ in range(120)))
    driver.command("grepls.addPattern", {"pattern": "FIX"})
    driver.command("grepls.setPattern", "TODO")
    return driver


def assert_published_as_rebuilt(driver: InProcess, version: int) -> None:
    """What was last published for the document is what composing it afresh gives."""
    from grepls.compose import Composition

    publisher = driver.server.publisher
    fresh = Composition().rows(driver.server.documents[URI], publisher.renderers, publisher.cap)
    assert driver.published(URI) == json.loads(b"[" + b",".join(fresh) + b"]"), version


def test_every_publish_is_in_document_order_after_edits_anywhere() -> None:
    driver = InProcess()
    driver.open(URI, "".join(f"{n} TODO\n" for n in range(50)))
    driver.command("grepls.setPattern", "TODO")
    driver.change(URI, 2, [edit(40, 0, "TODO ")])
    driver.change(URI, 3, [edit(3, 0, "new TODO line\n")])
    driver.change(URI, 4, [edit(45, 0, "x")])
    published = starts(driver.published(URI))
    assert published == sorted(published)
    assert len(published) == 52


def test_the_cap_keeps_the_first_matches_of_the_file() -> None:
    driver = InProcess(options={"maxMatchesPerDocument": 5})
    driver.open(URI, "TODO\n" * 20)
    driver.command("grepls.setPattern", "TODO")
    driver.change(URI, 2, [edit(15, 0, "TODO ")])  # a new match past the cap is not shown
    assert starts(driver.published(URI)) == [(n, 0) for n in range(5)]
    driver.change(URI, 3, [edit(0, 0, "TODO ")])  # one on line 0 is
    assert starts(driver.published(URI)) == [(0, 0), (0, 5), (1, 0), (2, 0), (3, 0)]


def test_a_line_moved_by_an_insertion_is_published_at_its_new_place() -> None:
    driver = InProcess()
    driver.open(URI, "a TODO\nb\nc TODO\n")
    driver.command("grepls.setPattern", "TODO")
    driver.change(URI, 2, [edit(1, 0, "\n\n")])
    assert starts(driver.published(URI)) == [(0, 2), (4, 2)]
    driver.change(URI, 3, [edit(0, 0, "\n")])
    assert starts(driver.published(URI)) == [(1, 2), (5, 2)]


def test_only_changed_documents_are_published() -> None:
    driver = InProcess()
    driver.open("file:///a", "TODO")
    driver.open("file:///b", "TODO")
    driver.command("grepls.setPattern", "TODO")
    before = len(driver.messages("textDocument/publishDiagnostics"))
    driver.change("file:///a", 2, [edit(0, 0, "x")])  # matches move: a is published
    driver.change("file:///a", 3, [edit(0, 6, "y")])  # no match changes: nothing
    published = driver.messages("textDocument/publishDiagnostics")[before:]
    assert [p["uri"] for p in published] == ["file:///a"]


def pull_driver() -> InProcess:
    return InProcess(
        capabilities={
            "textDocument": {"diagnostic": {}},
            "workspace": {"diagnostics": {"refreshSupport": True}},
        }
    )


def test_a_result_id_never_names_two_results_across_close_and_reopen() -> None:
    driver = pull_driver()
    driver.open(URI, "TODO")
    driver.command("grepls.setPattern", "TODO")
    uri = {"textDocument": {"uri": URI}}
    first = driver.request("textDocument/diagnostic", uri)
    assert first["kind"] == "full" and len(first["items"]) == 1
    driver.close(URI)
    driver.open(URI, "TODO TODO")
    again = driver.request(
        "textDocument/diagnostic", {**uri, "previousResultId": first["resultId"]}
    )
    assert again["kind"] == "full" and len(again["items"]) == 2
    assert again["resultId"] != first["resultId"]
    same = driver.request("textDocument/diagnostic", {**uri, "previousResultId": again["resultId"]})
    assert same == {"kind": "unchanged", "resultId": again["resultId"]}
    assert driver.messages("textDocument/publishDiagnostics") == []


def test_pull_clients_are_asked_to_refresh_when_the_pattern_changes() -> None:
    driver = pull_driver()
    driver.open(URI, "TODO")
    driver.command("grepls.setPattern", "TODO")
    refreshes = [m for m in driver.written if m.get("method") == "workspace/diagnostic/refresh"]
    assert len(refreshes) == 1


def test_highlights_are_answered_from_a_cache_until_the_matches_change() -> None:
    driver = InProcess()
    driver.open(URI, "TODO\nTODO\n")
    driver.command("grepls.setPattern", "TODO")
    where = {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}}
    first = driver.request("textDocument/documentHighlight", where)
    assert [h["range"]["start"]["line"] for h in first] == [0, 1]
    cached = driver.server.highlights.answer(
        driver.server.documents[URI], URI, driver.server.settings.max_matches_per_document
    )
    assert (
        driver.server.highlights.answer(
            driver.server.documents[URI], URI, driver.server.settings.max_matches_per_document
        )
        is cached
    )
    driver.change(URI, 2, [edit(0, 0, "TODO ")])
    changed = driver.request("textDocument/documentHighlight", where)
    assert [h["range"]["start"]["character"] for h in changed] == [0, 5, 0]


def test_a_closed_document_is_not_held_by_any_answer_cache() -> None:
    """Highlights and semantic tokens answered for a document keep nothing of it once closed: a
    100k-line file opened and closed all day must not stay in memory."""
    import gc

    from grepls.document import Document

    driver = InProcess(capabilities={"textDocument": {"semanticTokens": {"requests": {}}}})
    driver.command("grepls.setPattern", "TODO")
    for n in range(3):
        uri = f"file:///closed-{n}.txt"
        driver.open(uri, "TODO\nx TODO\n")
        where = {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}
        assert len(driver.request("textDocument/documentHighlight", where)) == 2
        tokens = driver.request("textDocument/semanticTokens/full", {"textDocument": {"uri": uri}})
        assert len(tokens["data"]) == 10
        driver.close(uri)
    gc.collect()
    held = [o.uri for o in gc.get_objects() if isinstance(o, Document)]
    assert held == []


@pytest.mark.parametrize("cap", [None, 1, 7, 40, 120])
def test_patching_a_composition_line_by_line_gives_what_a_rebuild_gives(cap: int | None) -> None:
    """With a cap too: past it, the patched rows are cut again at each pattern's cap."""
    import random

    rng = random.Random(7)
    driver = InProcess(options={} if cap is None else {"maxMatchesPerDocument": cap})
    driver.open(
        URI,
        "".join(
            rng.choice(["TODO x\n", "FIX y\n", "z\n", "TODO FIX\n", "TODO TODO TODO\n"])
            for _ in range(200)
        ),
    )
    driver.command("grepls.addPattern", {"pattern": "FIX"})
    driver.command("grepls.addPattern", {"pattern": "O F", "id": "overlap"})
    driver.command("grepls.setPattern", "TODO")
    for version in range(2, 200):
        line = rng.randrange(200)
        text = rng.choice(["TODO", "FIX", "x", "", "TODO FIX"])
        column = rng.randrange(3)
        if rng.random() < 0.1:
            text += "\n"  # lines move: the composition rebuilds
        driver.change(URI, version, [edit(line, column, text)])
        assert_published_as_rebuilt(driver, version)


@pytest.mark.parametrize("cap", [1, 3, 10, 33, 80, None])
def test_whole_lines_pasted_and_deleted_around_the_cut_publish_what_a_rebuild_gives(
    cap: int | None,
) -> None:
    """The editors' keystroke (a matching line pasted, then deleted) anywhere, above, at and
    below the line the cap falls inside: only the rows from the cut on are compared again."""
    import random

    rng = random.Random(23)
    driver = InProcess(options={} if cap is None else {"maxMatchesPerDocument": cap})
    kinds = ["TODO x\n", "FIX y\n", "z\n", "TODO FIX\n", "TODO TODO TODO\n", "\n"]
    driver.open(URI, "".join(rng.choice(kinds) for _ in range(150)))
    driver.command("grepls.addPattern", {"pattern": "FIX"})
    driver.command("grepls.setPattern", "TODO")
    length = 150
    for version in range(2, 400):
        # Mostly near the top, where a paste moves every shown match and the cut with them.
        line = rng.randrange(min(length, 40) if rng.random() < 0.6 else length)
        if rng.random() < 0.5 or length < 20:
            driver.change(URI, version, [edit(line, 0, rng.choice([*kinds[:5], "TODO\n"]))])
            length += 1
        else:
            gone = rng.choice([1, 1, 1, 2, 5])
            end = {"line": line + gone, "character": 0}
            removal = {"range": {"start": {"line": line, "character": 0}, "end": end}, "text": ""}
            driver.change(URI, version, [removal])
            length -= min(gone, length - line)
        if rng.random() < 0.05:  # a pattern added or dropped between keystrokes
            if "overlap" in driver.server.patterns.added:
                driver.command("grepls.removePattern", "overlap")
            else:
                driver.command("grepls.addPattern", {"pattern": "O F", "id": "overlap"})
        assert_published_as_rebuilt(driver, version)


def test_typing_over_and_under_the_cap_announces_it_once() -> None:
    driver = InProcess(options={"maxMatchesPerDocument": 3})
    driver.open(URI, "TODO\n" * 3 + "x\n")
    driver.command("grepls.setPattern", "TODO")
    removal = {
        "range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 4}},
        "text": "",
    }
    for version in range(2, 8, 2):
        driver.change(URI, version, [edit(3, 0, "TODO")])  # four matches: over the cap
        driver.change(URI, version + 1, [removal])  # three again
    notices = [m["message"] for m in driver.messages("window/showMessage")]
    assert sum("maxMatchesPerDocument" in n for n in notices) == 1
    driver.command("grepls.setPattern", "TODO")  # the same pattern: nothing new to tell
    driver.change(URI, 9, [edit(3, 0, "TODO")])
    notices = [m["message"] for m in driver.messages("window/showMessage")]
    assert sum("maxMatchesPerDocument" in n for n in notices) == 1
    driver.command("grepls.setPattern", "TOD")  # a new pattern: told again when over
    notices = [m["message"] for m in driver.messages("window/showMessage")]
    assert sum("maxMatchesPerDocument" in n for n in notices) == 2


def test_patterns_left_as_they_were_are_not_announced_over_the_cap_again() -> None:
    """A pattern added, a severity changed, the other patterns untouched: their documents over
    the cap are not told of again (each told is one more "Press ENTER" in Neovim); a new cap is."""
    x = {"pattern": "x", "id": "x"}
    driver = InProcess(options={"maxMatchesPerDocument": 2, "patterns": [x]})
    driver.open(URI, "x x x x\n")

    def told() -> int:
        notices = [m["message"] for m in driver.messages("window/showMessage")]
        return sum("maxMatchesPerDocument" in n for n in notices)

    assert told() == 1
    driver.command("grepls.addPattern", {"pattern": "nothing here", "id": "other"})
    settings = {"maxMatchesPerDocument": 2, "patterns": [x], "severity": "hint"}
    driver.notify("workspace/didChangeConfiguration", {"settings": {"grepls": settings}})
    assert [d["severity"] for d in driver.published(URI)] == [4, 4]
    assert told() == 1
    settings = {**settings, "patterns": [{**x, "severity": "error"}]}  # x itself changed
    driver.notify("workspace/didChangeConfiguration", {"settings": {"grepls": settings}})
    assert told() == 2
    settings = {**settings, "maxMatchesPerDocument": 3}  # a new cap
    driver.notify("workspace/didChangeConfiguration", {"settings": {"grepls": settings}})
    assert told() == 3


def test_patterns_over_the_cap_at_once_are_announced_in_one_message() -> None:
    # Neovim stops for "Press ENTER" at each message box: twenty patterns that cross the cap in
    # one keystroke must not make twenty, and the one they make must not grow with their number.
    driver = InProcess(options={"maxMatchesPerDocument": 3})
    words = [f"W{n}" for n in range(20)]
    driver.open(URI, (" ".join(words) + "\n") * 3 + "x\n")
    for word in words:
        driver.command("grepls.addPattern", {"pattern": word, "wholeWord": True})
    assert not driver.messages("window/showMessage")  # three each: at the cap, not over
    driver.change(URI, 2, [edit(3, 0, " ".join(words[:5]) + " ")])  # the first five go over
    (notice,) = [m["message"] for m in driver.messages("window/showMessage")]
    assert notice == (
        'grepls: 5 patterns have more than 3 matches in published.txt ("W0" (w), "W1" (w),'
        ' "W2" (w) and 2 more); showing the first 3 of each (setting grepls.maxMatchesPerDocument)'
    )
    driver.change(URI, 3, [edit(4, 0, " ".join(words) + "\n")])  # five again, and the rest
    notices = [m["message"] for m in driver.messages("window/showMessage")]
    assert notices[1:] == [
        'grepls: 15 patterns have more than 3 matches in published.txt ("W5" (w), "W6" (w), "W7"'
        " (w) and 12 more); showing the first 3 of each (setting grepls.maxMatchesPerDocument)"
    ]
    assert len(notices[1]) == len(notices[0]) + 2  # two digits more, and still three names
    driver.change(URI, 4, [edit(5, 0, "W19")])  # one more over: told already
    assert len(driver.messages("window/showMessage")) == 2


@pytest.mark.parametrize("cap", [None, 2, 25, 90])
def test_patterns_added_and_removed_between_edits_publish_what_a_rebuild_gives(
    cap: int | None,
) -> None:
    import random

    rng = random.Random(11)
    driver = two_patterns(rng, cap, ["TODO x\n", "FIX y\n", "z\n", "TODO FIX\n"])
    extras = EXTRA_PATTERNS
    for version in range(2, 160):
        roll = rng.random()
        if roll < 0.15:
            driver.command("grepls.addPattern", rng.choice(extras))
        elif roll < 0.25:
            added = [e["id"] for e in extras if e["id"] in driver.server.patterns.added]
            if added:
                driver.command("grepls.removePattern", rng.choice(added))
        elif roll < 0.3:
            driver.command("grepls.setPattern", rng.choice(["TODO", "x", "T"]))
        line = rng.randrange(100)
        text = rng.choice(["TODO", "FIX", "x", "", "TODO FIX", "\n", "a\nb TODO\n"])
        if rng.random() < 0.3:  # a deletion across lines
            end = {"line": line + rng.randrange(3), "character": 0}
            change = {"range": {"start": {"line": line, "character": 0}, "end": end}, "text": text}
        else:
            change = edit(line, rng.randrange(3), text)
        driver.change(URI, version, [change])
        assert_published_as_rebuilt(driver, version)


@pytest.mark.parametrize("cap", [None, 3, 25, 90])
def test_patterns_added_and_removed_with_no_edit_between_publish_what_a_rebuild_gives(
    cap: int | None,
) -> None:
    """A pattern change with nothing edited since the last publish merges only the new
    pattern's cells (cut at its cap) and drops the removed one's: checked after every step,
    several changes in a row, patterns over the cap among them."""
    import random

    rng = random.Random(5)
    driver = two_patterns(rng, cap, ["TODO x\n", "FIX y\n", "z\n", "TODO FIX o\n"])
    extras = [*EXTRA_PATTERNS, {"pattern": "x", "wholeWord": True, "id": "x"}]
    for version in range(2, 120):
        roll = rng.random()
        if roll < 0.4:
            driver.command("grepls.addPattern", rng.choice(extras))
        elif roll < 0.75:
            added = [e["id"] for e in extras if e["id"] in driver.server.patterns.added]
            if added:
                driver.command("grepls.removePattern", rng.choice(added))
        elif roll < 0.8:
            driver.command("grepls.setPattern", rng.choice(["TODO", "x", "T"]))
        else:
            driver.change(URI, version, [edit(rng.randrange(100), 0, rng.choice(["TODO", "\n"]))])
        assert_published_as_rebuilt(driver, version)


def test_a_pattern_added_keeps_the_renderers_of_the_others() -> None:
    driver = InProcess()
    driver.open(URI, "TODO FIX\n" * 10)
    driver.command("grepls.addPattern", {"pattern": "FIX"})
    driver.command("grepls.setPattern", "TODO")
    before = dict(driver.server.publisher.renderers)
    driver.command("grepls.addPattern", {"pattern": "X", "id": "x"})
    after = driver.server.publisher.renderers
    assert after["FIX"] is before["FIX"] and after["search"] is before["search"]
    assert len(driver.published(URI)) == 30
    driver.command("grepls.removePattern", "x")
    assert driver.server.publisher.renderers["FIX"] is before["FIX"]
    assert len(driver.published(URI)) == 20


def test_a_line_inserted_above_every_match_moves_them_all() -> None:
    driver = InProcess()
    driver.open(URI, "a TODO FIX\n" * 30)
    driver.command("grepls.addPattern", {"pattern": "FIX"})
    driver.command("grepls.setPattern", "TODO")
    driver.change(URI, 2, [edit(0, 0, "new\n")])
    published = starts(driver.published(URI))
    assert published == [(line, column) for line in range(1, 31) for column in (2, 7)]
    removal = {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}}}
    driver.change(URI, 3, [{**removal, "text": ""}])
    assert starts(driver.published(URI)) == [(n, c) for n in range(29) for c in (2, 7)]


def test_a_pattern_change_pushes_each_document_once_as_soon_as_it_is_searched() -> None:
    """Each document's publish is written before the next document is searched for the new
    pattern (the client reads one while the next is searched), and only once."""
    driver = InProcess()
    uris = [f"file:///d{n}.txt" for n in range(3)]
    for uri in uris:
        driver.open(uri, "TODO FIX\n" * 5)
    driver.command("grepls.setPattern", "TODO")
    documents = driver.server.documents
    searched_when_published: list[tuple[str, list[bool]]] = []
    record = driver.write_message

    def write_message(parts: Any, ahead: bool = False) -> None:
        record(parts, ahead)
        message = driver.written[-1]
        if message.get("method") == "textDocument/publishDiagnostics":
            searched = ["FIX" in documents[uri].tracks for uri in uris]
            searched_when_published.append((message["params"]["uri"], searched))

    driver.server.endpoint.writer = type(
        "Writer", (), {"write_message": staticmethod(write_message)}
    )()
    driver.command("grepls.addPattern", {"pattern": "FIX"})
    assert searched_when_published == [
        (uris[0], [True, False, False]),
        (uris[1], [True, True, False]),
        (uris[2], [True, True, True]),
    ]
    assert all(len(driver.published(uri)) == 10 for uri in uris)


@pytest.mark.parametrize("cap", [4, 6, 9])
def test_patterns_under_their_cap_beside_one_far_over_it_publish_what_a_rebuild_gives(
    cap: int,
) -> None:
    """Twenty patterns' case in small: one pattern always past its cap, so every keystroke cuts
    again — but only the patterns cut before or over their cap now are compared; the others,
    shown whole, keep their patched rows. Typing takes those over their cap and back."""
    import random

    rng = random.Random(31)
    driver = InProcess(options={"maxMatchesPerDocument": cap})
    kinds = ["TODO x\n", "FIX y\n", "z o o\n", "y\n", "\n", "w\n"]
    driver.open(URI, "".join(rng.choice(kinds) for _ in range(40)))
    driver.command("grepls.addPattern", {"pattern": "o", "caseSensitive": False, "id": "o"})
    driver.command("grepls.addPattern", {"pattern": "FIX"})
    driver.command("grepls.addPattern", {"pattern": "O F", "id": "overlap"})
    driver.command("grepls.setPattern", "TODO")
    length = 40
    for version in range(2, 300):
        line = rng.randrange(length)
        roll = rng.random()
        if roll < 0.4:
            driver.change(URI, version, [edit(line, 0, rng.choice(["TODO ", "FIX ", "x"]))])
        elif roll < 0.6:
            driver.change(URI, version, [edit(line, 0, rng.choice(["TODO FIX\n", "FIX\n"]))])
            length += 1
        elif length > 30:
            end = {"line": line + 1, "character": 0}
            removal = {"range": {"start": {"line": line, "character": 0}, "end": end}, "text": ""}
            driver.change(URI, version, [removal])
            length -= 1
        assert_published_as_rebuilt(driver, version)


def _closed_files_to_show(
    tmp_path: Any, count: int, open_text: str | None = None
) -> tuple[InProcess, list[Any]]:
    """A server with the workspace scope over ``count`` files matching ``TODO`` (not searched
    yet), and the document ``URI`` open with ``open_text`` if given, ``TODO`` set."""
    paths = []
    for number in range(count):
        path = tmp_path / f"closed{number}.txt"
        path.write_text(f"line {number}\nTODO closed {number}\n")
        paths.append(path)
    driver = InProcess(options={"scope": "workspace"})
    driver.server.workspace.set_folders([str(tmp_path)])
    if open_text is not None:
        driver.open(URI, open_text)
    driver.command("grepls.setPattern", "TODO")
    return driver, paths


def test_a_flush_with_a_budget_shows_open_documents_first_then_closed_files_a_few_at_a_time(
    tmp_path: Any,
) -> None:
    """A scan stores files by the hundred; showing them all at once kept a keystroke typed
    meanwhile waiting. With a budget, a flush shows every open document first, then closed
    files until the budget is spent — always one, so flushing again comes to an end — and
    leaves the rest, in order, for the next flush."""
    driver, paths = _closed_files_to_show(tmp_path, 4, open_text="TODO open\n")
    server = driver.server
    workspace = server.workspace
    # The files searched one by one (as a saved file is), and a keystroke in the open document,
    # all received before anything is shown.
    for path in paths:
        workspace.store.research(str(path), workspace.matchers, 100, 1_000_000)
    edit_body = {
        "jsonrpc": "2.0",
        "method": "textDocument/didChange",
        "params": {
            "textDocument": {"uri": URI, "version": 2},
            "contentChanges": [edit(0, 0, "x")],
        },
    }
    server.endpoint.receive(json.dumps(edit_body).encode())
    before = len(driver.written)

    shown: list[list[str]] = []
    complete = False
    for _ in range(len(paths) + 1):
        start = len(driver.written)
        complete = server.after_batch(budget=0)
        shown.append(
            [p["uri"] for p in driver.messages_since(start, "textDocument/publishDiagnostics")]
        )
        if complete:
            break
    closed_uris = [path.as_uri() for path in paths]
    assert shown[0] == [URI, closed_uris[0]]  # the open document first, then one closed file
    assert shown[1:] == [[uri] for uri in closed_uris[1:]]
    assert complete
    assert len(driver.written) - before == 1 + len(paths)
    assert server.after_batch(budget=0)  # nothing left: complete at once


def test_a_flush_with_a_budget_stops_at_one_closed_file_once_the_editor_has_sent_something(
    tmp_path: Any,
) -> None:
    """A keystroke that arrives while a flush shows closed files waits for every publish sent
    before it is read: once the transport's input holds something unread, a flush with a
    budget shows one closed file and leaves the rest for later, budget or not."""
    driver, paths = _closed_files_to_show(tmp_path, 3)
    server = driver.server
    workspace = server.workspace
    read_end, write_end = os.pipe()
    try:
        server.endpoint.input_waiting = input_poll(read_end)
        for path in paths:
            workspace.store.research(str(path), workspace.matchers, 100, 1_000_000)
        os.write(write_end, b"C")  # the editor's next message, not read yet
        start = len(driver.written)
        assert not server.after_batch(budget=60.0)
        first = driver.messages_since(start, "textDocument/publishDiagnostics")
        assert [p["uri"] for p in first] == [paths[0].as_uri()]

        os.read(read_end, 1)  # read: nothing waits any more
        start = len(driver.written)
        assert server.after_batch(budget=60.0)
        rest = driver.messages_since(start, "textDocument/publishDiagnostics")
        assert [p["uri"] for p in rest] == [path.as_uri() for path in paths[1:]]
    finally:
        os.close(read_end)
        os.close(write_end)


def test_the_input_poll_sees_unread_bytes_on_a_pipe_and_on_a_socket() -> None:
    """What the transports give the endpoint as ``input_waiting``: true exactly while bytes
    wait unread (stdio's pipe; a TCP or WebSocket connection's socket)."""
    read_end, write_end = os.pipe()
    left, right = socket.socketpair()
    try:
        for waiting, send, receive in (
            (input_poll(read_end), lambda: os.write(write_end, b"x"), lambda: os.read(read_end, 1)),
            (input_poll(right.fileno()), lambda: left.send(b"x"), lambda: right.recv(1)),
        ):
            assert not waiting()
            send()
            assert waiting()
            receive()
            assert not waiting()
    finally:
        for fd in (read_end, write_end):
            os.close(fd)
        left.close()
        right.close()


def test_unread_bytes_counts_what_the_reader_has_not_taken_from_a_pipe_or_a_socket() -> None:
    """What stdio gives the endpoint as ``output_backlog``: on a pipe (most editors) and on a
    socket pair (libuv's stdio, so Neovim's), the bytes written and not yet read; 0 once read,
    and 0 always where it cannot be told (a regular file)."""
    read_end, write_end = os.pipe()
    left, right = socket.socketpair()
    try:
        with (
            os.fdopen(write_end, "wb", buffering=0, closefd=False) as pipe_out,
            left.makefile("wb", buffering=0) as socket_out,
        ):
            for stream, send, receive in (
                (
                    pipe_out,
                    lambda: os.write(write_end, b"x" * 5000),
                    lambda: os.read(read_end, 5000),
                ),
                (socket_out, lambda: left.sendall(b"x" * 5000), lambda: right.recv(5000)),
            ):
                unread = unread_bytes(stream)
                assert unread() == 0
                send()
                assert unread() >= 5000  # a socket counts its buffers' size, not only the bytes
                received = receive()
                assert len(received) == 5000
                assert unread() == 0
    finally:
        for fd in (read_end, write_end):
            os.close(fd)
        left.close()
        right.close()
    with tempfile.TemporaryFile() as regular:
        regular.write(b"x" * 5000)
        assert unread_bytes(regular)() == 0

"""The grep coroutine's lifecycle: one live coroutine per open document, closed when it ends."""

from __future__ import annotations

from inspect import GEN_CLOSED, GEN_SUSPENDED, getgeneratorstate
from typing import Any

from grepls.coroutine import grep
from grepls.index import MatchIndex
from grepls.lines import LineStore, Splice
from grepls.matcher import Matcher
from grepls.pattern import PatternSpec
from grepls.server import Server
from inprocess import InProcess


def test_the_coroutine_is_primed_fed_and_closed() -> None:
    index = MatchIndex()
    coroutine = grep(Matcher(PatternSpec("TODO")), index, 100)
    assert getgeneratorstate(coroutine) == GEN_SUSPENDED  # primed: waiting at its (yield)
    coroutine.send(Splice(0, 0, ["a TODO", "b"]))
    assert index.lines == {0: [(2, 6)]}
    coroutine.send(Splice(1, 1, ["TODO b"]))
    assert index.lines == {0: [(2, 6)], 1: [(0, 4)]}
    coroutine.close()
    assert getgeneratorstate(coroutine) == GEN_CLOSED
    assert index.lines == {} and index.count == 0  # it released what it held


def test_inserted_lines_shift_the_matches_below_without_rescanning_them() -> None:
    store = LineStore("x\nTODO\n" + "y\n" * 100 + "TODO")
    index = MatchIndex()
    coroutine = grep(Matcher(PatternSpec("TODO")), index, 100)
    coroutine.send(Splice(0, 0, store.texts))
    assert sorted(index.lines) == [1, 102]
    splice = store.replace((0, 1), (0, 1), "\n\n")
    assert splice.texts == ["x", "", ""]  # only the edited line went to the coroutine
    coroutine.send(splice)
    assert sorted(index.lines) == [3, 104]


def lifecycle(server: Server) -> dict[str, str]:
    return {
        uri: getgeneratorstate(track.grep)
        for uri, doc in server.documents.items()
        for track in doc.tracks.values()
        if track.grep
    }


def test_one_live_coroutine_per_open_document_closed_on_close_and_pattern_change() -> None:
    driver = InProcess()
    server = driver.server
    driver.open("file:///a", "TODO")
    driver.open("file:///b", "x")
    assert lifecycle(server) == {}  # no pattern yet, no coroutines
    driver.command("grepls.setPattern", "TODO")
    first = {uri: doc.tracks["search"].grep for uri, doc in server.documents.items()}
    assert lifecycle(server) == {"file:///a": GEN_SUSPENDED, "file:///b": GEN_SUSPENDED}

    driver.command("grepls.setPattern", "x")
    assert all(getgeneratorstate(old) == GEN_CLOSED for old in first.values())  # type: ignore[arg-type]
    assert lifecycle(server) == {"file:///a": GEN_SUSPENDED, "file:///b": GEN_SUSPENDED}
    assert server.documents["file:///b"].tracks["search"].index.count == 1

    closing = server.documents["file:///a"].tracks["search"].grep
    driver.close("file:///a")
    assert getgeneratorstate(closing) == GEN_CLOSED  # type: ignore[arg-type]
    assert lifecycle(server) == {"file:///b": GEN_SUSPENDED}

    last = server.documents["file:///b"].tracks["search"].grep
    driver.command("grepls.clearPattern")
    assert getgeneratorstate(last) == GEN_CLOSED  # type: ignore[arg-type]
    assert lifecycle(server) == {}


def states(document: Any) -> dict[str, str]:
    return {key: getgeneratorstate(track.grep) for key, track in document.tracks.items()}  # type: ignore[arg-type]


def test_broadcast_feeds_one_coroutine_per_pattern_through_add_replace_remove_and_clear() -> None:
    driver = InProcess()
    driver.open("file:///a", "TODO FIXME")
    document = driver.server.documents["file:///a"]
    driver.command("grepls.addPattern", {"pattern": "TODO"})
    todo = document.tracks["TODO"].grep
    driver.command("grepls.addPattern", {"pattern": "FIXME"})
    assert states(document) == {"TODO": GEN_SUSPENDED, "FIXME": GEN_SUSPENDED}
    assert document.tracks["TODO"].grep is todo  # adding a pattern leaves the others running
    fanout = document._fanout
    assert fanout is not None and getgeneratorstate(fanout) == GEN_SUSPENDED

    driver.command("grepls.addPattern", {"pattern": "TOD", "id": "TODO"})  # replace
    assert getgeneratorstate(todo) == GEN_CLOSED  # type: ignore[arg-type]
    assert getgeneratorstate(fanout) == GEN_CLOSED
    assert states(document) == {"TODO": GEN_SUSPENDED, "FIXME": GEN_SUSPENDED}
    driver.change("file:///a", 2, [{"text": "TOD FIXME TOD"}])  # one splice reaches both
    assert document.tracks["TODO"].index.count == 2
    assert document.tracks["FIXME"].index.count == 1

    fixme = document.tracks["FIXME"].grep
    driver.command("grepls.removePattern", "FIXME")
    assert getgeneratorstate(fixme) == GEN_CLOSED  # type: ignore[arg-type]
    assert list(states(document)) == ["TODO"]

    last = document.tracks["TODO"].grep
    driver.command("grepls.removePattern", "TODO")
    assert getgeneratorstate(last) == GEN_CLOSED  # type: ignore[arg-type]
    assert document.tracks == {} and document._fanout is None

"""Settings applied as a diff: several changes in one update all take effect, with one rebind.

Driven in-process along the production road (tests/inprocess.py), with a spy counting the grep
coroutines started: a rebind of the open document starts one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grepls.document
import pytest
from inprocess import InProcess

URI = "file:///settings.txt"
TEXT = "TODO x\n" * 20  # 20 matches of TODO, 20 of x


def driver_with_spy(
    options: dict[str, Any], configuration: bool = False
) -> tuple[InProcess, list[int]]:
    """A driver with one open document, and a list that grows by one for every grep coroutine
    started from then on (a rebind of the document starts one)."""
    driver = InProcess(
        options=options, capabilities={"workspace": {"configuration": configuration}}
    )
    driver.open(URI, TEXT)
    started: list[int] = []
    real = grepls.document.grep

    def counted(*arguments: Any) -> Any:
        started.append(1)
        return real(*arguments)

    grepls.document.grep = counted  # type: ignore[assignment]
    return driver, started


@pytest.fixture(autouse=True)
def restore_grep() -> Iterator[None]:
    real = grepls.document.grep
    yield
    grepls.document.grep = real


def shown(driver: InProcess) -> tuple[int, set[int], set[str]]:
    diagnostics = driver.published(URI)
    return (
        len(diagnostics),
        {d["severity"] for d in diagnostics},
        {d["message"] for d in diagnostics},
    )


UPDATES = [
    # (before, update, matches shown, severity, message)
    (
        {"pattern": "TODO", "maxMatchesPerDocument": 3},
        {"pattern": "TODO", "maxMatchesPerDocument": 10, "severity": "warning"},
        10,
        2,
        'matches "TODO"',
    ),
    (
        {"pattern": "TODO", "maxMatchesPerDocument": 3},
        {"pattern": "x", "maxMatchesPerDocument": 12},
        12,
        3,
        'matches "x"',
    ),
    ({"pattern": "TODO"}, {"pattern": "x", "severity": "error"}, 20, 1, 'matches "x"'),
    (
        {"pattern": "TODO", "maxMatchesPerDocument": 5, "severity": "hint"},
        {"pattern": "x", "maxMatchesPerDocument": 7, "severity": "error"},
        7,
        1,
        'matches "x"',
    ),
]


@pytest.mark.parametrize(("before", "update", "count", "severity", "message"), UPDATES)
def test_one_push_update_changing_several_settings_applies_all_with_one_rebind(
    before: dict[str, Any], update: dict[str, Any], count: int, severity: int, message: str
) -> None:
    driver, rebinds = driver_with_spy(before)
    rebinds.clear()
    driver.notify("workspace/didChangeConfiguration", {"settings": {"grepls": update}})
    assert shown(driver) == (count, {severity}, {message})
    assert len(rebinds) == 1


@pytest.mark.parametrize(("before", "update", "count", "severity", "message"), UPDATES)
def test_the_same_updates_through_workspace_configuration(
    before: dict[str, Any], update: dict[str, Any], count: int, severity: int, message: str
) -> None:
    driver, rebinds = driver_with_spy(before, configuration=True)
    rebinds.clear()
    driver.notify("workspace/didChangeConfiguration", {"settings": None})
    asked = [m for m in driver.written if m.get("method") == "workspace/configuration"]
    assert len(asked) == 2  # at initialized (left unanswered: the options stand), and now
    driver.send({"id": asked[-1]["id"], "result": [update]})
    assert shown(driver) == (count, {severity}, {message})
    assert len(rebinds) == 1


def test_a_severity_change_alone_re_renders_without_rebinding() -> None:
    driver, rebinds = driver_with_spy({"pattern": "TODO"})
    rebinds.clear()
    driver.notify(
        "workspace/didChangeConfiguration",
        {"settings": {"grepls": {"pattern": "TODO", "severity": "hint"}}},
    )
    assert shown(driver) == (20, {4}, {'matches "TODO"'})
    assert rebinds == []


def test_a_bad_pattern_in_an_update_keeps_the_old_one_and_applies_the_rest() -> None:
    driver, _ = driver_with_spy({"pattern": "TODO", "maxMatchesPerDocument": 3})
    driver.notify(
        "workspace/didChangeConfiguration",
        {"settings": {"grepls": {"pattern": "(", "regex": True, "maxMatchesPerDocument": 5}}},
    )
    assert shown(driver) == (5, {3}, {'matches "TODO"'})
    warnings = [m["message"] for m in driver.messages("window/showMessage")]
    assert any("grepls.pattern ignored" in w and "invalid regex" in w for w in warnings)


def test_a_bad_value_is_reported_once_while_it_stays() -> None:
    driver, _ = driver_with_spy({"severity": "loud"})
    for _ in range(3):
        driver.notify(
            "workspace/didChangeConfiguration", {"settings": {"grepls": {"severity": "loud"}}}
        )
    warnings = [m["message"] for m in driver.messages("window/showMessage")]
    assert sum("grepls.severity" in w for w in warnings) == 1


def test_confirm_replace_above_is_read_and_needs_no_rebind() -> None:
    driver, rebinds = driver_with_spy({"pattern": "TODO"})
    rebinds.clear()
    driver.notify(
        "workspace/didChangeConfiguration",
        {"settings": {"grepls": {"pattern": "TODO", "confirmReplaceAbove": 0}}},
    )
    assert driver.server.settings.confirm_replace_above == 0
    assert rebinds == []
    driver.notify(
        "workspace/didChangeConfiguration",
        {"settings": {"grepls": {"pattern": "TODO", "confirmReplaceAbove": -1}}},
    )
    assert driver.server.settings.confirm_replace_above == 100
    warnings = [m["message"] for m in driver.messages("window/showMessage")]
    assert any("grepls.confirmReplaceAbove must be a non-negative integer" in w for w in warnings)


def test_the_watcher_is_read_named_when_bad_and_a_change_needs_no_rebind() -> None:
    driver, rebinds = driver_with_spy({"pattern": "TODO"})
    rebinds.clear()
    driver.notify(
        "workspace/didChangeConfiguration",
        {"settings": {"grepls": {"pattern": "TODO", "watcher": "grepls"}}},
    )
    assert driver.server.settings.watcher == "grepls"
    assert rebinds == []
    driver.notify(
        "workspace/didChangeConfiguration",
        {"settings": {"grepls": {"pattern": "TODO", "watcher": "inotify"}}},
    )
    assert driver.server.settings.watcher == "editor"
    warnings = [m["message"] for m in driver.messages("window/showMessage")]
    assert any('grepls.watcher must be "editor" or "grepls"' in w for w in warnings)


def test_a_pushed_section_refines_the_initialization_options_key_by_key() -> None:
    """A client that cannot be asked (Vim with ALE: `initialization_options`, then `lsp_config`
    pushed) keeps what its initialization options set and its push does not name."""
    driver, _ = driver_with_spy(
        {"maxMatchesPerDocument": 3, "patterns": [{"pattern": "TODO", "id": "todo"}]}
    )
    assert shown(driver) == (3, {3}, {'matches "TODO"'})
    driver.notify(
        "workspace/didChangeConfiguration", {"settings": {"grepls": {"severity": "hint"}}}
    )
    assert shown(driver) == (3, {4}, {'matches "TODO"'})
    # An empty section: the initialization options alone.
    driver.notify("workspace/didChangeConfiguration", {"settings": {"grepls": None}})
    assert shown(driver) == (3, {3}, {'matches "TODO"'})


def test_a_bad_patterns_entry_is_named_whatever_is_wrong_with_it() -> None:
    driver, _ = driver_with_spy(
        {"patterns": [{"pattern": "TODO"}, {"pattern": "", "id": "empty"}, {"pattern": "x"}]}
    )
    warnings = [m["message"] for m in driver.messages("window/showMessage")]
    assert any(
        w.startswith("grepls.patterns[1] ('empty'): ") and "empty" in w and "skipped" in w
        for w in warnings
    ), warnings
    assert len(driver.published(URI)) == 40  # the other two apply


def test_a_patterns_entry_that_does_not_compile_is_told_once_while_it_stays() -> None:
    """Told at start; a pull that changes nothing, then one that adds a pattern, tell it no
    more."""
    bad = {"pattern": "(x", "regex": True, "id": "bad"}
    driver, _ = driver_with_spy({"patterns": [bad]}, configuration=True)
    for update in ({"patterns": [bad]}, {"patterns": [bad, {"pattern": "TODO"}]}):
        driver.notify("workspace/didChangeConfiguration", {"settings": None})
        asked = [m for m in driver.written if m.get("method") == "workspace/configuration"]
        driver.send({"id": asked[-1]["id"], "result": [update]})
    warnings = [m["message"] for m in driver.messages("window/showMessage")]
    assert sum("'bad'" in w for w in warnings) == 1, warnings
    assert len(driver.published(URI)) == 20

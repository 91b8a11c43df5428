"""Emacs (batch) with eglot and the README's highlight-only snippet: matches painted as overlays.

The snippet tells grepls that eglot pulls diagnostics, so grepls publishes nothing (flymake holds
nothing from it), and paints the lines in view from ``grepls.matchesInLines``. Batch Emacs's one
window shows the whole fixture, so every match is painted: the overlays are checked exactly, in
characters (the fixture's `é` and emoji before matches prove the UTF-16 conversion), after each
of the plan's edits and after clearing; then two kept patterns, each in its own face.
"""

from __future__ import annotations

import json
from pathlib import Path

from editors_fixture import Match
from editors_readme import snippet
from editors_run import check_phases, require_binary, run_driver, run_editor

DRIVER = Path(__file__).parent / "drivers" / "emacs.el"


def overlay_row(m: Match) -> dict[str, object]:
    return {
        "line": m.line,
        "col": m.col("char"),
        "end_line": m.line,
        "end_col": m.end_col("char"),
        "type": "grepls-search",
    }


def test_emacs_highlight_only_paints_sets_edits_and_clears(
    workdir: Path, env: dict[str, str], plan_file: Path
) -> None:
    emacs = require_binary("emacs")
    config = workdir / "grepls-config.el"
    config.write_text(
        snippet("emacs-config") + "\n" + snippet("emacs-highlight-only"), encoding="utf-8"
    )
    report = run_driver(
        [emacs, "--batch", "-q", "-l", str(config), "-l", str(DRIVER)],
        {**env, "GREPLS_DRIVER_CHANNEL": "highlight"},
        workdir,
        plan_file,
    )
    assert all(phase["flymake"] == 0 for phase in report["phases"]), report["phases"]
    check_phases(report, overlay_row)


def test_emacs_highlight_only_paints_two_kept_patterns_in_their_own_faces(
    workdir: Path, env: dict[str, str]
) -> None:
    emacs = require_binary("emacs")
    config = workdir / "grepls-config.el"
    config.write_text(
        snippet("emacs-config")
        + "\n"
        + snippet("emacs-patterns")
        + "\n"
        + snippet("emacs-highlight-only"),
        encoding="utf-8",
    )
    fixture = workdir / "project" / "sample.txt"
    fixture.write_text("a TODO here\nFIXME there, TODO\n", encoding="utf-8")
    out = workdir / "held.json"
    driver = Path(__file__).parent / "drivers" / "emacs_highlight_patterns.el"
    run = run_editor(
        [emacs, "--batch", "-q", "-l", str(config), "-l", str(driver)],
        {**env, "GREPLS_OUT": str(out), "GREPLS_FIXTURE": str(fixture)},
        workdir / "project",
    )
    assert out.exists(), f"Emacs wrote no report\n{run.describe()}"
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["ok"] and run.returncode == 0, f"{report}\n{run.describe()}"
    assert report["painted"] == [
        {"line": 0, "col": 2, "face": "grepls-pattern-1"},
        {"line": 1, "col": 0, "face": "grepls-pattern-2"},
        {"line": 1, "col": 13, "face": "grepls-pattern-1"},
    ]

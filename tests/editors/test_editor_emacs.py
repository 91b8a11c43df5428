"""Emacs (batch) with eglot and flymake, running the README's Emacs snippet against grepls.

Flymake holds diagnostics as buffer positions, which count characters; the fixture's `é` and
emoji (two UTF-16 units, one Emacs character) before matches prove eglot's column conversion.
"""

from __future__ import annotations

from pathlib import Path

from editors_fixture import matches, phases
from editors_readme import snippet
from editors_run import passing_report, require_binary, run_editor

DRIVER = Path(__file__).parent / "drivers" / "emacs.el"


def test_emacs_eglot_sets_edits_and_clears(
    workdir: Path, env: dict[str, str], plan_file: Path
) -> None:
    emacs = require_binary("emacs")
    config = workdir / "grepls-config.el"
    config.write_text(snippet("emacs-config"), encoding="utf-8")
    env["GREPLS_PLAN"] = str(plan_file)
    run = run_editor(
        # -q skips the user's init (HOME is empty anyway) but keeps the site start-up, which
        # is what puts Debian's elpa-eglot on the load path in a normal start.
        [emacs, "--batch", "-q", "-l", str(config), "-l", str(DRIVER)],
        env,
        workdir / "project",
    )
    report = passing_report(workdir / "report.json", run)

    recorded = {phase["name"]: phase for phase in report["phases"]}
    for name, lines in phases():
        phase = recorded[name]
        assert phase["lines"] == lines, f"{name}: the buffer is not what the edits should give"
        held = phase["diagnostics"]
        assert all('"TODO"' in d.pop("message") for d in held), f"{name}: {held}"
        assert held == [
            {"line": m.line, "col": m.col("char"), "end_line": m.line,
             "end_col": m.end_col("char"), "type": "eglot-note"}
            for m in matches(lines)
        ], name
    assert recorded["clear"]["diagnostics"] == []

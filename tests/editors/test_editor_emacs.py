"""Emacs (batch) with eglot and flymake, running the README's Emacs snippet against grepls.

Flymake holds diagnostics as buffer positions, which count characters; the fixture's `é` and
emoji (two UTF-16 units, one Emacs character) before matches prove eglot's column conversion.
"""

from __future__ import annotations

from pathlib import Path

from editors_fixture import Match
from editors_readme import snippet
from editors_run import check_phases, require_binary, run_driver

DRIVER = Path(__file__).parent / "drivers" / "emacs.el"


def flymake_row(m: Match) -> dict[str, object]:
    return {
        "line": m.line,
        "col": m.col("char"),
        "end_line": m.line,
        "end_col": m.end_col("char"),
        "type": "eglot-note",
    }


def test_emacs_eglot_sets_edits_and_clears(
    workdir: Path, env: dict[str, str], plan_file: Path
) -> None:
    emacs = require_binary("emacs")
    config = workdir / "grepls-config.el"
    config.write_text(snippet("emacs-config"), encoding="utf-8")
    report = run_driver(
        # -q skips the user's init (HOME is empty anyway) but keeps the site start-up, which
        # is what puts Debian's elpa-eglot on the load path in a normal start.
        [emacs, "--batch", "-q", "-l", str(config), "-l", str(DRIVER)],
        env,
        workdir,
        plan_file,
    )
    check_phases(report, flymake_row)

"""Vim with ALE, running the README's Vim snippet against grepls.

ALE copies an LSP diagnostic's `character` into the loclist's `col` (plus one) without turning
UTF-16 units into bytes, so the exact columns checked here are the UTF-16 ones the server sent;
on ASCII lines they are also the right byte columns. Lines, counts and ends are exact.
"""

from __future__ import annotations

from pathlib import Path

from editors_fixture import matches, phases
from editors_readme import snippet
from editors_run import passing_report, require_binary, run_editor

DRIVER = Path(__file__).parent / "drivers" / "vim.vim"


def test_vim_ale_sets_edits_and_clears(
    workdir: Path, env: dict[str, str], plan_file: Path
) -> None:
    vim = require_binary("vim")
    vimrc = workdir / "vimrc"
    vimrc.write_text(
        "set nocompatible encoding=utf-8\nfiletype plugin on\n" + snippet("vim-ale-config"),
        encoding="utf-8",
    )
    env["GREPLS_PLAN"] = str(plan_file)
    fixture = workdir / "project" / "sample.txt"
    run = run_editor(
        [vim, "-N", "-n", "-i", "NONE", "-u", str(vimrc), "-es", "-S", str(DRIVER),
         str(fixture)],
        env,
        workdir / "project",
    )
    report = passing_report(workdir / "report.json", run)
    assert report["filetype"] == "text"

    recorded = {phase["name"]: phase for phase in report["phases"]}
    for name, lines in phases():
        phase = recorded[name]
        assert phase["lines"] == lines, f"{name}: the buffer is not what the edits should give"
        held = phase["diagnostics"]
        assert all('"TODO"' in d.pop("text") for d in held), f"{name}: {held}"
        assert held == [
            {"lnum": m.line + 1, "col": m.col("utf-16") + 1, "end_lnum": m.line + 1,
             "end_col": m.end_col("utf-16"), "type": "W", "linter": "grepls"}
            for m in matches(lines)
        ], name
    assert recorded["clear"]["diagnostics"] == []

"""Vim with ALE, running the README's Vim snippet against grepls.

ALE copies an LSP diagnostic's `character` into the loclist's `col` (plus one) without turning
UTF-16 units into bytes, so the exact columns checked here are the UTF-16 ones the server sent;
on ASCII lines they are also the right byte columns. Lines, counts and ends are exact.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from editors_fixture import Match
from editors_readme import snippet
from editors_run import check_phases, require_binary, run_driver

DRIVER = Path(__file__).parent / "drivers" / "vim.vim"


def loclist_row(m: Match) -> dict[str, object]:
    return {
        "lnum": m.line + 1,
        "col": m.col("utf-16") + 1,
        "end_lnum": m.line + 1,
        "end_col": m.end_col("utf-16"),
        "type": "W",
        "linter": "grepls",
    }


def test_vim_ale_sets_edits_and_clears(workdir: Path, env: dict[str, str], plan_file: Path) -> None:
    vim = require_binary("vim")
    vimrc = workdir / "vimrc"
    vimrc.write_text(
        "set nocompatible encoding=utf-8\n" + snippet("vim-ale-config"),
        encoding="utf-8",
    )
    fixture = workdir / "project" / "sample.txt"
    report = run_driver(
        [vim, "-N", "-n", "-i", "NONE", "-u", str(vimrc), "-es", "-S", str(DRIVER), str(fixture)],
        env,
        workdir,
        plan_file,
    )
    assert report["filetype"] == "text"
    check_phases(report, loclist_row, text_key="text")


def test_vim_ale_says_which_filetypes_grepls_runs_on(workdir: Path, env: dict[str, str]) -> None:
    """On a buffer whose filetype ALE runs no grepls for, the command says so (ALE threw
    'Linter "grepls" not found!' at the user)."""
    vim = require_binary("vim")
    vimrc = workdir / "vimrc"
    vimrc.write_text("set nocompatible\n" + snippet("vim-ale-config"), encoding="utf-8")
    source = workdir / "project" / "tool.py"
    source.write_text("# TODO\n", encoding="utf-8")
    said = workdir / "said.txt"
    commands = ["Grepls TODO", f"redir! > {said}", "messages", "redir END", "qa!"]
    argv = [vim, "-N", "-n", "-i", "NONE", "-u", str(vimrc), "-es"]
    for command in commands:
        argv += ["-c", command]
    run = subprocess.run([*argv, str(source)], env=env, capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr
    messages = said.read_text(encoding="utf-8")
    assert (
        "grepls: ALE runs grepls on the filetypes in g:grepls_filetypes (text, markdown), "
        "not on python" in messages
    ), messages
    assert "E605" not in messages

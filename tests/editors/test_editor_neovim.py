"""Neovim, headless, running the README's Neovim snippets against the real grepls.

Debian ships Neovim 0.7.2, so the `start_client` config is the one driven end to end; the 0.11
`vim.lsp.config` snippet is only compiled (it needs APIs 0.7 lacks). Neovim holds diagnostics in
byte columns, so matches after `é` and an emoji prove the UTF-16 to byte conversion is exact.
"""

from __future__ import annotations

from pathlib import Path

from editors_fixture import Match, matches, phases
from editors_readme import snippet
from editors_run import check_phases, require_binary, run_driver, run_editor

DRIVER = Path(__file__).parent / "drivers" / "neovim.lua"


def diagnostic_row(m: Match) -> dict[str, object]:
    return {
        "line": m.line,
        "col": m.col("byte"),
        "end_line": m.line,
        "end_col": m.end_col("byte"),
        "source": "grepls",
        "severity": 3,
    }


def test_neovim_legacy_config_sets_edits_lists_highlights_and_clears(
    workdir: Path, env: dict[str, str], plan_file: Path
) -> None:
    nvim = require_binary("nvim")
    init = workdir / "init.lua"
    init.write_text(
        snippet("nvim-config-legacy") + "\n" + snippet("nvim-commands"), encoding="utf-8"
    )
    fixture = workdir / "project" / "sample.txt"
    report = run_driver(
        [
            nvim,
            "--headless",
            "-n",
            "-i",
            "NONE",
            "-u",
            str(init),
            str(fixture),
            "-c",
            f"luafile {DRIVER}",
        ],
        env,
        workdir,
        plan_file,
    )
    assert report["filetype"] == "text"
    check_phases(report, diagnostic_row)

    final_lines = phases()[-1][1]
    final = matches(final_lines)
    assert report["quickfix"] == [
        {"lnum": m.line + 1, "col": m.col("byte") + 1, "text": final_lines[m.line]} for m in final
    ]
    assert report["highlights"] == [
        {"line": m.line, "col": m.col("byte"), "end_col": m.end_col("byte")} for m in final
    ]


def test_neovim_011_snippet_compiles(workdir: Path, env: dict[str, str]) -> None:
    nvim = require_binary("nvim")
    source = workdir / "config011.lua"
    source.write_text(snippet("nvim-config-0.11"), encoding="utf-8")
    check = workdir / "check.lua"
    check.write_text(
        "local chunk, err = loadfile(" + repr(str(source)) + ")\n"
        "if not chunk then io.stderr:write(err) vim.cmd('cquit!') end\n"
        "vim.cmd('qa!')\n",
        encoding="utf-8",
    )
    run = run_editor(
        [nvim, "--headless", "-n", "-i", "NONE", "-u", "NONE", "-c", f"luafile {check}"],
        env,
        workdir,
    )
    assert run.returncode == 0, run.describe()
    text = source.read_text(encoding="utf-8")
    assert "vim.lsp.config('grepls'" in text and "vim.lsp.enable('grepls')" in text
    assert "cmd = { 'grepls' }" in text

"""Replace in real editors: the README's Neovim and Emacs replace snippets against grepls.

Each editor sets the pattern, replaces every match with the README's command, undoes it, then runs
the code actions *Replace this match…* (on a match after an emoji) and *Replace all N matches in
this file…*, answering their prompt as a user would. The buffer's text after each step is what the
editor itself holds; the expected texts are computed here with ``str.replace``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from conftest import DRIVER_WAIT_MS
from editors_fixture import FIXTURE, PATTERN, fixture_lines, matches
from editors_readme import snippet
from editors_run import require_binary, run_driver, run_editor

DRIVERS = Path(__file__).parent / "drivers"
REPLACEMENT = "DONE ✓"


def replace_plan(workdir: Path) -> tuple[Path, dict[str, Any]]:
    """Copy the fixture into the project; write the plan the drivers follow."""
    shutil.copyfile(FIXTURE, workdir / "project" / FIXTURE.name)
    lines = fixture_lines()
    found = matches(lines)
    one = next(m for m in found if "🙂" in m.start)  # after an astral character
    every = found[-1]  # the second of two on one line
    after_one = list(lines)
    after_one[one.line] = one.start + "ONE" + lines[one.line][len(one.start) + len(PATTERN) :]
    plan = {
        "fixture": str(workdir / "project" / FIXTURE.name),
        "pattern": PATTERN,
        "count": len(found),
        "replacement": REPLACEMENT,
        "action": {
            "line": one.line,
            "byte_col": one.col("byte"),
            "char_col": one.col("char"),
            "one": "ONE",
            "all_line": every.line,
            "all_byte_col": every.col("byte"),
            "all_char_col": every.col("char"),
            "all": "ALL",
        },
        "expected": {
            "replaced": [line.replace(PATTERN, REPLACEMENT) for line in lines],
            "undone": lines,
            "one": after_one,
            "all": [line.replace(PATTERN, "ALL") for line in after_one],
        },
        "wait_ms": DRIVER_WAIT_MS,
        "out": str(workdir / "report.json"),
    }
    path = workdir / "replace-plan.json"
    path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    return path, plan


def check(report: dict[str, Any], plan: dict[str, Any]) -> None:
    phases = {phase["name"]: phase["lines"] for phase in report["phases"]}
    assert phases["set"] == plan["expected"]["undone"]
    for name in ("replaced", "undone", "one", "all"):
        assert phases[name] == plan["expected"][name], name
    assert len(report["prompts"]) == 2
    assert all('"TODO"' in prompt for prompt in report["prompts"]), report["prompts"]


def test_neovim_replaces_undoes_and_answers_the_code_action_prompts(
    workdir: Path, env: dict[str, str]
) -> None:
    nvim = require_binary("nvim")
    init = workdir / "init.lua"
    init.write_text(
        "\n".join(snippet(name) for name in ("nvim-config-legacy", "nvim-commands")),
        encoding="utf-8",
    )
    plan_file, plan = replace_plan(workdir)
    driver = DRIVERS / "neovim_replace.lua"
    report = run_driver(
        [
            nvim,
            "--headless",
            "-n",
            "-i",
            "NONE",
            "-u",
            str(init),
            plan["fixture"],
            "-c",
            f"luafile {driver}",
        ],
        env,
        workdir,
        plan_file,
    )
    check(report, plan)


def test_emacs_replaces_undoes_and_answers_the_code_action_prompts(
    workdir: Path, env: dict[str, str]
) -> None:
    emacs = require_binary("emacs")
    config = workdir / "grepls-config.el"
    config.write_text(snippet("emacs-config"), encoding="utf-8")
    plan_file, plan = replace_plan(workdir)
    driver = DRIVERS / "emacs_replace.el"
    report = run_driver(
        [emacs, "--batch", "-q", "-l", str(config), "-l", str(driver)], env, workdir, plan_file
    )
    check(report, plan)
    # Eglot 1.9 (Emacs 28) asks before it applies any edit a server starts; 1.16 and newer only
    # for files no buffer visits, and every edit here is to an open buffer.
    asks = report["asks_for_visited_files"]
    assert bool(report["confirmations"]) == asks, f"eglot asked {report['confirmations']} times"


def ale_replace_vimrc(workdir: Path) -> Path:
    """A vimrc of the README's Vim + ALE config and its replace snippet."""
    vimrc = workdir / "vimrc"
    vimrc.write_text(
        "set nocompatible encoding=utf-8\nfiletype plugin on\n"
        + snippet("vim-ale-config")
        + snippet("vim-ale-replace"),
        encoding="utf-8",
    )
    return vimrc


def run_vim_ale_replace(
    workdir: Path, env: dict[str, str], plan_file: Path, plan: dict[str, Any]
) -> dict[str, Any]:
    """Vim + ALE with the README's config and replace snippet walks ``plan``; its report."""
    vim = require_binary("vim")
    vimrc = ale_replace_vimrc(workdir)
    driver = DRIVERS / "vim_replace.vim"
    argv = [vim, "-N", "-n", "-i", "NONE", "-u", str(vimrc), "-es", "-S", str(driver)]
    return run_driver([*argv, plan["fixture"]], env, workdir, plan_file)


def test_vim_ale_replaces_through_the_edit_grepls_answers_and_undoes(
    workdir: Path, env: dict[str, str]
) -> None:
    plan_file, plan = replace_plan(workdir)
    report = run_vim_ale_replace(workdir, env, plan_file, plan)
    phases = {phase["name"]: phase["lines"] for phase in report["phases"]}
    assert phases["set"] == plan["expected"]["undone"]
    assert phases["replaced"] == plan["expected"]["replaced"]
    assert phases["undone"] == plan["expected"]["undone"]
    count = plan["count"]
    assert f"grepls: {count} matches of '{PATTERN}'" in report["messages"]
    assert f"grepls: {count} replacements" in report["messages"]


def run_vim_ale_on_one_line(
    workdir: Path, env: dict[str, str], line: str, pattern: str, replacement: str, replaced: str
) -> dict[str, Any]:
    """Vim + ALE's replace of ``pattern``'s one match in a file of one ``line``, which should
    read ``replaced`` after it; its report."""
    fixture = workdir / "project" / "one.txt"
    fixture.write_text(line + "\n", encoding="utf-8")
    plan = {
        "fixture": str(fixture),
        "pattern": pattern,
        "count": 1,
        "replacement": replacement,
        "expected": {"replaced": [replaced]},
        "wait_ms": DRIVER_WAIT_MS,
        "out": str(workdir / "report.json"),
    }
    plan_file = workdir / "replace-plan.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    return run_vim_ale_replace(workdir, env, plan_file, plan)


def test_vim_ale_says_one_match_and_one_replacement_in_the_singular(
    workdir: Path, env: dict[str, str]
) -> None:
    """The README's Vim + ALE snippets say "1 match of" and "1 replacement"."""
    said = run_vim_ale_on_one_line(workdir, env, "a FIXME", "FIXME", "FIXED", "a FIXED")["messages"]
    assert "grepls: 1 match of 'FIXME'" in said and "grepls: 1 replacement\n" in said + "\n"
    assert "1 matches" not in said and "1 replacements" not in said


def test_vim_ale_replaces_after_a_combining_accent(workdir: Path, env: dict[str, str]) -> None:
    """The README's ALE replace turns UTF-16 columns into bytes code point by code point: 'é'
    written as e and a combining accent is two units (it counted one: 'é TDONEx')."""
    report = run_vim_ale_on_one_line(
        workdir, env, "e\u0301 TODO x", "TODO", "DONE", "e\u0301 DONE x"
    )
    assert {p["name"]: p["lines"] for p in report["phases"]}["replaced"] == ["e\u0301 DONE x"]


def test_vim_ale_replace_in_another_filetype_says_which_filetypes(
    workdir: Path, env: dict[str, str]
) -> None:
    """:GreplsReplace in a buffer ALE runs no grepls for: said, as the other commands say it
    (ALE's E605 'Linter "grepls" not found' before, with a Press ENTER)."""
    vim = require_binary("vim")
    vimrc = ale_replace_vimrc(workdir)
    fixture = workdir / "project" / "code.py"
    fixture.write_text("# TODO\n", encoding="utf-8")
    said = workdir / "said.txt"
    keep = f"call writefile(split(execute('messages'), '\\n'), '{said}')"
    argv = [vim, "-N", "-n", "-i", "NONE", "-u", str(vimrc), "-es"]
    argv += ["-c", "GreplsReplace DONE", "-c", keep, "-c", "qa!", str(fixture)]
    run = run_editor(argv, env, fixture.parent)
    lines = said.read_text(encoding="utf-8")
    assert "ALE runs grepls on the filetypes in g:grepls_filetypes" in lines, run.describe()
    assert "E605" not in lines + run.stderr

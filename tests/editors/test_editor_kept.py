"""Kept patterns across sessions, one file for three editors: patterns kept with `:GreplsAdd` in
the README's Neovim commands (wheel Neovim, 0.11 config) come back in the next session of grepls's
Vim plugin on the same project; what Vim drops there is gone from the Emacs session after it
(the README's config), which keeps another; and the last Neovim session has what both left. A
session writes only its own changes: what another session kept meanwhile stays. Each
session is a real editor started and quit on the project; the file is
``$XDG_STATE_HOME/grepls/kept-patterns.json`` of the test's own home."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from editors_readme import nvim_config_011, snippet
from editors_run import read_report, require_binary, run_editor
from test_editor_neovim import wheel_nvim
from test_editor_vim_plugin import run_plugin

DRIVERS = Path(__file__).parent / "drivers"
TEXT = "a TODO here\nFIXME now\n"


def walk(
    argv: list[str], workdir: Path, env: dict[str, str], fixture: Path, steps: list[dict[str, Any]]
) -> list[Any]:
    """An editor's driver walks ``steps`` on ``fixture``; what it saw at each wait."""
    out = workdir / "seen.json"
    out.unlink(missing_ok=True)
    steps_env = {"GREPLS_OUT": str(out), "GREPLS_FIXTURE": str(fixture)}
    run = run_editor(argv, {**env, **steps_env, "GREPLS_STEPS": json.dumps(steps)}, fixture.parent)
    report = read_report(out, run)
    assert report["ok"] and run.returncode == 0, f"{report}\n{run.describe()}"
    seen = report["seen"]
    assert isinstance(seen, list)
    return seen


def neovim_session(
    workdir: Path, env: dict[str, str], fixture: Path, steps: list[dict[str, Any]], extra: str = ""
) -> list[Any]:
    """Neovim with the README's 0.11 config and commands (and ``extra``) walks ``steps``."""
    init = workdir / "init.lua"
    init.write_text(
        "\n".join([nvim_config_011(), snippet("nvim-commands"), extra]), encoding="utf-8"
    )
    argv = [wheel_nvim(), "--headless", "-n", "-i", "NONE", "-u", str(init)]
    driver = DRIVERS / "neovim_kept.lua"
    return walk([*argv, "-c", f"luafile {driver}", str(fixture)], workdir, env, fixture, steps)


def held(env: dict[str, str]) -> Any:
    """The kept-patterns file of the test's home."""
    path = Path(env["XDG_STATE_HOME"]) / "grepls" / "kept-patterns.json"
    return json.loads(path.read_text(encoding="utf-8"))


def emacs_session(
    workdir: Path, env: dict[str, str], fixture: Path, steps: list[dict[str, Any]], extra: str = ""
) -> list[Any]:
    """Batch Emacs with the README's config (and ``extra``) walks ``steps``."""
    config = workdir / "grepls-config.el"
    config.write_text(snippet("emacs-config") + "\n" + extra, encoding="utf-8")
    driver = DRIVERS / "emacs_kept.el"
    argv = [require_binary("emacs"), "--batch", "-q", "-l", str(config), "-l", str(driver)]
    return walk(argv, workdir, env, fixture, steps)


def test_patterns_kept_in_one_editor_come_back_in_the_others(
    workdir: Path, env: dict[str, str]
) -> None:
    fixture = workdir / "project" / "kept.txt"
    fixture.write_text(TEXT, encoding="utf-8")
    commands = ["Grepls here", "GreplsAddRegex T.DO", "GreplsAdd FIXME"]
    first = neovim_session(
        workdir, env, fixture, [*({"run": command} for command in commands), {"wait": 3}]
    )
    assert first == [
        {
            "shown": [[0, 2, "T.DO"], [0, 7, "search"], [1, 0, "FIXME"]],
            "offered": ["T.DO", "FIXME", "search"],
        }
    ]
    assert held(env) == {
        str(fixture.parent): [{"pattern": "T.DO", "regex": True}, {"pattern": "FIXME"}]
    }

    # Vim on the same project: both back without a command. Meanwhile another editor's session
    # on the project keeps "now"; Vim drops T.DO, and "now" stays in the file.
    another = (
        "let g:file = $XDG_STATE_HOME . '/grepls/kept-patterns.json'"
        " | let g:held = json_decode(join(readfile(g:file)))"
        " | call add(g:held[getcwd()], {'pattern': 'now'})"
        " | call writefile([json_encode(g:held)], g:file)"
    )
    steps = [{"wait": 2}, {"run": another}, {"run": "GreplsRemove T.DO"}, {"wait": 1}]
    second = run_plugin(
        workdir, {**env, "GREPLS_STEPS": json.dumps(steps)}, "", "vim_grepls_kept.vim", fixture
    )["seen"]
    assert [seen["props"] for seen in second] == [
        [[1, 3, "GreplsPattern1"], [2, 1, "GreplsPattern2"]],
        [[2, 1, "GreplsPattern2"]],
    ]
    assert held(env) == {str(fixture.parent): [{"pattern": "FIXME"}, {"pattern": "now"}]}

    # Emacs on the same project: what is kept, back without a command; it keeps another.
    steps = [{"wait": 2}, {"run": '(grepls-add-pattern "here")'}, {"wait": 3}]
    third = emacs_session(workdir, env, fixture, steps)
    everything = [[0, 7, "here"], [1, 0, "FIXME"], [1, 6, "now"]]
    assert third == [
        {"shown": [[1, 0, "FIXME"], [1, 6, "now"]], "offered": ["FIXME", "now"]},
        {"shown": everything, "offered": ["FIXME", "now", "here"]},
    ]
    assert held(env) == {
        str(fixture.parent): [
            {"pattern": "FIXME"},
            {"pattern": "now"},
            {"pattern": "here", "regex": False},
        ]
    }

    # Neovim again: all three.
    fourth = neovim_session(workdir, env, fixture, [{"wait": 3}])
    assert fourth == [{"shown": everything, "offered": ["FIXME", "now", "here"]}]
    # vim.g.grepls_keep_patterns = false: the session's own patterns only.
    off = neovim_session(workdir, env, fixture, [{"wait": 0}], "vim.g.grepls_keep_patterns = false")
    assert off == [{"shown": [], "offered": []}]
    off = emacs_session(workdir, env, fixture, [{"wait": 0}], "(setq grepls-keep-patterns nil)")
    assert off == [{"shown": [], "offered": []}]

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

import pytest
from editors_readme import nvim_config_011, snippet
from editors_run import read_report, require_binary, run_editor
from test_editor_neovim import wheel_nvim
from test_editor_vim_plugin import run_plugin

DRIVERS = Path(__file__).parent / "drivers"
TEXT = "a TODO here\nFIXME now\n"


def walk(
    argv: list[str], workdir: Path, env: dict[str, str], fixture: Path, steps: list[dict[str, Any]]
) -> dict[str, Any]:
    """An editor's driver walks ``steps`` on ``fixture``; its report: what it saw at each wait
    (``seen``) and the messages the editor showed."""
    out = workdir / "seen.json"
    out.unlink(missing_ok=True)
    steps_env = {"GREPLS_OUT": str(out), "GREPLS_FIXTURE": str(fixture)}
    run = run_editor(argv, {**env, **steps_env, "GREPLS_STEPS": json.dumps(steps)}, fixture.parent)
    report = read_report(out, run)
    assert report["ok"] and run.returncode == 0, f"{report}\n{run.describe()}"
    return report


def neovim_session(
    workdir: Path, env: dict[str, str], fixture: Path, steps: list[dict[str, Any]], extra: str = ""
) -> dict[str, Any]:
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
) -> dict[str, Any]:
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
    )["seen"]
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
    third = emacs_session(workdir, env, fixture, steps)["seen"]
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
    fourth = neovim_session(workdir, env, fixture, [{"wait": 3}])["seen"]
    assert fourth == [{"shown": everything, "offered": ["FIXME", "now", "here"]}]
    # vim.g.grepls_keep_patterns = false: the session's own patterns only.
    off = neovim_session(
        workdir, env, fixture, [{"wait": 0}], "vim.g.grepls_keep_patterns = false"
    )["seen"]
    assert off == [{"shown": [], "offered": []}]
    off = emacs_session(workdir, env, fixture, [{"wait": 0}], "(setq grepls-keep-patterns nil)")[
        "seen"
    ]
    assert off == [{"shown": [], "offered": []}]


# A pattern in settings with the id of a kept one: each editor's config, the settings given at
# start (initialization options), so the server has them before the kept patterns come back.
TAKEN_BY_SETTINGS = {
    "neovim": "vim.lsp.config('grepls',"
    " { init_options = { patterns = { { pattern = 'FIXME' } } } })",
    "vim": "let g:grepls_settings = {'grepls': {'patterns': [{'pattern': 'FIXME'}]}}\n",
    "emacs": "(cl-defmethod eglot-initialization-options ((_ eglot-lsp-server))\n"
    '  \'(:patterns [(:pattern "FIXME")]))',
}


@pytest.mark.parametrize("editor", TAKEN_BY_SETTINGS)
def test_a_kept_pattern_the_server_refuses_is_said_once_and_forgotten(
    workdir: Path, env: dict[str, str], editor: str
) -> None:
    """The settings now hold a pattern with a kept pattern's id: the server refuses it as it comes
    back. The editor says so, drops it from the file (or it would be refused at every start and no
    command could remove it: it is not an added pattern) and keeps the rest."""
    fixture = workdir / "project" / "kept.txt"
    fixture.write_text(TEXT, encoding="utf-8")
    kept_file = Path(env["XDG_STATE_HOME"]) / "grepls" / "kept-patterns.json"
    kept_file.parent.mkdir(parents=True)
    root = str(fixture.parent)
    kept_file.write_text(json.dumps({root: [{"pattern": "FIXME"}, {"pattern": "now"}]}))
    steps = [{"wait": 2}]
    if editor == "vim":
        report = run_plugin(
            workdir,
            {**env, "GREPLS_STEPS": json.dumps(steps)},
            TAKEN_BY_SETTINGS[editor],
            "vim_grepls_kept.vim",
            fixture,
        )
        said = report["messages"]
        assert [seen["props"] for seen in report["seen"]] == [
            [[2, 1, "GreplsPattern1"], [2, 7, "GreplsPattern2"]]
        ]
    else:
        session = neovim_session if editor == "neovim" else emacs_session
        report = session(workdir, env, fixture, steps, TAKEN_BY_SETTINGS[editor])
        said = "\n".join(report["messages"])
        assert [seen["shown"] for seen in report["seen"]] == [[[1, 0, "FIXME"], [1, 6, "now"]]]
    assert report["seen"][0]["offered"][-1] == "now"
    assert "the kept pattern" in said and "FIXME" in said and "is no longer kept" in said
    assert "taken by a pattern in settings" in said
    assert held(env) == {root: [{"pattern": "now"}]}

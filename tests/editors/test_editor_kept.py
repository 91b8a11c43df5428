"""Kept patterns across sessions, one file for three editors: patterns kept with `:GreplsAdd` in
the README's Neovim commands (wheel Neovim, 0.11 config) come back in the next session of grepls's
Vim plugin on the same project; what Vim drops there is gone from the Emacs session after it
(the README's config), which keeps another; and the last Neovim session has what both left. A
session writes only its own changes: what another session kept meanwhile stays. Each
session is a real editor started and quit on the project; the file is
``$XDG_STATE_HOME/grepls/kept-patterns.json`` of the test's own home."""

from __future__ import annotations

import json
import os
import stat
from concurrent.futures import ThreadPoolExecutor
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
        [[2, 1, "GreplsPattern1"]],  # the first kept pattern now
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
    # Written by Emacs as any file the user makes (make-temp-file's 0600 before).
    umask = os.umask(0)
    os.umask(umask)
    kept_file = Path(env["XDG_STATE_HOME"]) / "grepls" / "kept-patterns.json"
    assert stat.S_IMODE(kept_file.stat().st_mode) == 0o666 & ~umask

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
def test_a_kept_pattern_the_server_refuses_is_said_and_left_in_the_file(
    workdir: Path, env: dict[str, str], editor: str
) -> None:
    """The settings now hold a pattern with a kept pattern's id: the server refuses it as it comes
    back. The editor says so, leaves it out of the session and keeps the rest; the file keeps it
    (it is another editor's too, whose settings may not hold that id)."""
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
    assert "the kept pattern" in said and "FIXME" in said and "is left out of this session" in said
    assert "taken by a pattern in settings" in said
    assert held(env) == {root: [{"pattern": "FIXME"}, {"pattern": "now"}]}


def any_session(
    editor: str, workdir: Path, env: dict[str, str], fixture: Path, steps: list[dict[str, Any]]
) -> tuple[list[int], str]:
    """``editor``'s session (the README's config) walks ``steps``: how many matches it showed at
    each wait, and what it said."""
    if editor == "vim":
        report = run_plugin(
            workdir, {**env, "GREPLS_STEPS": json.dumps(steps)}, "", "vim_grepls_kept.vim", fixture
        )
        return [len(seen["props"]) for seen in report["seen"]], report["messages"]
    session = neovim_session if editor == "neovim" else emacs_session
    report = session(workdir, env, fixture, steps)
    return [len(seen["shown"]) for seen in report["seen"]], "\n".join(report["messages"])


ADD = {"neovim": "GreplsAdd {}", "vim": "GreplsAdd {}", "emacs": '(grepls-add-pattern "{}")'}
PAUSE = {"neovim": "lua vim.wait(20)", "vim": "sleep 20m", "emacs": "(sleep-for 0.02)"}


def test_neovim_commands_go_to_the_grepls_client_of_the_buffer_they_are_typed_in(
    workdir: Path, env: dict[str, str]
) -> None:
    """Two projects in one Neovim session, a grepls client each: each project's kept patterns
    come back to its own client, and :Grepls, :GreplsAdd and :GreplsNext typed in the second
    project's buffer go to the second client (the pattern kept is saved under its folder); the
    first project's buffer shows its own patterns only."""
    first, second = workdir / "project" / "A", workdir / "project" / "B"
    for folder in (first, second):
        (folder / ".git").mkdir(parents=True)
        (folder / "kept.txt").write_text("AAA BBB CCC\n", encoding="utf-8")
    kept_file = Path(env["XDG_STATE_HOME"]) / "grepls" / "kept-patterns.json"
    kept_file.parent.mkdir(parents=True)
    kept_file.write_text(
        json.dumps({str(first): [{"pattern": "AAA"}], str(second): [{"pattern": "BBB"}]})
    )
    cursor = "local at = vim.api.nvim_win_get_cursor(0) if at[2] > 0 then return at end"
    steps = [
        {"wait": 1},
        {"run": f"edit {second / 'kept.txt'}"},
        {"wait": 1},
        {"run": "Grepls CCC"},
        {"wait": 2},
        {"run": "GreplsAdd AAA"},
        {"wait": 3},
        {"run": "call cursor(1, 1) | GreplsNext"},
        {"lua": cursor},
        {"run": f"edit {first / 'kept.txt'}"},
        {"wait": 1},
    ]
    report = neovim_session(workdir, env, first / "kept.txt", steps)
    assert [seen.get("shown", seen.get("value")) for seen in report["seen"]] == [
        [[0, 0, "AAA"]],
        [[0, 4, "BBB"]],
        [[0, 4, "BBB"], [0, 8, "search"]],
        [[0, 0, "AAA"], [0, 4, "BBB"], [0, 8, "search"]],
        [1, 4],
        [[0, 0, "AAA"]],
    ]
    assert not [m for m in report["messages"] if "not an open document" in m], report["messages"]
    assert held(env) == {
        str(first): [{"pattern": "AAA"}],
        str(second): [{"pattern": "BBB"}, {"pattern": "AAA"}],
    }


def test_neovim_keeps_a_project_without_root_marker_under_the_folder_it_started_in(
    workdir: Path, env: dict[str, str]
) -> None:
    """No `.git`: the project is the current folder when grepls attached, and stays so after a
    :cd (a pattern removed after one was dropped under the new folder, and came back)."""
    project = workdir / "loose"
    (project / "sub").mkdir(parents=True)
    (project / "kept.txt").write_text("XYZ\n", encoding="utf-8")
    steps = [{"run": "GreplsAdd XYZ"}, {"wait": 1}, {"run": "cd sub | GreplsRemove XYZ"}]
    steps.append({"wait": 0})
    neovim_session(workdir, env, project / "kept.txt", steps)
    assert held(env) == {}


def test_neovim_keeps_a_pattern_added_with_options_and_replaces_with_nothing_when_asked(
    workdir: Path, env: dict[str, str]
) -> None:
    """`execute('grepls.addPattern', ...)`, the README's way to options :GreplsAdd cannot give,
    keeps the pattern across sessions as :GreplsAdd does (it was for the session only); and
    :GreplsReplace without an argument asks, an empty answer removing the matches (an argument
    cannot be empty)."""
    project = workdir / "project"
    (project / ".git").mkdir(parents=True)
    (project / "kept.txt").write_text("xyz TODO XYZ\n", encoding="utf-8")
    add = (
        "require('grepls.commands').execute('grepls.addPattern', "
        "{ { pattern = 'xyz', caseSensitive = false } }) return true"
    )
    line = "vim.api.nvim_buf_get_lines(0, 0, -1, false)[1]"
    steps = [
        {"lua": add},
        {"wait": 2},
        {"run": "Grepls TODO"},
        {"wait": 3},
        {"lua": "vim.ui.input = function(_, answer) answer('') end return true"},
        {"run": "GreplsReplace"},
        {"lua": f"if not {line}:find('TODO') then return {line} end"},
    ]
    report = neovim_session(workdir, env, project / "kept.txt", steps)
    assert report["seen"][-1] == {"value": "xyz  XYZ"}, report
    assert held(env) == {str(project): [{"pattern": "xyz", "caseSensitive": False}]}


def test_neovim_jumps_past_the_empty_line_after_the_last_line_break(
    workdir: Path, env: dict[str, str]
) -> None:
    """grepls counts the empty line after a file's last line break (LSP's lines), which Neovim
    does not show: a jump that lands there goes on to the next match (it stayed on the last
    line, and every later jump with it)."""
    fixture = workdir / "project" / "empty.txt"
    fixture.write_text("a\n\nb\n\n", encoding="utf-8")
    line = {"lua": "vim.wait(300) return vim.fn.line('.')"}
    steps = [{"run": "GreplsRegex ^$"}, {"lua": "return true"}]
    steps += [{"run": "call cursor(1, 1) | GreplsNext"}, line]
    steps += [{"run": "GreplsNext"}, line] * 3
    seen = neovim_session(workdir, env, fixture, steps)["seen"]
    assert [step["value"] for step in seen[1:]] == [2, 4, 2, 4], seen


def test_neovim_highlights_of_one_project_outlive_the_other_projects_server(
    workdir: Path, env: dict[str, str]
) -> None:
    """grepls's Neovim module, two projects in one session: when the first project's server
    stops (or dies), its buffers' marks go, and the second project's stay (all went)."""
    first, second = workdir / "project" / "A", workdir / "project" / "B"
    for folder in (first, second):
        (folder / ".git").mkdir(parents=True)
        (folder / "kept.txt").write_text("AAA BBB\n", encoding="utf-8")
    marks = (
        "local ns = require('grepls.highlights').namespace "
        "local function marks(name) return #vim.api.nvim_buf_get_extmarks("
        "vim.fn.bufnr(name), ns, 0, -1, {}) end "
    )
    clients = "#(vim.lsp.get_clients or vim.lsp.get_active_clients)({ name = 'grepls' })"
    steps = [
        {"run": "Grepls AAA"},
        {"lua": marks + f"if marks('{first / 'kept.txt'}') > 0 then return true end"},
        {"run": f"vsplit {second / 'kept.txt'}"},
        {"lua": f"if {clients} == 2 then return true end"},
        {"run": "Grepls BBB"},
        {"lua": marks + f"if marks('{second / 'kept.txt'}') > 0 then return true end"},
        {
            "lua": "for _, c in ipairs((vim.lsp.get_clients or vim.lsp.get_active_clients)()) do "
            f"if c.config.root_dir == '{first}' then c.stop(c, true) end end return true"
        },
        {"lua": f"if {clients} == 1 then vim.wait(500) return true end"},
        {
            "lua": marks + f"return {{ marks('{first / 'kept.txt'}'), "
            f"marks('{second / 'kept.txt'}') }}"
        },
    ]
    extra = snippet("nvim-highlights")
    report = neovim_session(workdir, env, first / "kept.txt", steps, extra)
    values = [seen["value"] for seen in report["seen"]]
    assert values == [True, True, True, True, True, [0, 1]], report


EDITORS = ["neovim", "vim", "emacs"]


@pytest.mark.parametrize("editor", EDITORS)
def test_a_kept_patterns_file_that_is_not_json_is_left_as_it_is_and_said_once(
    workdir: Path, env: dict[str, str], editor: str
) -> None:
    """A kept-patterns file cut short (a hand edit, a write cut off): patterns kept meanwhile are
    shown for the session, the file is never written over (every other project's patterns are in
    it), and the editor says once why they are not saved."""
    fixture = workdir / "project" / "kept.txt"
    fixture.write_text(TEXT, encoding="utf-8")
    kept_file = Path(env["XDG_STATE_HOME"]) / "grepls" / "kept-patterns.json"
    kept_file.parent.mkdir(parents=True)
    damaged = json.dumps({"/other": [{"pattern": "KEEPME"}], str(fixture.parent): []})[:-3]
    kept_file.write_text(damaged, encoding="utf-8")
    steps = [{"run": ADD[editor].format("FIXME")}, {"run": ADD[editor].format("here")}, {"wait": 2}]
    shown, said = any_session(editor, workdir, env, fixture, steps)
    assert shown == [2]
    assert kept_file.read_text(encoding="utf-8") == damaged
    told = f"grepls: {kept_file} is not valid JSON ("
    assert said.count(told) == 1, said
    assert "kept patterns are not saved until it is fixed" in said
    # And at each pattern kept, as it is kept: the first word is said as a session starts, where
    # eglot's "Connected!" covers it at once.
    each = f"is kept for this session only: {kept_file} cannot be written (it is not valid JSON"
    assert said.count(each) == 2, said


@pytest.mark.parametrize("editor", EDITORS)
def test_a_trailing_comma_in_the_kept_patterns_file_is_read_past(
    workdir: Path, env: dict[str, str], editor: str
) -> None:
    """A comma left before a closing brace or bracket (a hand edit's slip, which Vim's and
    Emacs's JSON readers take): every editor reads the file, and what it saves keeps the other
    projects' patterns."""
    fixture = workdir / "project" / "kept.txt"
    fixture.write_text(TEXT, encoding="utf-8")
    kept_file = Path(env["XDG_STATE_HOME"]) / "grepls" / "kept-patterns.json"
    kept_file.parent.mkdir(parents=True)
    root = str(fixture.parent)
    kept_file.write_text(
        f'{{"/other": [{{"pattern": "KEEPME"}},], "{root}": [{{"pattern": "now"}}],}}\n',
        encoding="utf-8",
    )
    steps = [{"wait": 1}, {"run": ADD[editor].format("FIXME")}, {"wait": 2}]
    shown, _ = any_session(editor, workdir, env, fixture, steps)
    assert shown == [1, 2]
    saved = held(env)
    assert saved["/other"] == [{"pattern": "KEEPME"}]
    assert [entry["pattern"] for entry in saved[root]] == ["now", "FIXME"]


@pytest.mark.parametrize("editor", EDITORS)
def test_a_pattern_kept_where_the_file_cannot_be_written_is_kept_for_the_session_and_said(
    workdir: Path, env: dict[str, str], editor: str
) -> None:
    """The kept-patterns folder cannot be made (a plain file has its name): the pattern is added
    and confirmed as ever, and the editor says it is kept for this session only, and why."""
    fixture = workdir / "project" / "kept.txt"
    fixture.write_text(TEXT, encoding="utf-8")
    state = Path(env["XDG_STATE_HOME"])
    state.mkdir(parents=True)
    (state / "grepls").write_text("", encoding="utf-8")
    shown, said = any_session(
        editor, workdir, env, fixture, [{"run": ADD[editor].format("FIXME")}, {"wait": 1}]
    )
    assert shown == [1]
    confirmed = {"vim": "kept FIXME, 1 match", "emacs": '1 match of "FIXME"'}.get(
        editor, '1 match of "FIXME"'
    )
    assert confirmed in said and "1 matches" not in said, said
    assert "FIXME" in said and "is kept for this session only" in said, said
    assert f"{state / 'grepls' / 'kept-patterns.json'} cannot be written (" in said, said


def test_sessions_saving_kept_patterns_at_once_lose_none(
    workdir: Path, env: dict[str, str]
) -> None:
    """Two Neovim sessions, a Vim one and an Emacs one, each on its own project, keep twenty
    patterns each at the same time: every one is in the file after, and another project's entry
    from before too (each save reads the file again and writes it under a lock, renamed over)."""
    kept_file = Path(env["XDG_STATE_HOME"]) / "grepls" / "kept-patterns.json"
    kept_file.parent.mkdir(parents=True)
    kept_file.write_text(json.dumps({"/elsewhere": [{"pattern": "KEEPME"}]}), encoding="utf-8")
    ids = [f"p{n:02}" for n in range(20)]
    editors = {"nvim1": "neovim", "nvim2": "neovim", "vim": "vim", "emacs": "emacs"}
    fixtures = {}
    for name in editors:
        (workdir / name / "project").mkdir(parents=True)
        fixtures[name] = workdir / name / "project" / "kept.txt"
        fixtures[name].write_text(" ".join(ids) + "\n", encoding="utf-8")

    def keep_all(name: str) -> list[int]:
        editor = editors[name]
        steps: list[dict[str, Any]] = []
        for kept in ids:
            steps += [{"run": ADD[editor].format(kept)}, {"run": PAUSE[editor]}]
        return any_session(
            editor, workdir / name, env, fixtures[name], [*steps, {"wait": len(ids)}]
        )[0]

    with ThreadPoolExecutor(len(editors)) as pool:
        shown = list(pool.map(keep_all, editors))
    assert shown == [[len(ids)]] * len(editors)
    saved = {
        folder: [entry["pattern"] for entry in entries] for folder, entries in held(env).items()
    }
    assert saved == {
        "/elsewhere": ["KEEPME"],
        **{str(fixture.parent): ids for fixture in fixtures.values()},
    }, {folder: sorted(set(ids) - set(kept)) for folder, kept in saved.items()}


def test_emacs_finds_a_projects_kept_patterns_through_a_symbolic_link(
    workdir: Path, env: dict[str, str]
) -> None:
    """A project opened in Emacs through a symbolic link is the project Vim and Neovim name by its
    true path: its kept patterns come back."""
    fixture = workdir / "project" / "kept.txt"
    fixture.write_text(TEXT, encoding="utf-8")
    (workdir / "link").symlink_to(workdir / "project")
    kept_file = Path(env["XDG_STATE_HOME"]) / "grepls" / "kept-patterns.json"
    kept_file.parent.mkdir(parents=True)
    kept_file.write_text(json.dumps({str(fixture.parent): [{"pattern": "FIXME"}]}))
    report = emacs_session(workdir, env, workdir / "link" / "kept.txt", [{"wait": 1}])
    assert [seen["shown"] for seen in report["seen"]] == [[[1, 0, "FIXME"]]]

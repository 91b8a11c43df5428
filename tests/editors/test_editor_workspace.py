"""The workspace scope in real editors: a match in a file the editor has not opened reaches the
user, as the README's "The whole workspace, in any editor" says.

Neovim (Debian's 0.7.2 with the README's `start_client` config, and the wheel's 0.12 with the 0.11
config): `init_options = { scope = 'workspace' }`, `:Grepls TODO`, then the closed file's match is
in `vim.diagnostic.get()`, in the quickfix list `vim.diagnostic.setqflist()` fills, in the one
`:GreplsList!` fills, and in `grepls.listMatches` with no argument; with grepls's module (no
diagnostics), in `:GreplsList!`'s list and `grepls.listMatches`. Emacs 28 + eglot 1.9 drop
diagnostics of files that are not visited (flymake's project list needs Emacs 29), so there the test
checks what the README offers instead: `grepls.listMatches` with no argument, asked through the
README's own helper, with the README's workspace configuration — in which grepls, not eglot, watches
the files: eglot holds no watch, and the closed file changed on disk is listed anew.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from editors_readme import nvim_config_011, nvim_highlights_config, snippet
from editors_run import require_binary, run_editor
from test_editor_neovim import wheel_nvim

DRIVERS = Path(__file__).parent / "drivers"
OPEN_TEXT = "an open file\nwith a TODO\n"
CLOSED_TEXT = "nothing here\n  TODO: in a file nobody opened\n"


def project(workdir: Path) -> tuple[Path, Path]:
    """(the file the editor opens, the one it does not), in a folder marked as a project root."""
    root = workdir / "project"
    (root / ".git").mkdir()
    opened, closed = root / "open.txt", root / "closed.txt"
    opened.write_text(OPEN_TEXT, encoding="utf-8")
    closed.write_text(CLOSED_TEXT, encoding="utf-8")
    return opened, closed


def run_reporting(argv: list[str], workdir: Path, env: dict[str, str], closed: Path) -> Any:
    out = workdir / "held.json"
    env = {**env, "GREPLS_OUT": str(out), "GREPLS_CLOSED": str(closed)}
    run = run_editor(argv, env, workdir / "project")
    assert out.exists(), f"the editor wrote no report\n{run.describe()}"
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report.get("ok") and run.returncode == 0, f"{report}\n{run.describe()}"
    return report


def check_neovim(report: Any, opened: Path, closed: Path, painted: bool = False) -> None:
    both = [
        {"file": str(closed), "line": 1, "col": 2, "source": "grepls"},
        {"file": str(opened), "line": 1, "col": 7, "source": "grepls"},
    ]
    in_quickfix = [
        {"file": str(closed), "lnum": 2, "col": 3},
        {"file": str(opened), "lnum": 2, "col": 8},
    ]
    assert report["listed_all"] == in_quickfix  # :GreplsList!, in path order
    if painted:
        assert report["diagnostics"] == []
    else:
        assert report["diagnostics"] == both
        quickfix = sorted(report["quickfix"], key=lambda item: item["file"])  # buffer order
        assert quickfix == in_quickfix
    listed = [(m["uri"], m["range"]["start"]["line"], m["text"]) for m in report["listed"]]
    assert listed == [
        (closed.as_uri(), 1, "  TODO: in a file nobody opened"),
        (opened.as_uri(), 1, "with a TODO"),
    ]
    # Neovim 0.12 declares pull diagnostics but not `workspace.diagnostics.refreshSupport`, so
    # grepls pushes (it could not make Neovim pull again when a pattern changes without an edit).
    assert report["pull"] is False


def neovim_report(
    nvim: str, config: str, workdir: Path, env: dict[str, str], painted: bool = False
) -> None:
    opened, closed = project(workdir)
    init = workdir / "init.lua"
    init.write_text(config + "\n" + snippet("nvim-commands"), encoding="utf-8")
    driver = DRIVERS / "neovim_workspace.lua"
    argv = [nvim, "--headless", "-n", "-i", "NONE", "-u", str(init), str(opened)]
    if painted:
        env = {**env, "GREPLS_PAINTED": "1"}
    report = run_reporting([*argv, "-c", f"luafile {driver}"], workdir, env, closed)
    check_neovim(report, opened, closed, painted)


def test_neovim_07_shows_a_closed_files_match_in_diagnostics_quickfix_and_list(
    workdir: Path, env: dict[str, str]
) -> None:
    config = (
        snippet("nvim-config-legacy") + "grepls_config.init_options = { scope = 'workspace' }\n"
    )
    neovim_report(require_binary("nvim"), config, workdir, env)


def test_neovim_07_with_the_module_lists_a_closed_files_match(
    workdir: Path, env: dict[str, str]
) -> None:
    config = (
        snippet("nvim-config-legacy") + "grepls_config.init_options = { scope = 'workspace' }\n"
    )
    neovim_report(
        require_binary("nvim"), config + nvim_highlights_config(False), workdir, env, painted=True
    )


def test_neovim_011_with_the_module_lists_a_closed_files_match(
    workdir: Path, env: dict[str, str]
) -> None:
    config = (
        nvim_config_011() + "vim.lsp.config('grepls', { init_options = { scope = 'workspace' } })\n"
    )
    neovim_report(wheel_nvim(), config + nvim_highlights_config(True), workdir, env, painted=True)


def test_neovim_011_shows_a_closed_files_match_in_diagnostics_quickfix_and_list(
    workdir: Path, env: dict[str, str]
) -> None:
    config = nvim_config_011()
    anchor = "vim.lsp.enable('grepls')"
    assert anchor in config
    config = config.replace(
        anchor, "vim.lsp.config('grepls', { init_options = { scope = 'workspace' } })\n" + anchor
    )
    neovim_report(wheel_nvim(), config, workdir, env)


def test_emacs_lists_a_closed_files_match_through_grepls_list_matches(
    workdir: Path, env: dict[str, str]
) -> None:
    opened, closed = project(workdir)
    config = workdir / "grepls-config.el"
    config.write_text(snippet("emacs-config") + snippet("emacs-workspace"), encoding="utf-8")
    driver = DRIVERS / "emacs_workspace.el"
    argv = [require_binary("emacs"), "--batch", "-q", "-l", str(config), "-l", str(driver)]
    report = run_reporting(argv, workdir, {**env, "GREPLS_OPEN": str(opened)}, closed)
    assert [(m["uri"], m["line"], m["text"]) for m in report["listed"]] == [
        (closed.as_uri(), 1, "  TODO: in a file nobody opened"),
        (opened.as_uri(), 1, "with a TODO"),
    ]
    assert report["watches"] == 0  # eglot was not asked to watch: grepls does
    # flymake-show-project-diagnostics lists the closed file's match (Emacs 28 and 30).
    assert report["project_diagnostics"] == 1, report["emacs_version"]
    assert [(m["uri"], m["line"], m["text"]) for m in report["relisted"]] == [
        (closed.as_uri(), 1, "  TODO: in a file nobody opened"),
        (closed.as_uri(), 2, "TODO: added on disk"),
        (opened.as_uri(), 1, "with a TODO"),
    ]

"""Neovim 0.11+ with the README's `nvim-visible-matches` snippet: a match typed far past the cap
(`maxMatchesPerDocument`, 1,000) is marked on screen, at the right byte columns after `é` and an
emoji, although no diagnostic carries it.

The file has 1,500 matches; the window is moved to line 1,400 and a match is typed there. Neovim
fires `TextChanged` from its main loop, which a headless driver waiting in `vim.wait` never
reaches, so the driver fires the snippet's autocommand itself after each step (what it tests is
the snippet's request and painting; that Neovim fires the event is Neovim's part).
"""

from __future__ import annotations

from pathlib import Path

from editors_readme import nvim_config_011, snippet
from editors_run import passing_report, run_editor
from test_editor_neovim import wheel_nvim

LINES = [f"{n} é😀 TODO" if n % 2 == 0 else f"line {n}" for n in range(3_000)]
TARGET = 1_401  # "line 1401": no match until one is typed at its start

DRIVER = r"""
local out = os.getenv('GREPLS_REPORT')
local report = { errors = {} }
local buf = vim.api.nvim_get_current_buf()
local ns = vim.api.nvim_get_namespaces().grepls_visible
local function marks(first, last)
  local found = {}
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(buf, ns, { first, 0 }, { last, -1 },
      { details = true })) do
    table.insert(found, { line = m[2], col = m[3], end_col = m[4].end_col })
  end
  return found
end
local function wait_for(what, condition)
  if not vim.wait(20000, condition, 20) then error('timed out waiting for ' .. what, 0) end
end
local target = tonumber(os.getenv('GREPLS_TARGET'))
local ok, err = pcall(function()
  wait_for('grepls to attach', function() return #vim.lsp.get_clients({ bufnr = buf }) > 0 end)
  vim.cmd('Grepls TODO')
  wait_for('1,000 diagnostics', function() return #vim.diagnostic.get(buf) == 1000 end)
  vim.api.nvim_win_set_cursor(0, { target + 1, 0 })
  vim.cmd('normal! zz')
  vim.api.nvim_exec_autocmds('WinScrolled', { buffer = buf })
  wait_for('the matches on screen', function() return #marks(target - 2, target + 2) == 2 end)
  report.before = marks(target - 2, target + 2)
  vim.api.nvim_buf_set_text(buf, target, 0, target, 0, { 'TODO ' })
  vim.api.nvim_exec_autocmds('TextChanged', { buffer = buf })
  wait_for('the typed match', function() return #marks(target, target) == 1 end)
  report.after = marks(target - 2, target + 2)
  report.diagnostics = #vim.diagnostic.get(buf)
end)
if not ok then table.insert(report.errors, tostring(err)) end
vim.fn.writefile({ vim.json.encode(report) }, out)
vim.cmd(#report.errors == 0 and 'qa!' or 'cquit!')
"""


def test_neovim_marks_a_match_typed_past_the_cap_on_the_lines_on_screen(
    workdir: Path, env: dict[str, str]
) -> None:
    fixture = workdir / "project" / "many.txt"
    fixture.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    init = workdir / "init.lua"
    init.write_text(
        "\n".join([nvim_config_011(), snippet("nvim-commands"), snippet("nvim-visible-matches")]),
        encoding="utf-8",
    )
    driver = workdir / "driver.lua"
    driver.write_text(DRIVER, encoding="utf-8")
    report_path = workdir / "report.json"
    argv = [wheel_nvim(), "--headless", "-n", "-i", "NONE", "-u", str(init), str(fixture)]
    run = run_editor(
        [*argv, "-c", f"luafile {driver}"],
        {**env, "GREPLS_REPORT": str(report_path), "GREPLS_TARGET": str(TARGET)},
        workdir / "project",
    )
    report = passing_report(report_path, run)
    # "1400 é😀 TODO": TODO starts at byte 12 (é is two bytes, the emoji four).
    on_screen = [
        {"line": 1_400, "col": 12, "end_col": 16},
        {"line": 1_402, "col": 12, "end_col": 16},
    ]
    assert report["before"] == on_screen
    typed = {"line": TARGET, "col": 0, "end_col": 4}
    assert report["after"] == sorted([*on_screen, typed], key=lambda m: m["line"])
    assert report["diagnostics"] == 1_000  # the cap: no diagnostic carries the typed match

"""Neovim 0.11+ with the README's `nvim-visible-matches` snippet, and Neovim 0.7 and 0.12 with
its `nvim-highlights` snippets: a match typed far past the cap (`maxMatchesPerDocument`, 1,000) is
marked on screen, at the right byte columns after `é` and an emoji, although no diagnostic
carries it (with the highlights, no diagnostic at all).

The file has 1,500 matches; the window is moved to line 1,400 and a match is typed there. Neovim
fires `TextChanged` from its main loop, which a headless driver waiting in `vim.wait` never
reaches, so the driver fires the snippet's autocommand itself after each step (what it tests is
the snippet's request and painting; that Neovim fires the event is Neovim's part).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from editors_fixture import PAGES_TEXT, check_pages
from editors_readme import nvim_config_011, nvim_highlights_config, snippet
from editors_run import passing_report, require_binary, run_editor
from test_editor_neovim import wheel_nvim

LINES = [f"{n} é😀 TODO" if n % 2 == 0 else f"line {n}" for n in range(3_000)]
TARGET = 1_401  # "line 1401": no match until one is typed at its start

DRIVER = r"""
local out = os.getenv('GREPLS_REPORT')
local report = { errors = {} }
local buf = vim.api.nvim_get_current_buf()
local ns = vim.api.nvim_get_namespaces()[os.getenv('GREPLS_NAMESPACE')]
local expected_diagnostics = tonumber(os.getenv('GREPLS_DIAGNOSTICS'))
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
  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  wait_for('grepls to attach', function() return #get_clients() > 0 end)
  vim.cmd('Grepls TODO')
  if expected_diagnostics > 0 then
    wait_for('the diagnostics', function()
      return #vim.diagnostic.get(buf) == expected_diagnostics
    end)
  else -- painted: the lines on screen, at the top
    wait_for('the top painted', function() return #marks(0, 10) == 6 end)
  end
  vim.api.nvim_win_set_cursor(0, { target + 1, 0 })
  vim.cmd('normal! zz')
  vim.api.nvim_exec_autocmds('WinScrolled', { buffer = buf })
  wait_for('the matches on screen', function() return #marks(target - 2, target + 2) == 2 end)
  report.before = marks(target - 2, target + 2)
  if os.getenv('GREPLS_TWO_CHANGES') then
    -- A change first, so that the typed one comes within Neovim's debounce and is held back.
    vim.api.nvim_buf_set_text(buf, target + 5, 0, target + 5, 0, { ' ' })
  end
  vim.api.nvim_buf_set_text(buf, target, 0, target, 0, { 'TODO ' })
  vim.api.nvim_exec_autocmds('TextChanged', { buffer = buf })
  wait_for('the typed match', function() return #marks(target, target) == 1 end)
  report.after = marks(target - 2, target + 2)
  report.diagnostics = #vim.diagnostic.get(buf)
  if os.getenv('GREPLS_NAMESPACE') == 'grepls_highlights' then
    -- Off screen, lines painted before (the top: 0, 2, ... 10, painted again now, since the
    -- server's refresh at start-up may have come after the first painting and cleared them) keep
    -- their marks until the pattern changes: then every mark of the buffer goes, once the new
    -- answer is here.
    vim.api.nvim_win_set_cursor(0, { 1, 0 })
    vim.api.nvim_exec_autocmds('WinScrolled', { buffer = buf })
    wait_for('the top painted again', function() return #marks(0, 10) == 6 end)
    vim.api.nvim_win_set_cursor(0, { target + 1, 0 })
    vim.cmd('normal! zz')
    vim.api.nvim_exec_autocmds('WinScrolled', { buffer = buf })
    report.top_before_clear = #marks(0, 10)
    vim.cmd('GreplsClear')
    wait_for('no mark left', function() return #marks(0, vim.api.nvim_buf_line_count(buf)) == 0 end)
  end
end)
if not ok then table.insert(report.errors, tostring(err)) end
vim.fn.writefile({ vim.json.encode(report) }, out)
vim.cmd(#report.errors == 0 and 'qa!' or 'cquit!')
"""


@pytest.mark.parametrize(
    "way", ["visible-matches", "highlights-0.7", "highlights-0.12", "highlights-0.12-debounce"]
)
def test_neovim_marks_a_match_typed_past_the_cap_on_the_lines_on_screen(
    way: str, workdir: Path, env: dict[str, str]
) -> None:
    fixture = workdir / "project" / "many.txt"
    fixture.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    if way == "visible-matches":
        nvim, namespace, diagnostics = wheel_nvim(), "grepls_visible", 1_000
        parts = [nvim_config_011(), snippet("nvim-commands"), snippet("nvim-visible-matches")]
    elif way == "highlights-0.7":
        nvim, namespace, diagnostics = require_binary("nvim"), "grepls_highlights", 0
        parts = [snippet("nvim-config-legacy"), nvim_highlights_config(False)]
        parts.append(snippet("nvim-commands"))
    else:
        nvim, namespace, diagnostics = wheel_nvim(), "grepls_highlights", 0
        parts = [nvim_config_011(), nvim_highlights_config(True), snippet("nvim-commands")]
        if way.endswith("-debounce"):
            # Neovim's own default, which holds back a change that follows another: Neovim sends
            # it before the request for the lines, so the typed match shows at once all the same.
            parts.append("vim.lsp.config('grepls', { flags = { debounce_text_changes = 150 } })")
    init = workdir / "init.lua"
    init.write_text("\n".join(parts), encoding="utf-8")
    driver = workdir / "driver.lua"
    driver.write_text(DRIVER, encoding="utf-8")
    report_path = workdir / "report.json"
    argv = [nvim, "--headless", "-n", "-i", "NONE", "-u", str(init), str(fixture)]
    run = run_editor(
        [*argv, "-c", f"luafile {driver}"],
        {
            **env,
            "GREPLS_REPORT": str(report_path),
            "GREPLS_TARGET": str(TARGET),
            "GREPLS_NAMESPACE": namespace,
            "GREPLS_DIAGNOSTICS": str(diagnostics),
            **({"GREPLS_TWO_CHANGES": "1"} if way.endswith("-debounce") else {}),
        },
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
    # The cap: no diagnostic carries the typed match (with the highlights, none is sent).
    assert report["diagnostics"] == diagnostics
    if way != "visible-matches":
        assert report["top_before_clear"] == 6  # and then none, after :GreplsClear


SCROLL_DRIVER = r"""
local out = os.getenv('GREPLS_REPORT')
local report = { errors = {}, pages = {} }
local buf = vim.api.nvim_get_current_buf()
local ns = vim.api.nvim_get_namespaces()['grepls_highlights']
local function marked(first, last) -- lines [first, last) holding a mark
  local lines = {}
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(buf, ns, { first, 0 }, { last - 1, -1 }, {})) do
    lines[m[2]] = true
  end
  return vim.tbl_count(lines)
end
local function matching(first, last) -- lines [first, last) holding a match
  local count = 0
  for _, line in ipairs(vim.api.nvim_buf_get_lines(buf, first, last, false)) do
    if line:find('TODO', 1, true) then count = count + 1 end
  end
  return count
end
local function wait_for(what, condition)
  if not vim.wait(20000, condition, 20) then error('timed out waiting for ' .. what, 0) end
end
local ok, err = pcall(function()
  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  wait_for('grepls to attach', function() return #get_clients() > 0 end)
  vim.cmd('Grepls TODO')
  for _ = 1, 2 do
    -- Painted as far as a window's height below the screen...
    local below = math.min(vim.fn.line('w$') + vim.api.nvim_win_get_height(0),
      vim.api.nvim_buf_line_count(buf))
    wait_for('the lines below the screen', function()
      return marked(0, below) == matching(0, below)
    end)
    -- ... so that a page down shows painted lines at once: counted before Neovim can read an
    -- answer to anything the scroll asks.
    vim.cmd('normal! \6')
    local first, last = vim.fn.line('w0') - 1, vim.fn.line('w$')
    table.insert(report.pages, { first = first, last = last, painted = marked(first, last),
      matching = matching(first, last) })
    vim.api.nvim_exec_autocmds('WinScrolled', { buffer = buf })
  end
end)
if not ok then table.insert(report.errors, tostring(err)) end
vim.fn.writefile({ vim.json.encode(report) }, out)
vim.cmd(#report.errors == 0 and 'qa!' or 'cquit!')
"""


@pytest.mark.parametrize("version", ["0.7", "0.12"])
def test_neovim_module_has_the_next_page_painted_before_it_is_scrolled_to(
    version: str, workdir: Path, env: dict[str, str]
) -> None:
    """A page down brings lines into view that the module painted already (it asks for a
    window's height around the screen), twice in a row: no flash of unpainted text while the
    answer for the new lines is on its way."""
    fixture = workdir / "project" / "pages.txt"
    fixture.write_text(PAGES_TEXT)
    if version == "0.7":
        nvim = require_binary("nvim")
        parts = [snippet("nvim-config-legacy"), nvim_highlights_config(False)]
    else:
        nvim = wheel_nvim()
        parts = [nvim_config_011(), nvim_highlights_config(True)]
    init = workdir / "init.lua"
    init.write_text("\n".join([*parts, snippet("nvim-commands")]), encoding="utf-8")
    driver = workdir / "driver.lua"
    driver.write_text(SCROLL_DRIVER, encoding="utf-8")
    report_path = workdir / "report.json"
    argv = [nvim, "--headless", "-n", "-i", "NONE", "-u", str(init), str(fixture)]
    run = run_editor(
        [*argv, "-c", f"luafile {driver}"],
        {**env, "GREPLS_REPORT": str(report_path)},
        workdir / "project",
    )
    report = passing_report(report_path, run)
    check_pages(report["pages"], 0)

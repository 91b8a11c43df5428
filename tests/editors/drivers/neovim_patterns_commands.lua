-- The kept-pattern commands of the README's nvim-commands, with grepls's module painting:
-- `:Grepls TODO` and `:GreplsAdd FIXME` paint both (the search pattern in GreplsSearch, the kept
-- one in GreplsPattern1), `:GreplsPatterns` lists both with their counts, `:GreplsRemove <Tab>`
-- offers both ids, `:GreplsRemove FIXME` leaves TODO alone painted. Writes each step's marks and
-- the messages as JSON to $GREPLS_OUT.
local buf = vim.api.nvim_get_current_buf()
local out = { ok = false, messages = {} }
vim.notify = function(message)
  table.insert(out.messages, message)
end
local function marks()
  local namespace = vim.api.nvim_get_namespaces().grepls_highlights
  local found = {}
  for _, mark in ipairs(namespace and vim.api.nvim_buf_get_extmarks(buf, namespace, 0, -1,
      { details = true }) or {}) do
    table.insert(found, { line = mark[2], col = mark[3], group = mark[4].hl_group })
  end
  table.sort(found, function(a, b) return a.line < b.line end)
  return found
end
local function wait_for(what, condition)
  if not vim.wait(20000, condition, 20) then
    error('timed out waiting for ' .. what .. ': ' .. vim.inspect(marks()), 0)
  end
end
local ok, problem = pcall(function()
  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  wait_for('grepls to attach', function() return #get_clients() > 0 end)
  vim.cmd('Grepls TODO')
  vim.cmd('GreplsAdd FIXME')
  wait_for('both painted', function() return #marks() == 2 end)
  out.both = marks()
  -- <Tab> after :GreplsRemove: the ids in force, then those the typed text begins.
  out.completion = {
    all = vim.fn.getcompletion('GreplsRemove ', 'cmdline'),
    typed = vim.fn.getcompletion('GreplsRemove F', 'cmdline'),
  }
  vim.cmd('GreplsPatterns')
  wait_for('the list', function()
    return #vim.tbl_filter(function(m) return m:find('FIXME: "FIXME"', 1, true) end, out.messages) > 0
  end)
  vim.cmd('GreplsRemove FIXME')
  wait_for('FIXME gone', function() return #marks() == 1 end)
  out.after_remove = marks()
  out.diagnostics = #vim.diagnostic.get(buf)
  out.user_attached = vim.g.grepls_user_attached
  out.ok = true
end)
if not ok then
  out.error = tostring(problem)
end
vim.fn.writefile({ vim.json.encode(out) }, os.getenv('GREPLS_OUT'))
vim.cmd(out.ok and 'qa!' or 'cquit!')

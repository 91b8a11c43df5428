-- The workspace scope in Neovim: with `scope = 'workspace'` in init_options, `:Grepls TODO` finds
-- the match in a file that is not open. Waits until Neovim holds grepls's diagnostic for it, then
-- writes what a user gets as JSON to $GREPLS_OUT: vim.diagnostic.get() over every buffer,
-- vim.diagnostic.setqflist()'s quickfix list, `:GreplsList!`'s, and `grepls.listMatches` with no
-- argument. With $GREPLS_PAINTED (grepls's module: no diagnostics) it waits for `:GreplsList!`
-- to list the closed file instead, and records no diagnostics.
local out = { ok = false, errors = {} }
local closed = os.getenv('GREPLS_CLOSED')

local function grepls_client()
  for _, client in pairs((vim.lsp.get_clients or vim.lsp.get_active_clients)()) do
    if client.name == 'grepls' then
      return client
    end
  end
end

local function held()
  local found = {}
  for _, d in ipairs(vim.diagnostic.get()) do
    table.insert(found, {
      file = vim.api.nvim_buf_get_name(d.bufnr), line = d.lnum, col = d.col, source = d.source,
    })
  end
  table.sort(found, function(a, b) return a.file < b.file or (a.file == b.file and a.line < b.line) end)
  return found
end

local function holds_closed()
  for _, d in ipairs(held()) do
    if d.file == closed then
      return true
    end
  end
  return false
end

local painted = os.getenv('GREPLS_PAINTED') ~= nil

local function quickfix()
  local items = {}
  for _, item in ipairs(vim.fn.getqflist()) do
    table.insert(items, { file = vim.api.nvim_buf_get_name(item.bufnr), lnum = item.lnum, col = item.col })
  end
  return items
end

-- `:GreplsList!`'s quickfix list, once it has come.
local function list_all()
  vim.fn.setqflist({}, 'r', { title = 'empty', items = {} })
  vim.cmd('GreplsList!')
  if not vim.wait(20000, function() return vim.fn.getqflist({ title = 1 }).title == 'grepls' end, 20) then
    error(':GreplsList! did not fill the quickfix list')
  end
  vim.cmd('cclose')
  return quickfix()
end

local function lists_closed()
  for _, item in ipairs(list_all()) do
    if item.file == closed then
      return true
    end
  end
  return false
end

local ok, problem = pcall(function()
  if not vim.wait(20000, function() return grepls_client() ~= nil end, 20) then
    error('grepls did not start')
  end
  vim.wait(1000, function() return grepls_client().initialized end, 20)
  vim.cmd('Grepls TODO')
  if painted then
    if not vim.wait(20000, lists_closed, 200) then
      error(':GreplsList! never listed the closed file: ' .. vim.inspect(quickfix()))
    end
  else
    if not vim.wait(20000, holds_closed, 20) then
      error('no diagnostic for the closed file: ' .. vim.inspect(held()))
    end
    vim.diagnostic.setqflist({ open = false })
    out.quickfix = quickfix()
  end
  out.diagnostics = held()
  out.listed_all = list_all()
  local client = grepls_client()
  local listed
  local params = { command = 'grepls.listMatches', arguments = {} }
  local function handler(err, result)
    listed = err and { error = err.message } or result
  end
  if vim.fn.has('nvim-0.11') == 1 then
    client:request('workspace/executeCommand', params, handler, 0)
  else
    client.request('workspace/executeCommand', params, handler, 0)
  end
  if not vim.wait(20000, function() return listed ~= nil end, 20) then
    error('grepls.listMatches did not answer')
  end
  out.listed = listed
  out.pull = client.server_capabilities.diagnosticProvider ~= nil
  out.ok = true
end)
if not ok then
  table.insert(out.errors, tostring(problem))
end
vim.fn.writefile({ vim.json.encode(out) }, os.getenv('GREPLS_OUT'))
vim.cmd(out.ok and 'qa!' or 'cquit!')

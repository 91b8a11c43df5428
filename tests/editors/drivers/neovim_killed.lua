-- grepls's module paints the matches; the server is then killed from outside: no mark may stay
-- (nothing keeps them right any more), nor the counts. Writes {ok, before, after, status} as JSON
-- to $GREPLS_OUT.
local report = { ok = false }
local ns = require('grepls.highlights').namespace

local function marks()
  return #vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, {})
end

local function run()
  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  local function attached()
    local client = get_clients()[1]
    return client ~= nil and client.initialized and #vim.lsp.get_buffers_by_client_id(client.id) > 0
  end
  assert(vim.wait(20000, attached, 20), 'grepls attached')
  vim.cmd('Grepls TODO')
  assert(vim.wait(20000, function() return marks() == 2 end, 20), 'the matches painted')
  report.before = marks()
  vim.fn.jobstart({ 'pkill', '-KILL', '-P', tostring(vim.fn.getpid()), '-f', 'grepls' })
  assert(vim.wait(20000, function() return marks() == 0 end, 20), 'the marks taken away')
  report.after = marks()
  report.status = require('grepls.highlights').status()
  report.ok = true
end

local ok, err = pcall(run)
if not ok then
  report.error = tostring(err)
end
vim.fn.writefile({ vim.json.encode(report) }, vim.env.GREPLS_OUT)
vim.cmd(report.ok and 'qa!' or 'cquit!')

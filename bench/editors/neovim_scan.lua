-- Neovim's event loop while grepls scans a whole workspace (bench/workspace_neovim.py runs it in a
-- headless Neovim). A timer asks to run every 5 ms; how late each run comes is how long the loop
-- was busy with something else — mostly the scan's publishes, each turned into diagnostics of a
-- buffer of its own. A keystroke typed meanwhile waits as long. It opens one file of the tree,
-- starts grepls with the workspace scope, sets the pattern, and writes to GREPLS_BENCH_OUT (JSON):
-- every gap between two timer runs from the setPattern on, when each DiagnosticChanged came, and
-- how many diagnostics Neovim holds at the end.
local uv = vim.uv or vim.loop
local tree = assert(os.getenv('GREPLS_BENCH_TREE'))
local pattern = vim.json.decode(assert(os.getenv('GREPLS_BENCH_PATTERN')))
local cmd_env = {}
if os.getenv('GREPLS_BENCH_PYTHONPATH') then
  cmd_env.PYTHONPATH = os.getenv('GREPLS_BENCH_PYTHONPATH')
end

vim.cmd('edit ' .. vim.fn.fnameescape(tree .. '/' .. assert(os.getenv('GREPLS_BENCH_FILE'))))
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start({
  name = 'grepls',
  cmd = { assert(os.getenv('GREPLS_BENCH_PYTHON')), '-m', 'grepls' },
  cmd_env = cmd_env,
  root_dir = tree,
  init_options = {
    scope = 'workspace',
    maxFileSize = 1048576,
    maxWorkspaceMatches = 10000000,
    maxMatchesPerDocument = 1000000,
  },
}, { bufnr = buf })
local function ready()
  local client = id and vim.lsp.get_client_by_id(id)
  return client ~= nil and client.initialized == true
end
if not vim.wait(30000, ready, 10) then
  vim.cmd('cquit! 3')
end
local client = vim.lsp.get_client_by_id(id)

local gaps, changes = {}, {}
local started = uv.hrtime()
local last = started
local timer = uv.new_timer()
timer:start(5, 5, vim.schedule_wrap(function()
  local now = uv.hrtime()
  table.insert(gaps, (now - last) / 1e6)
  last = now
end))
vim.api.nvim_create_autocmd('DiagnosticChanged', {
  callback = function()
    table.insert(changes, (uv.hrtime() - started) / 1e6)
  end,
})
client:request('workspace/executeCommand', {
  command = 'grepls.setPattern',
  arguments = { pattern },
}, function() end, buf)

-- Done once no diagnostics have changed for two seconds (the scan's publishes come far faster).
local quiet_since = uv.hrtime()
local seen = 0
vim.wait(120000, function()
  if #changes ~= seen then
    seen = #changes
    quiet_since = uv.hrtime()
  end
  return seen > 0 and uv.hrtime() - quiet_since > 2e9
end, 100)
timer:stop()
local out = assert(io.open(assert(os.getenv('GREPLS_BENCH_OUT')), 'w'))
out:write(vim.json.encode({
  gaps_ms = gaps,
  changes_ms = changes,
  diagnostics = #vim.diagnostic.get(),
  buffers = #vim.api.nvim_list_bufs(),
}))
out:close()
client:stop(true)
vim.cmd('qall!')

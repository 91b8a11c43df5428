-- The commands about the current buffer, typed in buffers grepls does not serve: `:Grepls TODO`
-- and `:GreplsList` (which opens the quickfix window and goes there), then, in that window,
-- `:GreplsList`, `:GreplsNext` and `:GreplsReplace DONE`, and `:GreplsList!` (about no buffer:
-- every match in scope); then `:GreplsNext` in a new buffer with no file. Writes what each step
-- said (vim.notify), where it was typed, and what the quickfix list and the file's buffer hold,
-- as JSON to $GREPLS_OUT.
local out = { ok = false, said = {} }
local said = {}
vim.notify = function(message)
  table.insert(said, message)
end
local function wait_for(what, condition)
  if not vim.wait(20000, condition, 20) then
    error('timed out waiting for ' .. what .. ': ' .. vim.inspect(said), 0)
  end
end
-- What `command` says, waited for (an error from grepls is an answer: it comes later).
local function run(command)
  said = {}
  vim.cmd(command)
  vim.wait(500, function() return #said > 0 end, 20)
  vim.wait(200, function() return false end, 20) -- a second message, if any, comes too
  table.insert(out.said, { command = command, buftype = vim.bo.buftype, said = said })
end
local ok, problem = pcall(function()
  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  wait_for('grepls to attach', function() return #get_clients() > 0 end)
  local file = vim.api.nvim_get_current_buf()
  vim.cmd('Grepls TODO')
  wait_for('the pattern', function() return #said > 0 end)
  vim.cmd('GreplsList')
  wait_for('the quickfix list', function() return #vim.fn.getqflist() == 2 end)
  run('GreplsList')
  run('GreplsNext')
  run('GreplsReplace DONE')
  vim.fn.setqflist({}, 'r')
  said = {}
  vim.cmd('GreplsList!')
  wait_for('every match listed', function() return #vim.fn.getqflist() == 2 end)
  out.listed = #vim.fn.getqflist()
  vim.cmd('enew')
  run('GreplsNext')
  out.lines = vim.api.nvim_buf_get_lines(file, 0, -1, false)
  out.ok = true
end)
if not ok then
  out.error = tostring(problem)
end
vim.fn.writefile({ vim.json.encode(out) }, os.getenv('GREPLS_OUT'))
vim.cmd(out.ok and 'qa!' or 'cquit!')

-- Walks the steps in $GREPLS_STEPS (JSON): { run = EX-COMMAND } runs a command, { wait = N }
-- waits until grepls's diagnostics in the current buffer are N and records them (line, column,
-- code) with what `:GreplsRemove <Tab>` offers then; { lua = CODE } runs CODE (a chunk) until it
-- returns a value (5 s at most; the messages so far are `_G.grepls_said`) and records it as
-- { value = ... }. Writes the records and the messages (vim.notify) as JSON to $GREPLS_OUT. Run once per session of a test that starts
-- editors several times on one project.
local out = { ok = false, seen = {}, messages = {} }
_G.grepls_said = out.messages
vim.notify = function(message)
  table.insert(out.messages, message)
end
local function shown()
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(found, { d.lnum, d.col, d.code })
  end
  table.sort(found, function(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end)
  return found
end
local ok, problem = pcall(function()
  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  if not vim.wait(20000, function() return #get_clients() > 0 end, 20) then
    error('grepls never attached', 0)
  end
  for _, step in ipairs(vim.json.decode(os.getenv('GREPLS_STEPS'))) do
    if step.run then
      vim.cmd(step.run)
    elseif step.lua then
      local chunk = assert((loadstring or load)(step.lua))
      local value
      vim.wait(5000, function()
        value = chunk()
        return value ~= nil
      end, 20)
      table.insert(out.seen, { value = value == nil and vim.NIL or value })
    else
      vim.wait(20000, function() return #shown() == step.wait end, 20)
      vim.wait(300) -- long enough for a pattern that should not be there to show too
      table.insert(out.seen, {
        shown = shown(),
        offered = vim.fn.getcompletion('GreplsRemove ', 'cmdline'),
      })
    end
  end
  out.ok = true
end)
if not ok then
  out.error = tostring(problem)
end
vim.fn.writefile({ vim.json.encode(out) }, os.getenv('GREPLS_OUT'))
vim.cmd(out.ok and 'qa!' or 'cquit!')

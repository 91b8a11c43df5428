-- Sets the pattern with :Grepls, then walks the matches with :GreplsNext and :GreplsPrev from the
-- top (the last two with counts), recording where each jump leaves the cursor ([line, byte column], 1-based) and what it
-- echoed, and writes the walk as JSON to $GREPLS_OUT. Each jump waits for the cursor to move (20 s
-- at most).
local out = { ok = false, walk = {}, said = {} }
-- What the jumps put on the message line (passed on as it was; grepls's other messages, such as
-- the cap's, are left out).
local echo = vim.api.nvim_echo
vim.api.nvim_echo = function(chunks, history, opts)
  local text = ''
  for _, chunk in ipairs(chunks) do text = text .. chunk[1] end
  if text:find('^grepls: match') then
    out.said[#out.said + 1] = text
  end
  return echo(chunks, history, opts)
end
local ok, problem = pcall(function()
  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  if not vim.wait(20000, function() return #get_clients() > 0 end, 20) then
    error('grepls did not attach')
  end
  local listed
  vim.cmd('Grepls TODO')
  -- The pattern is in force once grepls lists a match.
  local client = get_clients()[1]
  local function ask()
    local params = { command = 'grepls.listMatches', arguments = { vim.uri_from_bufnr(0) } }
    local handler = function(_, result) listed = result end
    if vim.fn.has('nvim-0.11') == 1 then
      client:request('workspace/executeCommand', params, handler, 0)
    else
      client.request('workspace/executeCommand', params, handler, 0)
    end
  end
  if not vim.wait(20000, function()
    if listed and #listed > 0 then return true end
    ask()
    return false
  end, 100) then
    error('no match listed')
  end
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  out.said = {}
  local steps = { 'GreplsNext', 'GreplsNext', 'GreplsNext', 'GreplsNext', 'GreplsNext', 'GreplsPrev',
                  '2GreplsNext', 'GreplsPrev 3' }
  for _, step in ipairs(steps) do
    local before = vim.api.nvim_win_get_cursor(0)
    vim.cmd(step)
    vim.wait(20000, function()
      return not vim.deep_equal(vim.api.nvim_win_get_cursor(0), before)
    end, 10)
    local cursor = vim.api.nvim_win_get_cursor(0)
    table.insert(out.walk, { cursor[1], cursor[2] + 1 })
  end
  out.ok = true
end)
if not ok then
  out.error = tostring(problem)
end
vim.fn.writefile({ vim.json.encode(out) }, os.getenv('GREPLS_OUT'))
vim.cmd(out.ok and 'qa!' or 'cquit!')

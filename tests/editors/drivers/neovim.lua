-- Drives Neovim (0.7+) through the grepls plan: set the pattern with :Grepls, edit the buffer,
-- list matches with :GreplsList, paint them through CursorHold, clear them with :GreplsClear.
-- It records what Neovim itself holds (vim.diagnostic.get, the quickfix list, highlight
-- extmarks) into a JSON report for the Python test to judge, and exits non-zero on any timeout.
local plan = vim.json.decode(table.concat(vim.fn.readfile(os.getenv('GREPLS_PLAN')), '\n'))
local report = { phases = {}, errors = {}, version = tostring(vim.version().major) .. '.'
  .. tostring(vim.version().minor) .. '.' .. tostring(vim.version().patch) }
local buf = vim.api.nvim_get_current_buf()

local function finish()
  vim.fn.writefile({ vim.json.encode(report) }, plan.out)
  vim.cmd(#report.errors == 0 and 'qa!' or 'cquit!')
end

local function wait_for(what, condition)
  if not vim.wait(plan.wait_ms, condition, 20) then
    error('timed out waiting for ' .. what, 0)
  end
end

-- With GREPLS_DRIVER_CHANNEL=highlights (the README's nvim-highlights snippets) the matches are
-- grepls's extmarks, each recorded with the text it covers, and Neovim must hold no diagnostic.
local painted = os.getenv('GREPLS_DRIVER_CHANNEL') == 'highlights'

local function marks()
  local namespace = vim.api.nvim_get_namespaces().grepls_highlights
  local held = {}
  for _, mark in ipairs(namespace and vim.api.nvim_buf_get_extmarks(buf, namespace, 0, -1,
      { details = true }) or {}) do
    local text = vim.api.nvim_buf_get_text(buf, mark[2], mark[3], mark[2], mark[4].end_col, {})
    if mark[4].end_col > mark[3] then -- a mark whose text was deleted is empty, and not shown
      table.insert(held, {
        line = mark[2], col = mark[3], end_line = mark[2], end_col = mark[4].end_col,
        message = 'painted "' .. table.concat(text, '\n') .. '"', group = mark[4].hl_group,
      })
    end
  end
  return held
end

local function diagnostics()
  if painted then
    return marks()
  end
  local held = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(held, {
      line = d.lnum, col = d.col, end_line = d.end_lnum, end_col = d.end_col,
      message = d.message, source = d.source, severity = d.severity,
    })
  end
  table.sort(held, function(a, b) return a.line < b.line or (a.line == b.line and a.col < b.col) end)
  return held
end

local function record(name)
  table.insert(report.phases, {
    name = name,
    lines = vim.api.nvim_buf_get_lines(buf, 0, -1, true),
    diagnostics = diagnostics(),
    neovim_diagnostics = #vim.diagnostic.get(buf),
  })
end

-- Whether the matches shown are the expected count, and (painted) those of the text as it is.
local function shown(expected)
  if painted and vim.b[buf].grepls_drawn ~= vim.lsp.util.buf_versions[buf] then
    return false
  end
  return #diagnostics() == expected
end

local function grepls_attached()
  for _, client in pairs((vim.lsp.get_clients or vim.lsp.get_active_clients)()) do
    if client.name == 'grepls' and vim.lsp.buf_is_attached(buf, client.id) then
      return true
    end
  end
  return false
end

local function apply(edit)
  if edit.kind == 'insert' then
    vim.api.nvim_buf_set_text(buf, edit.line, edit.col, edit.line, edit.col, { edit.text })
  elseif edit.kind == 'delete_line' then
    vim.api.nvim_buf_set_lines(buf, edit.line, edit.line + 1, true, {})
  else
    error('unknown edit ' .. vim.inspect(edit))
  end
  -- Neovim fires TextChanged from its main loop, which vim.wait below never lets it reach.
  vim.api.nvim_exec_autocmds('TextChanged', { buffer = buf })
end

local function run()
  report.filetype = vim.bo[buf].filetype
  wait_for('grepls to attach to the buffer', grepls_attached)

  vim.cmd('Grepls ' .. plan.pattern)
  for index, name in ipairs(plan.phases) do
    if index > 1 then
      apply(plan.edits[index - 1])
    end
    local expected = plan.expected_counts[index]
    wait_for(name .. ': ' .. expected .. ' matches shown', function()
      return shown(expected)
    end)
    record(name)
  end
  local final_count = plan.expected_counts[#plan.expected_counts]

  vim.fn.setqflist({}, 'r', { title = 'empty', items = {} })
  vim.cmd('GreplsList')
  wait_for('the quickfix list from :GreplsList', function()
    return vim.fn.getqflist({ title = 1 }).title == 'grepls'
  end)
  report.quickfix = {}
  for _, item in ipairs(vim.fn.getqflist()) do
    table.insert(report.quickfix, { lnum = item.lnum, col = item.col, text = item.text })
  end
  vim.cmd('wincmd p')

  -- Neovim 0.11 renamed the namespace document highlights are painted in.
  local references = vim.api.nvim_create_namespace(
    vim.fn.has('nvim-0.11') == 1 and 'nvim.lsp.references' or 'vim_lsp_references')
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.cmd('doautocmd CursorHold')
  if painted then
    -- The module paints the matches: the CursorHold painting steps aside (nothing comes of it).
    vim.wait(500, function() return false end, 20)
  else
    wait_for(final_count .. ' painted highlights', function()
      return #vim.api.nvim_buf_get_extmarks(buf, references, 0, -1, {}) == final_count
    end)
  end
  report.highlights = {}
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(buf, references, 0, -1, { details = true })) do
    table.insert(report.highlights, { line = mark[2], col = mark[3], end_col = mark[4].end_col })
  end
  table.sort(report.highlights, function(a, b)
    return a.line < b.line or (a.line == b.line and a.col < b.col)
  end)

  local notify = vim.notify
  vim.notify = function(message)
    report.cleared = message
  end
  vim.cmd('GreplsClear')
  wait_for('no matches shown after :GreplsClear', function()
    return #diagnostics() == 0 and report.cleared ~= nil
  end)
  vim.notify = notify
  record('clear')
end

local ok, err = xpcall(run, debug.traceback)
if not ok then
  table.insert(report.errors, tostring(err))
  pcall(record, 'failed')
end
finish()

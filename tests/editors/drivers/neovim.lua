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

local function diagnostics()
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
  })
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
    wait_for(name .. ': ' .. expected .. ' diagnostics', function()
      return #vim.diagnostic.get(buf) == expected
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
  wait_for(final_count .. ' painted highlights', function()
    return #vim.api.nvim_buf_get_extmarks(buf, references, 0, -1, {}) == final_count
  end)
  report.highlights = {}
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(buf, references, 0, -1, { details = true })) do
    table.insert(report.highlights, { line = mark[2], col = mark[3], end_col = mark[4].end_col })
  end
  table.sort(report.highlights, function(a, b)
    return a.line < b.line or (a.line == b.line and a.col < b.col)
  end)

  vim.cmd('GreplsClear')
  wait_for('no diagnostics after :GreplsClear', function()
    return #vim.diagnostic.get(buf) == 0
  end)
  record('clear')
end

local ok, err = xpcall(run, debug.traceback)
if not ok then
  table.insert(report.errors, tostring(err))
  pcall(record, 'failed')
end
finish()

-- Drives Neovim (0.7+) through the README's replace: :Grepls, :GreplsReplace, undo, then the
-- code actions "Replace this match…" and "Replace all N matches…", answering their prompt the way
-- a user would (vim.ui.select picks the action by title, vim.ui.input types the replacement).
-- It records the buffer's lines after each step into a JSON report for the Python test to judge.
local plan = vim.json.decode(table.concat(vim.fn.readfile(os.getenv('GREPLS_PLAN')), '\n'))
local report = { phases = {}, errors = {}, prompts = {} }
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

local function lines()
  return vim.api.nvim_buf_get_lines(buf, 0, -1, true)
end

local function holds(expected)
  return function()
    return vim.deep_equal(lines(), expected)
  end
end

local function record(name)
  table.insert(report.phases, { name = name, lines = lines() })
end

local function grepls_attached()
  for _, client in pairs(vim.lsp.get_active_clients()) do
    if client.name == 'grepls' and vim.lsp.buf_is_attached(buf, client.id) then
      return true
    end
  end
  return false
end

-- The user picks the action titled `title` (or starting with it) and types `replacement`.
local function answer(title, replacement)
  vim.ui.select = function(items, opts, on_choice)
    for _, item in ipairs(items) do
      local shown = opts.format_item and opts.format_item(item) or tostring(item)
      if shown:sub(1, #title) == title then
        return on_choice(item)
      end
    end
    error('no code action titled ' .. title, 0)
  end
  vim.ui.input = function(opts, on_confirm)
    table.insert(report.prompts, opts.prompt)
    on_confirm(replacement)
  end
end

local function run()
  wait_for('grepls to attach to the buffer', grepls_attached)
  vim.cmd('Grepls ' .. plan.pattern)
  wait_for(plan.count .. ' diagnostics', function()
    return #vim.diagnostic.get(buf) == plan.count
  end)
  record('set')

  vim.cmd('let &undolevels = &undolevels') -- close the undo block: `u` undoes the replace alone
  vim.cmd('GreplsReplace ' .. plan.replacement)
  wait_for('the replaced text', holds(plan.expected.replaced))
  record('replaced')
  vim.cmd('undo')
  wait_for('the text back after undo', holds(plan.expected.undone))
  record('undone')
  wait_for(plan.count .. ' diagnostics again', function()
    return #vim.diagnostic.get(buf) == plan.count
  end)

  vim.api.nvim_win_set_cursor(0, { plan.action.line + 1, plan.action.byte_col })
  answer('Replace this match', plan.action.one)
  vim.lsp.buf.code_action()
  wait_for('one match replaced by the code action', holds(plan.expected.one))
  record('one')
  vim.api.nvim_win_set_cursor(0, { plan.action.all_line + 1, plan.action.all_byte_col })
  answer('Replace all ', plan.action.all)
  vim.lsp.buf.code_action()
  wait_for('every match replaced by the code action', holds(plan.expected.all))
  record('all')
end

local ok, err = xpcall(run, debug.traceback)
if not ok then
  table.insert(report.errors, tostring(err))
  pcall(record, 'failed')
end
finish()

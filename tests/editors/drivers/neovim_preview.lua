-- Types `:Grepls TO` (or the command $GREPLS_COMMAND names), then `DO`, into Neovim's real
-- command line (a terminal UI on a pty), and reads what the README's preview lit up on screen
-- before Enter; then Escape (nothing set), then the whole command with Enter (the pattern set).
-- A timer walks the steps: Neovim runs timers while the command line waits for keys, as it runs
-- the preview itself.
local out = os.getenv('GREPLS_OUT')
local buf = vim.api.nvim_get_current_buf()
local report = { steps = {} }
local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
local deadline = vim.loop.now() + 20000
local step = 1
local command = os.getenv('GREPLS_COMMAND') or 'Grepls'

local function finish(err)
  report.error = err
  local file = io.open(out, 'w')
  file:write(vim.json.encode(report))
  file:close()
  vim.cmd('qa!')
end

local function type_keys(keys)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(keys, true, false, true), 'nt', false)
end

-- What the screen shows of the preview, read off Neovim's own screen grid (the preview's
-- highlights are undone whenever Neovim handles an event, a timer's included, and drawn again
-- after it): the count label at the top right, in the preview's highlight, and each run of cells
-- of the text's rows in that same highlight, as {row, first cell, end cell}, from 0.
local rows = tonumber(os.getenv('GREPLS_ROWS'))
local lit_attr

local function previewed()
  local columns = vim.o.columns
  local plain = vim.fn.screenattr(3, 1) -- "nothing here": never a match
  local label_attr = vim.fn.screenattr(1, columns)
  local count, label_start = nil, columns + 1
  if label_attr ~= plain then
    count = ''
    while label_start > 1 and vim.fn.screenattr(1, label_start - 1) == label_attr do
      label_start = label_start - 1
      count = vim.fn.screenstring(1, label_start) .. count
    end
    lit_attr = label_attr
  end
  local lit = {}
  if lit_attr then
    for row = 1, rows do
      local run_start
      local last = row == 1 and label_start - 1 or columns
      for cell = 1, last + 1 do
        local on = cell <= last and vim.fn.screenattr(row, cell) == lit_attr
        if on and not run_start then
          run_start = cell
        elseif not on and run_start then
          table.insert(lit, { row - 1, run_start - 1, cell - 1 })
          run_start = nil
        end
      end
    end
  end
  return lit, count
end

local function grepls_patterns()
  local client = get_clients()[1]
  local params = { command = 'grepls.listPatterns', arguments = {} }
  local response = vim.fn.has('nvim-0.11') == 1
    and client:request_sync('workspace/executeCommand', params, 2000, buf)
    or client.request_sync('workspace/executeCommand', params, 2000, buf)
  return #response.result
end

local wanted = tonumber(os.getenv('GREPLS_WANTED_TO'))
local wanted_todo = tonumber(os.getenv('GREPLS_WANTED_TODO'))
local wanted_diagnostics = tonumber(os.getenv('GREPLS_WANTED_DIAGNOSTICS'))

local steps = {
  function() -- grepls attached: type the start of the command
    if #get_clients() == 0 or not vim.lsp.buf_is_attached(buf, get_clients()[1].id) then
      return false
    end
    type_keys(':' .. command .. ' TO')
    return true
  end,
  function()
    local lit, count = previewed()
    if vim.fn.mode() ~= 'c' or #lit ~= wanted then
      return false
    end
    table.insert(report.steps, { typed = vim.fn.getcmdline(), lit = lit, count = count })
    type_keys('DO')
    return true
  end,
  function()
    local lit, count = previewed()
    if vim.fn.mode() ~= 'c' or #lit ~= wanted_todo or vim.fn.getcmdline() ~= command .. ' TODO' then
      return false
    end
    table.insert(report.steps, { typed = vim.fn.getcmdline(), lit = lit, count = count,
      diagnostics = #vim.diagnostic.get(buf) })
    type_keys('<Esc>')
    return true
  end,
  function()
    if vim.fn.mode() ~= 'n' then
      return false
    end
    local lit = previewed()
    table.insert(report.steps, { escaped = true, lit = lit, patterns = grepls_patterns(),
      diagnostics = #vim.diagnostic.get(buf) })
    type_keys(':' .. command .. ' TODO<CR>')
    return true
  end,
  function()
    if #vim.diagnostic.get(buf) ~= wanted_diagnostics then
      return false
    end
    table.insert(report.steps, { entered = true, patterns = grepls_patterns() })
    return true
  end,
}

local timer = vim.loop.new_timer()
timer:start(50, 20, vim.schedule_wrap(function()
  if step > #steps then
    return
  end
  local ok, done = pcall(steps[step])
  if not ok then
    step = #steps + 1
    timer:stop()
    finish(tostring(done))
  elseif done then
    step = step + 1
    if step > #steps then
      timer:stop()
      finish(nil)
    end
  elseif vim.loop.now() > deadline then
    local lit, count = previewed()
    step = #steps + 1
    timer:stop()
    finish(string.format('timed out at step %d (mode %s, cmdline %q, %d lit, count %s)', step,
      vim.fn.mode(), vim.fn.getcmdline(), #lit, tostring(count)))
  end
end))

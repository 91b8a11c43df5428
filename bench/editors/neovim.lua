-- The bench's eyes inside Neovim (0.7 and newer), which runs in a terminal as a user's would.
-- The keystrokes come from outside (bench/editors/run.py types `P` and `dd` into the terminal);
-- this script only watches, from the event loop, without ever blocking it: it sets the pattern,
-- waits for the first matches, puts the cursor and a matching line in place, and then, every
-- millisecond, asks whether the typed line's match is on screen. Each change is written to the
-- events file with `vim.uv.hrtime()` (CLOCK_MONOTONIC, the clock the bench stamps keystrokes with).
local plan = vim.json.decode(table.concat(vim.fn.readfile(os.getenv('GREPLS_BENCH_PLAN')), '\n'))
local uv = vim.uv or vim.loop
local buf = vim.api.nvim_get_current_buf()
local events = assert(io.open(plan.events, 'a'))

local function event(name, extra)
  local line = string.format('{"event":"%s","mono":%d', name, uv.hrtime())
  events:write(line .. (extra and (',' .. extra) or '') .. '}\n')
  events:flush()
end

local function fail(message)
  event('error', string.format('"message":%q', message))
  vim.cmd('cquit!')
end

local function client()
  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  for _, c in pairs(get_clients()) do
    if c.name == 'grepls' and vim.lsp.buf_is_attached(buf, c.id) then
      return c
    end
  end
end

-- The semantic tokens' extmark namespace (named per client; the name changed in 0.11).
local function token_namespace()
  for name, id in pairs(vim.api.nvim_get_namespaces()) do
    if name:find('semantic_tokens:', 1, true) then
      return id
    end
  end
end

-- grepls's extmarks (the README's nvim-highlights) on lines [first, last] that cover text.
local function painted(first, last)
  local ns = vim.api.nvim_get_namespaces().grepls_highlights
  local count = 0
  for _, mark in ipairs(ns and vim.api.nvim_buf_get_extmarks(buf, ns, { first, 0 }, { last, -1 },
      { details = true }) or {}) do
    if mark[4].end_row ~= mark[2] or mark[4].end_col > mark[3] then
      count = count + 1
    end
  end
  return count
end

-- How many matches the editor holds (highlights: on screen; for the floor, whether it has painted
-- an answer yet, its one match being elsewhere), and whether one is on the target line.
local function shown_count()
  if plan.channel == 'highlights' then
    if plan.floor then
      return vim.b[buf].grepls_drawn ~= nil and 1 or 0
    end
    return painted(0, vim.api.nvim_buf_line_count(buf))
  end
  if plan.channel == 'tokens' then
    local ns = token_namespace()
    return ns and #vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, {}) or 0
  end
  return #vim.diagnostic.get(buf)
end

local function target_shown()
  if plan.channel == 'highlights' then
    return painted(plan.line, plan.line) > 0
  end
  if plan.channel == 'visible' then -- the README's nvim-visible-matches marks
    local ns = vim.api.nvim_get_namespaces().grepls_visible
    return ns ~= nil
      and #vim.api.nvim_buf_get_extmarks(buf, ns, { plan.line, 0 }, { plan.line, -1 }, {}) > 0
  end
  if plan.channel == 'tokens' then
    local ns = token_namespace()
    return ns ~= nil
      and #vim.api.nvim_buf_get_extmarks(buf, ns, { plan.line, 0 }, { plan.line, -1 }, {}) > 0
  end
  return #vim.diagnostic.get(buf, { lnum = plan.line }) > 0
end

-- Poll from a timer every `ms`, calling `step` on the main loop until it returns true.
local function every(ms, deadline_ms, what, step)
  local timer = uv.new_timer()
  local started = uv.now()
  timer:start(ms, ms, vim.schedule_wrap(function()
    if timer:is_closing() then
      return
    end
    local ok, done = pcall(step)
    if not ok then
      timer:close()
      fail(what .. ': ' .. tostring(done))
    elseif done then
      timer:close()
    elseif deadline_ms and uv.now() - started > deadline_ms then
      timer:close()
      fail('timed out waiting for ' .. what)
    end
  end))
end

local function watch()
  local want, shown = 'shown', 0
  local v = vim.version()
  event('ready', string.format('"version":"%d.%d.%d"', v.major, v.minor, v.patch))
  every(1, nil, 'the typed match', function()
    local visible = target_shown()
    if (want == 'shown') == visible then
      vim.cmd('redraw')
      event(want)
      if want == 'shown' then
        shown = shown + 1
        want = 'gone'
      else
        want = 'shown'
      end
    end
    if shown >= plan.rounds and want == 'shown' then
      event('done')
      events:close()
      vim.cmd('qa!')
      return true
    end
    return false
  end)
end

local function start()
  every(10, plan.wait_ms, 'grepls to attach', function()
    local c = client()
    if not c then
      return false
    end
    -- The cursor on the target line first: token extmarks are drawn for visible lines only.
    vim.api.nvim_win_set_cursor(0, { plan.line + 1, 0 })
    vim.fn.setreg('"', { plan.typed }, 'l')
    local kept = plan.patterns ~= vim.NIL and plan.patterns or nil
    local added, settled, last_count = 0, nil, nil
    if not kept then
      vim.cmd('Grepls ' .. plan.pattern)
    else -- kept patterns in place of the search pattern, as grepls.addPattern adds them
      for _, pattern in ipairs(kept) do
        local params = { command = 'grepls.addPattern', arguments = { pattern } }
        local on_reply = function(err)
          if err then
            fail('grepls.addPattern: ' .. vim.inspect(err))
          end
          added = added + 1
        end
        if vim.fn.has('nvim-0.11') == 1 then
          c:request('workspace/executeCommand', params, on_reply, buf)
        else
          c.request('workspace/executeCommand', params, on_reply, buf)
        end
      end
    end
    every(5, plan.wait_ms, plan.expected .. ' matches shown', function()
      if plan.channel == 'tokens' then
        vim.cmd('redraw')  -- token extmarks are placed as the window is drawn
      end
      if shown_count() < plan.expected then
        return false
      end
      if kept then
        -- Every pattern added, and the count steady for 0.2 s: the settings (the cap) may be
        -- answered after the first patterns were shown.
        local now = uv.now()
        local count = shown_count()
        -- Highlights: the count painted on screen, unchanged since the last look.
        local steady = plan.channel ~= 'highlights' or count == last_count
        last_count = count
        if added < #kept or not steady
          or count ~= plan.expected and plan.channel ~= 'tokens' and plan.channel ~= 'highlights' then
          settled = nil
          return false
        end
        settled = settled or now
        if now - settled < 200 then
          return false
        end
      end
      vim.cmd('redraw')
      watch()
      return true
    end)
    return true
  end)
end

vim.defer_fn(start, 0)

-- grepls's matches painted on the lines on screen, each pattern in its own colour, instead of
-- diagnostics. Neovim 0.7 and newer.
--
-- Model. A diagnostic is what an editor handles again, every one of a document's, at each publish:
-- at 1,000 matches Neovim spends 15-40 ms a keystroke over its floor on that, and with twenty
-- patterns half a second (README, "In real editors"). Here grepls publishes nothing: the client says it pulls diagnostics (with
-- `diagnostics = false`, a pull is answered with an empty list), and after each change, scroll
-- and pattern change the lines in each window showing the buffer are asked for
-- (`grepls.matchesInLines`: every match of every pattern on them, past `maxMatchesPerDocument`
-- too) and their extmarks replaced from the answer. A keystroke costs Neovim the lines on screen,
-- whatever the file's size or its number of matches. A scroll, a buffer shown and a pattern
-- change ask for a window's height more on each side as well, so that the lines a scroll brings
-- into view are painted already when Neovim draws them, not an answer later (a flash of
-- unpainted text at each page down); edits ask for the lines on screen only, the cheaper answer.
--
-- The patterns changed without an edit (set, added, removed, new settings): grepls sends
-- `workspace/diagnostic/refresh`, and every buffer is painted again. An answer for an older text
-- than the buffer's is dropped: the request made after the newer change follows it. (Neovim
-- sends the changes its `debounce_text_changes` holds back before any request about the buffer,
-- so a request is always answered for the text it was made on.)
--
-- Colours: `GreplsSearch` (linked to `Search`) for the search pattern, `GreplsPattern1` to
-- `GreplsPattern6` for kept patterns in the server's order (settings' patterns, then added ones),
-- as each answer's `counts` lists them: keep AAA and BBB, remove AAA, and BBB is GreplsPattern1. A
-- seventh kept pattern takes GreplsPattern1 again. Each group is defined only if the user has not.
--
-- `b:grepls_drawn` is the version of the text whose matches were painted last.
-- `require('grepls.highlights').status()` is the buffer's count of each pattern's matches for a
-- status line ("TODO 12, FIXME 3+"), from the same answers.
--
-- Use: `vim.lsp.config('grepls', require('grepls.highlights').config())` (0.11 and newer), or
-- `vim.lsp.start_client(require('grepls.highlights').config({ name = 'grepls', ... }))` (0.7 to
-- 0.10): `config(base)` is `base` with what this needs added (capabilities, initialization
-- option, the refresh handler, `on_init` and `on_attach` that run `base`'s too, or with no
-- `base` the ones `vim.lsp.config` already holds for grepls).

local M = {}

M.namespace = vim.api.nvim_create_namespace('grepls_highlights')

local SEARCH_ID = 'search'
local PALETTE = {
  { 229, '#ffef9f' }, { 153, '#b4dcff' }, { 194, '#c8f5c8' },
  { 218, '#ffc0e0' }, { 223, '#ffd8b0' }, { 189, '#dcd2ff' },
}

local statuses = {} -- buffer -> its status line text, from the last answer painted
local stale = {} -- buffer -> true when the patterns changed: its marks off screen are outdated
local attached = {} -- client id -> { buffer -> true }: whose marks go when that server does

local function define_highlights()
  vim.cmd('highlight default link GreplsSearch Search')
  for index, colour in ipairs(PALETTE) do
    vim.cmd(string.format(
      'highlight default GreplsPattern%d ctermfg=16 ctermbg=%d guifg=#000000 guibg=%s',
      index, colour[1], colour[2]))
  end
end

-- Pattern id -> highlight group, for the patterns of an answer's `counts` (every pattern in force,
-- in the server's order): the kept ones take the colours in turn, whatever was kept or removed
-- before.
local function groups_of(counts)
  local groups, kept = { [SEARCH_ID] = 'GreplsSearch' }, 0 -- the search pattern's, counted or not
  for _, count in ipairs(type(counts) == 'table' and counts or {}) do
    if count.id == SEARCH_ID then
      groups[count.id] = 'GreplsSearch'
    else
      groups[count.id] = 'GreplsPattern' .. (kept % #PALETTE + 1)
      kept = kept + 1
    end
  end
  return groups
end

local function request(client, method, params, handler, buf)
  if vim.fn.has('nvim-0.11') == 1 then
    client:request(method, params, handler, buf)
  else
    client.request(method, params, handler, buf)
  end
end

local function execute(client, command, arguments, handler, buf)
  local params = { command = command, arguments = arguments }
  request(client, 'workspace/executeCommand', params, handler, buf)
end

local function grepls_client(buf)
  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  for _, client in pairs(get_clients()) do
    if client.name == 'grepls' and vim.lsp.buf_is_attached(buf, client.id) then
      return client
    end
  end
end

local byte_column = require('grepls.columns').byte_column

-- The lines `win` shows (and, with `margin`, a window's height more above and below) asked for;
-- their marks replaced from the answer.
local function paint_window(client, buf, win, margin)
  local first, last = vim.fn.line('w0', win) - 1, vim.fn.line('w$', win)
  if first < 0 or last <= first then
    return
  end
  if margin then
    local height = vim.api.nvim_win_get_height(win)
    first = math.max(0, first - height)
    last = math.min(vim.api.nvim_buf_line_count(buf), last + height)
  end
  local arguments = { vim.uri_from_bufnr(buf), first, last }
  execute(client, 'grepls.matchesInLines', arguments, function(err, result)
    if err or type(result) ~= 'table' or type(result.version) ~= 'number'
        or not vim.api.nvim_buf_is_loaded(buf) then
      return
    end
    if result.version ~= vim.lsp.util.buf_versions[buf] then
      return -- a newer change's request follows this one
    end
    local lines = vim.api.nvim_buf_get_lines(buf, first, last, false)
    local encoding = client.offset_encoding or 'utf-16'
    -- After a pattern change the whole buffer's marks go, but only once the new ones are here:
    -- clearing them sooner would leave the screen blank for a moment.
    if stale[buf] then
      vim.api.nvim_buf_clear_namespace(buf, M.namespace, 0, -1)
    else
      vim.api.nvim_buf_clear_namespace(buf, M.namespace, first, last)
    end
    stale[buf] = nil
    local groups = groups_of(result.counts)
    for id, flat in pairs(result.matches) do
      local options = { hl_group = groups[id], priority = id == SEARCH_ID and 201 or 200 }
      for i = 1, #flat, 3 do
        local line = flat[i]
        local text = lines[line - first + 1]
        if text then
          options.end_col = byte_column(text, flat[i + 2], encoding)
          local start = byte_column(text, flat[i + 1], encoding)
          vim.api.nvim_buf_set_extmark(buf, M.namespace, line, start, options)
        end
      end
    end
    vim.b[buf].grepls_drawn = result.version
    local status = M.status_of(result.counts)
    if status ~= statuses[buf] then
      statuses[buf] = status
      vim.cmd('redrawstatus!')
    end
  end, buf)
end

--- Each pattern's count as a status line says it: "TODO 12, FIXME 3+" ("+": grepls has counted
--- only part of the document, past maxMatchesPerDocument), in the server's order.
function M.status_of(counts)
  local parts = {}
  for _, count in ipairs(type(counts) == 'table' and counts or {}) do
    table.insert(parts, string.format('%s %d%s', count.pattern, count.matches,
      count.complete and '' or '+'))
  end
  return table.concat(parts, ', ')
end

--- The status line text of `buf` (the current buffer by default): '' until grepls has painted it.
function M.status(buf)
  buf = (buf == nil or buf == 0) and vim.api.nvim_get_current_buf() or buf
  return statuses[buf] or ''
end

-- Every window showing `buf` asks for its lines (with `margin`, and the lines around them).
local function paint_buffer(buf, margin)
  local client = grepls_client(buf)
  if not client then
    return
  end
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    paint_window(client, buf, win, margin)
  end
end

local function on_refresh(_, _, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if client then
    for _, buf in ipairs(vim.lsp.get_buffers_by_client_id(client.id)) do
      stale[buf] = true
      paint_buffer(buf, true)
    end
  end
  return vim.NIL
end

local function paint_shown_buffers()
  local seen = {}
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    local buf = vim.api.nvim_win_get_buf(win)
    if not seen[buf] then
      seen[buf] = true
      paint_buffer(buf, true)
    end
  end
end

local set_up = false

local function set_up_once()
  if set_up then
    return
  end
  set_up = true
  define_highlights()
  local group = vim.api.nvim_create_augroup('grepls_highlights', { clear = true })
  -- A colour scheme clears highlight groups: define ours again.
  vim.api.nvim_create_autocmd('ColorScheme', { group = group, callback = define_highlights })
  vim.api.nvim_create_autocmd({ 'TextChanged', 'TextChangedI' }, {
    group = group,
    callback = function(args)
      paint_buffer(args.buf)
    end,
  })
  vim.api.nvim_create_autocmd('BufWinEnter', {
    group = group,
    callback = function(args)
      paint_buffer(args.buf, true)
    end,
  })
  vim.api.nvim_create_autocmd('WinScrolled', { group = group, callback = paint_shown_buffers })
  vim.api.nvim_create_autocmd('BufUnload', {
    group = group,
    callback = function(args)
      statuses[args.buf], stale[args.buf] = nil, nil
    end,
  })
end

--- `base` (a client config) with what painting needs: the client says it pulls diagnostics and
--- takes grepls's refresh; grepls answers a pull with no diagnostics; each buffer is painted
--- when attached.
function M.config(base)
  set_up_once()
  base = base or {}
  local capabilities = vim.tbl_deep_extend('force', vim.lsp.protocol.make_client_capabilities(),
    base.capabilities or {}, {
      textDocument = { diagnostic = { dynamicRegistration = false } },
      workspace = { diagnostics = { refreshSupport = true } },
    })
  -- Settings given as initialization options are either grepls's section or hold it (`grepls`).
  local init_options = vim.deepcopy(base.init_options or {})
  if type(init_options.grepls) == 'table' or next(init_options) == nil then
    init_options.grepls = init_options.grepls or {}
    init_options.grepls.diagnostics = false
  else
    init_options.diagnostics = false
  end
  -- Neovim 0.11+ merges this into the config it holds for grepls, where a function replaces the
  -- one before it: chain the user's own, from there when no base is given.
  local held = base
  if next(held) == nil and type(vim.lsp.config) == 'table' then
    held = vim.lsp.config.grepls or {}
  end
  local base_on_init, base_on_attach, base_on_exit = held.on_init, held.on_attach, held.on_exit
  return vim.tbl_deep_extend('force', base, {
    capabilities = capabilities,
    init_options = init_options,
    handlers = { ['workspace/diagnostic/refresh'] = on_refresh },
    -- Neovim 0.10 and newer pull diagnostics after every change, and ask for semantic tokens,
    -- from a server that offers them. Here the pull answers are empty and the tokens unused, yet
    -- each is a message both ways per keystroke (and tokens Neovim draws itself): Neovim is not
    -- told of either.
    on_init = function(client, result)
      client.server_capabilities.diagnosticProvider = nil
      client.server_capabilities.semanticTokensProvider = nil
      if base_on_init then
        return base_on_init(client, result)
      end
    end,
    on_attach = function(client, buf)
      attached[client.id] = attached[client.id] or {}
      attached[client.id][buf] = true
      paint_buffer(buf, true)
      if base_on_attach then
        base_on_attach(client, buf)
      end
    end,
    -- The server is gone (stopped, or died): nothing keeps its buffers' marks right any more,
    -- so none stay there, nor the counts. Another project's grepls goes on with its own.
    on_exit = function(code, signal, client_id)
      local its = attached[client_id] or {}
      attached[client_id] = nil
      vim.schedule(function()
        for buf in pairs(its) do
          if vim.api.nvim_buf_is_loaded(buf) then
            vim.api.nvim_buf_clear_namespace(buf, M.namespace, 0, -1)
          end
          statuses[buf], stale[buf] = nil, nil
        end
        vim.cmd('redrawstatus!')
      end)
      if base_on_exit then
        return base_on_exit(code, signal, client_id)
      end
    end,
  })
end

return M

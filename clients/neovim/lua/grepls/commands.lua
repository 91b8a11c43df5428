-- grepls's commands for Neovim 0.7 and newer: `require('grepls.commands')` once, with grepls's
-- client config (`lsp/grepls.lua` with `vim.lsp.enable`, or `vim.lsp.start_client`) set up.
--
-- :Grepls, :GreplsRegex (the search pattern; previewed as typed in 0.8+), :GreplsClear;
-- :GreplsAdd, :GreplsAddRegex (kept patterns, previewed too), :GreplsRemove (<Tab> offers the
-- ids), :GreplsPatterns; :GreplsNext, :GreplsPrev (the nearest match of any pattern, anywhere in
-- the buffer, "match 3 of 120"); :GreplsList[!] (the quickfix list; !: every match in scope);
-- :GreplsReplace[!] and the prompt of grepls's replace code actions. Each is a
-- `workspace/executeCommand` to the running grepls client; its answer is shown with vim.notify.
-- Without grepls's highlights module, matches are painted while the cursor rests (grepls answers
-- documentHighlight with every match).
--
-- Kept patterns outlive the session (0.8+): each project's are saved in grepls's kept-patterns
-- file, shared with grepls's Vim plugin and Emacs package (see below).
--
-- `require('grepls.commands').execute(command, arguments, on_result)` sends any other grepls
-- command.

-- The grepls client serving `buf` (the current buffer): with two projects open, two grepls
-- clients run, and a command is about the buffer it is typed in. A buffer grepls does not serve
-- (a help page, the quickfix list) takes the only client there is, for the commands that are not
-- about one buffer (:Grepls, :GreplsList!). Those about it (:GreplsNext, :GreplsList,
-- :GreplsReplace) give `instead` (what to type for their other form, or ''): there, none, and
-- the user told (grepls would only answer that it has no such document).
local function grepls_client(quiet, buf, instead)
  buf = buf or vim.api.nvim_get_current_buf()
  local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
  local running = {}
  for _, client in pairs(get_clients()) do
    if client.name == 'grepls' then
      if vim.lsp.buf_is_attached(buf, client.id) then
        return client
      end
      table.insert(running, client)
    end
  end
  if #running == 1 and not instead then
    return running[1]
  end
  if not quiet then
    -- Not running: most often not installed where Neovim looks (Neovim says nothing of that).
    local why = vim.fn.executable('grepls') == 0
      and ': no grepls program on PATH (see the README, Install)'
      or ' here (:checkhealth vim.lsp says why)'
    vim.notify(#running == 0 and 'grepls is not running' .. why
      or 'grepls: this buffer is not open in grepls' .. (instead or ''), vim.log.levels.WARN)
  end
end

-- Send `command` to `client` about `buf`: on_result(result, client), or on_error(err, client)
-- (without it, the error is shown).
local function grepls_request(client, buf, command, arguments, on_result, on_error)
  local params = { command = command, arguments = arguments }
  local function handler(err, result)
    if err and on_error then
      on_error(err, client)
    elseif err then
      vim.notify('grepls: ' .. err.message, vim.log.levels.ERROR)
    elseif on_result then
      on_result(result, client)
    end
  end
  if vim.fn.has('nvim-0.11') == 1 then
    client:request('workspace/executeCommand', params, handler, buf)
  else
    client.request('workspace/executeCommand', params, handler, buf)
  end
end

-- Send `command` to the grepls client of the current buffer.
local function grepls_execute(command, arguments, on_result, on_error)
  local client = grepls_client()
  if client then
    grepls_request(client, vim.api.nvim_get_current_buf(), command, arguments, on_result, on_error)
  end
end

-- `count`, then `one` or `many`: "1 match", "2 matches"; `more` ("+": at least that many) after
-- the count.
local function counted(count, one, many, more)
  more = more or ''
  return string.format('%d%s %s', count, more, (count == 1 and more == '') and one or many)
end

-- "+" after a count that stops at maxMatchesPerDocument in some buffer: a lower bound.
local function more(result)
  return result.complete == false and '+' or nil
end

local function report(result)
  vim.notify(string.format('grepls: %s of %s',
    counted(result.matches, 'match', 'matches', more(result)), vim.inspect(result.pattern)))
end

local grepls_byte = require('grepls.columns').byte_column

-- Ask grepls and wait for the answer (at most half a second), for what Neovim needs at once: a
-- preview, a completion. The result, or nil.
local function grepls_ask(client, command, arguments, buf)
  local params = { command = command, arguments = arguments }
  local response
  if vim.fn.has('nvim-0.11') == 1 then
    response = client:request_sync('workspace/executeCommand', params, 500, buf)
  else
    response = client.request_sync('workspace/executeCommand', params, 500, buf)
  end
  return response and response.result
end

-- Neovim 0.8 and newer ('inccommand' on, as by default): while :Grepls, :GreplsRegex,
-- :GreplsAdd or :GreplsAddRegex is typed, its matches light up on the lines on screen and their
-- count in the buffer shows at the top right, before Enter sets anything (grepls.previewPattern
-- tries a pattern without setting it).
local function grepls_preview(regex)
  return function(opts, ns)
    local client = grepls_client(true)
    local buf = vim.api.nvim_get_current_buf()
    if not client or opts.args == '' or not vim.lsp.buf_is_attached(buf, client.id) then
      return 0
    end
    local first, last = vim.fn.line('w0') - 1, vim.fn.line('w$')
    local query = { pattern = opts.args, regex = regex }
    local result = grepls_ask(client, 'grepls.previewPattern',
      { vim.uri_from_bufnr(buf), first, last, query }, buf)
    if type(result) ~= 'table' then
      return 0 -- a pattern grepls refuses (half a regex): nothing to show yet
    end
    local encoding = client.offset_encoding or 'utf-16'
    local lines = vim.api.nvim_buf_get_lines(buf, first, last, false)
    local flat = result.matches
    for i = 1, #flat, 3 do
      local text = lines[flat[i] - first + 1]
      if text then
        vim.api.nvim_buf_set_extmark(buf, ns, flat[i], grepls_byte(text, flat[i + 1], encoding),
          { end_col = grepls_byte(text, flat[i + 2], encoding), hl_group = 'IncSearch' })
      end
    end
    local count = counted(result.count, 'match', 'matches', not result.complete and '+' or nil)
    vim.api.nvim_buf_set_extmark(buf, ns, first, 0,
      { virt_text = { { ' ' .. count .. ' ', 'IncSearch' } }, virt_text_pos = 'right_align' })
    return 1
  end
end

local has_preview = vim.fn.has('nvim-0.8') == 1

vim.api.nvim_create_user_command('Grepls', function(opts)
  grepls_execute('grepls.setPattern', { opts.args }, report)
end, { nargs = 1, desc = 'grepls: show every match of a literal pattern',
       preview = has_preview and grepls_preview(false) or nil })

vim.api.nvim_create_user_command('GreplsRegex', function(opts)
  grepls_execute('grepls.setPattern', { { pattern = opts.args, regex = true } }, report)
end, { nargs = 1, desc = 'grepls: show every match of a regular expression',
       preview = has_preview and grepls_preview(true) or nil })

vim.api.nvim_create_user_command('GreplsClear', function()
  grepls_execute('grepls.clearPattern', nil, function()
    vim.notify('grepls: the search pattern is cleared')
  end)
end, { nargs = 0, desc = 'grepls: clear the pattern' })

-- Kept patterns, beside the search pattern. In Neovim 0.8 and newer they outlive the session:
-- each project's (the client's root folder) are saved in grepls's kept-patterns file,
-- $XDG_STATE_HOME/grepls/kept-patterns.json ({"folder": [addPattern argument, ...]}, shared with
-- grepls's Vim plugin and the Emacs commands), and added again when grepls attaches there. Set
-- vim.g.grepls_keep_patterns = false to keep them for the session only.
local grepls_kept = {} -- client id -> { { id = ..., argument = addPattern's argument }, ... }

local function grepls_kept_file()
  local state = vim.env.XDG_STATE_HOME
  if not state or state == '' then
    state = vim.fn.expand('~/.local/state')
  end
  return state .. '/grepls/kept-patterns.json'
end

-- `text` without a comma before a closing bracket or brace (outside strings): a slip of a hand
-- edit that Vim's and Emacs's JSON readers take and Neovim's refuses.
local function without_trailing_commas(text)
  local pieces, from, in_string = {}, 1, false
  local at = text:find('[\\",]')
  while at do
    local char, after = text:sub(at, at), at + 1
    if char == '\\' then
      after = at + 2 -- the escaped character is not a quote
    elseif char == '"' then
      in_string = not in_string
    elseif not in_string and text:find('^%s*[%]}]', at + 1) then
      table.insert(pieces, text:sub(from, at - 1))
      from = at + 1
    end
    at = text:find('[\\",]', after)
  end
  table.insert(pieces, text:sub(from))
  return table.concat(pieces)
end

-- The kept-patterns file: folder -> entries, {} when there is none yet. Nil and what is wrong
-- when it is there but is no JSON object: writing over it would lose every project's patterns.
local function grepls_read_kept()
  local file = grepls_kept_file()
  if vim.fn.filereadable(file) == 0 then
    if vim.fn.getftype(file) ~= '' then
      return nil, 'it cannot be read'
    end
    return {}
  end
  local text = table.concat(vim.fn.readfile(file), '\n')
  if not text:find('%S') then
    return {} -- written empty: nothing in it to lose
  end
  local ok, held = pcall(vim.fn.json_decode, without_trailing_commas(text))
  if not ok then
    -- The decoder's message goes on with the rest of the file: its first words say enough.
    return nil, tostring(held):match('E%d+: [^:]*') or tostring(held):sub(1, 80)
  end
  if type(held) ~= 'table' or held[1] ~= nil then
    return nil, 'not a JSON object'
  end
  return held
end

local damage_told = false -- a damaged file is told about once, not at every save

-- The kept-patterns file as it is now, or nil (told once) when it cannot be read as JSON.
local function grepls_kept_held()
  local held, problem = grepls_read_kept()
  if held then
    damage_told = false
  elseif not damage_told then
    damage_told = true
    vim.notify(string.format('grepls: %s is not valid JSON (%s): kept patterns are not saved until '
      .. 'it is fixed', grepls_kept_file(), problem), vim.log.levels.WARN)
  end
  return held
end

-- Runs `work` holding the kept-patterns file's lock, a folder beside it (made or refused in one
-- step, in every editor that writes the file): two sessions saving at once would otherwise each
-- write what they read, and the first one's change would be lost. A lock left by a session that
-- died is taken over after two seconds. What `work` returns, or why the folder cannot be made.
local function grepls_locked(work)
  local uv = vim.uv or vim.loop
  local file = grepls_kept_file()
  local made, problem = pcall(vim.fn.mkdir, vim.fn.fnamemodify(file, ':h'), 'p')
  if not made then
    return (tostring(problem):gsub('^Vim:', ''))
  end
  local lock = file .. '.lock'
  local deadline = uv.hrtime() + 2e9
  while true do
    local locked, why = uv.fs_mkdir(lock, 448)
    if locked or not tostring(why):match('^EEXIST') or uv.hrtime() > deadline then
      break
    end
    uv.sleep(5)
  end
  local done, result = pcall(work)
  uv.fs_rmdir(lock)
  if not done then
    error(result, 0)
  end
  return result
end

-- Writes `held` whole to a file beside the kept-patterns file, then renames it over that one: a
-- reader (another session, another editor) finds the old file or the new one, never half of
-- one. Nil, or why it could not.
local function grepls_write_kept(held)
  local file = grepls_kept_file()
  local beside = string.format('%s.%d.tmp', file, vim.fn.getpid())
  local written, problem = pcall(vim.fn.writefile,
    { next(held) and vim.fn.json_encode(held) or '{}' }, beside)
  if not written or problem ~= 0 then
    os.remove(beside)
    return written and 'cannot write ' .. beside or (tostring(problem):gsub('^Vim:', ''))
  end
  local renamed, why = os.rename(beside, file)
  if not renamed then
    os.remove(beside)
    return why
  end
end

-- A client's project folder, fixed when it attaches: where no root marker was found, the current
-- folder then, not after a later :cd (a pattern would be dropped under the wrong folder, and come
-- back next session).
local grepls_roots = {} -- client id -> its project folder
local function grepls_root(client)
  grepls_roots[client.id] = grepls_roots[client.id] or client.config.root_dir or vim.fn.getcwd()
  return grepls_roots[client.id]
end

-- Write one change to the project's kept patterns: pattern `id` added as `argument`, or without
-- it dropped. The file is read again just before, and only that change written, so what a session
-- of another editor there changed meanwhile stays. Where it cannot be, the change holds for this
-- session, and the user is told why.
local function grepls_save_kept(client, id, argument)
  if vim.g.grepls_keep_patterns == false or vim.fn.exists('##LspAttach') == 0 then
    return
  end
  -- Read again under the lock, just before writing: what other sessions saved meanwhile stays.
  local problem = grepls_locked(function()
    local held = grepls_kept_held()
    if not held then -- said once; and at each change kept for the session only, as it happens
      return 'it is not valid JSON, and is not written over'
    end
    local root = grepls_root(client)
    local kept = vim.tbl_filter(function(entry)
      return type(entry) == 'table' and (entry.id or entry.pattern) ~= id
    end, type(held[root]) == 'table' and held[root] or {})
    if argument then
      table.insert(kept, argument)
    end
    held[root] = #kept > 0 and kept or nil
    return grepls_write_kept(held)
  end)
  if problem then
    vim.notify(string.format('grepls: %s %s for this session only: %s cannot be written (%s)',
      vim.inspect(id), argument and 'is kept' or 'is dropped', grepls_kept_file(), problem),
      vim.log.levels.WARN)
  end
end

-- Remember what grepls kept (argument: as added) or dropped (argument nil), and save it.
local function grepls_remember(client, id, argument)
  local kept = vim.tbl_filter(function(k) return k.id ~= id end, grepls_kept[client.id] or {})
  if argument then
    table.insert(kept, { id = id, argument = argument })
  end
  grepls_kept[client.id] = kept
  grepls_save_kept(client, id, argument)
end

local function grepls_add(argument)
  grepls_execute('grepls.addPattern', { argument }, function(result, client)
    vim.notify(string.format('grepls: %s of %s',
      counted(result.matches, 'match', 'matches', more(result)), vim.inspect(result.id)))
    grepls_remember(client, result.id, argument)
  end)
end

vim.api.nvim_create_user_command('GreplsAdd', function(opts)
  grepls_add({ pattern = opts.args })
end, { nargs = 1, desc = 'grepls: keep another literal pattern',
       preview = has_preview and grepls_preview(false) or nil })

vim.api.nvim_create_user_command('GreplsAddRegex', function(opts)
  grepls_add({ pattern = opts.args, regex = true })
end, { nargs = 1, desc = 'grepls: keep another regular expression',
       preview = has_preview and grepls_preview(true) or nil })

-- A project's kept patterns come back when its grepls client first attaches to one of its
-- buffers: sent to that client, whichever buffer is current.
if vim.fn.exists('##LspAttach') == 1 then
  vim.api.nvim_create_autocmd('LspAttach', {
    group = vim.api.nvim_create_augroup('grepls_kept', { clear = true }),
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if not client or client.name ~= 'grepls' or grepls_kept[client.id] then
        return
      end
      grepls_kept[client.id] = {}
      local root = grepls_root(client)
      if vim.g.grepls_keep_patterns == false then
        return
      end
      local held = grepls_kept_held()
      local entries = held and held[root]
      for _, argument in ipairs(type(entries) == 'table' and entries or {}) do
        if type(argument) == 'table' then
          grepls_request(client, args.buf, 'grepls.addPattern', { argument }, function(result)
            table.insert(grepls_kept[client.id], { id = result.id, argument = argument })
          end, function(err)
            -- Refused (the settings hold its id now, say): left out of this session, and left in
            -- the file, which other editors' sessions read too.
            vim.notify('grepls: the kept pattern ' .. vim.inspect(argument.pattern)
              .. ' is left out of this session: ' .. err.message, vim.log.levels.WARN)
          end)
        end
      end
    end,
  })
end

-- <Tab> after :GreplsRemove offers the ids of the patterns in force.
local function grepls_ids(arglead)
  local client = grepls_client(true)
  local listed = client and grepls_ask(client, 'grepls.listPatterns', {}, 0)
  local ids = {}
  for _, pattern in ipairs(type(listed) == 'table' and listed or {}) do
    if vim.startswith(pattern.id, arglead) then
      table.insert(ids, pattern.id)
    end
  end
  return ids
end

vim.api.nvim_create_user_command('GreplsRemove', function(opts)
  grepls_execute('grepls.removePattern', { opts.args }, function(_, client)
    grepls_remember(client, opts.args)
  end)
end, { nargs = 1, complete = grepls_ids,
       desc = 'grepls: drop a kept pattern (by its id: its text, unless given one)' })

vim.api.nvim_create_user_command('GreplsPatterns', function()
  grepls_execute('grepls.listPatterns', {}, function(patterns)
    local lines = {}
    for _, pattern in ipairs(patterns) do
      local text = vim.inspect(pattern.pattern)
      table.insert(lines, string.format('%s: %s, %s', pattern.id, text,
        counted(pattern.matches, 'match', 'matches', more(pattern))))
    end
    vim.notify(#lines > 0 and table.concat(lines, '\n') or 'grepls: no pattern')
  end)
end, { nargs = 0, desc = 'grepls: the patterns in force, with their counts' })

-- The nearest (count-th) match after (before) the cursor, of any pattern, past the cap too, wrapping.
-- `from` (an LSP position; the cursor when left out) is where a jump that landed on the empty line
-- after the file's last line break goes on from: grepls counts that line, as LSP does, and Neovim
-- shows none (`^$` matched there, and the cursor stayed on the last line, stuck).
local function grepls_jump(command, count, from)
  local client = grepls_client(false, nil, '')
  if not client then
    return
  end
  local uri = vim.uri_from_bufnr(0)
  local buf = vim.api.nvim_get_current_buf()
  local position = from or vim.lsp.util.make_position_params(0, client.offset_encoding).position
  local arguments = { uri, position.line, position.character, math.max(count, 1) }
  grepls_request(client, buf, command, arguments, function(found)
    local beyond = found and found ~= vim.NIL
      and found.range.start.line >= vim.api.nvim_buf_line_count(buf)
    if beyond and not from then
      grepls_jump(command, 1, found.range.start)
      return
    end
    if not found or found == vim.NIL or beyond then
      vim.notify('grepls: no match in this buffer')
      return
    end
    local location = { uri = uri, range = found.range }
    if vim.lsp.util.show_document then -- Neovim 0.8 and newer
      vim.lsp.util.show_document(location, client.offset_encoding, { focus = true })
    else
      vim.lsp.util.jump_to_location(location, client.offset_encoding)
    end
    -- Where it stands, as the search count does ("?": past what grepls has counted).
    local wrapped = command == 'grepls.nextMatch' and ', wrapped around the end'
      or ', wrapped around the start'
    local place = string.format('grepls: match %s of %d%s%s', tonumber(found.index) or '?',
      found.matches, found.complete and '' or '+', found.wrapped and wrapped or '')
    vim.api.nvim_echo({ { place } }, false, {})
  end)
end

-- A count steps that many matches (`:3GreplsNext`, `:GreplsNext 3`, a mapping's v:count1).
vim.api.nvim_create_user_command('GreplsNext', function(opts)
  grepls_jump('grepls.nextMatch', opts.count)
end, { count = 1, desc = 'grepls: to the next match' })

vim.api.nvim_create_user_command('GreplsPrev', function(opts)
  grepls_jump('grepls.previousMatch', opts.count)
end, { count = 1, desc = 'grepls: to the previous match' })

vim.api.nvim_create_user_command('GreplsList', function(opts)
  local buf = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(buf)
  -- With !, no argument: every match in scope (open buffers, or the whole workspace), from any
  -- buffer (the quickfix window too).
  local client = opts.bang and grepls_client()
    or grepls_client(false, buf, ' (:GreplsList! lists every match in scope)')
  if not client then
    return
  end
  grepls_request(client, buf, 'grepls.listMatches', opts.bang and {} or { uri }, function(matches)
    local locations = {}
    for _, match in ipairs(matches) do
      table.insert(locations, { uri = match.uri or uri, range = match.range })
    end
    local items = vim.lsp.util.locations_to_items(locations, client.offset_encoding)
    vim.fn.setqflist({}, ' ', { title = 'grepls', items = items })
    vim.cmd('copen')
  end)
end, { nargs = 0, bang = true, desc = 'grepls: matches into the quickfix list (!: every file)' })

-- Paint every match while the cursor rests (grepls's module, if used, paints them already).
vim.api.nvim_create_autocmd({ 'CursorHold', 'CursorHoldI' }, {
  group = vim.api.nvim_create_augroup('grepls_highlight', { clear = true }),
  callback = function(args)
    local client = grepls_client(true, args.buf)
    if client and vim.lsp.buf_is_attached(args.buf, client.id)
        and not package.loaded['grepls.highlights'] then
      vim.lsp.buf.clear_references()
      vim.lsp.buf.document_highlight()
    end
  end,
})

-- ---- replace ----------------------------------------------------------------------------------

local function replaced(result)
  if result.applied then
    vim.notify(string.format('grepls: %s in %s',
      counted(result.replacements, 'replacement', 'replacements'),
      counted(result.files, 'file', 'files')))
  else
    vim.notify('grepls: nothing replaced: ' .. tostring(result.failureReason), vim.log.levels.WARN)
  end
end

-- :GreplsReplace TEXT; without TEXT it asks for it, and an empty answer removes the matches
-- (Escape: nothing is replaced), which an argument cannot say.
vim.api.nvim_create_user_command('GreplsReplace', function(opts)
  local buf = vim.api.nvim_get_current_buf()
  local argument = {}
  local client
  if opts.bang then
    argument.scope = 'open'
    client = grepls_client()
  else
    argument.uri = vim.uri_from_bufnr(buf)
    client = grepls_client(false, buf, ' (:GreplsReplace! replaces in every open buffer)')
  end
  if not client then
    return
  end
  local function replace(replacement)
    argument.replacement = replacement
    grepls_request(client, buf, 'grepls.replace', { argument }, replaced)
  end
  if opts.args ~= '' then
    replace(opts.args)
    return
  end
  vim.ui.input({ prompt = 'grepls: replace every match with (empty: remove them): ' },
    function(replacement)
      if replacement then
        replace(replacement)
      end
    end)
end, { nargs = '?', bang = true, desc = 'grepls: replace every match (!: in every open buffer)' })

-- "Replace this match…" and "Replace all N matches…" leave the replacement to the editor: their
-- argument has a prompt and no replacement. Ask, then run the command.
vim.lsp.commands['grepls.replace'] = function(command)
  local argument = vim.deepcopy(command.arguments[1])
  if argument.replacement ~= nil then
    grepls_execute('grepls.replace', { argument }, replaced)
    return
  end
  vim.ui.input({ prompt = argument.prompt .. ': ' }, function(replacement)
    if replacement then
      argument.replacement = replacement
      grepls_execute('grepls.replace', { argument }, replaced)
    end
  end)
end

-- Any grepls command, for a config or a mapping. A pattern added or removed this way is kept or
-- dropped across sessions as with :GreplsAdd and :GreplsRemove (an added one may carry options
-- those commands cannot give: caseSensitive, wholeWord, severity, id).
local function execute(command, arguments, on_result, on_error)
  grepls_execute(command, arguments, function(result, client)
    if command == 'grepls.addPattern' and type(arguments) == 'table'
        and type(arguments[1]) == 'table' then
      grepls_remember(client, result.id, arguments[1])
    elseif command == 'grepls.removePattern' and type(arguments) == 'table' then
      grepls_remember(client, arguments[1])
    end
    if on_result then
      on_result(result, client)
    end
  end, on_error)
end

return { execute = execute }

vim9script
# grepls for Vim 9: live grep, every match of the patterns painted in the text as you type.
#
# Model. One grepls server (Vim's own LSP channel: `job_start` with `in_mode`/`out_mode` "lsp")
# serves every buffer that holds a file. A buffer is opened to it whole once (`didOpen`), then
# each change Vim reports through `listener_add` goes out as the lines it replaced (`didChange`,
# incremental), so a keystroke costs the edit, not the file. What is drawn is what is on screen:
# after each change, pattern change and scroll, the lines in each window showing the buffer are
# asked for (`grepls.matchesInLines`, every match of every pattern on them, uncapped) and their
# text properties replaced from the answer, one property type per colour (the search pattern's,
# then the kept patterns' in the server's order, as the answer's counts list them). So a keystroke costs Vim the lines on screen, whatever the file's size or its number of
# matches, and a match is drawn wherever it is in the file. A scroll, a buffer shown and a pattern
# change ask for a window's height around the screen too, so a page down shows drawn lines. Columns are negotiated in UTF-8,
# which are Vim's byte columns: nothing is converted. An answer for a version older than the
# buffer's is dropped: the next one is on its way.
#
# The client declares pull diagnostics and never pulls: grepls then publishes nothing, so Vim
# never decodes every match of a document after each keystroke (3.5 MB with twenty patterns of
# 1,000 matches). The whole list is asked for when wanted (`:GreplsList`, the quickfix list).
# Why not ALE: ALE turns every publish into Vim items in Vim script (fixing, sorting, signs), a
# few hundred milliseconds at 1,000 matches.
#
# Settings: g:grepls_command (the server's command, a list), g:grepls_settings (grepls's settings,
# sent as initializationOptions: `patterns`, `scope`, `maxMatchesPerDocument`, ...),
# g:grepls_filetypes (only these filetypes; empty: every buffer that holds a file), g:grepls_log
# (a file for the server's log; none by default).
# Buffer variables: b:grepls_sent and b:grepls_drawn, the version of the text last sent and the
# one whose matches are drawn (equal when the screen is current); b:grepls_status, each pattern's
# count in the buffer ("TODO 12, FIXME 3+"), which GreplsStatus() gives a status line.
# Commands: :Grepls, :GreplsRegex, :GreplsAdd, :GreplsAddRegex (each previews its pattern as it
# is typed), :GreplsClear, :GreplsRemove, :GreplsPatterns, :GreplsNext, :GreplsPrev,
# :GreplsList, :GreplsReplace, :GreplsRestart; GreplsExecute() for any other.

if exists('g:loaded_grepls') || !has('textprop') || !has('channel') || !exists('*listener_add')
  finish
endif
g:loaded_grepls = 1

g:grepls_command = get(g:, 'grepls_command', ['grepls'])
g:grepls_settings = get(g:, 'grepls_settings', {})
g:grepls_filetypes = get(g:, 'grepls_filetypes', [])

# Kept patterns' colours: a light background with dark text reads on light and dark themes.
const PALETTE = [
  ['229', '#ffef9f'], ['153', '#b4dcff'], ['194', '#c8f5c8'],
  ['218', '#ffc0e0'], ['223', '#ffd8b0'], ['189', '#dcd2ff'],
]

def DefineHighlights()
  highlight default link GreplsSearch Search
  var index = 1
  for [cterm, gui] in PALETTE
    execute $'highlight default GreplsPattern{index} ctermfg=16 ctermbg={cterm} guifg=#000000 guibg={gui}'
    index += 1
  endfor
enddef
DefineHighlights()

# One text property type per colour: the search pattern's (drawn over kept ones where they
# overlap), and GreplsPattern1 to GreplsPattern6's for kept patterns.
const SEARCH_TYPE = 'grepls_search'
const KEPT_TYPES = range(1, len(PALETTE))->mapnew((_, n) => $'grepls_pattern{n}')
const TYPE_NAMES = [SEARCH_TYPE] + KEPT_TYPES
prop_type_add(SEARCH_TYPE, {highlight: 'GreplsSearch', priority: 20, combine: true})
for n in range(1, len(PALETTE))
  prop_type_add($'grepls_pattern{n}', {highlight: $'GreplsPattern{n}', priority: 10, combine: true})
endfor

var job: job
var ready = false
var pending: list<list<any>> = []
var documents: dict<dict<any>> = {}   # uri -> {buf, version, lines, listener}
var uris: dict<string> = {}           # buffer number -> uri
# The session's patterns, given again to a server started after one that exited (:GreplsRestart,
# or a crash): the search pattern's setPattern arguments, and each added pattern's, in order.
var search: list<any> = []
var kept_patterns: list<list<any>> = []  # [id, addPattern arguments]
var restarting = false

# ---- URIs ------------------------------------------------------------------------------------

def Utf8Escape(char: string): string
  var code = char2nr(char)
  var bytes: list<number>
  if code < 0x80
    bytes = [code]
  elseif code < 0x800
    bytes = [0xC0 + (code >> 6), 0x80 + (code % 64)]
  elseif code < 0x10000
    bytes = [0xE0 + (code >> 12), 0x80 + ((code >> 6) % 64), 0x80 + (code % 64)]
  else
    bytes = [0xF0 + (code >> 18), 0x80 + ((code >> 12) % 64), 0x80 + ((code >> 6) % 64),
      0x80 + (code % 64)]
  endif
  return bytes->mapnew((_, b) => printf('%%%02X', b))->join('')
enddef

# The project a folder belongs to: the nearest folder at or above it that holds `.git` (a folder,
# or a file in a worktree or submodule), as Neovim's grepls config and Emacs's project.el find it,
# so the workspace scope and the kept patterns are the same project's whichever subfolder Vim
# started in; the folder itself outside any repository.
def ProjectOf(start: string): string
  var folder = start
  while true
    if isdirectory(folder .. '/.git') || filereadable(folder .. '/.git')
      return folder
    endif
    var parent = fnamemodify(folder, ':h')
    if parent == folder
      return start
    endif
    folder = parent
  endwhile
  return start
enddef

def PathUri(path: string): string
  return 'file://' .. substitute(path, '[^A-Za-z0-9/._~-]', (m) => Utf8Escape(m[0]), 'g')
enddef

def UriPath(uri: string): string
  # Percent escapes are bytes: decoded one by one they join back into the UTF-8 text.
  return substitute(uri, '^file://', '', '')
    ->substitute('%\(\x\x\)', (m) => eval('"\x' .. m[1] .. '"'), 'g')
enddef

# ---- the channel -----------------------------------------------------------------------------

# Until the server has answered `initialize`, messages wait here, in order.
def Send(message: dict<any>, options: dict<any> = {})
  if !ready
    pending->add([message, options])
    return
  endif
  ch_sendexpr(job, message, options)
enddef

def Notify(method: string, params: dict<any>)
  Send({method: method, params: params})
enddef

def Execute(command: string, arguments: list<any>, Then: func)
  if !Start()
    return
  endif
  Send({method: 'workspace/executeCommand', params: {command: command, arguments: arguments}},
    {callback: (_, response) => Answered(response, command, arguments, Then)})
enddef

def Answered(response: dict<any>, command: string, arguments: list<any>, Then: func)
  if has_key(response, 'error')
    Error(response.error.message)
    return
  endif
  var result = get(response, 'result', v:null)
  # Remembered after `Then` has said what was done: a warning about saving it then shows last.
  try
    Then(result)
  finally
    Remember(command, arguments, result)
  endtry
enddef

def Remember(command: string, arguments: list<any>, result: any)
  var dropped = command == 'grepls.removePattern' && !empty(arguments) ? arguments[0] : ''
  if command == 'grepls.setPattern'
    search = arguments
  elseif command == 'grepls.clearPattern' || dropped == 'search'
    search = []
  elseif command == 'grepls.addPattern'
    kept_patterns = kept_patterns->filter((_, pair) => pair[0] != result.id)
      + [[result.id, arguments]]
    SaveKept(result.id, arguments[0])
  elseif dropped != ''
    kept_patterns = kept_patterns->filter((_, pair) => pair[0] != dropped)
    SaveKept(dropped)
  endif
enddef

# ---- kept patterns, across sessions ----------------------------------------------------------

# The patterns kept with :GreplsAdd outlive the session: each project's (the git repository
# the session's first server was started in, else that folder) are written to grepls's kept-patterns file,
# $XDG_STATE_HOME/grepls/kept-patterns.json ({"folder": [addPattern argument, ...]}), and added
# again when a later session's server starts there. grepls's Neovim commands and Emacs package read
# and write the same file. g:grepls_keep_patterns = 0 keeps them for the session only.
var root = ''  # the project the session's first server was started in (ProjectOf)

def KeptFile(): string
  var state = empty($XDG_STATE_HOME) ? expand('~/.local/state') : $XDG_STATE_HOME
  return state .. '/grepls/kept-patterns.json'
enddef

# The kept-patterns file and what is wrong with it: [folder -> entries, ''], {} when there is
# none yet; [{}, why] when it is there but is no JSON object (writing over it would lose every
# project's patterns).
def ReadKept(): list<any>
  var file = KeptFile()
  if !filereadable(file)
    return [{}, getftype(file) == '' ? '' : 'it cannot be read']
  endif
  var text = readfile(file)->join("\n")
  if text !~ '\S'
    return [{}, '']  # written empty: nothing in it to lose
  endif
  try
    var held = json_decode(text)
    return type(held) == v:t_dict ? [held, ''] : [{}, 'not a JSON object']
  catch
    # The decoder's message goes on with the file's text: its first words say enough.
    return [{}, matchstr(v:exception, 'E\d\+: [^'':]*')->substitute('\s*at\s*$', '', '')]
  endtry
enddef

var damage_told = false  # a damaged file is told about once, not at every save

# [readable, the kept-patterns file as it is now]; a file that cannot be read as JSON is told once.
def KeptHeld(): list<any>
  var [held, problem] = ReadKept()
  if problem == ''
    damage_told = false
  elseif !damage_told
    damage_told = true
    Warn($'{KeptFile()} is not valid JSON ({problem}): kept patterns are not saved until it is fixed')
  endif
  return [problem == '', held]
enddef

# Runs `Work` holding the kept-patterns file's lock, a folder beside it (made or refused in one
# step, in every editor that writes the file): two sessions saving at once would otherwise each
# write what they read, and the first one's change would be lost. A lock left by a session that
# died is taken over after two seconds. The wait spins: `:sleep` would run channel callbacks, a
# save among them, inside this one. What `Work` returns, or why the folder cannot be made.
def Locked(Work: func(): string): string
  var file = KeptFile()
  try
    mkdir(fnamemodify(file, ':h'), 'p')
  catch
    return substitute(v:exception, '^Vim[^:]*:', '', '')
  endtry
  if filewritable(fnamemodify(file, ':h')) != 2
    return $'{fnamemodify(file, ":h")} is not writable'
  endif
  var lock = file .. '.lock'
  var start = reltime()
  # Vim's mkdir() does not say why it failed: here, only because the lock is there.
  while reltimefloat(reltime(start)) < 2
    try
      mkdir(lock)
      break
    catch
    endtry
  endwhile
  try
    return Work()
  finally
    delete(lock, 'd')
  endtry
  return ''
enddef

# Writes `held` whole to a file beside the kept-patterns file, then renames it over that one: a
# reader (another session, another editor) finds the old file or the new one, never half of one.
# '', or why it could not.
def WriteKept(held: dict<any>): string
  var file = KeptFile()
  var beside = $'{file}.{getpid()}.tmp'
  try
    writefile([json_encode(held)], beside)
  catch
    delete(beside)
    return substitute(v:exception, '^Vim[^:]*:', '', '')
  endtry
  # Vim's rename() deletes the file first and then renames: a reader in between would find no
  # file. mv renames in one step.
  if has('unix')
    system($'mv -f {shellescape(beside)} {shellescape(file)}')
  endif
  if (has('unix') && v:shell_error != 0) || (!has('unix') && rename(beside, file) != 0)
    delete(beside)
    return $'cannot rename {beside} to it'
  endif
  return ''
enddef

# The file's id of a kept pattern: its id, or its text.
def KeptId(argument: any): string
  var id = type(argument) == v:t_dict ? get(argument, 'id', get(argument, 'pattern', '')) : ''
  return type(id) == v:t_string ? id : ''
enddef

# Writes one change to the project's kept patterns: pattern `id` added as `argument`, or without
# it dropped. The file is read again just before, under the lock, and only that change written,
# so what a session of another editor on the project changed meanwhile stays. Where it cannot
# be, the change holds for this session, and the user is told why.
def SaveKept(id: string, argument: dict<any> = {})
  if !get(g:, 'grepls_keep_patterns', true) || root == ''
    return
  endif
  var problem = Locked(() => SaveKeptNow(id, argument))
  if problem != ''
    Warn($'{id} is {empty(argument) ? "dropped" : "kept"} for this session only: '
      .. $'{KeptFile()} cannot be written ({problem})')
  endif
enddef

const NOT_WRITTEN_OVER = 'it is not valid JSON, and is not written over'

def SaveKeptNow(id: string, argument: dict<any>): string
  var [readable, held] = KeptHeld()
  if !readable  # said once; and at each change kept for the session only, as it happens
    return NOT_WRITTEN_OVER
  endif
  var kept = get(held, root, [])
  kept = (type(kept) == v:t_list ? kept : [])->filter((_, entry) => KeptId(entry) != id)
  if !empty(argument)
    kept->add(argument)
  endif
  held[root] = kept
  if empty(kept)
    remove(held, root)
  endif
  return WriteKept(held)
enddef

# A kept pattern given again to a new server and refused (the settings hold its id now, say): said,
# and left out of this session; the file keeps it, for other editors' sessions read it too.
def KeptAgain(id: string, answer: dict<any>)
  if has_key(answer, 'error')
    Warn($'the kept pattern {id} is left out of this session: {answer.error.message}')
    kept_patterns = kept_patterns->filter((_, pair) => pair[0] != id)
  endif
enddef

# The callback for one kept pattern (made here: a closure made in a loop shares the loop's
# destructured variables in Vim 9.0, and every answer would be taken for the last pattern's).
def KeptAgainOf(id: string): func
  return (_, answer) => KeptAgain(id, answer)
enddef

# The patterns this project kept in an earlier session, added once its first server starts.
def LoadKept()
  if !get(g:, 'grepls_keep_patterns', true)
    return
  endif
  var [_readable, held] = KeptHeld()
  var entries = get(held, root, [])
  for argument in type(entries) == v:t_list ? entries : []
    if type(argument) == v:t_dict && type(get(argument, 'pattern', 0)) == v:t_string
      var id = KeptId(argument)
      kept_patterns = kept_patterns->filter((_, pair) => pair[0] != id) + [[id, [argument]]]
    endif
  endfor
enddef

# Stops the server; a new one starts at once, with the session's buffers and patterns.
def Restart()
  if job_status(job) == 'run'
    restarting = true
    # What is asked until the new server has started waits for it (sent to the one stopping,
    # a command typed just after :GreplsRestart was lost, and a pattern with it).
    ready = false
    job_stop(job)
  else
    Start()
  endif
enddef

def Error(text: string)
  echohl ErrorMsg
  echomsg Prefixed(text)
  echohl None
enddef

def Warn(text: string)
  echohl WarningMsg
  echomsg Prefixed(text)
  echohl None
enddef

# The server's messages begin with "grepls: " already.
def Prefixed(text: string): string
  return text =~# '^grepls: ' ? text : 'grepls: ' .. text
enddef

# Why the server cannot start, as last told: each buffer opened tries again, and is not told again
# (a "Press ENTER" for each file otherwise).
var cannot_start_told = ''

def CannotStart(text: string)
  if text != cannot_start_told
    cannot_start_told = text
    Error(text)
  endif
enddef

# Whether the server runs (started now if it did not).
def Start(): bool
  if job_status(job) == 'run'
    return true
  endif
  ready = false
  # Columns go both ways as UTF-8 bytes, which are Vim's byte columns only when Vim holds text
  # as UTF-8: with 'encoding' latin1 (Vim's default in a C locale) marks and edits land on other
  # text.
  if &encoding !=# 'utf-8'
    CannotStart($"Vim's 'encoding' is {&encoding}, and grepls needs utf-8: "
      .. 'add "set encoding=utf-8" at the top of your vimrc')
    return false
  endif
  if !executable(g:grepls_command[0])
    CannotStart($'{g:grepls_command[0]} is not found: install grepls (its README) or set '
      .. 'g:grepls_command')
    return false
  endif
  var options: dict<any> = {
    in_mode: 'lsp', out_mode: 'lsp', err_io: 'null', noblock: true,
    out_cb: (_, message) => Received(message),
    exit_cb: (_, status) => Exited(status),
  }
  if get(g:, 'grepls_log', '') != ''
    options->extend({err_io: 'file', err_name: g:grepls_log})
  endif
  job = job_start(g:grepls_command, options)
  if job_status(job) != 'run'
    CannotStart($'could not start {string(g:grepls_command)}')
    return false
  endif
  cannot_start_told = ''
  # The project is the first server's, for every server of the session: after a :cd, a
  # restart (or a server that died) searched another workspace, while the kept patterns stayed
  # with the first.
  if root == ''  # the session's first server: what this project kept before comes back
    root = ProjectOf(getcwd())
    LoadKept()
  endif
  var folder = root
  ch_sendexpr(job, {method: 'initialize', params: {
    processId: getpid(),
    clientInfo: {name: 'grepls.vim'},
    rootUri: PathUri(folder),
    workspaceFolders: [{uri: PathUri(folder), name: fnamemodify(folder, ':t')}],
    initializationOptions: g:grepls_settings,
    capabilities: {
      general: {positionEncodings: ['utf-8']},
      textDocument: {diagnostic: {}},
      workspace: {diagnostics: {refreshSupport: true}},
    },
  }}, {callback: (_, response) => Initialized(response)})
  # Every buffer already loaded (those Vim read before a restart too) is opened in this server.
  for info in getbufinfo({bufloaded: 1})
    Open(info.bufnr)
  endfor
  return true
enddef

def Initialized(response: dict<any>)
  if has_key(response, 'error')
    Error('initialize failed: ' .. response.error.message)
    return
  endif
  if get(response.result.capabilities, 'positionEncoding', 'utf-16') != 'utf-8'
    Error('the server does not speak UTF-8 columns: marks may sit left of non-ASCII matches')
  endif
  ch_sendexpr(job, {method: 'initialized', params: {}})
  ready = true
  var Command = (name: string, arguments: list<any>) => ({method: 'workspace/executeCommand',
    params: {command: name, arguments: arguments}})
  # A request needs a callback, or Vim sends it as a notification, which a server drops.
  var Ignored = (_, answer) => 0
  if !empty(search)
    Send(Command('grepls.setPattern', search), {callback: Ignored})
  endif
  for [id, arguments] in kept_patterns
    Send(Command('grepls.addPattern', arguments), {callback: KeptAgainOf(id)})
  endfor
  var queued = pending
  pending = []
  for [message, options] in queued
    Send(message, options)
  endfor
enddef

# The buffers were open in that server only: forget them, and the next server opens them again.
# On a restart, the commands asked meanwhile go to the next server (not the text's changes:
# it is sent every buffer whole).
def Exited(status: number)
  ready = false
  pending = restarting
    ? pending->filter((_, queued) => queued[0].method == 'workspace/executeCommand')
    : []
  for document in values(documents)
    listener_remove(document.listener)
    Undraw(document.buf)  # no server to keep them right: none rather than stale ones
  endfor
  documents = {}
  uris = {}
  if restarting
    restarting = false
    Start()
  elseif status != 0
    Error($'the server exited with status {status}; :GreplsRestart starts it again')
  endif
enddef

def Received(message: dict<any>)
  var method = get(message, 'method', '')
  if method == 'workspace/diagnostic/refresh'
    # The matches changed without an edit (a pattern set, added, removed): draw them again.
    ch_sendexpr(job, {id: message.id, result: v:null})
    # Lines off screen hold the old patterns' matches too: each buffer's next paint clears them all.
    for buf in keys(uris)
      stale[str2nr(buf)] = true
    endfor
    DrawAll()
  elseif method == 'window/showMessage'
    if message.params.type == 1
      Error(message.params.message)
    else
      echomsg Prefixed(message.params.message)
    endif
  elseif has_key(message, 'id') && method != ''
    # A request this client did not declare it can answer: say so rather than leave it waiting.
    ch_sendexpr(job, {id: message.id, error: {code: -32601, message: 'not supported by grepls.vim'}})
  endif
enddef

# ---- documents -------------------------------------------------------------------------------

def Wanted(buf: number): bool
  if getbufvar(buf, '&buftype') != '' || bufname(buf) == ''
    return false
  endif
  return empty(g:grepls_filetypes) || index(g:grepls_filetypes, getbufvar(buf, '&filetype')) >= 0
enddef

def Open(buf: number)
  if has_key(uris, buf) || !Wanted(buf) || !bufloaded(buf)
    return
  endif
  # A server just started opens every loaded buffer, this one too.
  if !Start() || has_key(uris, buf)
    return
  endif
  var uri = PathUri(fnamemodify(bufname(buf), ':p'))
  var lines = getbufline(buf, 1, '$')
  setbufvar(buf, 'grepls_sent', 0)
  documents[uri] = {buf: buf, version: 0, lines: len(lines),
    listener: listener_add((b, _, _, _, changes) => Changed(b, changes), buf)}
  uris[buf] = uri
  Notify('textDocument/didOpen', {textDocument: {
    uri: uri, languageId: getbufvar(buf, '&filetype') ?? 'plaintext', version: 0,
    text: join(lines, "\n") .. "\n"}})
  Draw(buf, true)
enddef

# The buffer was read from its file: at first, or again after it changed on disk (:checktime,
# 'autoread', the "Load File" choice), which Vim does without telling a listener of the change.
# Sent again whole, or grepls would keep the old text (and a replace land on other lines).
def Read(buf: number)
  Close(buf)
  Open(buf)
enddef

def Close(buf: number)
  if !has_key(uris, buf)
    return
  endif
  var uri = remove(uris, buf)
  var document = remove(documents, uri)
  listener_remove(document.listener)
  Notify('textDocument/didClose', {textDocument: {uri: uri}})
enddef

# Vim reports its changes as a list, each one's lines [lnum, end) replaced by [lnum, end + added)
# in the text as the changes before it left it (`:g/x/d` deletes many lines in one command). What
# the server is sent is one range that holds them all: the lines above the first change's first
# line are untouched, and so are the last lines no change reached (the fewest any change left
# below it). A buffer always holds one line, so a change whose count does not add up (the last
# line deleted) is sent as the whole text.
def Changed(buf: number, changes: list<dict<any>>)
  var uri = get(uris, buf, '')
  if uri == '' || empty(changes)
    return
  endif
  var document = documents[uri]
  document.version += 1
  var total = getbufinfo(buf)[0].linecount
  var first = min(changes->mapnew((_, c) => c.lnum))
  var lines = document.lines
  var kept_below = lines
  for c in changes
    kept_below = min([kept_below, lines - c.end + 1])
    lines += c.added
  endfor
  var change: dict<any>
  if lines == total && kept_below >= 0
    var below = document.lines - kept_below + 1  # the first line below the range, before
    var last = total - kept_below                # the range's last line, after
    change = {range: {start: {line: first - 1, character: 0}, end: {line: below - 1, character: 0}},
      text: first <= last ? join(getbufline(buf, first, last), "\n") .. "\n" : ''}
  else
    change = {text: join(getbufline(buf, 1, '$'), "\n") .. "\n"}
  endif
  document.lines = total
  setbufvar(buf, 'grepls_sent', document.version)
  Notify('textDocument/didChange', {textDocument: {uri: uri, version: document.version},
    contentChanges: [change]})
  DrawSoon(buf)
enddef

# Drawn once the command that changed the buffer is done, not inside Vim's listener: asking for the
# window's lines there (`line('w$')`) in the middle of `:g/x/d` corrupts text property data (E967).
var draw_soon: dict<bool> = {}

def DrawSoon(buf: number)
  if !get(draw_soon, buf, false)
    draw_soon[buf] = true
    timer_start(0, (_) => {
      remove(draw_soon, buf)
      Draw(buf)
    })
  endif
enddef

# ---- matches as text properties --------------------------------------------------------------

# Pattern id -> text property type, for the patterns of an answer's `counts`: every pattern in
# force, in the server's order (settings' patterns, then added ones). Kept patterns take the
# colours in turn, whatever was kept or removed before (keep AAA and BBB, remove AAA, and BBB is
# GreplsPattern1); a seventh takes GreplsPattern1 again.
def TypesOf(counts: list<any>): dict<string>
  var found: dict<string> = {search: SEARCH_TYPE}  # the search pattern's, counted or not
  var kept = 0
  for c in counts
    if c.id == 'search'
      found[c.id] = SEARCH_TYPE
    else
      found[c.id] = KEPT_TYPES[kept % len(KEPT_TYPES)]
      kept += 1
    endif
  endfor
  return found
enddef

def DrawAll()
  for buf in keys(uris)
    Draw(str2nr(buf), true)
  endfor
enddef

# The lines on screen in each window showing `buf`, asked for; their answer is painted. With
# `margin` (a scroll, a buffer shown, new patterns), a window's height more on each side too: the
# lines a scroll brings into view are then drawn already, not an answer later. An edit asks for
# the lines on screen only, the cheaper answer.
def Draw(buf: number, margin = false)
  var uri = get(uris, buf, '')
  if uri == ''
    return
  endif
  for window in win_findbuf(buf)
    var first = line('w0', window)
    var last = line('w$', window)
    in_view[window] = [buf, first, last]
    if margin
      first = max([1, first - winheight(window)])
      last = min([line('$', window), last + winheight(window)])
    endif
    # grepls answers for MOST_LINES lines at a time: a window over a closed fold may show more.
    var from = first
    while from > 0 && from <= last
      AskLines(buf, uri, from, min([last, from + MOST_LINES - 1]))
      from += MOST_LINES
    endwhile
  endfor
enddef

const MOST_LINES = 10000  # the most lines grepls.matchesInLines answers for at once

def AskLines(buf: number, uri: string, first: number, last: number)
  Send({method: 'workspace/executeCommand', params: {command: 'grepls.matchesInLines',
    arguments: [uri, first - 1, last]}},
    {callback: (_, response) => Paint(buf, first, last, response)})
enddef

# Window id -> [buffer, first line, last line] on screen when last drawn. A fold closed or opened
# changes the lines in view without a scroll (no WinScrolled): looked for whenever Vim waits
# for a key.
var in_view: dict<list<number>> = {}

def DrawIfMoved()
  for window in keys(in_view)
    var id = str2nr(window)
    var [buf, first, last] = in_view[window]
    if winbufnr(id) != buf
      remove(in_view, window)
    elseif line('w0', id) != first || line('w$', id) != last
      Draw(buf, true)
    endif
  endfor
enddef

var stale: dict<bool> = {}  # buffers whose matches all changed (a pattern set, added, removed)

# Every match drawn in `buf` taken away, and its counts.
def Undraw(buf: number)
  if bufloaded(buf)
    prop_remove({types: TYPE_NAMES, bufnr: buf, all: true})
  endif
  if getbufvar(buf, 'grepls_status', '') != ''
    setbufvar(buf, 'grepls_status', '')
    redrawstatus!
  endif
enddef

# Text property spans of flat (line, start, end) triples, 0-based as the server sends them. A span
# that does not fit its line is left out: where Vim and LSP do not count lines alike (a NUL
# byte, a lone carriage return), prop_add_list would stop the whole draw with E964.
def Spans(buf: number, flat: list<number>): list<list<number>>
  var items: list<list<number>> = []
  var lengths: dict<number> = {}
  var i = 0
  while i + 2 < len(flat)
    var line = flat[i] + 1
    if !has_key(lengths, line)
      var text = getbufline(buf, line)
      lengths[line] = empty(text) ? -1 : strlen(text[0])
    endif
    if flat[i + 2] <= lengths[line]
      items->add([line, flat[i + 1] + 1, line, flat[i + 2] + 1])
    endif
    i += 3
  endwhile
  return items
enddef

def Paint(buf: number, first: number, last: number, response: dict<any>)
  var document = get(documents, get(uris, buf, ''), {})
  if empty(document) || has_key(response, 'error') || !bufloaded(buf)
    return
  endif
  listener_flush(buf)  # so the version below counts every change made so far
  var result = response.result
  if result.version != document.version
    return
  endif
  var types = TypesOf(get(result, 'counts', []))
  var spans: dict<list<list<number>>> = {}
  for [id, flat] in items(result.matches)
    if !has_key(types, id)
      continue
    endif
    spans[types[id]] = get(spans, types[id], []) + Spans(buf, flat)
  endfor
  if get(stale, buf, false)
    remove(stale, buf)
    Undraw(buf)
  elseif first <= document.lines
    prop_remove({types: TYPE_NAMES, bufnr: buf, all: true}, first, min([last, document.lines]))
  endif
  for [name, items] in items(spans)
    prop_add_list({type: name, bufnr: buf}, items)
  endfor
  setbufvar(buf, 'grepls_drawn', document.version)
  var status = StatusOf(get(result, 'counts', []))
  if status != getbufvar(buf, 'grepls_status', '')
    setbufvar(buf, 'grepls_status', status)
    redrawstatus!
  endif
enddef

# Each pattern's count as a status line says it: "TODO 12, FIXME 3+" ("+": grepls has counted
# only part of the buffer, past maxMatchesPerDocument), in the server's order.
def StatusOf(counts: list<any>): string
  return counts->mapnew((_, c) => printf('%s %d%s', c.pattern, c.matches, c.complete ? '' : '+'))
    ->join(', ')
enddef

# The current buffer's counts, for 'statusline': `set statusline=%f\ %=%{GreplsStatus()}`.
def g:GreplsStatus(): string
  return get(b:, 'grepls_status', '')
enddef

# ---- the pattern previewed as it is typed ----------------------------------------------------

# While `:Grepls`, `:GreplsRegex`, `:GreplsAdd` or `:GreplsAddRegex` is typed, its matches on
# the lines on screen are drawn (in IncSearch) and its count in the buffer shows at the window's
# top right, before Enter sets anything, as 'incsearch' shows a search: `grepls.previewPattern`
# tries a pattern without setting it (no publish, no message, no scan). Only the answer to the
# latest question is drawn; leaving the command line (Enter or Escape) takes the preview away.
const PREVIEW_TYPES = ['grepls_preview', 'grepls_preview_count']
prop_type_add(PREVIEW_TYPES[0], {highlight: 'IncSearch', priority: 30})
prop_type_add(PREVIEW_TYPES[1], {highlight: 'IncSearch'})
var preview_buf = 0    # the buffer the preview is drawn in (0: none)
var preview_asked = 0  # the latest question's number

def ClearPreview()
  if preview_buf != 0 && bufloaded(preview_buf)
    prop_remove({types: PREVIEW_TYPES, bufnr: preview_buf, all: true})
  endif
  preview_buf = 0
enddef

def LeavePreview()
  preview_asked += 1  # an answer still on its way is not drawn
  ClearPreview()
enddef

def PreviewTyped()
  preview_asked += 1
  var asked = preview_asked
  var typed = matchlist(getcmdline(), '^\s*Grepls\%(Add\)\?\(Regex\)\?\s\+\(.\+\)$')
  var buf = bufnr()
  var uri = get(uris, buf, '')
  if empty(typed) || uri == ''
    if preview_buf != 0
      ClearPreview()
      redraw
    endif
    return
  endif
  var first = line('w0')
  var last = line('w$')
  var query = {pattern: typed[2], regex: typed[1] != ''}
  # Sent before the server has answered `initialize` (typed at once after start), it waits there.
  Send({method: 'workspace/executeCommand', params: {command: 'grepls.previewPattern',
    arguments: [uri, first - 1, last, query]}},
    {callback: (_, response) => DrawPreview(asked, buf, first, response)})
enddef

def DrawPreview(asked: number, buf: number, first: number, response: dict<any>)
  if asked != preview_asked || mode() != 'c' || !bufloaded(buf)
    return  # typed on, or left the command line, since
  endif
  ClearPreview()
  if !has_key(response, 'error')  # else a pattern grepls refuses (half a regex): nothing yet
    var result = response.result
    prop_add_list({type: PREVIEW_TYPES[0], bufnr: buf}, Spans(buf, result.matches))
    var count = $' {Counted(result.count, "match", "matches", result.complete ? "" : "+")} '
    prop_add(first, 0, {type: PREVIEW_TYPES[1], bufnr: buf, text: count, text_align: 'right'})
    preview_buf = buf
  endif
  redraw
enddef

# ---- commands --------------------------------------------------------------------------------

# `count`, then `one` or `many`: "1 match", "2 matches"; `more` ("+": at least that many) after
# the count.
def Counted(count: number, one: string, many: string, more = ''): string
  return $'{count}{more} {count == 1 && empty(more) ? one : many}'
enddef

# A count of matches from an answer, with "+" when it stops at maxMatchesPerDocument in some
# buffer (a lower bound).
def CountedMatches(answer: dict<any>): string
  return Counted(answer.matches, 'match', 'matches', get(answer, 'complete', true) ? '' : '+')
enddef

def Report(result: dict<any>)
  var text = $'grepls: {CountedMatches(result)} of {string(result.pattern)}'
  if has_key(result, 'workspace')
    text ..= $' (workspace: {result.workspace.matches} in '
      .. $'{Counted(result.workspace.files, "file", "files")} so far)'
  endif
  echomsg text
enddef

def SetPattern(pattern: string, regex: bool)
  Execute('grepls.setPattern', [{pattern: pattern, regex: regex}], (result) => Report(result))
enddef

def AddPattern(pattern: string, regex: bool)
  Execute('grepls.addPattern', [{pattern: pattern, regex: regex}], (result) => Kept(result))
enddef

def Kept(result: dict<any>)
  echomsg $'grepls: kept {result.id}, {CountedMatches(result)}'
enddef

# <Tab> after :GreplsRemove: what it can drop, the patterns kept this session and the search
# pattern (those of the settings stay while the settings hold them).
def RemovableIds(typed: string, _line: string, _cursor: number): list<string>
  var ids = kept_patterns->mapnew((_, pair) => pair[0]) + (empty(search) ? [] : ['search'])
  return ids->filter((_, id) => stridx(id, typed) == 0)
enddef

def Patterns()
  Execute('grepls.listPatterns', [], (result) => {
    if empty(result)
      echomsg 'grepls: no pattern'
    endif
    for kept in result
      echomsg printf('%-12s %-30s %s', kept.id, string(kept.pattern),
        CountedMatches(kept))
    endfor
  })
enddef

# The nearest match after (before) the cursor, of any pattern, anywhere in the buffer: grepls
# finds it (the plugin holds only what is on screen). Columns are bytes on both sides.
# `from` (0-based line and byte column; the cursor when left out) is where a jump that landed on
# the empty line after the file's last line break goes on from: grepls counts that line, as LSP
# does, and Vim shows none (`^$` matched there, and the cursor stayed on the last line, stuck).
def Jump(command: string, count: number, from: list<number> = [])
  if !Start()  # after the server exited, a new one (it opens every buffer)
    return
  endif
  var uri = get(uris, bufnr(), '')
  if uri == ''
    Error('this buffer is not open in grepls')
    return
  endif
  var buf = bufnr()
  listener_flush(buf)  # from the text as it is now: an edit just made is sent first
  var wrapped = command == 'grepls.nextMatch' ? ', wrapped around the end'
    : ', wrapped around the start'
  var at = empty(from) ? [line('.') - 1, col('.') - 1] : from
  Execute(command, [uri, at[0], at[1], max([count, 1])], (found) => {
    var beyond = type(found) == v:t_dict && found.range.start.line >= line('$', bufwinid(buf))
    if beyond && empty(from)
      Jump(command, 1, [found.range.start.line, found.range.start.character])
    elseif type(found) != v:t_dict || beyond
      echomsg 'grepls: no match in this buffer'
    elseif bufnr() == buf
      normal! m'
      cursor(found.range.start.line + 1, found.range.start.character + 1)
      normal! zv
      # Where it stands, as the search count does ("?": past what grepls has counted).
      echo printf('grepls: match %s of %d%s%s', type(found.index) == v:t_number ? found.index : '?',
        found.matches, found.complete ? '' : '+', found.wrapped ? wrapped : '')
    endif
  })
enddef

def List()
  Execute('grepls.listMatches', [], (result) => {
    var items = result->mapnew((_, m) => ({
      filename: UriPath(m.uri), lnum: m.range.start.line + 1, col: m.range.start.character + 1,
      end_lnum: m.range['end'].line + 1, end_col: m.range['end'].character + 1,
      text: m.text, type: 'I'}))
    setqflist([], ' ', {title: 'grepls', items: items})
    echomsg $'grepls: {Counted(len(items), "match", "matches")} in the quickfix list'
    cwindow
  })
enddef

# :GreplsReplace TEXT; without TEXT it asks for it, and an empty answer removes the matches
# (an argument cannot be empty); Escape replaces nothing.
def Replace(given: string, ask: bool)
  if !Start()
    return
  endif
  var replacement = given
  if ask
    var answer = inputdialog('grepls: replace every match with (empty: remove them): ', '',
      "\x1b")
    if answer == "\x1b"
      return
    endif
    replacement = answer
  endif
  var buf = bufnr('')
  var uri = get(uris, buf, '')
  if uri == ''
    Error('this buffer is not open in grepls')
    return
  endif
  # Vim hands a NUL byte to plugins as a line break, so grepls holds one more line than Vim
  # shows below it, and the edit would land on other text.
  var nul = search('\%x00', 'nw')
  if nul > 0
    Error(printf('line %d holds a NUL byte, which Vim sends grepls as a line break: '
      .. 'matches below it are a line off, so nothing is replaced', nul))
    return
  endif
  listener_flush(buf)
  Execute('grepls.replace', [{replacement: replacement, uri: uri, dryRun: true}],
    (result) => ApplyEdit(buf, uri, result))
enddef

# The edit's columns are bytes (UTF-8 was negotiated); applied last first so earlier ones hold.
def ApplyEdit(buf: number, uri: string, result: dict<any>)
  var edit = result.edit
  var edits: list<any> = []
  if has_key(edit, 'changes')
    edits = get(edit.changes, uri, [])
  else
    for change in edit.documentChanges
      if change.textDocument.uri == uri
        edits = change.edits
      endif
    endfor
  endif
  for change in reverse(copy(edits))
    var lnum = change.range.start.line + 1
    var line = getbufline(buf, lnum)[0]
    setbufline(buf, lnum, strpart(line, 0, change.range.start.character) .. change.newText
      .. strpart(line, change.range['end'].character))
  endfor
  echomsg $'grepls: {Counted(result.replacements, "replacement", "replacements")}'
enddef

# Any grepls command, for scripts and mappings: GreplsExecute('grepls.addPattern', [{'pattern':
# 'XXX', 'caseSensitive': v:false}], {result -> ...}) (the callback is optional).
def g:GreplsExecute(command: string, arguments: list<any>, Then: func = (_) => 0)
  Execute(command, arguments, Then)
enddef

command! -nargs=1 Grepls SetPattern(<q-args>, false)
command! -nargs=1 GreplsRegex SetPattern(<q-args>, true)
command! -nargs=0 GreplsClear Execute('grepls.clearPattern', [], (_) => 0)
command! -nargs=1 GreplsAdd AddPattern(<q-args>, false)
command! -nargs=1 GreplsAddRegex AddPattern(<q-args>, true)
command! -nargs=1 -complete=customlist,RemovableIds GreplsRemove
  \ Execute('grepls.removePattern', [<q-args>], (_) => 0)
command! -nargs=0 GreplsPatterns Patterns()
# A count steps that many matches (:3GreplsNext, :GreplsNext 3, a mapping's v:count1).
command! -count=1 GreplsNext Jump('grepls.nextMatch', <count>)
command! -count=1 GreplsPrev Jump('grepls.previousMatch', <count>)
command! -nargs=0 GreplsList List()
command! -nargs=? GreplsReplace Replace(<q-args>, <q-args> == '')
command! -nargs=0 GreplsRestart Restart()

augroup grepls
  autocmd!
  autocmd BufReadPost * Read(str2nr(expand('<abuf>')))
  autocmd BufNewFile,FileType * Open(str2nr(expand('<abuf>')))
  autocmd BufUnload * Close(str2nr(expand('<abuf>')))
  autocmd BufFilePre * Close(str2nr(expand('<abuf>')))
  autocmd BufFilePost * Open(str2nr(expand('<abuf>')))
  # A new buffer named by `:write NAME` (no BufFilePost then): it holds a file now.
  autocmd BufWritePost * Open(str2nr(expand('<abuf>')))
  autocmd ColorScheme * DefineHighlights()
  autocmd WinScrolled * Draw(winbufnr(str2nr(expand('<amatch>'))), true)
  autocmd SafeState * DrawIfMoved()
  autocmd BufWinEnter * Draw(str2nr(expand('<abuf>')), true)
  autocmd CmdlineChanged : PreviewTyped()
  autocmd CmdlineLeave : LeavePreview()
augroup END

# Buffers loaded before this plugin (files named on the command line when it is sourced late).
if !empty(filter(getbufinfo({bufloaded: 1}), (_, info) => Wanted(info.bufnr)))
  Start()
endif

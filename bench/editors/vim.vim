" The bench's eyes inside Vim + ALE, running in a terminal as a user's would.
" The keystrokes come from outside: bench/editors/run.py types `P` (a matching line is in the
" unnamed register) and `dd` into the terminal, so they go through Vim's main loop and ALE's
" TextChanged handling as a user's do. This script only watches, from a 5 ms timer: it waits for
" ALE to check the buffer once (which starts the server), sets the pattern with the README's
" `:Grepls`, waits for the first matches, and then writes an event (wall-clock ns: Vim's reltime()
" is gettimeofday here) each time the typed line's match appears in ALE's results, or goes.
"
" The match counts as shown only when ALE holds an item on the typed line whose line number the
" server sent: ALE keeps its items where the server put them (it does not move them with edits),
" so an item from an older publish cannot pass for the new one.
let s:plan = json_decode(join(readfile($GREPLS_BENCH_PLAN), "\n"))
let s:buf = bufnr('')
let s:lnum = s:plan.line + 1
let s:seen_first = {}
let s:seen_answer = v:false

function! s:Wall() abort
  " reltimestr() prints seconds and microseconds: nanoseconds as a string (beyond a Number).
  let [l:seconds, l:micros] = split(trim(reltimestr(reltime())), '\.')
  return l:seconds . printf('%06d', str2nr(l:micros)) . '000'
endfunction

function! s:Event(name, ...) abort
  let l:extra = a:0 ? ',' . a:1 : ''
  call writefile([printf('{"event":"%s","wall":%s%s}', a:name, s:Wall(), l:extra)],
  \ s:plan.events, 'a')
endfunction

function! s:Fail(message) abort
  call s:Event('error', '"message":' . json_encode(a:message))
  cquit!
endfunction

" Call Step every `ms` until it returns true; fail after `deadline_ms` (0: none).
function! s:Every(ms, deadline_ms, what, Step) abort
  let l:started = reltime()
  call timer_start(a:ms, {timer -> s:Tick(timer, l:started, a:deadline_ms, a:what, a:Step)},
  \ {'repeat': -1})
endfunction

function! s:Tick(timer, started, deadline_ms, what, Step) abort
  try
    if a:Step()
      call timer_stop(a:timer)
    elseif a:deadline_ms > 0 && reltimefloat(reltime(a:started)) * 1000 > a:deadline_ms
      call timer_stop(a:timer)
      call s:Fail('timed out waiting for ' . a:what)
    endif
  catch
    call timer_stop(a:timer)
    call s:Fail(a:what . ': ' . v:exception . ' at ' . v:throwpoint)
  endtry
endfunction

" Whether ALE holds a grepls item on the typed line. ALE keeps the buffer's items in one list,
" sorted by line, and puts new items (new dicts) in it in place for each publish: the list is
" searched (by bisection) only when its first item is another one, so the watcher costs next to
" nothing between publishes, at any match count.
function! s:TargetShown() abort
  let l:list = ale#engine#GetLoclist(s:buf)
  let l:first = empty(l:list) ? {} : l:list[0]
  if l:first is s:seen_first && !empty(l:list)
    return s:seen_answer
  endif
  let s:seen_first = l:first
  let [l:low, l:high] = [0, len(l:list)]
  while l:low < l:high
    let l:middle = (l:low + l:high) / 2
    if l:list[l:middle].lnum < s:lnum
      let l:low = l:middle + 1
    else
      let l:high = l:middle
    endif
  endwhile
  let s:seen_answer = v:false
  while l:low < len(l:list) && l:list[l:low].lnum == s:lnum
    if get(l:list[l:low], 'linter_name', '') is# 'grepls'
      let s:seen_answer = v:true
      break
    endif
    let l:low += 1
  endwhile
  return s:seen_answer
endfunction

function! s:Watch() abort
  let s:want = 'shown'
  let s:shown = 0
  let l:patch = matchstr(execute('version'), 'Included patches: \zs[0-9-]*')
  call s:Event('ready', printf('"version":"%d.%d.%s"', v:version / 100, v:version % 100, l:patch))
  call s:Every(5, 0, 'the typed match', function('s:Step'))
endfunction

function! s:Step() abort
  if (s:want is# 'shown') == s:TargetShown()
    redraw
    call s:Event(s:want)
    if s:want is# 'shown'
      let s:shown += 1
      let s:want = 'gone'
    else
      let s:want = 'shown'
    endif
  endif
  if s:shown >= s:plan.rounds && s:want is# 'shown'
    call s:Event('done')
    " Vim stops ALE's servers at once on quitting: first leave grepls idle long enough (0.25 s)
    " to write its timing trace.
    call timer_start(500, {-> execute('qall!')})
    return v:true
  endif
  return v:false
endfunction

" Kept patterns (the plan's `patterns`), added with grepls.addPattern in place of the search
" pattern: how many the server has answered, and since when the count has been the expected one.
let s:kept = get(s:plan, 'patterns', v:null)
let s:added = 0
let s:settled = v:null

function! s:Added(response) abort
  if has_key(a:response, 'error')
    call s:Fail('grepls.addPattern: ' . a:response.error.message)
  endif
  let s:added += 1
endfunction

function! s:FirstMatches() abort
  let l:count = len(ale#engine#GetLoclist(s:buf))
  if l:count < s:plan.expected
    return v:false
  endif
  if s:kept isnot v:null
    " Every pattern added, and the count steady for 0.2 s.
    if s:added < len(s:kept) || l:count != s:plan.expected
      let s:settled = v:null
      return v:false
    endif
    if s:settled is v:null
      let s:settled = reltime()
    endif
    if reltimefloat(reltime(s:settled)) < 0.2
      return v:false
    endif
  endif
  redraw
  call s:Watch()
  return v:true
endfunction

function! s:Started() abort
  " ALE lints a file when it is opened (starting the server); the pattern is set after that.
  if !has_key(g:ale_buffer_info, s:buf) || ale#engine#IsCheckingBuffer(s:buf)
    return v:false
  endif
  call cursor(s:lnum, 1)
  call setreg('"', [s:plan.typed], 'l')
  if s:kept is v:null
    execute 'Grepls ' . s:plan.pattern
  else
    for l:pattern in s:kept
      call ale#lsp_linter#SendRequest(s:buf, 'grepls',
      \   ale#lsp#message#ExecuteCommand('grepls.addPattern', [l:pattern]),
      \   function('s:Added'))
    endfor
  endif
  call s:Every(5, s:plan.wait_ms, s:plan.expected . ' matches shown', function('s:FirstMatches'))
  return v:true
endfunction

call s:Every(10, s:plan.wait_ms, 'ALE to check the buffer', function('s:Started'))

" The bench's eyes inside Vim with grepls's own plugin (clients/vim), in a terminal as a user's.
" The keystrokes come from outside: bench/editors/run.py types `P` (a matching line is in the
" unnamed register) and `dd` into the terminal. This script only watches, from a 5 ms timer: it
" sets the pattern with the README's `:Grepls` once the plugin has opened the buffer, waits for
" the first matches, and then writes an event (wall-clock ns) each time the typed line's match is
" drawn, or goes.
"
" The match counts as drawn when a grepls text property sits on the typed line. Text properties
" move with the text, so one drawn before cannot be there: the typed line is new, and only an
" answer about it (the plugin asks for the lines on screen after each change) puts one on it.
let s:plan = json_decode(join(readfile($GREPLS_BENCH_PLAN), "\n"))
let s:buf = bufnr('')
let s:lnum = s:plan.line + 1

function! s:Wall() abort
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

function! s:TargetShown() abort
  for l:prop in prop_list(s:lnum, {'bufnr': s:buf})
    if l:prop.type =~# '^grepls_'
      return v:true
    endif
  endfor
  return v:false
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
    " Leave grepls idle long enough (0.25 s) to write its timing trace before Vim stops it.
    call timer_start(500, {-> execute('qall!')})
    return v:true
  endif
  return v:false
endfunction

let s:kept = get(s:plan, 'patterns', v:null)
let s:added = 0
let s:settled = v:null

function! s:Added(result) abort
  let s:added += 1
endfunction

function! s:PropsOn(lnum) abort
  return len(filter(prop_list(a:lnum, {'bufnr': s:buf}), {_, prop -> prop.type =~# '^grepls_'}))
endfunction

" The first matches are drawn: the screen is current and, with grepls, the match just below the
" typed line's place (a `TODO` line, always on screen) is drawn; the floor draws none until a key.
function! s:FirstMatches() abort
  if getbufvar(s:buf, 'grepls_drawn', -1) != getbufvar(s:buf, 'grepls_sent', -2)
    return v:false
  endif
  let l:count = s:PropsOn(s:lnum + 1)
  if s:plan.expected > 1 && l:count == 0
    return v:false
  endif
  if s:kept isnot v:null
    if s:added < len(s:kept) || l:count != get(s:, 'last_count', -1)
      let s:last_count = l:count
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
  " The plugin opens the file in grepls as Vim reads it; the pattern is set after that.
  if getbufvar(s:buf, 'grepls_sent', -1) < 0
    return v:false
  endif
  call cursor(s:lnum, 1)
  call setreg('"', [s:plan.typed], 'l')
  if s:kept is v:null
    execute 'Grepls ' . s:plan.pattern
  else
    for l:pattern in s:kept
      call GreplsExecute('grepls.addPattern', [l:pattern], function('s:Added'))
    endfor
  endif
  call s:Every(5, s:plan.wait_ms, s:plan.expected . ' matches shown', function('s:FirstMatches'))
  return v:true
endfunction

call s:Every(10, s:plan.wait_ms, 'the plugin to open the buffer', function('s:Started'))

" Drives Vim + ALE through the README's replace: :Grepls, :GreplsReplace (grepls answers the
" edit, the snippet applies it), then undo. Records the buffer's lines after each step into a
" JSON report, with Vim's messages; a timeout or error exits with a failing status.
let s:plan = json_decode(join(readfile($GREPLS_PLAN), "\n"))
let s:report = {'phases': [], 'errors': [], 'prompts': []}
let s:buf = bufnr('')

function! s:Finish() abort
  let s:report.messages = execute('messages')
  call writefile([json_encode(s:report)], s:plan.out)
  if empty(s:report.errors)
    qall!
  endif
  cquit!
endfunction

function! s:Wait(what, Condition) abort
  let l:start = reltime()
  while !a:Condition() && reltimefloat(reltime(l:start)) * 1000 < s:plan.wait_ms
    sleep 20m
  endwhile
  if !a:Condition()
    throw 'timed out waiting for ' . a:what . '; the buffer holds ' . string(getline(1, '$'))
  endif
endfunction

function! s:Record(name) abort
  call add(s:report.phases, {'name': a:name, 'lines': getbufline(s:buf, 1, '$')})
endfunction

function! s:Run() abort
  ALELint
  call s:Wait('ALE to check the buffer once',
  \ {-> has_key(g:ale_buffer_info, s:buf) && !ale#engine#IsCheckingBuffer(s:buf)})
  execute 'Grepls ' . s:plan.pattern
  call s:Wait(s:plan.count . ' loclist items',
  \ {-> len(ale#engine#GetLoclist(s:buf)) == s:plan.count})
  call s:Record('set')
  let &undolevels = &undolevels
  execute 'GreplsReplace ' . s:plan.replacement
  call s:Wait('the replaced text', {-> getline(1, '$') == s:plan.expected.replaced})
  call s:Record('replaced')
  undo
  call s:Record('undone')
endfunction

try
  call s:Run()
catch
  call add(s:report.errors, v:exception . ' at ' . v:throwpoint)
  call s:Record('failed')
endtry
call s:Finish()

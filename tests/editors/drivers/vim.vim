" Drives Vim + ALE through the grepls plan: :Grepls sets the pattern, edits are linted with
" :ALELint (ALE sends the whole buffer as didChange), :GreplsClear clears. It records ALE's own
" loclist for the buffer into a JSON report before quitting, because stopping ALE's language
" servers would empty those results. A timeout or error exits with a failing status.
let s:plan = json_decode(join(readfile($GREPLS_PLAN), "\n"))
let s:report = {'phases': [], 'errors': [], 'version': v:version, 'patch': 0}
let s:buf = bufnr('')

function! s:Finish() abort
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
    throw 'timed out waiting for ' . a:what
  endif
endfunction

function! s:Held() abort
  let l:held = []
  for l:item in ale#engine#GetLoclist(s:buf)
    call add(l:held, {
    \ 'lnum': l:item.lnum, 'col': l:item.col,
    \ 'end_lnum': get(l:item, 'end_lnum', -1), 'end_col': get(l:item, 'end_col', -1),
    \ 'text': l:item.text, 'type': l:item.type, 'linter': l:item.linter_name,
    \})
  endfor
  return l:held
endfunction

function! s:Record(name) abort
  call add(s:report.phases, {'name': a:name, 'lines': getbufline(s:buf, 1, '$'),
  \ 'diagnostics': s:Held()})
endfunction

function! s:Apply(edit) abort
  if a:edit.kind is# 'insert'
    let l:line = getline(a:edit.line + 1)
    call setline(a:edit.line + 1, strpart(l:line, 0, a:edit.col) . a:edit.text
    \ . strpart(l:line, a:edit.col))
  elseif a:edit.kind is# 'delete_line'
    call deletebufline(s:buf, a:edit.line + 1)
  else
    throw 'unknown edit ' . string(a:edit)
  endif
endfunction

function! s:Run() abort
  let s:report.filetype = &filetype
  let s:report.patch = exists('*execute') ? matchstr(execute('version'), 'Included patches: \zs[0-9-]*') : ''
  " What ALE does by itself when a file is opened in a normal session (lint on enter): start
  " the server and register the buffer, without which ALE ignores its diagnostics.
  ALELint
  call s:Wait('ALE to check the buffer once',
  \ {-> has_key(g:ale_buffer_info, s:buf) && !ale#engine#IsCheckingBuffer(s:buf)})
  execute 'Grepls ' . s:plan.pattern
  let l:index = 0
  for l:name in s:plan.phases
    if l:index > 0
      call s:Apply(s:plan.edits[l:index - 1])
      ALELint
    endif
    let l:expected = s:plan.expected_counts[l:index]
    call s:Wait(l:name . ': ' . l:expected . ' loclist items',
    \ {-> len(ale#engine#GetLoclist(s:buf)) == l:expected})
    call s:Record(l:name)
    let l:index += 1
  endfor
  GreplsClear
  call s:Wait('an empty loclist after :GreplsClear', {-> empty(ale#engine#GetLoclist(s:buf))})
  call s:Record('clear')
endfunction

try
  call s:Run()
catch
  call add(s:report.errors, v:exception . ' at ' . v:throwpoint)
  call s:Record('failed')
endtry
call s:Finish()

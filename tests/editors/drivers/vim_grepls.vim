" Drives Vim with grepls's own plugin (clients/vim) through the grepls plan: :Grepls sets the
" pattern, the plan's edits are made in the buffer, :GreplsClear clears; then :GreplsList fills
" the quickfix list and :GreplsReplace replaces. Each phase waits until the plugin has drawn the
" matches of the text last sent (b:grepls_drawn == b:grepls_sent, the expected count) and records
" the buffer's text properties (the whole file is on screen). Vim calls change listeners before it redraws; headless nothing redraws, so the
" driver flushes them as a redraw would. A timeout or error exits with a failing status.
let s:plan = json_decode(join(readfile($GREPLS_PLAN), "\n"))
let s:report = {'phases': [], 'errors': []}
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

function! s:Props() abort
  let l:held = []
  for l:lnum in range(1, line('$'))
    for l:prop in prop_list(l:lnum)
      if l:prop.type =~# '^grepls_'
        call add(l:held, {'lnum': l:lnum, 'col': l:prop.col, 'end_col': l:prop.col + l:prop.length,
        \ 'highlight': prop_type_get(l:prop.type).highlight})
      endif
    endfor
  endfor
  return l:held
endfunction

function! s:Shown(count) abort
  call listener_flush(s:buf)
  return get(b:, 'grepls_drawn', -1) == get(b:, 'grepls_sent', -2) && len(s:Props()) == a:count
endfunction

function! s:Record(name) abort
  call add(s:report.phases, {'name': a:name, 'lines': getbufline(s:buf, 1, '$'),
  \ 'props': s:Props(), 'drawn': b:grepls_drawn, 'sent': b:grepls_sent})
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
  execute 'Grepls ' . s:plan.pattern
  let l:index = 0
  for l:name in s:plan.phases
    if l:index > 0
      call s:Apply(s:plan.edits[l:index - 1])
    endif
    let l:expected = s:plan.expected_counts[l:index]
    call s:Wait(l:name . ': ' . l:expected . ' matches shown', {-> s:Shown(l:expected)})
    call s:Record(l:name)
    let l:index += 1
  endfor
  GreplsList
  call s:Wait('the quickfix list', {-> len(getqflist()) == l:expected})
  let s:report.quickfix = map(getqflist(), {_, item -> {'lnum': item.lnum, 'col': item.col,
  \ 'end_col': item.end_col, 'text': item.text, 'file': fnamemodify(bufname(item.bufnr), ':p')}})
  cclose
  execute 'buffer ' . s:buf
  GreplsReplace DONE
  call s:Wait('the replacement', {-> s:Shown(0)})
  call s:Record('replaced')
  undo
  call s:Wait('the matches back after undo', {-> s:Shown(l:expected)})
  GreplsClear
  call s:Wait('no matches after :GreplsClear', {-> s:Shown(0)})
  call s:Record('clear')
endfunction

try
  call s:Run()
catch
  call add(s:report.errors, v:exception . ' at ' . v:throwpoint)
  call s:Record('failed')
endtry
call s:Finish()

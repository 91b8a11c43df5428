" Makes edits of every kind in a buffer (lines inserted, deleted, joined, substituted, undone,
" the whole buffer emptied, several changes between two flushes, :g/x/d, a macro) and after each asks grepls for
" the buffer's matches (grepls.listMatches): the server's copy of the text, as the plugin's
" incremental changes built it. Writes [buffer lines, server's matches] per step as JSON to
" $GREPLS_OUT.
let s:uri = 'file://' . expand('%:p')
let s:steps = []
let s:answer = v:null

function! s:Answered(result) abort
  let s:answer = a:result
endfunction

function! s:Step(name) abort
  call listener_flush()
  let s:answer = v:null
  call GreplsExecute('grepls.listMatches', [s:uri], function('s:Answered'))
  let l:start = reltime()
  while s:answer is v:null && reltimefloat(reltime(l:start)) < 20
    sleep 10m
  endwhile
  if s:answer is v:null
    throw 'no answer after ' . a:name
  endif
  call add(s:steps, {'name': a:name, 'lines': getline(1, '$'),
  \ 'matches': map(copy(s:answer), {_, m -> [m.range.start.line, m.range.start.character]})})
endfunction

let s:ok = v:true
try
  Grepls TODO
  call s:Step('open')
  call append(0, ['TODO one', 'x TODO'])
  call s:Step('append above')
  3,4delete
  call s:Step('delete two')
  %s/line/TODO line/
  call s:Step('substitute')
  normal! ggJ
  call s:Step('join')
  undo
  call s:Step('undo')
  $put ='last TODO'
  call s:Step('put at the end')
  call setline(1, 'changed TODO') | call append(1, 'TODO new') | 5delete | call append('$', ['é TODO', '🙂TODO'])
  call s:Step('several changes in one flush')
  " One command, many changes, each counted in the text the ones before it left: Vim's summary
  " of them is no single replacement.
  call append(0, ['TODO 1', 'del 2', 'TODO 3', 'TODO 4', 'del 5', 'TODO 6', 'TODO 7'])
  call s:Step('lines for :g')
  g/del/d
  call s:Step(':g/del/d')
  undo
  call s:Step('undo of :g')
  redo
  call s:Step('redo of :g')
  let @a = 'jdd'
  normal! gg3@a
  call s:Step('a macro deleting every other line')
  %delete
  call s:Step('everything deleted')
  call setline(1, ['TODO a', 'b', 'TODO c'])
  call s:Step('set lines')
  normal! ggdG
  call append(0, 'TODO again')
  call s:Step('deleted and appended')
catch
  let s:ok = v:false
  call add(s:steps, {'error': v:exception . ' at ' . v:throwpoint})
endtry
call writefile([json_encode({'ok': s:ok, 'steps': s:steps})], $GREPLS_OUT)
if s:ok
  qall!
endif
cquit!

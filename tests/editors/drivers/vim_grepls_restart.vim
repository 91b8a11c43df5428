" Sets a search pattern and keeps another, restarts the server with :GreplsRestart, then types a
" line holding both: it is drawn only if the new server has the buffer and both patterns. Writes
" the buffer's grepls text properties as JSON to $GREPLS_OUT.
function! s:Props() abort
  let l:held = []
  for l:lnum in range(1, line('$'))
    for l:prop in prop_list(l:lnum)
      if l:prop.type =~# '^grepls_'
        call add(l:held, [l:lnum, l:prop.col, prop_type_get(l:prop.type).highlight])
      endif
    endfor
  endfor
  return sort(l:held)
endfunction
function! s:Wait(what, Condition) abort
  let l:start = reltime()
  while !a:Condition() && reltimefloat(reltime(l:start)) < 20
    sleep 20m
  endwhile
  if !a:Condition()
    throw 'timed out waiting for ' . a:what
  endif
endfunction
let s:report = {'ok': v:true}
try
  Grepls TODO
  GreplsAdd plain
  call s:Wait('two matches', {-> len(s:Props()) == 2})
  call append(0, 'first')
  call listener_flush()
  call s:Wait('the edit sent', {-> get(b:, 'grepls_sent', 0) == 1})
  GreplsRestart
  call s:Wait('the buffer opened in a new server', {-> get(b:, 'grepls_sent', 1) == 0})
  call append('$', 'TODO plain again')
  call listener_flush()
  call s:Wait('the new line drawn', {-> len(s:Props()) == 4})
catch
  let s:report.ok = v:false
  let s:report.error = v:exception
endtry
let s:report.props = s:Props()
call writefile([json_encode(s:report)], $GREPLS_OUT)
if s:report.ok
  qall!
endif
cquit!

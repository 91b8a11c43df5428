" Waits until ALE holds grepls's matches of both kept patterns, then writes ALE's loclist for the
" buffer (line, column, type) as JSON to $GREPLS_OUT and quits.
let s:buf = bufnr('')
function! s:Held() abort
  return map(copy(ale#engine#GetLoclist(s:buf)),
  \ {_, item -> {'lnum': item.lnum, 'col': item.col, 'type': item.type, 'linter': item.linter_name}})
endfunction
let s:start = reltime()
while len(s:Held()) < 2 && reltimefloat(reltime(s:start)) < 20
  ALELint
  sleep 100m
endwhile
let s:ok = len(s:Held()) >= 2
call writefile([json_encode({'ok': s:ok, 'diagnostics': sort(s:Held(), {a, b -> a.lnum - b.lnum})})], $GREPLS_OUT)
if s:ok
  qall!
endif
cquit!

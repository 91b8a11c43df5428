" With a cap of two matches a document (g:grepls_settings), sets the pattern with :Grepls and
" waits until the buffer's grepls text properties cover every match on screen, not only the two
" a publish would carry; writes the properties as JSON to $GREPLS_OUT.
function! s:Props() abort
  let l:held = []
  for l:lnum in range(1, line('$'))
    for l:prop in prop_list(l:lnum)
      if l:prop.type =~# '^grepls_'
        call add(l:held, [l:lnum, l:prop.col, l:prop.col + l:prop.length])
      endif
    endfor
  endfor
  return l:held
endfunction
Grepls TODO
let s:start = reltime()
while len(s:Props()) < 5 && reltimefloat(reltime(s:start)) < 20
  sleep 20m
endwhile
let s:ok = len(s:Props()) == 5
call writefile([json_encode({'ok': s:ok, 'props': s:Props(),
\ 'window': [line('w0'), line('w$')]})], $GREPLS_OUT)
if s:ok
  qall!
endif
cquit!

" Waits until grepls's Vim plugin shows the matches of both kept patterns of g:grepls_settings,
" then writes the buffer's grepls text properties, the colours of their highlight groups and
" what GreplsStatus() says (the status line's counts) as JSON to $GREPLS_OUT and quits.
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
let s:start = reltime()
while len(s:Props()) < 3 && reltimefloat(reltime(s:start)) < 20
  sleep 20m
endwhile
let s:colours = {}
for s:group in ['GreplsPattern1', 'GreplsPattern2']
  let s:colours[s:group] = synIDattr(synIDtrans(hlID(s:group)), 'bg#', 'gui')
endfor
let s:ok = len(s:Props()) == 3
call writefile([json_encode({'ok': s:ok, 'props': s:Props(), 'colours': s:colours,
\ 'status': GreplsStatus()})], $GREPLS_OUT)
if s:ok
  qall!
endif
cquit!

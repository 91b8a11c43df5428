" With g:grepls_settings's workspace scope, sets the pattern with :Grepls and fills the quickfix
" list with :GreplsList until it holds the matches of both files, the open one and the closed
" one; writes the list as JSON to $GREPLS_OUT and quits.
function! s:Listed() abort
  return map(getqflist(), {_, item -> {'file': fnamemodify(bufname(item.bufnr), ':p'),
  \ 'lnum': item.lnum, 'col': item.col, 'text': item.text}})
endfunction
Grepls TODO
let s:start = reltime()
while len(s:Listed()) < 2 && reltimefloat(reltime(s:start)) < 20
  sleep 200m
  GreplsList
  sleep 100m
endwhile
let s:ok = len(s:Listed()) == 2
call writefile([json_encode({'ok': s:ok, 'listed': s:Listed()})], $GREPLS_OUT)
if s:ok
  qall!
endif
cquit!

" Sets the pattern with :Grepls, then walks the matches with :GreplsNext and :GreplsPrev from the
" top (the last two with counts), recording where each jump leaves the cursor ([line, byte column], 1-based) and what it
" echoed, and writes the walk as JSON to $GREPLS_OUT. Each jump waits for the cursor to move (20 s
" at most).
function! s:Jump(command) abort
  let l:before = getcurpos()
  redir => s:echoed
  execute a:command
  let l:start = reltime()
  while getcurpos() == l:before && reltimefloat(reltime(l:start)) < 20
    sleep 10m
  endwhile
  redir END
  " The jump's own line (grepls's other messages, such as the cap's, left out).
  call add(s:said, get(filter(split(s:echoed, "\n"), {_, line -> line =~# '^grepls: match'}), -1, ''))
  return [line('.'), col('.')]
endfunction
let s:walk = []
let s:said = []
Grepls TODO
" The pattern is in force once the first match on screen is drawn.
let s:start = reltime()
while empty(prop_list(2)) && reltimefloat(reltime(s:start)) < 20
  sleep 20m
endwhile
call cursor(1, 1)
for s:step in ['GreplsNext', 'GreplsNext', 'GreplsNext', 'GreplsNext', 'GreplsNext', 'GreplsPrev',
      \ '2GreplsNext', 'GreplsPrev 3']
  call add(s:walk, s:Jump(s:step))
endfor
call writefile([json_encode({'ok': v:true, 'walk': s:walk, 'said': s:said})], $GREPLS_OUT)
qall!

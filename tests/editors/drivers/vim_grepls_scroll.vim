" Sets the pattern with :Grepls, waits until the grepls text properties cover the lines down to a
" window's height below the screen, then pages down (CTRL-F) and counts the drawn lines in view
" at once, within this script, where Vim reads no answer from the server; twice (the scroll asks
" for the lines around the new view). Writes the pages as JSON to $GREPLS_OUT.
function! s:Drawn(first, last) abort
  let l:count = 0
  for l:lnum in range(a:first, a:last)
    if !empty(filter(prop_list(l:lnum), {_, prop -> prop.type =~# '^grepls_'}))
      let l:count += 1
    endif
  endfor
  return l:count
endfunction
function! s:Matching(first, last) abort
  return len(filter(getline(a:first, a:last), {_, line -> stridx(line, 'TODO') >= 0}))
endfunction
let s:pages = []
let s:ok = v:true
Grepls TODO
for s:page in range(2)
  let s:below = min([line('w$') + winheight(0), line('$')])
  let s:start = reltime()
  while s:Drawn(1, s:below) < s:Matching(1, s:below) && reltimefloat(reltime(s:start)) < 20
    sleep 20m
  endwhile
  if s:Drawn(1, s:below) < s:Matching(1, s:below)
    let s:ok = v:false
    break
  endif
  execute "normal! \<C-f>"
  call add(s:pages, {'first': line('w0'), 'last': line('w$'),
  \ 'painted': s:Drawn(line('w0'), line('w$')), 'matching': s:Matching(line('w0'), line('w$'))})
  " Vim fires WinScrolled from its main loop, which this script does not reach.
  execute 'doautocmd <nomodeline> WinScrolled' win_getid()
endfor
call writefile([json_encode({'ok': s:ok, 'pages': s:pages})], $GREPLS_OUT)
if s:ok
  qall!
endif
cquit!

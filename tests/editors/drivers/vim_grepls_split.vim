" Two windows on one buffer, far apart (the top one at line 1, the bottom one at line 200):
" :Grepls TODO, then each window's lines on screen are read for grepls's text properties; then
" :GreplsClear, and the same. Writes, for each step, the lines on screen in each window that
" hold no property and those that hold one, as JSON to $GREPLS_OUT.
function! s:Lines() abort
  let l:seen = []
  for l:window in win_findbuf(bufnr())
    let l:bare = []
    let l:painted = []
    for l:lnum in range(line('w0', l:window), line('w$', l:window))
      let l:props = filter(prop_list(l:lnum), {_, p -> p.type =~# '^grepls_'})
      call add(empty(l:props) ? l:bare : l:painted, l:lnum)
    endfor
    call add(l:seen, {'bare': l:bare, 'painted': l:painted})
  endfor
  return l:seen
endfunction
function! s:Wait(Condition) abort
  let l:start = reltime()
  while !a:Condition() && reltimefloat(reltime(l:start)) < 10
    sleep 20m
  endwhile
endfunction
let s:report = {'ok': v:true, 'steps': []}
try
  split
  1
  wincmd j
  200
  normal! zt
  redraw
  Grepls TODO
  call s:Wait({-> empty(filter(s:Lines(), {_, w -> !empty(w.bare)}))})
  call add(s:report.steps, s:Lines())
  GreplsClear
  call s:Wait({-> empty(filter(s:Lines(), {_, w -> !empty(w.painted)}))})
  call add(s:report.steps, s:Lines())
catch
  let s:report.ok = v:false
  let s:report.error = v:exception
endtry
call writefile([json_encode(s:report)], $GREPLS_OUT)
if s:report.ok
  qall!
endif
cquit!

" Matches drawn far down the buffer must not outlive what they showed. Draws TODO at the top and
" at line 200 (scrolled there and back), clears the pattern, and records the properties left in
" the whole buffer; sets it again, kills the server from outside, records what is left, and
" jumps with :GreplsNext, which must start a new server and draw again. Writes the records as
" JSON to $GREPLS_OUT.
function! s:Props() abort
  let l:held = []
  for l:lnum in range(1, line('$'))
    for l:prop in prop_list(l:lnum)
      if l:prop.type =~# '^grepls_'
        call add(l:held, l:lnum)
      endif
    endfor
  endfor
  return l:held
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
function! s:Scrolled() abort
  " Vim fires WinScrolled from its main loop, which this script does not reach.
  execute 'doautocmd <nomodeline> WinScrolled' win_getid()
endfunction
let s:report = {'ok': v:true}
try
  Grepls TODO
  call s:Wait('the top drawn', {-> index(s:Props(), 1) >= 0})
  normal! 200Gzt
  call s:Scrolled()
  call s:Wait('line 200 drawn', {-> index(s:Props(), 200) >= 0})
  normal! gg
  call s:Scrolled()
  GreplsClear
  call s:Wait('the top cleared', {-> index(s:Props(), 1) < 0})
  sleep 300m
  let s:report.after_clear = s:Props()
  Grepls TODO
  call s:Wait('the top drawn again', {-> index(s:Props(), 1) >= 0})
  call job_start(['pkill', '-KILL', '-P', string(getpid())])  " the server, from outside
  call s:Wait('the matches taken away', {-> empty(s:Props())})
  let s:report.after_kill = s:Props()
  GreplsNext
  call s:Wait('drawn by a new server', {-> index(s:Props(), 1) >= 0})
  let s:report.cursor = [line('.'), col('.')]
catch
  let s:report.ok = v:false
  let s:report.error = v:exception
endtry
let s:report.messages = execute('messages')
call writefile([json_encode(s:report)], $GREPLS_OUT)
if s:report.ok
  qall!
endif
cquit!

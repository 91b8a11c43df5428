" Walks the steps in $GREPLS_STEPS (JSON): {"run": EX-COMMAND} runs a command, {"wait": N} waits
" until N of grepls's text properties are drawn and records them with what `:GreplsRemove <Tab>`
" offers then, {"eval": EXPR, "until": VALUE} waits until EXPR is VALUE (10 s at most) and records
" it as {"value": ...}. Writes the records, and Vim's messages, as JSON to $GREPLS_OUT. Run once
" per session of a test that starts Vim several times on one project.
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
let s:report = {'ok': v:true, 'seen': []}
try
  for s:step in json_decode($GREPLS_STEPS)
    if has_key(s:step, 'run')
      execute s:step.run
      continue
    endif
    if has_key(s:step, 'eval')
      let s:start = reltime()
      " Sleeping runs the channel's callbacks (a jump's answer).
      while eval(s:step.eval) != s:step.until && reltimefloat(reltime(s:start)) < 10
        sleep 20m
      endwhile
      call add(s:report.seen, {'value': eval(s:step.eval)})
      continue
    endif
    let s:start = reltime()
    while len(s:Props()) != s:step.wait && reltimefloat(reltime(s:start)) < 20
      sleep 20m
    endwhile
    " Long enough for a pattern that should not be there to be drawn too.
    sleep 300m
    call add(s:report.seen, {'props': s:Props(),
    \ 'offered': getcompletion('GreplsRemove ', 'cmdline')})
  endfor
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

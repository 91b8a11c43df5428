" The kept-pattern commands of grepls's Vim plugin: `:Grepls TODO` and `:GreplsAdd FIXME` draw
" both, `:GreplsRemove <Tab>` offers what it can drop, `:GreplsPatterns` lists both with their
" counts, `:GreplsRemove` of an id grepls does not know says why, and `:GreplsRemove FIXME` leaves
" TODO alone drawn. Writes each step's text properties, the completions and Vim's messages as
" JSON to $GREPLS_OUT.
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
    throw 'timed out waiting for ' . a:what . ': ' . string(s:Props())
  endif
endfunction
function! s:Said(text) abort
  return stridx(execute('messages'), a:text) >= 0
endfunction
let s:report = {'ok': v:true}
try
  let s:report.before = getcompletion('GreplsRemove ', 'cmdline')
  Grepls TODO
  GreplsAdd FIXME
  call s:Wait('both drawn', {-> len(s:Props()) == 2})
  let s:report.both = s:Props()
  let s:report.completion = {'all': getcompletion('GreplsRemove ', 'cmdline'),
  \ 'typed': getcompletion('GreplsRemove F', 'cmdline')}
  GreplsPatterns
  call s:Wait('the list', {-> s:Said('search')})
  GreplsRemove nothing
  call s:Wait('the refusal', {-> s:Said("'nothing'")})
  GreplsRemove FIXME
  call s:Wait('FIXME gone', {-> len(s:Props()) == 1})
  let s:report.after_remove = s:Props()
  let s:report.completion_after = getcompletion('GreplsRemove ', 'cmdline')
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

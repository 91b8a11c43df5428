" Types `:Grepls TO` (or the command $GREPLS_COMMAND names), then `DO`, on Vim's real command
" line (feedkeys, as typed) and reads what the plugin's preview drew on Vim's screen before Enter
" (screenattr: the cells in the count label's highlight); then Escape (nothing set, nothing
" drawn), then the whole command with Enter (the pattern set). A timer walks the steps: Vim runs
" timers while the command line waits for keys. Writes the steps as JSON to $GREPLS_OUT.
let s:rows = str2nr($GREPLS_ROWS)
let s:report = {'steps': []}
let s:step = 0
let s:command = empty($GREPLS_COMMAND) ? 'Grepls' : $GREPLS_COMMAND
let s:deadline = reltime()
let s:lit_attr = -1

" The count label at the top right (its highlight's attribute) and the runs of cells of the text's
" rows in that highlight: [row, first cell, end cell], from 0.
function! s:Previewed() abort
  let l:plain = screenattr(3, 1)  " "nothing here": never a match
  let l:label_attr = screenattr(1, &columns)
  let l:count = v:null
  let l:label_start = &columns + 1
  if l:label_attr != l:plain
    let l:count = ''
    while l:label_start > 1 && screenattr(1, l:label_start - 1) == l:label_attr
      let l:label_start -= 1
      let l:count = screenstring(1, l:label_start) . l:count
    endwhile
    let s:lit_attr = l:label_attr
  endif
  let l:lit = []
  if s:lit_attr != -1
    for l:row in range(1, s:rows)
      let l:last = l:row == 1 ? l:label_start - 1 : &columns
      let l:start = 0
      for l:cell in range(1, l:last + 1)
        let l:on = l:cell <= l:last && screenattr(l:row, l:cell) == s:lit_attr
        if l:on && !l:start
          let l:start = l:cell
        elseif !l:on && l:start
          call add(l:lit, [l:row - 1, l:start - 1, l:cell - 1])
          let l:start = 0
        endif
      endfor
    endfor
  endif
  return [l:lit, l:count]
endfunction

function! s:Patterns() abort
  let s:listed = v:null
  call GreplsExecute('grepls.listPatterns', [], {result -> execute('let s:listed = len(result)')})
endfunction

function! s:Step(timer) abort
  " First, so that a step that never comes still ends the run.
  if reltimefloat(reltime(s:deadline)) > 20
    let [l:lit, l:count] = s:Previewed()
    call s:Finish(printf('timed out at step %d (mode %s, cmdline %s, %d lit, count %s, %d props; %s)',
    \ s:step, mode(), string(getcmdline()), len(l:lit), string(l:count),
    \ len(prop_list(1, {'end_lnum': -1})), execute('messages')))
    return
  endif
  try
    if s:step == 0
      if empty(prop_type_get('grepls_preview')) || !exists('b:grepls_sent')
        return
      endif
      call feedkeys(':' . s:command . ' TO', 't')
    elseif s:step == 1
      let [l:lit, l:count] = s:Previewed()
      if mode() !=# 'c' || len(l:lit) != str2nr($GREPLS_WANTED_TO)
        return
      endif
      call add(s:report.steps, {'typed': getcmdline(), 'lit': l:lit, 'count': l:count})
      call feedkeys('DO', 't')
    elseif s:step == 2
      let [l:lit, l:count] = s:Previewed()
      if mode() !=# 'c' || getcmdline() !=# s:command . ' TODO'
      \ || len(l:lit) != str2nr($GREPLS_WANTED_TODO)
        return
      endif
      call add(s:report.steps, {'typed': getcmdline(), 'lit': l:lit, 'count': l:count,
      \ 'drawn': len(filter(prop_list(1, {'end_lnum': -1}), {_, p -> p.type =~# '^grepls_\d'}))})
      call feedkeys("\<Esc>", 't')
    elseif s:step == 3
      if mode() !=# 'n'
        return
      endif
      redraw
      let [l:lit, l:count] = s:Previewed()
      call add(s:report.steps, {'escaped': v:true, 'lit': l:lit, 'count': l:count,
      \ 'props': len(filter(prop_list(1, {'end_lnum': -1}), {_, p -> p.type =~# '^grepls_'}))})
      call s:Patterns()
    elseif s:step == 4
      if s:listed is v:null
        return
      endif
      let s:report.steps[-1].patterns = s:listed
      call feedkeys(':' . s:command . " TODO\<CR>", 't')
    elseif s:step == 5
      call s:Patterns()
    elseif s:step == 6
      if s:listed is v:null
        return
      endif
      call add(s:report.steps, {'entered': v:true, 'patterns': s:listed})
      call s:Finish(v:null)
      return
    endif
    let s:step += 1
  catch
    call s:Finish(v:exception . ' at ' . v:throwpoint)
    return
  endtry
endfunction

function! s:Finish(error) abort
  call timer_stopall()
  let s:report.error = a:error
  call writefile([json_encode(s:report)], $GREPLS_OUT)
  qall!
endfunction

call timer_start(20, function('s:Step'), {'repeat': -1})

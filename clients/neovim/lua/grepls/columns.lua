-- Columns: grepls's answers count a line's columns in the encoding Neovim negotiated (UTF-16 in
-- Neovim 0.7 to 0.10, UTF-8 from 0.11 on when the server offers it); extmarks count bytes.

local M = {}

-- `index` (a column of `text` in `encoding`) as a byte column of `text`; past the line's end (a
-- line changed since grepls answered), its end.
function M.byte_column(text, index, encoding)
  if encoding == 'utf-8' or not text:find('[\128-\255]') then
    return math.min(index, #text)
  end
  local ok, column
  if vim.fn.has('nvim-0.11') == 1 then
    ok, column = pcall(vim.str_byteindex, text, encoding, index, false)
  else
    ok, column = pcall(vim.str_byteindex, text, index, encoding == 'utf-16')
  end
  return ok and column or #text
end

return M

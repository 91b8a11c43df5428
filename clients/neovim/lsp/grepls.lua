-- grepls for Neovim 0.11+: live grep, every match of a pattern shown as a diagnostic.
-- Neovim reads lsp/<name>.lua from 'runtimepath' (as it reads nvim-lspconfig's configs): put
-- clients/neovim (the folder holding lsp/) on 'runtimepath', or copy this file to
-- ~/.config/nvim/lsp/, then call vim.lsp.enable('grepls'). The `grepls` command comes from
-- `pipx install grepls` or `uv tool install grepls`; the README's :Grepls commands set the pattern.
---@type vim.lsp.Config
return {
  cmd = { 'grepls' },
  -- No `filetypes`: grepls attaches to every buffer that has a filetype.
  root_markers = { '.git' },
  -- Send each change at once: Neovim's default holds a change up to 150 ms, which a live grep
  -- shows as lag (the README's "In real editors" has the measurements).
  flags = { debounce_text_changes = 0 },
  -- Answered to the server's workspace/configuration requests; these are its defaults.
  settings = {
    grepls = {
      -- pattern = 'TODO',  -- a pattern to show from the start
      regex = false,
      caseSensitive = true,
      wholeWord = false,
      severity = 'information', -- 'error', 'warning', 'information' or 'hint'
      maxMatchesPerDocument = 1000,
    },
  },
}

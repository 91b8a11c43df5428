# The workspace-scope benchmark (bench/workspace.py): grepls against ripgrep on Debian's
# linux-source-6.1, fetched with apt-get and unpacked in /var/tmp/grepls-bench (outside the repo).
# BENCH_TREE=/some/tree measures another tree instead, without fetching anything.
.PHONY: bench-workspace

BENCH_TREE ?=

## bench-workspace: setPattern -> end of scan vs rg -c, first publish, RSS, saved file, keystrokes
bench-workspace: $(STAMP)
ifeq ($(BENCH_TREE),)
	$(PY) -m bench.workspace --fetch
else
	$(PY) -m bench.workspace --tree $(BENCH_TREE)
endif

## bench-workspace-neovim: Neovim's event loop during a workspace scan (stalls, all shown)
.PHONY: bench-workspace-neovim
bench-workspace-neovim: $(STAMP)
ifeq ($(BENCH_TREE),)
	$(PY) -m bench.workspace_neovim --fetch
else
	$(PY) -m bench.workspace_neovim --tree $(BENCH_TREE)
endif

## bench-workspace-emacs: Emacs's command loop during a workspace scan (stalls, eglot's watch)
.PHONY: bench-workspace-emacs
bench-workspace-emacs: $(STAMP)
ifeq ($(BENCH_TREE),)
	$(PY) -m bench.workspace_emacs --fetch
else
	$(PY) -m bench.workspace_emacs --tree $(BENCH_TREE)
endif

## bench-workspace-vscode: VS Code opening the tree with the workspace scope (counted, frame gaps)
.PHONY: bench-workspace-vscode
bench-workspace-vscode: $(STAMP) vsix vscode-tools
ifeq ($(BENCH_TREE),)
	$(PY) -m bench.workspace_vscode --fetch
else
	$(PY) -m bench.workspace_vscode --tree $(BENCH_TREE)
endif

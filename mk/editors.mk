# Editor tests: real Neovim, Emacs (eglot) and Vim (ALE) from Debian's packages, driven headless
# with the README's own snippets against the real server (tests/editors/).
#   make editors        install the editors (skipped quickly when they are already there)
#   make test-editors   run the editor tests (part of `make test`)
#   make test-editors-emacs-backport   the Emacs tests again in Debian backports' newer Emacs

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

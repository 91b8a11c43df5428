# Editor tests: real Neovim, Emacs (eglot) and Vim (ALE) from Debian's packages, driven headless
# with the README's own snippets against the real server (tests/editors/).
#   make editors        install the editors (skipped quickly when they are already there)
#   make test-editors   run the editor tests (part of `make test`)

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

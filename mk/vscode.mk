# VS Code extension: build the .vsix (`make vsix`), unit-test its logic, and prove it end to end
# in real VS Code (code-server driven through Debian's chromium) with `make test-vscode`.
#   make vsix VSCODE_TARGET=darwin-arm64   builds the package for another platform
#   make vsix-all                          builds all five platform packages

VSCODE_DIR := clients/vscode
VSCODE_TARGET ?= linux-x64
VSCODE_VERSION := $(shell sed -n 's/^  "version": "\(.*\)",$$/\1/p' $(VSCODE_DIR)/package.json)
VSIX := $(VSCODE_DIR)/dist/grepls-$(VSCODE_TARGET)-$(VSCODE_VERSION).vsix
VSCODE_NPM_STAMP := $(VSCODE_DIR)/node_modules/.grepls-installed

.PHONY: vsix test-vscode test-vscode-unit test-vscode-e2e vscode-tools

$(VSCODE_NPM_STAMP): $(VSCODE_DIR)/package-lock.json
	cd $(VSCODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## vsix: the installable extension, with the server and its Python libraries inside
vsix: $(STAMP) $(VSCODE_NPM_STAMP)
	$(PY) $(VSCODE_DIR)/scripts/bundle_server.py --target $(VSCODE_TARGET)
	mkdir -p $(dir $(VSIX)) $(VSCODE_DIR)/media
	cp docs/images/vscode.png $(VSCODE_DIR)/media/screenshot.png
	cd $(VSCODE_DIR) && npx --no-install vsce package --target $(VSCODE_TARGET) \
	  --no-dependencies --no-rewrite-relative-links --out $(patsubst $(VSCODE_DIR)/%,%,$(VSIX))
	@echo "built $(VSIX)"

test-vscode-unit: $(VSCODE_NPM_STAMP)
	cd $(VSCODE_DIR) && rm -rf out && npx --no-install tsc -p . && node --test out/test/

vscode-tools:
	bash tests/vscode/install-tools.sh

test-vscode-e2e: vsix vscode-tools
	node tests/vscode/e2e.mjs --vsix $(VSIX) $(VSCODE_E2E_ARGS)

test-vscode: test-vscode-unit test-vscode-e2e

TEST_TARGETS += test-vscode

# Packaging: the hashed locks, the Python package, and the five platform .vsix packages.
#   make lock           re-sync requirements/*.txt with pyproject.toml (keeps pins still allowed)
#   make lock-upgrade   the same, taking the newest versions allowed
#   make dist           sdist + wheel in dist/
#   make vsix-all       the .vsix for every platform (mk/vscode.mk builds one)
#   make test-package   builds them all and checks what is inside (part of `make test`)

VSCODE_TARGETS := linux-x64 linux-arm64 darwin-x64 darwin-arm64 win32-x64
UV_COMPILE := $(VENV)/bin/uv pip compile --universal --python-version 3.10 --generate-hashes \
  --quiet --custom-compile-command "make lock"

.PHONY: lock lock-upgrade dist vsix-all test-package

lock: $(STAMP)
	$(UV_COMPILE) $(LOCK_ARGS) pyproject.toml -o requirements/runtime.txt
	$(UV_COMPILE) $(LOCK_ARGS) pyproject.toml requirements/build.in --extra dev --extra ws \
	  -o requirements/dev.txt

lock-upgrade:
	$(MAKE) lock LOCK_ARGS=--upgrade

## dist: the sdist and wheel PyPI gets, built with the locked setuptools
dist: $(STAMP)
	rm -rf dist
	$(PY) -m build --no-isolation --outdir dist .

vsix-all:
	@for target in $(VSCODE_TARGETS); do \
	  $(MAKE) --no-print-directory vsix VSCODE_TARGET=$$target || exit 1; \
	done

test-package: vsix-all
	$(PY) -m pytest -q tests/vsix

TEST_TARGETS += test-package

# grepls — the two commands a newcomer needs are `make demo` and `make test`.
# Each sets up everything it needs first (the virtualenv, and for the editor and VS Code
# tests the editors, Node packages and browser), so both work on a fresh machine.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Fragments in mk/ add their own targets and append to TEST_TARGETS.
TEST_TARGETS :=

# The Python tests: everything under tests/ except the editor, VS Code and .vsix folders (own targets).
PYTHON_TESTS := tests --ignore=tests/editors --ignore=tests/vscode --ignore=tests/vsix

.PHONY: all setup demo test test-python test-slow lint clean
all: test

# The dev environment comes from the hashed lock (requirements/dev.txt, refreshed by `make lock`);
# grepls itself is then installed editable without touching its dependencies.
# A Python older than 3.10 is named as such (pip would only say a locked package has no version for
# it), and a virtualenv left by one is made again rather than reused.
NEW_ENOUGH := import sys; sys.exit(sys.version_info < (3, 10))
$(STAMP): pyproject.toml requirements/dev.txt
	@$(PYTHON) -c '$(NEW_ENOUGH)' || { echo "grepls needs Python 3.10 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1): run make PYTHON=python3.12 (or another 3.10+)" >&2; exit 1; }
	@if [ -x $(PY) ] && ! $(PY) -c '$(NEW_ENOUGH)'; then echo "$(VENV) was made by $$($(PY) --version 2>&1): making it again"; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

## demo: start the real server, open fixtures, set a pattern, print what an editor receives
demo: $(STAMP)
	$(PY) -m grepls.demo fixtures/demo.txt fixtures/astral.txt --pattern TODO

lint: $(STAMP)
	$(VENV)/bin/ruff check server tests bench clients/vscode/scripts
	$(VENV)/bin/ruff format --check server tests bench
	$(VENV)/bin/mypy

test-python: $(STAMP)
	$(PY) -m pytest -q $(PYTHON_TESTS)

## test-slow: the long property-test and fuzzing profile
test-slow: $(STAMP)
	GREPLS_HYPOTHESIS_PROFILE=slow $(PY) -m pytest -q -m slow $(PYTHON_TESTS)

-include mk/*.mk

test: lint test-python $(TEST_TARGETS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

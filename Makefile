# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-python lint check bench reliability screenshots clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/wstui demo

lint: $(STAMP)
	$(BIN)/ruff check wstui tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -n 2 -q

check: test

# The core, CLI and simulator tests on another CPython (requires-python says >=3.11; CI
# runs 3.11): `make test-python PYTHON=python3.13`. Its own venv, .venv-python3.13. On
# Debian 12, a python3.13 comes from a `debootstrap trixie` chroot or from pyenv.
PYTHON ?= python3.13
PYVENV := .venv-$(notdir $(PYTHON))
test-python:
	$(PYTHON) -m venv $(PYVENV)
	$(PYVENV)/bin/python -m pip install --quiet -e '.[dev]'
	$(PYVENV)/bin/python --version
	$(PYVENV)/bin/python -m pytest -q tests/core tests/sim tests/security \
		tests/test_cli.py tests/test_cli_habits.py tests/test_config.py \
		tests/test_bad_input.py tests/test_output_files.py tests/test_docs_commands.py

# The whole suite, then docs/reliability.md rewritten from what the hardening tests survived.
reliability: $(STAMP)
	WSTUI_RELIABILITY_REPORT=1 $(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python -m bench

screenshots: $(STAMP)
	$(BIN)/python -m wstui.screenshots screenshots

clean:
	rm -rf $(VENV) .venv-python* .pytest_cache .ruff_cache

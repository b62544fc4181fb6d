# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint check bench reliability screenshots clean

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

# The whole suite, then docs/reliability.md rewritten from what the hardening tests survived.
reliability: $(STAMP)
	WSTUI_RELIABILITY_REPORT=1 $(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python -m bench

screenshots: $(STAMP)
	$(BIN)/python -m wstui.ui.screenshots screenshots

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

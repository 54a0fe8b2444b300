# Two commands on a fresh clone: `make run` serves the API, `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint typecheck unit bench bench-full clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[dev]'
	@touch $@ $(VENV)/.run-installed

$(VENV)/.bench-installed: $(VENV)/.dev-installed
	$(PIP) -e '.[dev,bench]'
	@touch $@

run: $(VENV)/.run-installed
	$(BIN)/lobbyd serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)
	$(BIN)/lint-imports

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

unit: $(VENV)/.dev-installed
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck unit

bench: $(VENV)/.bench-installed
	$(BIN)/python -m bench --profile quick

bench-full: $(VENV)/.bench-installed
	$(BIN)/python -m bench --profile full

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache lobbyd.sqlite3*

# Two commands on a fresh clone: `make run` serves the API, `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Not --quiet: pip's "Collecting ..." lines are the progress of a first install (about a minute).
PIP    := $(BIN)/python -m pip install --disable-pip-version-check -c constraints.txt
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint typecheck unit fuzz bench bench-full clean

$(BIN)/python:
	@echo "==> creating the virtual environment $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: pyproject.toml constraints.txt | $(BIN)/python
	@echo "==> installing lobbyd and its dependencies into $(VENV) (once; about a minute)"
	$(PIP) -e .
	@touch $@

# The tests drive the server with the Python client, its own distribution in clients/python
# (`make run` does not need it).
$(VENV)/.dev-installed: pyproject.toml clients/python/pyproject.toml constraints.txt | $(BIN)/python
	@echo "==> installing lobbyd, its dependencies, the Python client and the test tools into $(VENV) (once; 1-2 minutes)"
	$(PIP) -e '.[dev]' -e clients/python
	@touch $@ $(VENV)/.run-installed

$(VENV)/.bench-installed: $(VENV)/.dev-installed
	@echo "==> installing the benchmark tools into $(VENV)"
	$(PIP) -e '.[dev,bench]' -e clients/python
	@touch $@

run: $(VENV)/.run-installed
	@echo "==> serving http://$(HOST):$(PORT) (interactive API at /docs); Ctrl-C stops"
	$(BIN)/lobbyd serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests clients/python $(wildcard bench)
	$(BIN)/ruff format --check src tests clients/python $(wildcard bench)
	$(BIN)/lint-imports

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

unit: $(VENV)/.dev-installed
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck unit

# Property-based fuzzing of the OpenAPI document with a larger budget than `make test` runs (a new
# seed each run unless FUZZ_SEED is given; the seed is printed in the header).
fuzz: $(VENV)/.dev-installed
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} FUZZ_COVERAGE=$${FUZZ_COVERAGE:-1} \
	FUZZ_SCENARIOS=$${FUZZ_SCENARIOS:-100} FUZZ_STEPS=$${FUZZ_STEPS:-25} \
	FUZZ_SEED=$${FUZZ_SEED:-random} FUZZ_TIMEOUT=$${FUZZ_TIMEOUT:-3600} \
	$(BIN)/pytest tests/fuzz $(PYTEST_ARGS)

bench: $(VENV)/.bench-installed
	$(BIN)/python -m bench --profile quick

bench-full: $(VENV)/.bench-installed
	$(BIN)/python -m bench --profile full

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache lobbyd.sqlite3*

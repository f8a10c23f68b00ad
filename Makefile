# Two commands set up a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
DB     ?= ./deconfliction.db

.PHONY: run demo test test-slow test-all bench lint typecheck check docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The environment is rebuilt whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed  ## start the hub on http://$(HOST):$(PORT) with the embedded SQLite store
	$(BIN)/deconfliction serve --host $(HOST) --port $(PORT) --db $(DB)

demo: $(VENV)/.installed  ## a hub with simulated parties on http://$(HOST):$(PORT)/ (Ctrl-C stops)
	$(BIN)/deconfliction demo --host $(HOST) --port $(PORT) $(DEMO_ARGS)

test: $(VENV)/.installed  ## the default test run (fast; no slow tests, no benchmarks)
	$(BIN)/python -m pytest -q

test-slow: $(VENV)/.installed  ## slow tests only
	$(BIN)/python -m pytest -q -m slow

test-all: $(VENV)/.installed  ## every test, slow ones included (not benchmarks)
	$(BIN)/python -m pytest -q -m 'not bench'

bench: $(VENV)/.installed  ## run all benchmarks and print their figures
	$(BIN)/python -m bench

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed
	$(BIN)/mypy

check: lint typecheck test  ## everything CI runs

docs: $(VENV)/.installed  ## regenerate docs/settings.md and docs/cli.md from the code
	$(BIN)/python -m deconfliction.docgen docs

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

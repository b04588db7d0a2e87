# Two commands for a new user: `make run` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The embedded SQLite database and the instance secrets live here unless YECAI_DATABASE_URL says otherwise.
export YECAI_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test install dev lint typecheck archcheck unit bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The web workspace's browser libraries (htmx, ECharts) come from the npm registry into node_modules;
# without npm the pages still work, only without partial updates and charts.
NPM_CI = if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the web workspace runs without htmx and ECharts"; fi

install: $(BIN)/python
	$(BIN)/pip install -q -e .
	@$(NPM_CI)

dev: $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	@$(NPM_CI)

## make run: install, create/upgrade the SQLite database, load the demo company if absent, serve on 127.0.0.1:8000
run: install
	$(BIN)/yecai db upgrade
	$(BIN)/yecai demo ensure
	$(BIN)/yecai serve --host $(HOST) --port $(PORT)

lint: dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: dev
	$(BIN)/mypy

archcheck: dev
	$(BIN)/lint-imports

## make test: dev extras, lint, type and layer checks, the whole suite (PostgreSQL too when reachable)
test: lint typecheck archcheck
	$(BIN)/python -m pytest -n 2 --dist loadgroup

unit: dev
	$(BIN)/python -m pytest -x -q

bench: dev
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache

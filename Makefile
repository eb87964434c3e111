# Omni: `make run` to try it, `make test` to check everything.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/omni
PYTEST_ARGS ?=

.PHONY: run install migrate demo test lint test-sqlite test-postgres messages bench clean

$(BIN)/.installed: pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip==25.3
	$(BIN)/pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $@

install: $(BIN)/.installed

migrate: install
	$(BIN)/omni ensuredb
	$(BIN)/omni migrate --no-input -v1

demo: migrate
	$(BIN)/omni demo

## run: install, migrate, load demo data, start web server + worker (SQLite unless DATABASE_URL)
run: demo
	@echo "Omni: http://127.0.0.1:8000/  (API docs: http://127.0.0.1:8000/api/v1/docs)"
	$(BIN)/omni up

lint: install
	$(BIN)/ruff check src tests bench simulators conftest.py
	$(BIN)/ruff format --check src tests bench simulators conftest.py
	$(BIN)/lint-imports
	$(BIN)/omni makemigrations --check --dry-run

## test: lint, then the whole suite on SQLite and again on PostgreSQL
test: lint test-sqlite test-postgres

test-sqlite: install
	env -u DATABASE_URL scripts/pytest-pass sqlite $(PYTEST_ARGS)

test-postgres: install
	DATABASE_URL=$(PG_URL) scripts/pytest-pass postgresql $(PYTEST_ARGS)

messages: install
	cd src/omni && ../../$(BIN)/omni makemessages -l zh_Hans -l en --no-obsolete && ../../$(BIN)/omni compilemessages

bench: install
	DATABASE_URL=$(PG_URL) $(BIN)/omni ensuredb
	DATABASE_URL=$(PG_URL) $(BIN)/omni migrate --no-input -v0
	DATABASE_URL=$(PG_URL) $(BIN)/omni bench kernel-numbers

clean:
	rm -rf $(VENV) var

# dantoc: the two commands a person needs are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
PG_URL ?= postgres://postgres@127.0.0.1:5432/dantoc
STAMP := $(VENV)/.installed

.PHONY: run install test test-sqlite test-postgres lint browser system-packages schema bench clean

$(STAMP): pyproject.toml package.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	npm install --no-audit --no-fund --loglevel=error
	touch $(STAMP)

install: $(STAMP)

## Install everything, create the SQLite database, load reference and demo data, serve.
run: install system-packages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_reference_data
	$(BIN)/python manage.py load_demo_data
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "dantoc: http://$(HOST):$(PORT)/  (demo accounts: README.md)"
	HOST=$(HOST) PORT=$(PORT) scripts/serve.sh

## Install everything (Chromium for the page tests too) and run lint, migration check and tests.
test: install system-packages browser lint test-sqlite
	@if [ -n "$$CI" ] || [ -n "$$DANTOC_TEST_POSTGRES" ]; then $(MAKE) --no-print-directory test-postgres; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/import_layers.py
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --file var/openapi-current.yaml --validate --fail-on-warn
	diff -u docs/openapi.yaml var/openapi-current.yaml

# Two worker processes (both cores); a module's tests stay on one worker, so a module's
# real server or browser is started once. When the PostgreSQL pass follows (CI), the page
# tests in Chromium and the tests that serve the platform for real run only there (the
# production database), except the ones marked both_databases (SQLite's own locking). The 30 slowest tests are listed at the end of each pass.
PYTEST_ARGS ?= -n 2 --dist loadfile --durations=30

test-sqlite: install
	@if [ -n "$$CI" ] || [ -n "$$DANTOC_TEST_POSTGRES" ]; then \
	  echo "SQLite pass: page tests ('browser'), tests of the platform served for real ('platform') and HTTP-level tests the engine does not change ('engine_agnostic') run in the PostgreSQL pass, except those marked 'both_databases'"; \
	  DATABASE_URL=sqlite:///var/test.sqlite3 $(BIN)/pytest $(PYTEST_ARGS) -m "not browser and not engine_agnostic and (not platform or both_databases)"; \
	else DATABASE_URL=sqlite:///var/test.sqlite3 $(BIN)/pytest $(PYTEST_ARGS); fi

test-postgres: install
	DATABASE_URL=$(PG_URL) $(BIN)/pytest $(PYTEST_ARGS)

browser:
	@scripts/ensure-chromium.sh

## Fonts for the PDF reports and ffmpeg for the media pipeline (Debian packages; installed only when missing).
system-packages:
	@scripts/ensure-system-packages.sh

## Regenerate the committed OpenAPI schema after an API change.
schema: install
	$(BIN)/python manage.py spectacular --file docs/openapi.yaml --validate --fail-on-warn

## Every headline figure against its target, its baseline and the accepted table (PostgreSQL,
## under 15 minutes; makes and drops its own dantoc_bench_headline_* databases).
## BENCH_ARGS=--accept makes this run the accepted table; BENCH_ARGS="--only import" runs one part.
bench: install system-packages
	DATABASE_URL=$(PG_URL) $(BIN)/python benchmarks/headline.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules var

# Developer shortcuts. The real work is in scripts/ so CI and people run the same commands.
# Other areas add their own targets (eval, bench-extract, ...) in scripts/Makefile.<area>.mk.
#
#   make demo                  set up and serve the demo on http://127.0.0.1:8000/
#   make test                  everything CI runs (lint, types, migrations, SQLite + PostgreSQL)
#   make test ARGS="-k audit"  the same, with extra pytest arguments
#   make test-sqlite / test-postgres   one database only

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
# Keep in step with TYPED_CORES in scripts/test.sh.
TYPED_CORES := $(wildcard safepassage/geo safepassage/extract safepassage/evaluation safepassage/lib safepassage/linking safepassage/riskmodel safepassage/guidelines)
ARGS ?=

.PHONY: help demo test test-sqlite test-postgres lint format typecheck bootstrap clean

## help: list the targets (fragments document theirs with '## name: what it does' too)
help:
	@grep -h -E '^## [A-Za-z0-9_.-]+: ' $(MAKEFILE_LIST) | sed -e 's/^## /  make /'
	@echo "  extra pytest arguments: make test ARGS='-k audit -x'"

## bootstrap: create .venv and install requirements.lock (only when the lock changed)
bootstrap:
	bash scripts/bootstrap.sh

## demo: migrate, load the demo data and serve on http://127.0.0.1:8000/
demo:
	bash scripts/demo.sh

## test: every check CI runs: lint, types, migrations, tests on SQLite and PostgreSQL
test:
	bash scripts/test.sh $(ARGS)

## test-sqlite: the same, with the tests on SQLite only
test-sqlite:
	SAFEPASSAGE_TEST_DB=sqlite bash scripts/test.sh $(ARGS)

## test-postgres: the same, with the tests on PostgreSQL 15 only
test-postgres:
	SAFEPASSAGE_TEST_DB=postgres bash scripts/test.sh $(ARGS)

## lint: ruff check and ruff format --check
lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## format: ruff check --fix, then ruff format
format: bootstrap
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## typecheck: mypy --strict on the pure-Python cores
typecheck: bootstrap
	$(if $(TYPED_CORES),$(BIN)/mypy $(TYPED_CORES),@echo "no pure-Python cores yet")

# Build and tool leftovers only: .venv and var/ (the demo database) are kept.
## clean: remove caches and build leftovers (keeps .venv and var/)
clean:
	rm -rf build dist htmlcov .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.* *.egg-info
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

-include scripts/Makefile.*.mk

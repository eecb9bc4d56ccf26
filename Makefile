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
TYPED_CORES := $(wildcard safepassage/geo safepassage/extract safepassage/evaluation safepassage/lib safepassage/linking)
ARGS ?=

.PHONY: help demo test test-sqlite test-postgres lint format typecheck bootstrap clean

help:
	@echo "make demo | test | test-sqlite | test-postgres | lint | format | typecheck | bootstrap | clean"
	@echo "extra pytest arguments: make test ARGS='-k audit'"

bootstrap:
	bash scripts/bootstrap.sh

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh $(ARGS)

test-sqlite:
	SAFEPASSAGE_TEST_DB=sqlite bash scripts/test.sh $(ARGS)

test-postgres:
	SAFEPASSAGE_TEST_DB=postgres bash scripts/test.sh $(ARGS)

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: bootstrap
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: bootstrap
	$(if $(TYPED_CORES),$(BIN)/mypy $(TYPED_CORES),@echo "no pure-Python cores yet")

# Build and tool leftovers only: .venv and var/ (the demo database) are kept.
clean:
	rm -rf build dist htmlcov .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.* *.egg-info
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

-include scripts/Makefile.*.mk

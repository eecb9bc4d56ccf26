# Benchmark of movement evaluation (issue 5). Included by the top Makefile.
# Override on the command line, e.g. `make bench-movements BENCH_MOVEMENTS_ARGS="--incidents 200000"`.
PYTHON ?= .venv/bin/python
BENCH_MOVEMENTS_ARGS ?=

.PHONY: bench-movements

## bench-movements: movement request evaluation p50/p95 with 1M incidents and 10k sites in PostgreSQL
bench-movements:
	@set -euo pipefail; \
	eval "$$(bash scripts/pg.sh start)"; \
	trap 'bash scripts/pg.sh stop "$$SAFEPASSAGE_PG_DIR"' EXIT; \
	$(PYTHON) scripts/bench_movements.py $(BENCH_MOVEMENTS_ARGS)

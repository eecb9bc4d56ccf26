# Benchmark of the risk picture (issue 5). Included by the top Makefile.
# Override on the command line, e.g. `make bench-risk BENCH_RISK_ARGS="--incidents 200000"`.
PYTHON ?= .venv/bin/python
BENCH_RISK_ARGS ?=

.PHONY: bench-risk

## bench-risk: route_risk p50/p95 and incremental update time with 1M incidents in PostgreSQL
bench-risk:
	@set -euo pipefail; \
	eval "$$(bash scripts/pg.sh start)"; \
	trap 'bash scripts/pg.sh stop "$$SAFEPASSAGE_PG_DIR"' EXIT; \
	$(PYTHON) scripts/bench_risk.py $(BENCH_RISK_ARGS)

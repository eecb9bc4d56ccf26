# Benchmark of the alert evaluation (issue 5). Included by the top Makefile.
# SQLite by default; for PostgreSQL: eval "$(bash scripts/pg.sh start)"; make bench-alerts
# Override on the command line, e.g. `make bench-alerts BENCH_ALERTS_ARGS="--probes 100"`.
PYTHON ?= .venv/bin/python
BENCH_ALERTS_ARGS ?=

.PHONY: bench-alerts

## bench-alerts: time from a new incident to the end of its alert evaluation (10,000 sites)
bench-alerts:
	$(PYTHON) scripts/bench_alerts.py $(BENCH_ALERTS_ARGS)

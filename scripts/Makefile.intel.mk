# Benchmark of ingestion and linking (issue 4). Included by the top Makefile.
# Override on the command line, e.g. `make bench-ingest BENCH_INGEST_ARGS="--articles 400"`.
PYTHON ?= .venv/bin/python
BENCH_INGEST_ARGS ?=

.PHONY: bench-ingest

## bench-ingest: articles/hour through submit+extract+link, and link latency at 100k incidents
bench-ingest:
	$(PYTHON) scripts/bench_ingest.py $(BENCH_INGEST_ARGS)

# Benchmark of what partners pull: TAXII, STIX, MISP and sync. Included by the top Makefile.
# Override on the command line, e.g. `make bench-sharing BENCH_SHARING_ARGS="--incidents 10000"`.
PYTHON ?= .venv/bin/python
BENCH_SHARING_ARGS ?=

.PHONY: bench-sharing

## bench-sharing: TAXII pages, manifest, STIX bundle, MISP export and sync pull at 2,000 incidents, as a partner
bench-sharing:
	$(PYTHON) scripts/bench_sharing.py $(BENCH_SHARING_ARGS)

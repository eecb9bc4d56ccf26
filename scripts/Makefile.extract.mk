# Evaluation and benchmark of the extraction engine (issue 3). Included by the top Makefile.
# Override on the command line, e.g. `make eval EVAL_ARGS="ucdp --limit 200 --verbose"`.
PYTHON ?= .venv/bin/python
EVAL_ARGS ?=
BENCH_ARGS ?=

.PHONY: eval bench-extract

## eval: score extraction field by field against the seed, corpus, held-out and UCDP gold sets
eval:
	$(PYTHON) -m safepassage.evaluation --workers $$($(PYTHON) -c 'import os; print(os.cpu_count() or 1)') $(EVAL_ARGS)

## bench-extract: documents/s, words/s and peak memory for short reports and full articles
bench-extract:
	$(PYTHON) scripts/bench_extract.py $(BENCH_ARGS)

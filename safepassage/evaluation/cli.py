"""``safepassage eval``: score the extractor against the seed, corpus, held-out (holdout,
holdout_b, holdout_c, holdout_d, holdout_e) and UCDP gold sets.

Exit codes: 0 when every requested threshold (and, with ``--require-targets``, every target) is
met; 1 when one is not; 2 for misuse of the command line; 3 when the evaluation cannot run (a
gold or data file is missing or malformed, or the extractor cannot be imported).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from safepassage.evaluation.ceiling import ceilings
from safepassage.evaluation.ceiling import render as render_ceilings
from safepassage.evaluation.gold import (
    GoldError,
    GoldSet,
    limit_set,
    load_corpus,
    load_document_set,
    load_holdout,
    load_seeds,
)
from safepassage.evaluation.report import (
    TARGETS,
    Outcome,
    check,
    parse_threshold,
    render_text,
    to_json,
)
from safepassage.evaluation.runner import ExtractorUnavailable, read_predictions, run_extractor
from safepassage.evaluation.scoring import SetScore, score_set
from safepassage.evaluation.ucdp import PUBLISHED_POLICIES, load_ucdp

GOLD_SETS = (
    "seeds",
    "corpus",
    "holdout",
    "holdout_b",
    "holdout_c",
    "holdout_d",
    "holdout_e",
    "ucdp",
)
UCDP_FILE = "ucdp_pakistan_dev.csv"
EXIT_OK, EXIT_BELOW, EXIT_USAGE, EXIT_CANNOT_RUN = 0, 1, 2, 3


def repo_root() -> Path:
    """The repository root (this file is safepassage/evaluation/cli.py)."""
    return Path(__file__).resolve().parents[2]


def default_data_dir() -> Path:
    """``$SAFEPASSAGE_SHARED_DIR/data``, else ``../shared/data`` next to the repository."""
    shared = os.environ.get("SAFEPASSAGE_SHARED_DIR")
    base = Path(shared) if shared else repo_root().parent / "shared"
    return base / "data"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``safepassage eval``."""
    parser = argparse.ArgumentParser(
        prog="safepassage eval",
        description=(
            "Score extraction field by field against gold sets "
            "(seeds, corpus, holdout, holdout_b, holdout_c, holdout_d, holdout_e, ucdp)."
        ),
    )
    parser.add_argument(
        "sets",
        nargs="*",
        metavar="SET",
        help=(
            "gold sets to run: seeds, corpus, holdout, holdout_b, holdout_c, holdout_d, holdout_e, ucdp "
            "(default: all)"
        ),
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder with ucdp_pakistan_dev.csv (default: $SAFEPASSAGE_SHARED_DIR/data or ../shared/data)",
    )
    parser.add_argument(
        "--seeds-dir",
        type=Path,
        default=None,
        help="folder with the seed articles (default: the data folder's sibling 'seeds')",
    )
    parser.add_argument(
        "--gold-dir",
        type=Path,
        default=None,
        help=(
            "the repository's eval/ folder with gold/seeds.json, corpus/ and the held-out "
            "folders (default: <repo>/eval)"
        ),
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="score only the first N documents of each set"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="extractor worker processes (default 1)"
    )
    parser.add_argument(
        "--predictions",
        type=Path,
        default=None,
        help="score saved extractor output (JSONL keyed by document.id) instead of running it",
    )
    parser.add_argument(
        "--ucdp-published",
        choices=PUBLISHED_POLICIES,
        default="year-end",
        help="publication date given to the extractor for UCDP rows (default year-end)",
    )
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help=(
            "print the highest score any extractor can reach on the UCDP all-row targets "
            "(a perfect reader plus the best single guess) and run nothing"
        ),
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every miss")
    parser.add_argument(
        "--min-score",
        action="append",
        default=[],
        metavar="SET.FIELD=PERCENT",
        help="fail (exit 1) when a field scores below PERCENT; SET.*=100 means every field",
    )
    parser.add_argument(
        "--require-targets",
        action="store_true",
        help="fail (exit 1) when any target of issue 3 is not met",
    )
    return parser


def _load(
    name: str, args: argparse.Namespace, data_dir: Path, seeds_dir: Path, gold_dir: Path
) -> GoldSet:
    if name == "seeds":
        return limit_set(load_seeds(gold_dir / "gold" / "seeds.json", seeds_dir), args.limit)
    if name == "corpus":
        return limit_set(load_corpus(gold_dir / "corpus"), args.limit)
    if name == "holdout":
        return limit_set(load_holdout(gold_dir / "holdout"), args.limit)
    if name in ("holdout_b", "holdout_c", "holdout_d", "holdout_e"):
        # Later blind sets, same layout as the holdout (holdout_e is kept for measurement
        # only; the others are development sets now; see eval/README.md).
        return limit_set(load_document_set(gold_dir / name, name), args.limit)
    return load_ucdp(data_dir / UCDP_FILE, args.ucdp_published, args.limit)


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation; see the module docstring for the exit codes."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        # argparse exits 0 for --help and 2 for misuse; pass that on as a return value.
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    unknown = [name for name in args.sets if name not in GOLD_SETS]
    if unknown:
        print(
            f"safepassage eval: unknown gold set {unknown[0]!r}; choose from {', '.join(GOLD_SETS)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.limit is not None and args.limit < 1:
        print("safepassage eval: --limit must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    if args.workers < 1:
        print("safepassage eval: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        thresholds = [parse_threshold(text) for text in args.min_score]
    except ValueError as exc:
        print(f"safepassage eval: --min-score {exc}", file=sys.stderr)
        return EXIT_USAGE

    names = list(dict.fromkeys(args.sets)) or list(GOLD_SETS)
    data_dir = args.data_dir or default_data_dir()
    seeds_dir = args.seeds_dir or data_dir.parent / "seeds"
    gold_dir = args.gold_dir or repo_root() / "eval"

    if args.ceiling:
        try:
            ucdp = load_ucdp(data_dir / UCDP_FILE, args.ucdp_published, args.limit)
        except GoldError as exc:
            print(f"safepassage eval: {exc}", file=sys.stderr)
            return EXIT_CANNOT_RUN
        print(render_ceilings(ceilings(ucdp)))
        return EXIT_OK

    scores: list[SetScore] = []
    try:
        saved = read_predictions(args.predictions) if args.predictions else None
        for name in names:
            gold_set = _load(name, args, data_dir, seeds_dir, gold_dir)
            predictions = (
                saved if saved is not None else run_extractor(gold_set.documents, args.workers)
            )
            scores.append(score_set(gold_set, predictions))
    except (GoldError, ExtractorUnavailable) as exc:
        print(f"safepassage eval: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN

    by_name = {score.name: score for score in scores}
    target_outcomes: list[Outcome] = [check(target, by_name) for target in TARGETS]
    threshold_outcomes = [check(threshold, by_name) for threshold in thresholds]
    if args.json:
        print(
            json.dumps(
                to_json(scores, target_outcomes, threshold_outcomes, verbose=args.verbose), indent=2
            )
        )
    else:
        print(render_text(scores, target_outcomes, threshold_outcomes, verbose=args.verbose))

    # A threshold on a field that was never scored is a failure: a typo must not pass CI.
    failed = [outcome for outcome in threshold_outcomes if outcome.status != "PASS"]
    if args.require_targets:
        failed += [outcome for outcome in target_outcomes if outcome.status == "FAIL"]
    return EXIT_BELOW if failed else EXIT_OK

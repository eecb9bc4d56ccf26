"""Command line of ``safepassage extract`` (see ``contracts/EXTRACT.md``).

Usage::

    safepassage extract [PATH ...] [--published YYYY-MM-DD] [--format jsonl] [--workers N]

Writes one JSON line per input document to standard output, in input order. Exit code 0 unless
the command is misused (unknown option, missing file, bad date), which gives exit code 2.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from safepassage.extract.document import Document
from safepassage.extract.errors import ErrorCode, error_message
from safepassage.extract.readers import iter_inputs, valid_iso_date

#: Below this many documents a process pool costs more than it saves.
POOL_THRESHOLD = 64


class _Parser(argparse.ArgumentParser):
    """argparse that prints coded messages and exits with 2 on misuse."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: {error_message(ErrorCode.BAD_OPTION, message)}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``safepassage extract``."""
    parser = _Parser(
        prog="safepassage extract",
        description="Extract structured security events from news articles and field reports.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help=".txt, .html/.htm, .jsonl, .rss/.atom/.xml files, directories, or - for standard input",
    )
    parser.add_argument(
        "--published", metavar="YYYY-MM-DD", help="publication date for inputs that have none"
    )
    parser.add_argument("--format", choices=["jsonl"], default="jsonl", help="output format")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        metavar="N",
        help="worker processes (default 0: one per CPU for large batches, otherwise in-process)",
    )
    return parser


def _progress(results: Iterator[dict[str, Any]], stream: TextIO) -> Iterator[dict[str, Any]]:
    count = 0
    for result in results:
        count += 1
        if count % 10 == 0:
            stream.write(f"\rextract: {count} documents")
            stream.flush()
        yield result
    stream.write(f"\rextract: {count} documents\n")
    stream.flush()


def _choose_workers(requested: int, docs: Iterator[Document]) -> tuple[int, Iterator[Document]]:
    """Peek at the input: a small batch runs in-process, a large one on every CPU."""
    from safepassage.extract.pipeline import default_workers

    if requested > 0:
        return requested, docs
    head = list(itertools.islice(docs, POOL_THRESHOLD))
    rest = itertools.chain(head, docs)
    if len(head) < POOL_THRESHOLD:
        return 1, rest
    return default_workers(), rest


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``safepassage extract``; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.published is not None and valid_iso_date(args.published) is None:
        sys.stderr.write(
            f"safepassage extract: {error_message(ErrorCode.BAD_OPTION, '--published must be a real date YYYY-MM-DD')}\n"
        )
        return 2
    if args.workers < 0:
        sys.stderr.write(
            f"safepassage extract: {error_message(ErrorCode.BAD_OPTION, '--workers must be 0 or more')}\n"
        )
        return 2
    missing = [p for p in args.paths if p != "-" and not Path(p).exists()]
    if missing:
        for path in missing:
            sys.stderr.write(
                f"safepassage extract: {error_message(ErrorCode.MISSING_PATH, path)}\n"
            )
        return 2

    from safepassage.extract.pipeline import dumps, extract_many

    docs = iter_inputs(args.paths, args.published, sys.stdin.buffer)
    workers, docs = _choose_workers(args.workers, docs)
    results = extract_many(docs, workers=workers)
    if sys.stderr.isatty():
        results = _progress(results, sys.stderr)
    # Bytes, so the output is UTF-8 whatever the locale says.
    out = sys.stdout.buffer
    try:
        for result in results:
            out.write(dumps(result).encode("utf-8", "backslashreplace"))
            out.write(b"\n")
        out.flush()
    except BrokenPipeError:
        # The reader went away (``| head``); that is not an error of ours.
        return 0
    return 0

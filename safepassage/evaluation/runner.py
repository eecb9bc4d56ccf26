"""Run the extractor over a gold set's documents, or read saved predictions from a file."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from safepassage.evaluation.gold import GoldDocument, GoldError

#: Saved prediction files larger than this are refused (the full UCDP output is a few MB).
MAX_PREDICTION_LINE_CHARS = 5_000_000

ExtractMany = Callable[..., Iterator[dict[str, Any]]]
ExtractOne = Callable[[Any], dict[str, Any]]


class ExtractorUnavailable(RuntimeError):
    """The extraction engine cannot be imported."""


def _engine() -> tuple[type[Any], ExtractMany, ExtractOne]:
    # Imported here, not at module level: the evaluation package must import (and score saved
    # predictions) without the engine, and loading the engine's models is slow.
    try:
        from safepassage.extract import Document, extract_document, extract_many
    except ImportError as exc:
        raise ExtractorUnavailable(
            f"the extractor (safepassage.extract) cannot be imported: {exc}"
        ) from exc
    return Document, extract_many, extract_document


def _failed(document_id: str, message: str) -> dict[str, Any]:
    return {"document": {"id": document_id, "error": message}, "events": []}


def run_extractor(documents: Sequence[GoldDocument], workers: int = 1) -> dict[str, dict[str, Any]]:
    """Extract every document and return the results keyed by gold document id.

    Results are paired with inputs by position (``extract_many`` keeps input order), so the
    extractor's own choice of ``document.id`` does not matter. Should the batch call itself
    fail, the remaining documents are extracted one at a time and a document that still fails
    gets an error result, so one bad document never loses the others' scores.
    """
    document_type, extract_many, extract_document = _engine()
    inputs = [
        document_type(id=item.id, text=item.text, published=item.published, title=item.title)
        for item in documents
    ]
    results: dict[str, dict[str, Any]] = {}
    try:
        for item, result in zip(documents, extract_many(inputs, workers=workers), strict=False):
            results[item.id] = result
    except Exception as exc:  # noqa: BLE001 - an engine crash is reported per document below
        first_failure = f"extract_many failed: {type(exc).__name__}: {exc}"
        for item, document in zip(documents, inputs, strict=True):
            if item.id in results:
                continue
            try:
                results[item.id] = extract_document(document)
            except Exception as inner:  # noqa: BLE001 - keep scoring the other documents
                results[item.id] = _failed(
                    item.id, f"{first_failure}; alone: {type(inner).__name__}: {inner}"
                )
    return results


def read_predictions(
    path: Path, documents: Iterable[GoldDocument] | None = None
) -> dict[str, dict[str, Any]]:
    """Read saved extractor output (JSONL) keyed by ``document.id``.

    Malformed lines are skipped (their documents then score as "no events"); a missing or
    unreadable file raises ``GoldError``. ``documents`` is accepted for symmetry and unused.
    """
    del documents
    results: dict[str, dict[str, Any]] = {}
    try:
        handle = path.open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise GoldError(f"{path}: cannot read predictions ({exc.strerror})") from exc
    with handle:
        for line in handle:
            if len(line) > MAX_PREDICTION_LINE_CHARS or not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(record, dict):
                continue
            document = record.get("document")
            if isinstance(document, dict) and isinstance(document.get("id"), str):
                results[document["id"]] = record
                # `safepassage extract` names file inputs by their path; the seed gold names
                # them by file name, so the file name is a key too (an exact id wins).
                results.setdefault(Path(document["id"]).name, record)
    return results

"""Shared fixtures for the extraction tests: the schema, the seeds and a runner.

The spaCy model and the gazetteer load once per process (they are cached by the engine), so
every test after the first is fast.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from safepassage.extract import Document, extract_document


def _shared_dir() -> Path:
    """The shared folder: $SAFEPASSAGE_SHARED_DIR, else ``../shared`` beside the repository."""
    configured = os.environ.get("SAFEPASSAGE_SHARED_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "shared"


SHARED = _shared_dir()
SCHEMA_PATH = SHARED / "contracts" / "events.schema.json"
SEEDS_DIR = SHARED / "seeds"


@pytest.fixture(scope="session")
def validator() -> jsonschema.protocols.Validator:
    """A validator for the contract's result schema (the file must exist: no skipping)."""
    assert SCHEMA_PATH.is_file(), f"the contract schema is missing: {SCHEMA_PATH}"
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.fixture(scope="session")
def extract(validator: Any) -> Callable[..., dict[str, Any]]:
    """Extract one text and check the result against the schema on the way."""

    def run(text: str, published: str | None = None, doc_id: str = "t") -> dict[str, Any]:
        result = extract_document(Document(id=doc_id, text=text, published=published))
        validator.validate(result)
        return result

    return run


@pytest.fixture(scope="session")
def seed_results(validator: Any) -> dict[str, dict[str, Any]]:
    """The engine's results for the five seed articles, keyed by file name prefix."""
    assert SEEDS_DIR.is_dir(), f"the seed articles are missing: {SEEDS_DIR}"
    files = sorted(SEEDS_DIR.glob("*.txt"))
    assert len(files) == 5, files
    results = {}
    for path in files:
        result = extract_document(Document(id=str(path), text=path.read_text(encoding="utf-8")))
        validator.validate(result)
        results[path.name[:3]] = result
    return results


def main_event(result: dict[str, Any]) -> dict[str, Any]:
    """The first event with background false."""
    return next(e for e in result["events"] if not e["background"])

"""Fuzzing the extraction input: any text or bytes give a valid result or a per-document error.

Documents are built from hostile Unicode, from article-like fragments that drive the casualty,
date and place parsers into odd corners (huge numbers, ranges, nested quotes, stray dates),
and from raw bytes through the file readers (text, HTML, feeds, JSON Lines). Every result must
validate against the extraction contract, and a bad document must never break a batch.
"""

from __future__ import annotations

import io
import json
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.extract import Document, extract_document, extract_many
from safepassage.extract.readers import (
    read_feed_bytes,
    read_html_bytes,
    read_jsonl_stream,
    read_text_bytes,
)
from tests.extract.conftest import SCHEMA_PATH

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)

FRAGMENTS = [
    "A suicide bomber",
    "killed",
    "at least",
    "between 3 and 300",
    "99999999999999999999",
    "-4",
    "twenty-three",
    "Chinese engineers",
    "were injured",
    "in Besham",
    "near Dasu, Upper Kohistan",
    "on Tuesday",
    "31 February 2026",
    "last October",
    '"claimed responsibility"',
    "(",
    ")",
    "\u200b",
    "\n\n",
    "KARACHI:",
    "Police said",
    "no one",
    "1/2",
    "\U0001f525",
]
article = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), min_size=1, max_size=60
).map(" ".join)
published = st.one_of(st.none(), st.sampled_from(["2026-11-02", "1900-01-01", "2999-12-31"]))


@pytest.fixture(scope="module")
def validator() -> Any:
    assert SCHEMA_PATH.is_file(), f"the contract schema is missing: {SCHEMA_PATH}"
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


@FUZZ
@given(text=st.one_of(article, st.text(max_size=400)), when=published)
def test_it_returns_a_valid_result_for_any_text(validator: Any, text: str, when: Any) -> None:
    result = extract_document(Document(id="fuzz", text=text, published=when))
    validator.validate(result)
    for event in result["events"]:
        for key in ("deaths", "injured"):
            value = (event.get("casualties") or {}).get(key)
            if isinstance(value, int):
                assert value >= 0


@FUZZ
@given(raw=st.binary(max_size=1500), reader=st.sampled_from(["text", "html", "feed"]))
def test_it_reads_arbitrary_bytes_into_documents_or_errors(
    validator: Any, raw: bytes, reader: str
) -> None:
    if reader == "text":
        docs = [read_text_bytes("f", raw, None)]
    elif reader == "html":
        docs = [read_html_bytes("f", raw, None)]
    else:
        docs = list(read_feed_bytes("f", raw, None))
    for doc in docs:
        validator.validate(extract_document(doc))


@FUZZ
@given(lines=st.lists(st.one_of(st.binary(max_size=80), article.map(str.encode)), max_size=6))
def test_a_hostile_jsonl_batch_gives_one_result_per_line_and_goes_on(
    validator: Any, lines: list[bytes]
) -> None:
    good = json.dumps({"id": "good", "text": "A bomb killed two people in Quetta on Monday."})
    payload = b"\n".join([*lines, good.encode()]) + b"\n"
    docs = list(read_jsonl_stream("batch.jsonl", io.BytesIO(payload), None))
    results = list(extract_many(docs))
    assert len(results) == len(docs)
    for result in results:
        validator.validate(result)
    assert results[-1]["document"]["id"] == "good"
    assert results[-1]["document"]["error"] is None

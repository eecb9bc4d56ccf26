"""The held-out gold set (eval/holdout) loads, matches its documents and runs from the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safepassage.evaluation.cli import GOLD_SETS, main, repo_root
from safepassage.evaluation.gold import GoldSet, load_holdout, read_json

HOLDOUT_DIR = repo_root() / "eval" / "holdout"


@pytest.fixture(scope="module")
def holdout() -> GoldSet:
    return load_holdout(HOLDOUT_DIR)


def document_ids() -> list[str]:
    lines = (HOLDOUT_DIR / "docs.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["id"] for line in lines if line.strip()]


def test_the_holdout_gold_loads_and_validates(holdout: GoldSet) -> None:
    assert holdout.name == "holdout"
    assert holdout.mode == "align"
    assert len(holdout.documents) == 30
    for document in holdout.documents:
        assert document.events, document.id
        assert any(not event.optional for event in document.events), document.id
        assert document.meta["patterns"], document.id


def test_the_gold_file_has_the_corpus_layout() -> None:
    gold = read_json(HOLDOUT_DIR / "gold.json")
    corpus = read_json(repo_root() / "eval" / "corpus" / "gold.json")
    assert set(gold) == set(corpus)


def test_every_gold_entry_has_a_document_and_every_document_gold() -> None:
    ids = document_ids()
    assert len(ids) == len(set(ids))
    gold = read_json(HOLDOUT_DIR / "gold.json")["documents"]
    assert set(ids) == set(gold)


def test_the_holdout_mixes_reports_articles_and_digests(holdout: GoldSet) -> None:
    digests = [
        document for document in holdout.documents if "headline digest" in document.meta["patterns"]
    ]
    words = [
        len(document.text.split()) for document in holdout.documents if document not in digests
    ]
    assert sum(40 <= count <= 80 for count in words) == 18
    assert sum(300 <= count <= 550 for count in words) == 8
    assert len(digests) == 4
    assert all(len(document.text.splitlines()) >= 3 for document in digests)
    assert sum(document.published is None for document in holdout.documents) == 3


def test_the_documents_are_valid_extractor_input() -> None:
    for line in (HOLDOUT_DIR / "docs.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        assert set(record) <= {"id", "text", "published", "title", "url"}
        assert isinstance(record["text"], str) and record["text"].strip()


def test_the_cli_runs_the_holdout_set_and_includes_it_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "holdout" in GOLD_SETS
    prediction = {
        "document": {"id": "h05-mastung-ctd-iskp-raid"},
        "events": [
            {
                "kind": "security_operation",
                "background": False,
                "date": {"value": "2023-09-13", "precision": "day"},
            }
        ],
    }
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text(json.dumps(prediction) + "\n", encoding="utf-8")
    assert main(["holdout", "--predictions", str(predictions), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["sets"]) == {"holdout"}
    fields = report["sets"]["holdout"]["fields"]
    assert fields["event"]["correct"] == 1
    assert fields["date"]["correct"] == 1

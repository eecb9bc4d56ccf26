"""The held-out gold sets (eval/holdout, eval/holdout_b ... eval/holdout_e) load, match their
documents and run from the CLI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from safepassage.evaluation.cli import GOLD_SETS, main, repo_root
from safepassage.evaluation.gold import GoldSet, load_document_set, read_json


@dataclass(frozen=True)
class HeldOut:
    """One blind set and the mix of documents it was written to have."""

    name: str
    short_words: tuple[int, int]
    short_count: int
    article_words: tuple[int, int]
    article_count: int
    digests: int
    undated: int
    #: A document of the set with a security operation, its date, for the CLI test.
    operation_doc: str
    operation_date: str

    @property
    def folder(self) -> Path:
        return repo_root() / "eval" / self.name


HELD_OUT = (
    HeldOut(
        "holdout", (40, 80), 18, (300, 550), 8, 4, 3, "h05-mastung-ctd-iskp-raid", "2023-09-13"
    ),
    HeldOut("holdout_b", (40, 90), 16, (300, 600), 10, 4, 3, "b06-hub-ctd-iskp-raid", "2024-01-11"),
    HeldOut(
        "holdout_c",
        (40, 80),
        18,
        (300, 400),
        9,
        3,
        0,
        "c14-multan-ctd-raid-sahiwal-plot",
        "2024-07-13",
    ),
    HeldOut(
        "holdout_d",
        (40, 90),
        17,
        (300, 600),
        9,
        4,
        3,
        "d04-dg-khan-ctd-encounter",
        "2024-02-12",
    ),
    HeldOut(
        "holdout_e",
        (70, 90),
        16,
        (350, 500),
        10,
        4,
        3,
        "e04-lal-suhanra-ctd-plot-foiled",
        "2024-05-29",
    ),
)


@pytest.fixture(scope="module", params=HELD_OUT, ids=lambda held: held.name)
def held(request: pytest.FixtureRequest) -> HeldOut:
    return request.param


@pytest.fixture(scope="module")
def gold_set(held: HeldOut) -> GoldSet:
    return load_document_set(held.folder, held.name)


def document_ids(held: HeldOut) -> list[str]:
    lines = (held.folder / "docs.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["id"] for line in lines if line.strip()]


def test_the_gold_loads_and_validates(held: HeldOut, gold_set: GoldSet) -> None:
    assert gold_set.name == held.name
    assert gold_set.mode == "align"
    assert len(gold_set.documents) == 30
    for document in gold_set.documents:
        assert document.meta["patterns"], document.id
        if any(pattern.startswith("no event") for pattern in document.meta["patterns"]):
            # A commentary with no event: the extractor must report nothing.
            assert not document.events, document.id
            continue
        assert any(not event.optional for event in document.events), document.id


def test_the_gold_file_has_the_corpus_layout(held: HeldOut) -> None:
    gold = read_json(held.folder / "gold.json")
    corpus = read_json(repo_root() / "eval" / "corpus" / "gold.json")
    assert set(gold) == set(corpus)


def test_every_gold_entry_has_a_document_and_every_document_gold(held: HeldOut) -> None:
    ids = document_ids(held)
    assert len(ids) == len(set(ids))
    gold = read_json(held.folder / "gold.json")["documents"]
    assert set(ids) == set(gold)


def test_the_set_mixes_reports_articles_and_digests(held: HeldOut, gold_set: GoldSet) -> None:
    digests = [
        document
        for document in gold_set.documents
        if any(pattern.startswith("headline digest") for pattern in document.meta["patterns"])
    ]
    words = [
        len(document.text.split()) for document in gold_set.documents if document not in digests
    ]
    low, high = held.short_words
    assert sum(low <= count <= high for count in words) == held.short_count
    low, high = held.article_words
    assert sum(low <= count <= high for count in words) == held.article_count
    assert len(digests) == held.digests
    assert all(len(document.text.splitlines()) >= 3 for document in digests)
    assert sum(document.published is None for document in gold_set.documents) == held.undated


def test_the_documents_are_valid_extractor_input(held: HeldOut) -> None:
    for line in (held.folder / "docs.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        assert set(record) <= {"id", "text", "published", "title", "url"}
        assert isinstance(record["text"], str) and record["text"].strip()


def test_the_held_out_sets_share_no_document_ids() -> None:
    ids = [set(document_ids(held)) for held in HELD_OUT]
    assert sum(len(one) for one in ids) == len(set().union(*ids))


def test_the_cli_runs_the_set_and_includes_it_by_default(
    held: HeldOut, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert held.name in GOLD_SETS
    prediction = {
        "document": {"id": held.operation_doc},
        "events": [
            {
                "kind": "security_operation",
                "background": False,
                "date": {"value": held.operation_date, "precision": "day"},
            }
        ],
    }
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text(json.dumps(prediction) + "\n", encoding="utf-8")
    assert main([held.name, "--predictions", str(predictions), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["sets"]) == {held.name}
    fields = report["sets"][held.name]["fields"]
    assert fields["event"]["correct"] == 1
    assert fields["date"]["correct"] == 1

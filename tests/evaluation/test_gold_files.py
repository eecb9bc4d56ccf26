"""The repository's gold files load, are well-formed and cover the patterns of issue 3."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from safepassage.evaluation.cli import default_data_dir, repo_root
from safepassage.evaluation.gold import GoldSet, load_corpus, load_seeds, read_json

EVAL_DIR = repo_root() / "eval"


@pytest.fixture(scope="module")
def corpus() -> GoldSet:
    return load_corpus(EVAL_DIR / "corpus")


def seeds_dir() -> Path:
    return default_data_dir().parent / "seeds"


def test_every_seed_named_in_the_gold_exists_and_loads() -> None:
    assert seeds_dir().is_dir(), (
        f"the shared seed articles are missing ({seeds_dir()}); set SAFEPASSAGE_SHARED_DIR"
    )
    gold = load_seeds(EVAL_DIR / "gold" / "seeds.json", seeds_dir())
    assert sorted(document.id for document in gold.documents) == sorted(
        path.name for path in seeds_dir().glob("*.txt")
    )


def test_the_seed_gold_has_main_and_background_events_for_every_seed() -> None:
    data = read_json(EVAL_DIR / "gold" / "seeds.json")
    assert len(data["documents"]) == 5
    for entry in data["documents"]:
        required = [event for event in entry["events"] if not event.get("optional")]
        assert any(not event["background"] for event in required), entry["file"]
        assert any(event["background"] for event in required), entry["file"]


def test_the_seed_gold_places_the_attacks_where_they_happened() -> None:
    data = read_json(EVAL_DIR / "gold" / "seeds.json")
    attacks = [
        event
        for entry in data["documents"]
        for event in entry["events"]
        if event["kind"] == "attack"
    ]
    districts = {event["location"].get("admin2") for event in attacks}
    assert {"Shangla", "Upper Kohistan", "Karachi"} <= districts
    assert "Dasu" not in districts


def test_the_corpus_has_at_least_40_documents_with_gold_events(corpus: GoldSet) -> None:
    assert len(corpus.documents) >= 40
    for document in corpus.documents:
        assert any(not event.optional for event in document.events), document.id


def test_the_corpus_mixes_short_reports_and_full_articles(corpus: GoldSet) -> None:
    lengths = [len(document.text.split()) for document in corpus.documents]
    assert sum(1 for length in lengths if length <= 80) >= 30
    assert sum(1 for length in lengths if length >= 380) >= 6


def test_the_corpus_covers_the_patterns_of_the_issue(corpus: GoldSet) -> None:
    tags = " | ".join(tag for document in corpus.documents for tag in document.meta["patterns"])
    for needed in (
        "relative weekday",
        "last October",
        "in March this year",
        "July 2021",
        "place is not every named place",
        "range",
        "conflicting figures",
        "nationality breakdown",
        "attackers killed",
        "dozens",
        "claimed perpetrator",
        "attributed perpetrator",
        "suspected perpetrator",
        "meeting",
        "agreement",
        "announcement",
        "background event",
        "Hyderabad, Pakistan",
        "Hyderabad, India",
        "Kohistan variants",
        "NWFP",
        "FATA",
        "Sind)",
        "Baluchistan",
        "non-Pakistan event",
    ):
        assert needed in tags, needed


def test_the_corpus_documents_are_valid_extractor_input() -> None:
    for path in sorted((EVAL_DIR / "corpus").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            assert set(record) <= {"id", "text", "published", "title", "url"}
            assert isinstance(record["text"], str) and record["text"].strip()


def test_the_default_data_dir_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SAFEPASSAGE_SHARED_DIR", str(tmp_path))
    assert default_data_dir() == tmp_path / "data"
    monkeypatch.delenv("SAFEPASSAGE_SHARED_DIR")
    assert default_data_dir() == repo_root().parent / "shared" / "data"
    assert os.environ.get("SAFEPASSAGE_SHARED_DIR") is None


def write_corpus(folder: Path, lines: list[str], gold: object) -> Path:
    folder.mkdir()
    (folder / "docs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    return folder


EVENT = {"kind": "attack", "background": False}


@pytest.mark.parametrize(
    ("lines", "gold", "message"),
    [
        (
            ['{"id": "a", "text": "x"}', '{"id": "a", "text": "y"}'],
            {"documents": {"a": {"events": [EVENT]}}},
            "duplicate",
        ),
        (['{"id": "a", "text": "x"}'], {"documents": {}}, "has no entry"),
        (
            ['{"id": "a", "text": "x"}'],
            {"documents": {"a": {"events": [EVENT]}, "b": {"events": []}}},
            "do not exist",
        ),
        (["{not json"], {"documents": {}}, "invalid JSON"),
        (
            ['{"id": "a", "text": "x", "published": "last week"}'],
            {"documents": {"a": {"events": []}}},
            "YYYY-MM-DD",
        ),
        (['{"id": "a", "text": ""}'], {"documents": {"a": {"events": []}}}, "non-empty string"),
        (
            ['{"id": "a", "text": "x", "body": "y"}'],
            {"documents": {"a": {"events": []}}},
            "unknown keys",
        ),
    ],
)
def test_it_refuses_a_malformed_corpus_with_a_clear_message(
    tmp_path: Path, lines: list[str], gold: object, message: str
) -> None:
    from safepassage.evaluation.gold import GoldError

    folder = write_corpus(tmp_path / "corpus", lines, gold)
    with pytest.raises(GoldError, match=message):
        load_corpus(folder)


def test_it_refuses_gold_that_is_not_json_or_too_big(tmp_path: Path) -> None:
    from safepassage.evaluation.gold import MAX_GOLD_BYTES, GoldError

    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(GoldError, match="not UTF-8"):
        read_json(bad)
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(MAX_GOLD_BYTES + 1)
    with pytest.raises(GoldError, match="more than a gold file"):
        read_json(big)

"""The benchmark's document generator is deterministic and produces the two intended sizes."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_extract.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_extract", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_it_generates_the_same_documents_every_time(bench: ModuleType) -> None:
    assert list(bench.make_documents("short", 20)) == list(bench.make_documents("short", 20))
    assert list(bench.make_documents("full", 3)) == list(bench.make_documents("full", 3))


def test_it_generates_short_reports_and_full_articles_of_the_intended_length(
    bench: ModuleType,
) -> None:
    short = [len(text.split()) for _id, text, _published in bench.make_documents("short", 50)]
    full = [len(text.split()) for _id, text, _published in bench.make_documents("full", 10)]
    assert all(45 <= words <= 75 for words in short)
    assert all(480 <= words <= 700 for words in full)


def test_it_varies_places_and_numbers(bench: ModuleType) -> None:
    texts = [text for _id, text, _published in bench.make_documents("short", 40)]
    assert len(set(texts)) == 40
    assert len({text.split(":")[0] for text in texts}) >= 10


def test_it_checks_the_targets_per_size(bench: ModuleType) -> None:
    fast = {
        "size": "short",
        "docs_per_s": 150.0,
        "peak_rss_parent_mib": 30.0,
        "peak_rss_worker_mib": 400.0,
    }
    slow = {
        "size": "full",
        "docs_per_s": 5.0,
        "peak_rss_parent_mib": 30.0,
        "peak_rss_worker_mib": 1500.0,
    }
    assert [met for _name, met in bench.check_targets(fast)] == [True, True]
    assert [met for _name, met in bench.check_targets(slow)] == [False, False]

"""How ``extract_many`` cuts a stream into worker tasks, and that the cut changes no result."""

from __future__ import annotations

import pytest

from safepassage.extract import Document, extract_many, pipeline

TEXT = "A bomb killed four soldiers in Bannu on Monday. The TTP claimed the attack."


def _docs(count: int) -> list[Document]:
    return [
        Document(id=str(i), text=" ".join([f"{TEXT} Case {i}."] * (1 + i % 4)), published=None)
        for i in range(count)
    ]


def test_tasks_close_at_the_document_count_or_the_character_budget() -> None:
    docs = _docs(40)
    tasks = list(pipeline._batches(docs, 5, 400))
    assert [doc for task in tasks for doc in task] == docs
    for task in tasks:
        assert 1 <= len(task) <= 5
        # A task closes at the document that reaches the budget, never before it.
        assert sum(len(doc.text) for doc in task[:-1]) < 400
    assert any(len(task) < 5 for task in tasks[:-1])
    assert [len(task) for task in pipeline._batches(docs, 5)] == [5] * 8


def test_a_document_longer_than_the_budget_is_a_task_of_its_own() -> None:
    long = Document(id="long", text="x" * 1000)
    short = Document(id="short", text="y")
    tasks = list(pipeline._batches([short, long, short, short], 32, 500))
    assert [[doc.id for doc in task] for task in tasks] == [["short", "long"], ["short", "short"]]


def test_small_worker_tasks_give_the_results_of_one_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    docs = _docs(24)
    serial = list(extract_many(docs, workers=1))
    # About three documents a task: the pool gets many more tasks than workers.
    monkeypatch.setattr(pipeline, "TASK_CHARS", 400)
    assert len(list(pipeline._batches(docs, pipeline.BATCH_SIZE, pipeline.TASK_CHARS))) > 4
    parallel = list(extract_many(docs, workers=2))
    assert parallel == serial
    assert [r["document"]["id"] for r in parallel] == [str(i) for i in range(24)]
    assert all(r["events"] for r in parallel)

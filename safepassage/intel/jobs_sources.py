"""Background jobs that poll sources: every minute the due ones are queued, one job each."""

from __future__ import annotations

from typing import Any

from safepassage.core.jobs import job
from safepassage.intel import polling
from safepassage.intel.models import Source

POLL_SOURCE_TASK = "safepassage.intel.jobs_sources.poll_source"


@job("poll-source")
def poll_source(actor: Any, source_id: int, only_if_due: bool = False) -> dict[str, Any]:
    """Poll one source ("Poll now", or queued by :func:`poll_due_sources`); returns its outcome."""
    try:
        outcome = polling.poll_source(actor, source_id, only_if_due=only_if_due)
    except Source.DoesNotExist:
        return {"source_id": source_id, "status": "missing"}
    return {
        "source_id": outcome.source_id,
        "status": "skipped" if outcome.skipped else outcome.status,
        "created": outcome.created,
        "seen": outcome.seen,
    }


@job("poll-due-sources")
def poll_due_sources(actor: Any) -> dict[str, Any]:
    """Queue a poll of every source whose interval has passed (scheduled every minute).

    One job per source: sources are polled in parallel by the workers, a slow source holds up
    no other, and each job stays within the worker's timeout. A source queued twice (the
    workers were busy for a minute) is polled once: the second job finds it no longer due.
    """
    due = polling.due_sources(actor)
    for source in due:
        enqueue_poll(source.pk, only_if_due=True)
    return {"queued": [source.pk for source in due]}


def enqueue_poll(source_id: int, *, only_if_due: bool = False) -> None:
    """Queue :func:`poll_source` for the worker (it runs in-process when jobs run sync)."""
    from django_q.tasks import async_task

    async_task(
        POLL_SOURCE_TASK,
        source_id,
        only_if_due,
        task_name=f"poll-source-{source_id}",
        group="poll",
    )

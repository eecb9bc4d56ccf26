"""Poll sources: one source, or every source that is due, each recording how its run went.

A run claims its source first with one conditional UPDATE, so two workers (or a scheduled
poll and an analyst's "poll now") never read the same source at once. Every item the source
yields goes to ``submit_report``. Whatever happens inside one source (it is unreachable, serves
garbage or a 100 MB page, redirects in a loop, points at a private address, or a bug raises)
is recorded on that source as ``last_status="error"`` with a readable ``last_error``, and the
poll goes on with the next source.

Run statuses: ``ok`` (everything stored), ``partial`` (the source was read but some inputs
were refused; ``last_error`` lists them), ``error`` (the source could not be read), and
``running`` while a run holds the source. ``last_count`` is the number of new reports.

The run's bookkeeping is written with ``QuerySet.update``, not through ``gate.save``: it is
operational telemetry written every few minutes, and auditing it would bury the configuration
changes people make (those go through the gate and are audited).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.intel.models import Source
from safepassage.intel.sources import POLLED_KINDS, Item, ItemError, SourceError, adapter_for
from safepassage.lib.http import FetchPolicy

log = logging.getLogger(__name__)

OK, PARTIAL, ERROR, RUNNING = "ok", "partial", "error", "running"
# A run that has held its source this long is presumed dead (its worker was killed).
STALE_RUN = datetime.timedelta(minutes=30)
MAX_ERROR_LINES = 20
MAX_ERROR_CHARS = 4000


@dataclass
class PollOutcome:
    """How one source's run went."""

    source_id: int
    name: str
    status: str = OK
    seen: int = 0
    created: int = 0
    errors: list[str] = field(default_factory=list)
    error: str = ""
    retryable: bool = False
    skipped: bool = False  # another run held the source

    @property
    def summary(self) -> str:
        """One line for logs and the command line."""
        if self.skipped:
            return f"{self.name}: skipped (not due, or another run is polling it)"
        line = f"{self.name}: {self.status}, {self.created} new of {self.seen}"
        if self.error:
            line += f" - {self.error.splitlines()[0]}"
        return line


def _error_text(outcome: PollOutcome) -> str:
    if outcome.status == ERROR:
        hint = "temporary, the next poll tries again" if outcome.retryable else "fix the source"
        text = f"{outcome.error} ({hint})"
        if outcome.errors:
            text += "\n" + "\n".join(f"- {line}" for line in outcome.errors[:MAX_ERROR_LINES])
        return text[:MAX_ERROR_CHARS]
    if not outcome.errors:
        return ""
    lines = [f"{len(outcome.errors)} problem(s) in this run:"]
    lines += [f"- {line}" for line in outcome.errors[:MAX_ERROR_LINES]]
    if len(outcome.errors) > MAX_ERROR_LINES:
        lines.append(f"- ... and {len(outcome.errors) - MAX_ERROR_LINES} more")
    return "\n".join(lines)[:MAX_ERROR_CHARS]


def is_due(source: Source, now: datetime.datetime) -> bool:
    """True when ``source`` is enabled, polled, and its interval has passed since its last run."""
    if not source.enabled or source.kind not in POLLED_KINDS:
        return False
    if source.last_run_at is None:
        return True
    return source.last_run_at + datetime.timedelta(minutes=max(1, source.poll_minutes)) <= now


def claim(source: Source, now: datetime.datetime, *, only_if_due: bool) -> bool:
    """Mark ``source`` as running, atomically; False when another run holds it (or it is not due)."""
    held = Q(last_status=RUNNING, last_run_at__gt=now - STALE_RUN)
    query = Source.objects.filter(pk=source.pk).exclude(held)
    if only_if_due:
        # Optimistic: only if nobody has run it since we read it.
        if source.last_run_at is None:
            query = query.filter(last_run_at__isnull=True)
        else:
            query = query.filter(last_run_at=source.last_run_at)
    claimed = query.update(last_status=RUNNING, last_run_at=now) == 1
    if claimed:
        source.last_status, source.last_run_at = RUNNING, now
    return claimed


def _finish(source: Source, outcome: PollOutcome, updates: dict[str, Any]) -> None:
    fields: dict[str, Any] = {
        "last_status": outcome.status,
        "last_error": _error_text(outcome),
        "last_count": outcome.created,
    }
    if outcome.status != ERROR:
        fields["last_success_at"] = timezone.now()
        fields.update(updates)
    Source.objects.filter(pk=source.pk).update(**fields)
    for name, value in fields.items():
        setattr(source, name, value)


def _store(source: Source, item: Item, outcome: PollOutcome) -> str | None:
    """Submit one item; the reason it was refused, or None when it is stored."""
    from safepassage.intel.services.ingest import submit_report

    outcome.seen += 1
    try:
        result = submit_report(
            source=source,
            text=item.text,
            title=item.title,
            url=item.url,
            published=item.published,
        )
    except ValidationError as exc:  # ReportRejected: empty, binary or oversized text
        return " ".join(exc.messages)
    if result.created:
        outcome.created += 1
    return None


def run(source: Source, *, policy: FetchPolicy | None = None) -> PollOutcome:
    """Read one claimed source and record the outcome on it. Never raises for the source's faults."""
    outcome = PollOutcome(source_id=source.pk, name=source.name)
    adapter = None
    try:
        adapter = adapter_for(source, policy)
        for entry in adapter.collect():
            if isinstance(entry, ItemError):
                outcome.errors.append(f"{entry.key}: {entry.message}")
                continue
            refused = _store(source, entry, outcome)
            if refused is not None:
                outcome.errors.append(f"{entry.key}: {refused}")
            elif entry.note:
                outcome.errors.append(f"{entry.key}: stored from the feed summary; {entry.note}")
            adapter.settle(entry, refused)
    except SourceError as exc:
        outcome.status, outcome.error, outcome.retryable = ERROR, exc.message, exc.retryable
    except Exception as exc:  # a bug or a database failure: record it, keep the poll going
        log.exception("polling source %s (%s) failed", source.pk, source.name)
        outcome.status, outcome.retryable = ERROR, True
        outcome.error = f"Internal error while polling: {type(exc).__name__}: {exc}"[:1000]
    if outcome.status != ERROR and outcome.errors:
        outcome.status = PARTIAL
    updates = adapter.updates if adapter is not None and adapter.complete else {}
    _finish(source, outcome, updates)
    log.info("poll %s", outcome.summary)
    return outcome


def polled_sources(actor: Any) -> Any:
    """Feed and folder sources ``actor`` may poll (polling changes their run status)."""
    queryset = Source.objects.filter(kind__in=POLLED_KINDS).select_related("organisation")
    return gate.restrict(queryset, actor, Action.CHANGE)


def poll_source(
    actor: Any,
    source: Source | int,
    *,
    only_if_due: bool = False,
    policy: FetchPolicy | None = None,
) -> PollOutcome:
    """Poll one source now; due or not (disabled too: an explicit request) unless ``only_if_due``.

    The outcome is ``skipped`` when another run holds the source or, with ``only_if_due``,
    when it is not due (a poll queued twice runs once).
    """
    source_id = source.pk if isinstance(source, Source) else int(source)
    found = polled_sources(actor).filter(pk=source_id).first()
    if found is None:
        raise Source.DoesNotExist(f"No polled source #{source_id} in your scope.")
    now = timezone.now()
    if only_if_due and not is_due(found, now):
        return PollOutcome(source_id=found.pk, name=found.name, skipped=True)
    if not claim(found, now, only_if_due=only_if_due):
        return PollOutcome(source_id=found.pk, name=found.name, skipped=True)
    return run(found, policy=policy)


def due_sources(actor: Any, now: datetime.datetime | None = None) -> list[Source]:
    """Enabled polled sources in ``actor``'s scope whose interval has passed."""
    now = now or timezone.now()
    return [s for s in polled_sources(actor).filter(enabled=True) if is_due(s, now)]


def poll_due(
    actor: Any, *, now: datetime.datetime | None = None, policy: FetchPolicy | None = None
) -> list[PollOutcome]:
    """Poll every due source in turn, in this process; one source's failure never stops the others.

    The command line uses this; the scheduled job queues one job per due source instead, so
    sources are polled in parallel and each job stays within the worker's timeout.
    """
    outcomes = []
    for source in due_sources(actor, now):
        if not claim(source, timezone.now(), only_if_due=True):
            continue  # another worker took it since we listed it
        outcomes.append(run(source, policy=policy))
    return outcomes

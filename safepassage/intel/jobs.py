"""Background jobs of the incident knowledge base, run by django-q2 (`safepassage worker`)."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from safepassage.access import gate
from safepassage.core.jobs import job
from safepassage.intel.choices import ENGAGEMENT_KINDS, INCIDENT_KINDS, ReportStatus
from safepassage.intel.models import Report
from safepassage.intel.services.linker import link_mention, recompute

log = logging.getLogger(__name__)
KNOWN_KINDS = {str(kind) for kind in INCIDENT_KINDS | ENGAGEMENT_KINDS}


def extract(report: Report) -> dict[str, Any]:
    """Run the extraction engine on one report (pure and slow: never inside a transaction)."""
    from safepassage.extract import Document, extract_document

    document = Document(
        id=f"report:{report.pk}",
        text=report.text,
        published=report.published.isoformat() if report.published else None,
        title=report.title or None,
        url=report.url or None,
    )
    return dict(extract_document(document))


@job("process-report")
def process_report(actor: Any, report_id: int) -> str:
    """Extract one pending report, link its events and mark it done; idempotent.

    Running it again for a report that is no longer pending does nothing, so a retry after a
    worker was killed, or a duplicate queue entry, cannot create a second set of mentions.
    An extraction error for the document marks the report failed (a retry would give the same
    error); any other exception propagates so django-q2 retries the job and finally keeps it in
    its failure list.
    """
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        return f"report {report_id} no longer exists"
    if report.status != ReportStatus.PENDING:
        return f"report {report_id} already {report.status}"
    result = extract(report)
    error = (result.get("document") or {}).get("error")
    with transaction.atomic():
        # SQLite takes the write lock at BEGIN (IMMEDIATE); PostgreSQL locks the row here.
        report = Report.objects.select_for_update().get(pk=report_id)
        if report.status != ReportStatus.PENDING:
            return f"report {report_id} already {report.status}"
        report.extraction = result
        if report.published is None:
            # The extractor found the date in the text (a " date" line or a dateline).
            found = (result.get("document") or {}).get("published")
            if isinstance(found, str):
                try:
                    report.published = datetime.date.fromisoformat(found)
                except ValueError:
                    report.published = None
        report.language = str((result.get("document") or {}).get("language") or "")[:8]
        report.processed_at = timezone.now()
        if error:
            report.status = ReportStatus.FAILED
            report.error = str(error)[:10_000]
            gate.save(actor, report)
            return f"report {report_id} failed: {error}"
        touched: dict[tuple[str, int], Any] = {}
        created = 0
        for index, event in enumerate(result.get("events") or []):
            # An event of a kind the knowledge base does not hold is kept in the extraction
            # JSON but not linked.
            if not isinstance(event, dict) or event.get("kind") not in KNOWN_KINDS:
                continue
            # Two events of one report are two events: never link them to each other.
            exclude = [pk for (model, pk) in touched if model == event_model(event["kind"])]
            _, decision = link_mention(actor, report, index, event, exclude)
            key = (type(decision.target).__name__, decision.target.pk)
            touched[key] = decision.target
            created += decision.created
        for target in touched.values():
            recompute(target, actor=actor)
        report.status = ReportStatus.DONE
        report.error = ""
        gate.save(actor, report)
    return f"report {report_id}: {len(touched)} events linked, {created} new"


def warm_up(**kwargs: Any) -> None:
    """Load the extraction engine in a fresh worker process (django-q2 ``post_spawn``).

    Loading the language model and the gazetteer takes seconds; done here, before the worker
    takes its first task, it does not count against that task's timeout.
    """
    from safepassage.extract import Document, extract_document

    extract_document(Document(id="warm-up", text="Officials met in Islamabad on Monday."))


def event_model(kind: str) -> str:
    from safepassage.intel.services.linker import model_for

    return model_for(kind).__name__

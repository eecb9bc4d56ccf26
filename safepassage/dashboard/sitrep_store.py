"""Issuing situation reports to their recipients, and checking a stored copy before showing it.

A stored report was filtered for its recipient when it was made. Rights change (a RED
incident loses a recipient, an incident is marked AMBER+STRICT, a person moves to another
organisation), so a stored copy is shown again only when the recipient may still see every
object it lists and exactly the incidents its risk section was computed from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.dashboard import sitrep
from safepassage.dashboard.models import SituationReport
from safepassage.dashboard.sitrep_pdf import render_body, render_pdf


def issue(
    actor: Any, recipient: Any, day: dt.date, cap: str = "", *, replace: bool = False
) -> tuple[SituationReport, bool]:
    """Build ``day``'s report as ``recipient`` and store it; returns (report, created).

    The content is read as the recipient, never as ``actor`` (a job sees everything). An
    existing report for the same recipient, day and cap is kept unless ``replace`` is set,
    so running the job twice issues nothing twice.
    """
    existing = SituationReport.objects.filter(recipient=recipient, day=day, cap=cap).first()
    if existing is not None and not replace:
        return existing, False
    built = sitrep.build(recipient, day, cap)
    pdf = render_pdf(built)
    stored = existing or SituationReport(recipient=recipient, day=day, cap=cap)
    stored.tlp = built.tlp
    stored.generated_at = built.generated_at
    stored.html = render_body(built)
    stored.pdf = pdf
    stored.contents = built.contents
    stored.risk_digest = built.risk_digest
    stored.incident_count = built.incidents.total
    with transaction.atomic():
        gate.save(actor, stored, action=Action.ADD if existing is None else Action.CHANGE)
    return stored, existing is None


def issued_to(reader: Any) -> Any:
    """The reports issued to ``reader``, newest day first (through the gate, then own only)."""
    return gate.restrict(SituationReport.objects.all(), reader, Action.VIEW).filter(
        recipient_id=getattr(reader, "pk", None)
    )


def still_valid(reader: Any, report: SituationReport) -> bool:
    """True when ``reader`` is the recipient and may still see everything the copy holds."""
    if report.recipient_id != getattr(reader, "pk", None):
        return False
    return sitrep.still_readable(
        reader, report.day, report.cap, report.contents or {}, report.risk_digest, report.tlp
    )

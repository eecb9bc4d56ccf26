"""Scheduled dashboard jobs: issue the daily situation report to every subscriber."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone

from safepassage.core.jobs import job

log = logging.getLogger(__name__)


@job("issue-daily-sitreps")
def issue_daily_sitreps(actor: Any, day: str | None = None) -> dict[str, int]:
    """Issue ``day``'s report (yesterday, the last whole day, by default) to each subscriber.

    Each report is built as its subscriber, so it holds only what that person may see; the
    job itself (a system actor that sees everything) only stores it. A subscriber whose
    report fails is logged and counted, and the others still get theirs. Running the job
    again for the same day issues nothing twice.
    """
    from safepassage.dashboard.models import SitrepSubscription
    from safepassage.dashboard.sitrep import parse_cap
    from safepassage.dashboard.sitrep_store import issue

    target = dt.date.fromisoformat(day) if day else timezone.localdate() - dt.timedelta(days=1)
    counts = {"issued": 0, "already": 0, "failed": 0}
    subscriptions = SitrepSubscription.objects.filter(
        active=True, user__is_active=True
    ).select_related("user")
    for subscription in subscriptions.order_by("pk"):
        try:
            _report, created = issue(actor, subscription.user, target, parse_cap(subscription.cap))
        except Exception:  # one subscriber's failure must not stop the others
            log.exception("situation report for %s on %s failed", subscription.user, target)
            counts["failed"] += 1
            continue
        counts["issued" if created else "already"] += 1
    return counts

"""Scheduled tracking jobs: escalate missed check-ins (every minute), erase old positions."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from safepassage.core.jobs import job


@job("escalate-checkins")
def escalate_checkins(actor: Any) -> int:
    """Take every escalation step that is due now; returns the steps taken."""
    from safepassage.tracking.services import escalate_due

    return escalate_due(timezone.now(), actor)


@job("purge-positions")
def purge_positions(actor: Any) -> int:
    """Erase check-in positions kept past the retention period; returns how many."""
    from safepassage.tracking import services

    return services.purge_positions(timezone.now(), actor)

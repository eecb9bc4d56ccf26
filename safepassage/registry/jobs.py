"""Registry jobs: enforce the retention of personal data."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.core.jobs import job
from safepassage.registry.models import ProtectedPerson


@job("purge-expired-people")
def purge_expired_people(actor: Any) -> int:
    """Delete every protected person whose retention date has passed; return how many."""
    today = timezone.localdate()
    expired = gate.restrict(
        ProtectedPerson.objects.filter(retention_until__lt=today), actor, Action.DELETE
    )
    count = 0
    for person in expired.iterator():
        gate.delete(actor, person)
        count += 1
    return count

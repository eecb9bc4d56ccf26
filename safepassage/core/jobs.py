"""Background jobs run by django-q2 (`safepassage worker`), attributed in the audit log.

Each job body runs inside ``acting(Source.JOB, ...)`` as a system actor named after the job,
so its writes pass through the gate and are recorded with a job id.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from safepassage.access.principals import SystemActor
from safepassage.audit.context import Source, acting, new_correlation_id

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

# Jobs that run on a schedule: dotted path -> (django-q2 schedule type, human name).
SCHEDULED = {
    "safepassage.registry.jobs.purge_expired_people": ("D", "Delete people past retention"),
    # "I" runs every `minutes` minutes, one when unset; each source keeps its own interval.
    "safepassage.intel.jobs_sources.poll_due_sources": ("I", "Poll due sources"),
    # Every minute: missed check-ins climb the escalation ladder without waiting.
    "safepassage.tracking.jobs.escalate_checkins": ("I", "Escalate missed check-ins"),
    "safepassage.tracking.jobs.purge_positions": ("H", "Erase check-in positions past retention"),
    # Instance-to-instance sync with every active peer (safepassage/sharing/sync.py).
    "safepassage.sharing.sync_jobs.sync_peers": ("H", "Sync incidents with peer instances"),
}


def job(name: str) -> Callable[[F], F]:
    """Mark a function as a background job acting as the system actor ``job:<name>``."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            actor = SystemActor(f"job:{name}")
            with acting(Source.JOB, user=actor, correlation_id=new_correlation_id("job")) as ctx:
                log.info("job %s started (%s)", name, ctx.correlation_id)
                result = func(actor, *args, **kwargs)
                log.info("job %s finished (%s): %s", name, ctx.correlation_id, result)
                return result

        return run  # type: ignore[return-value]

    return decorate


def ensure_schedules(**kwargs: Any) -> None:
    """Create the django-q2 schedules for SCHEDULED jobs if they are missing (post_migrate)."""
    from django_q.models import Schedule

    for func, (kind, name) in SCHEDULED.items():
        Schedule.objects.get_or_create(func=func, defaults={"name": name, "schedule_type": kind})

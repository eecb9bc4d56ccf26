"""Signal handlers: plan the expected check-ins when a movement goes under way."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def plan_on_under_way(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """On a new transition to under way, plan the movement's check-ins (idempotent).

    A planning failure is logged and never blocks the transition: the escort can still
    check in, and the tracking page shows that no plan exists.
    """
    if kwargs.get("raw") or not created or instance.to_state != "under_way":
        return
    from safepassage.tracking.services import plan_checkins

    try:
        plan_checkins(instance.movement, started_at=instance.created)
    except Exception:
        log.exception("could not plan check-ins for movement %s", instance.movement_id)

"""Builders shared by the situation report tests: incidents, movements and alerts of a day."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from safepassage.alerts.models import Alert
from safepassage.intel.models import Incident
from safepassage.movements.models import MovementRequest
from tests.dashboard.dash_helpers import besham_attack, hydro_movement

_serial = itertools.count(1)


def incident(**fields: Any) -> Incident:
    """An attack in Shangla (KP) today, marked AMBER, unless ``fields`` say otherwise."""
    defaults = {
        "attack_type": "armed_assault",
        "date": timezone.localdate(),
        "deaths": 2,
        "tlp": "amber",
    }
    return besham_attack(defaults, **fields)


def entered_on(obj: Incident, day: dt.date) -> None:
    """Pretend ``obj`` was entered into the knowledge base at noon on ``day``."""
    noon = timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))
    Incident.objects.filter(pk=obj.pk).update(created=noon)


def movement(world: Any, day: dt.date, **fields: Any) -> MovementRequest:
    """An approved movement of the hydro company on ``day`` from 08:00 to 15:00."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(8, 0)))
    fields = {"reference": f"MV-TEST-{next(_serial)}", "state": "approved", **fields}
    return hydro_movement(world, start, 7, **fields)


def alert(recipient: Any, title: str, incident_obj: Incident | None = None) -> Alert:
    """A delivered alert for ``recipient`` now, about ``incident_obj``."""
    return Alert.objects.create(
        recipient=recipient,
        subject_type="site",
        subject_label="Gorge Camp",
        incident=incident_obj,
        kind="incident_near_site",
        severity=3,
        title=title,
        why="An attack was reported near the site.",
        dedupe_key=f"test-{next(_serial)}",
        state="delivered",
    )

"""Builders shared by the situation report tests: incidents, movements and alerts of a day."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from safepassage.alerts.models import Alert
from safepassage.intel.models import Incident
from safepassage.movements.models import MovementRequest

_serial = itertools.count(1)


def incident(**fields: Any) -> Incident:
    """An attack in Shangla (KP) today, marked AMBER, unless ``fields`` say otherwise."""
    values: dict[str, Any] = {
        "kind": "attack",
        "attack_type": "armed_assault",
        "date": timezone.localdate(),
        "date_precision": "day",
        "place_name": "Besham",
        "country": "PK",
        "admin1": "Khyber Pakhtunkhwa",
        "admin2": "Shangla",
        "lat": 34.93,
        "lon": 72.87,
        "geo_precision": "town",
        "deaths": 2,
        "confidence": 0.9,
        "review_state": "confirmed",
        "tlp": "amber",
    }
    recipients = fields.pop("recipients", [])
    values.update(fields)
    made = Incident.objects.create(**values)
    if recipients:
        made.recipients.set(recipients)
    return made


def entered_on(obj: Incident, day: dt.date) -> None:
    """Pretend ``obj`` was entered into the knowledge base at noon on ``day``."""
    noon = timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))
    Incident.objects.filter(pk=obj.pk).update(created=noon)


def movement(world: Any, day: dt.date, **fields: Any) -> MovementRequest:
    """An approved movement of the hydro company on ``day`` from 08:00 to 15:00."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(8, 0)))
    values: dict[str, Any] = {
        "organisation": world.hydro,
        "reference": f"MV-TEST-{next(_serial)}",
        "purpose": "Engineers to the camp",
        "origin_name": "Besham",
        "origin_lat": 34.93,
        "origin_lon": 72.87,
        "destination_name": "Gorge Camp",
        "destination_lat": 35.29,
        "destination_lon": 73.27,
        "depart_at": start,
        "arrive_by": start + dt.timedelta(hours=7),
        "state": "approved",
        "created_by": world.user("coordinator"),
    }
    values.update(fields)
    made = MovementRequest.objects.create(**values)
    made.people.set([world.engineer])
    return made


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

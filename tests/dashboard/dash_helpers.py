"""Builders shared by the dashboard, chart and timeline tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from safepassage.intel.models import Engagement, Incident
from safepassage.movements.models import Assignment, MovementRequest

_serial = itertools.count(1)


def incident(**fields: Any) -> Incident:
    """A confirmed attack near Besham (KP) on 26 March 2024, marked GREEN, unless overridden."""
    values: dict[str, Any] = {
        "kind": "attack",
        "attack_type": "bombing",
        "date": dt.date(2024, 3, 26),
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
        "tlp": "green",
    }
    recipients = fields.pop("recipients", [])
    values.update(fields)
    made = Incident.objects.create(**values)
    if recipients:
        made.recipients.set(recipients)
    return made


def engagement(**fields: Any) -> Engagement:
    """A meeting of two interior ministers in Islamabad in June 2024, marked GREEN."""
    values: dict[str, Any] = {
        "kind": "meeting",
        "title": "Interior ministers meet",
        "date": dt.date(2024, 6, 27),
        "date_precision": "day",
        "place_name": "Islamabad",
        "country": "PK",
        "admin1": "Islamabad Capital Territory",
        "participants": [
            {"name": "Minister A", "title": "Interior Minister", "country": "PK"},
            {"name": "Minister B", "title": "Interior Minister", "country": "CN"},
        ],
        "topics": ["counter_terrorism", "training"],
        "tlp": "green",
        "review_state": "confirmed",
    }
    recipients = fields.pop("recipients", [])
    values.update(fields)
    made = Engagement.objects.create(**values)
    if recipients:
        made.recipients.set(recipients)
    return made


def movement(
    world: Any, *, state: str = "draft", depart: dt.datetime | None = None, **fields: Any
) -> MovementRequest:
    """A movement of the hydro company from Besham to its camp, six hours long."""
    start = depart or timezone.now() + dt.timedelta(days=1)
    values: dict[str, Any] = {
        "organisation": world.hydro,
        "reference": f"MV-DASH-{next(_serial):04d}",
        "purpose": "Engineers to the camp",
        "origin_name": "Besham",
        "origin_lat": 34.93,
        "origin_lon": 72.87,
        "destination_site": world.camp,
        "destination_name": world.camp.name,
        "destination_lat": world.camp.lat,
        "destination_lon": world.camp.lon,
        "depart_at": start,
        "arrive_by": start + dt.timedelta(hours=6),
        "state": state,
        "created_by": world.user("coordinator"),
    }
    values.update(fields)
    made = MovementRequest.objects.create(**values)
    made.people.add(world.engineer)
    return made


def escort(movement: MovementRequest, unit: Any, officers: int = 8) -> Assignment:
    """Hold ``unit`` for the movement's window, as approval would."""
    return Assignment.objects.create(
        movement=movement,
        unit=unit,
        officers=officers,
        starts=movement.depart_at,
        ends=movement.arrive_by,
    )

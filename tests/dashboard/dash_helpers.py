"""Builders shared by the dashboard, chart, map, timeline and situation report tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any, TypeVar

from django.db import models
from django.utils import timezone

from safepassage.intel.models import Engagement, Incident
from safepassage.movements.models import Assignment, MovementRequest

_serial = itertools.count(1)
Marked = TypeVar("Marked", bound=models.Model)

# Where every dashboard test's attack happens unless it says otherwise: near Besham (Shangla,
# KP), confirmed, at the town's precision. The modules add the type, day, toll and marking.
BESHAM_ATTACK: dict[str, Any] = {
    "kind": "attack",
    "date_precision": "day",
    "place_name": "Besham",
    "country": "PK",
    "admin1": "Khyber Pakhtunkhwa",
    "admin2": "Shangla",
    "lat": 34.93,
    "lon": 72.87,
    "geo_precision": "town",
    "confidence": 0.9,
    "review_state": "confirmed",
}


def create_marked(model: type[Marked], values: dict[str, Any], fields: dict[str, Any]) -> Marked:
    """``model`` made of ``values`` updated with ``fields``; a ``recipients`` field is set after."""
    fields = dict(fields)
    recipients = fields.pop("recipients", [])
    made = model.objects.create(**(values | fields))  # type: ignore[attr-defined]
    if recipients:
        made.recipients.set(recipients)
    return made  # type: ignore[no-any-return]


def besham_attack(defaults: dict[str, Any], **fields: Any) -> Incident:
    """An attack made of ``BESHAM_ATTACK``, then ``defaults``, then ``fields``."""
    return create_marked(Incident, BESHAM_ATTACK | defaults, fields)


def incident(**fields: Any) -> Incident:
    """A confirmed attack near Besham (KP) on 26 March 2024, marked GREEN, unless overridden."""
    defaults = {"attack_type": "bombing", "date": dt.date(2024, 3, 26), "deaths": 2, "tlp": "green"}
    return besham_attack(defaults, **fields)


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
    return create_marked(Engagement, values, fields)


def hydro_movement(world: Any, start: dt.datetime, hours: int, **fields: Any) -> MovementRequest:
    """The hydro company's engineer from Besham to the Gorge Camp, ``hours`` long from ``start``.

    ``fields`` give the ``reference`` and ``state``, link a destination site if there is one,
    and override the rest.
    """
    values: dict[str, Any] = {
        "organisation": world.hydro,
        "purpose": "Engineers to the camp",
        "origin_name": "Besham",
        "origin_lat": 34.93,
        "origin_lon": 72.87,
        "destination_name": world.camp.name,
        "destination_lat": world.camp.lat,
        "destination_lon": world.camp.lon,
        "depart_at": start,
        "arrive_by": start + dt.timedelta(hours=hours),
        "created_by": world.user("coordinator"),
    }
    made = MovementRequest.objects.create(**(values | fields))
    made.people.set([world.engineer])
    return made


def movement(
    world: Any, *, state: str = "draft", depart: dt.datetime | None = None, **fields: Any
) -> MovementRequest:
    """A movement of the hydro company from Besham to its camp, six hours long."""
    start = depart or timezone.now() + dt.timedelta(days=1)
    reference = f"MV-DASH-{next(_serial):04d}"
    fields = {"reference": reference, "destination_site": world.camp, "state": state, **fields}
    return hydro_movement(world, start, 6, **fields)


def escort(movement: MovementRequest, unit: Any, officers: int = 8) -> Assignment:
    """Hold ``unit`` for the movement's window, as approval would."""
    return Assignment.objects.create(
        movement=movement,
        unit=unit,
        officers=officers,
        starts=movement.depart_at,
        ends=movement.arrive_by,
    )

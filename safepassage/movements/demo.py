"""The demo movement: Islamabad to the Dasu project site through Besham (Bisham).

It is created as the demo's coordinator would plan it at first: a soft-skin vehicle and no
escort, so the armoured-vehicle and escort rules fail until both are provided.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from safepassage.geo.gazetteer import Gazetteer
from safepassage.movements.models import MovementRequest
from safepassage.movements.services import evaluate, next_reference
from safepassage.registry.models import ProtectedPerson, Site, Vehicle

DEMO_PURPOSE = "Engineers' rotation to the Dasu project site (demo)"


def _place(name: str) -> tuple[str, float, float]:
    place = Gazetteer.default().resolve(name)
    if place is None:
        raise LookupError(f"The gazetteer does not know {name!r}.")
    return place.name, place.lat, place.lon


def plan_demo_movement(
    *,
    destination: Site,
    people: list[ProtectedPerson],
    vehicles: list[Vehicle],
    created_by: Any,
    day: datetime.date,
) -> MovementRequest:
    """Create (as a draft) and evaluate the Islamabad → Besham → ``destination`` movement.

    Times are in daylight at any season in northern Pakistan: 07:30 to 16:00 local time.
    """
    origin_name, origin_lat, origin_lon = _place("Islamabad")
    via_name, via_lat, via_lon = _place("Bisham")
    pkt = datetime.timezone(datetime.timedelta(hours=5))
    with transaction.atomic():
        movement = MovementRequest.objects.create(
            organisation=destination.organisation,
            reference=next_reference(day),
            purpose=DEMO_PURPOSE,
            origin_name=origin_name,
            origin_lat=origin_lat,
            origin_lon=origin_lon,
            destination_site=destination,
            destination_name=destination.name,
            destination_lat=destination.lat,
            destination_lon=destination.lon,
            waypoints=[{"name": via_name, "lat": via_lat, "lon": via_lon, "eta": None}],
            depart_at=datetime.datetime.combine(day, datetime.time(7, 30), pkt),
            arrive_by=datetime.datetime.combine(day, datetime.time(16, 0), pkt),
            created_by=created_by,
        )
        movement.people.set(people)
        movement.vehicles.set(vehicles)
        evaluate(movement)
    return movement


def create_demo_movement() -> MovementRequest | None:
    """The hook for `safepassage demo`: plan the demo movement on the demo data, two days
    ahead; None when the demo data is missing or the movement already exists."""
    from safepassage.accounts.models import User

    if MovementRequest.objects.filter(purpose=DEMO_PURPOSE).exists():
        return None
    site = Site.objects.filter(name="Dasu Dam Site").first()
    coordinator = User.objects.filter(username="coordinator").first()
    if site is None or coordinator is None:
        return None
    people = list(ProtectedPerson.objects.filter(organisation=site.organisation)[:2])
    soft = Vehicle.objects.filter(armoured=False, seats__gte=len(people) or 1).first()
    return plan_demo_movement(
        destination=site,
        people=people,
        vehicles=[soft] if soft else [],
        created_by=coordinator,
        day=timezone.localdate() + datetime.timedelta(days=2),
    )

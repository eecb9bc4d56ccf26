"""Fixtures of the tracking tests: a movement from Islamabad to the Gorge camp, escorted by
the KP unit (so the ``officer`` and ``commander`` personas are its escort), set under way
through the movements service so the check-in plan comes from the real signal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from safepassage.movements.models import Assignment, MovementRequest
from safepassage.movements.services import transition
from tests.conftest import World

WAYPOINTS = [
    {"name": "Abbottabad", "lat": 34.1688, "lon": 73.2215, "eta": None},
    {"name": "Besham", "lat": 34.9300, "lon": 72.8700, "eta": None},
]


def make_movement(
    world: World,
    *,
    unit: Any = None,
    state: str = "approved",
    waypoints: list[dict[str, Any]] | None = None,
    depart_in: dt.timedelta = dt.timedelta(minutes=10),
    reference: str = "MV-TRACK-0001",
) -> MovementRequest:
    """An approved movement held by ``unit`` (the KP unit by default)."""
    depart = timezone.now().replace(microsecond=0) + depart_in
    movement = MovementRequest.objects.create(
        organisation=world.hydro,
        reference=reference,
        purpose="Crew rotation to the camp",
        origin_name="Islamabad",
        origin_lat=33.6844,
        origin_lon=73.0479,
        destination_site=world.camp,
        destination_name="Gorge Camp",
        destination_lat=world.camp.lat,
        destination_lon=world.camp.lon,
        waypoints=WAYPOINTS if waypoints is None else waypoints,
        depart_at=depart,
        arrive_by=depart + dt.timedelta(hours=8),
        state=state,
        created_by=world.user("coordinator"),
    )
    movement.people.add(world.engineer)
    Assignment.objects.create(
        movement=movement,
        unit=unit or world.unit_kp,
        officers=8,
        starts=movement.depart_at,
        ends=movement.arrive_by,
    )
    return movement


def start(world: World, movement: MovementRequest) -> MovementRequest:
    """Put the movement under way through the movements service (the signal plans)."""
    transition(world.user("admin"), movement, "under_way", "Convoy left")
    movement.refresh_from_db()
    return movement


@pytest.fixture
def under_way(world: World) -> MovementRequest:
    return start(world, make_movement(world))


@pytest.fixture
def movement_factory(world: World) -> Callable[..., MovementRequest]:
    return lambda **kw: make_movement(world, **kw)

"""Fixtures for movements: the Bisham 2024 and Dasu 2021 incidents, an armoured vehicle,
and a helper that plans the demo movement Islamabad → Besham → Dasu on the test world."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from safepassage.intel.models import Incident
from safepassage.movements.demo import plan_demo_movement
from safepassage.movements.models import MovementRequest
from safepassage.registry import models as m
from tests.incidents import attack

# A spring day well ahead of any notice period, in daylight at 07:30-16:00 local time.
DAY = datetime.date(2027, 3, 15)


def make_incidents() -> tuple[Incident, Incident]:
    # Both confirmed with confidence 0.9; the Dasu date is known to the month only.
    confirmed: dict[str, Any] = {"confidence": 0.9, "review_state": "confirmed"}
    bisham = attack(
        "Bisham",
        "Shangla",
        datetime.date(2024, 3, 26),
        town=(34.93, 72.87),
        attack_type="suicide_bombing",
        deaths=6,
        deaths_by_nationality={"CN": 5, "PK": 1},
        victim_nationalities=["CN"],
        **confirmed,
    )
    dasu = attack(
        "Dasu",
        "Upper Kohistan",
        datetime.date(2021, 7, 14),
        town=(35.29, 73.27),
        attack_type="bombing",
        date_precision="month",
        deaths=13,
        deaths_by_nationality={"CN": 9, "PK": 4},
        victim_nationalities=["CN"],
        **confirmed,
    )
    return bisham, dasu


@pytest.fixture
def incidents(world: Any) -> tuple[Incident, Incident]:
    return make_incidents()


@pytest.fixture
def soft_vehicle(world: Any) -> m.Vehicle:
    return m.Vehicle.objects.create(
        unit=world.unit_kp, registration="KP-150", model_name="Hiace", armoured=False, seats=10
    )


@pytest.fixture
def plan(world: Any, incidents: Any, soft_vehicle: m.Vehicle):  # type: ignore[no-untyped-def]
    """Plan a draft demo movement; keyword arguments override the people, vehicles and day."""

    def make(**kw: Any) -> MovementRequest:
        return plan_demo_movement(
            destination=kw.get("destination", world.camp),
            people=kw.get("people", [world.engineer]),
            vehicles=kw.get("vehicles", [soft_vehicle]),
            created_by=world.user("coordinator"),
            day=kw.get("day", DAY),
        )

    return make

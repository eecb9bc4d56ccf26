"""Two commanders approve two movements that compete for the same escort unit at the same
moment, each on its own database connection: exactly one approval succeeds.

On PostgreSQL the row locks decide; SQLite serialises writers, and a writer that finds the
database locked tries again, as a client would, so the same assertion holds on both.
"""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.db import OperationalError, connection

from safepassage.movements import services
from safepassage.movements.choices import MovementState
from safepassage.movements.demo import plan_demo_movement
from safepassage.movements.models import Assignment, MovementRequest
from safepassage.registry import models as m
from tests.conftest import build_world
from tests.movements.conftest import DAY, make_incidents


def approve_when_released(
    barrier: threading.Barrier, movement_pk: int, user_pk: int, out: list[str]
) -> None:
    from safepassage.accounts.models import User

    try:
        user = User.objects.get(pk=user_pk)
        movement = MovementRequest.objects.get(pk=movement_pk)
        barrier.wait(timeout=10)
        for _attempt in range(200):
            try:
                services.transition(user, movement, MovementState.APPROVED, "Escort assigned.")
                out.append("approved")
                return
            except OperationalError as exc:  # SQLite: another writer holds the database
                if "locked" not in str(exc):
                    raise
                time.sleep(0.01)
        out.append("gave up")
    except services.BookingConflict:
        out.append("conflict")
    except Exception as exc:  # noqa: BLE001 - reported through the assertion below
        out.append(f"error: {exc!r}")
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_approvals_cannot_both_book_the_same_unit() -> None:
    world = build_world()
    make_incidents()
    armoured = m.Vehicle.objects.create(
        unit=world.unit_kp, registration="KP-102", model_name="LC", armoured=True, seats=4
    )
    other = m.ProtectedPerson.objects.create(
        organisation=world.hydro,
        full_name="Zhang Min",
        nationality="CN",
        consent_date=datetime.date(2026, 1, 1),
        retention_until=datetime.date(2036, 1, 1),
    )
    movements = []
    for person, vehicle in ((world.engineer, world.vehicle_kp), (other, armoured)):
        movement = plan_demo_movement(
            destination=world.camp,
            people=[person],
            vehicles=[vehicle],
            created_by=world.user("coordinator"),
            day=DAY,
        )
        movement.escorts = [{"unit": world.unit_kp.pk, "officers": 12}]
        movement.save()
        services.transition(world.user("coordinator"), movement, MovementState.SUBMITTED)
        movements.append(movement)
    commanders = [world.user("commander"), world.user("admin")]

    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    threads = [
        threading.Thread(target=approve_when_released, args=(barrier, mv.pk, user.pk, outcomes))
        for mv, user in zip(movements, commanders, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["approved", "conflict"], outcomes
    held = Assignment.objects.filter(unit=world.unit_kp, active=True)
    assert held.count() == 1
    states = sorted(MovementRequest.objects.values_list("state", flat=True))
    assert states == ["approved", "submitted"]

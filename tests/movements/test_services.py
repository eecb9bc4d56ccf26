"""Transitions, the override right, escort proposals and double-booking."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from safepassage.audit.models import AuditRecord
from safepassage.movements import services
from safepassage.movements.choices import MovementState
from safepassage.movements.models import Assignment, MovementTransition
from safepassage.registry import models as m
from tests.movements.conftest import DAY


def submitted(world: Any, movement: Any, **escort: Any) -> Any:
    movement.escorts = [{"unit": world.unit_kp.pk, "officers": escort.get("officers", 12)}]
    movement.save()
    services.transition(world.user("coordinator"), movement, MovementState.SUBMITTED)
    return movement


def test_it_records_every_transition_with_actor_and_reason(world: Any, plan: Any) -> None:
    movement = plan()
    services.transition(world.user("coordinator"), movement, MovementState.SUBMITTED, "Ready.")
    services.transition(world.user("coordinator"), movement, MovementState.DRAFT, "Fix times.")
    rows = list(MovementTransition.objects.filter(movement=movement))
    assert [(r.from_state, r.to_state, r.actor_label, r.reason) for r in rows] == [
        ("draft", "submitted", "coordinator", "Ready."),
        ("submitted", "draft", "coordinator", "Fix times."),
    ]
    audited = AuditRecord.objects.filter(object_repr__icontains=movement.reference)
    assert audited.exists()


def test_it_refuses_a_transition_the_state_machine_does_not_allow(world: Any, plan: Any) -> None:
    movement = plan()
    with pytest.raises(services.TransitionError, match="cannot become"):
        services.transition(world.user("admin"), movement, MovementState.COMPLETED)
    assert movement.state == MovementState.DRAFT


def test_it_lets_only_commanders_and_administrators_decide(world: Any, plan: Any) -> None:
    movement = submitted(world, plan(vehicles=[world.vehicle_kp]))
    with pytest.raises(PermissionDenied):
        services.transition(world.user("coordinator"), movement, MovementState.APPROVED)
    with pytest.raises(PermissionDenied):
        services.transition(world.user("officer"), movement, MovementState.APPROVED)
    services.transition(world.user("admin"), movement, MovementState.APPROVED)
    assert movement.state == MovementState.APPROVED


def test_it_asks_a_reason_to_reject(world: Any, plan: Any) -> None:
    movement = submitted(world, plan())
    with pytest.raises(services.TransitionError, match="reason"):
        services.transition(world.user("commander"), movement, MovementState.REJECTED)
    services.transition(world.user("commander"), movement, MovementState.REJECTED, "No escort.")
    assert movement.state == MovementState.REJECTED


def test_it_refuses_to_approve_a_failing_request_without_an_override(world: Any, plan: Any) -> None:
    movement = submitted(world, plan())  # soft-skin vehicle: the armour rule fails
    with pytest.raises(services.TransitionError, match="armoured-vehicles"):
        services.transition(world.user("commander"), movement, MovementState.APPROVED)
    assert not Assignment.objects.filter(movement=movement).exists()
    services.transition(
        world.user("commander"),
        movement,
        MovementState.APPROVED,
        "Going.",
        override_reason="Armoured vehicle in repair; route swept by the army this morning.",
    )
    movement.refresh_from_db()
    assert movement.state == MovementState.APPROVED
    assert movement.overridden_by == world.user("commander")
    assert "route swept" in movement.override_reason
    last = movement.transitions.last()
    assert "Override of armoured-vehicles" in last.reason and "route swept" in last.reason


def test_it_clears_the_override_when_a_request_goes_back_to_draft(world: Any, plan: Any) -> None:
    movement = submitted(world, plan())
    services.transition(
        world.user("admin"), movement, MovementState.APPROVED, override_reason="Accepted."
    )
    services.transition(world.user("admin"), movement, MovementState.ABORTED, "Cancelled.")
    assert not movement.assignments.filter(active=True).exists()
    assert movement.override_reason == "Accepted."  # kept on a closed movement


def test_it_releases_holds_when_the_movement_ends(world: Any, plan: Any) -> None:
    movement = submitted(world, plan(vehicles=[world.vehicle_kp]))
    services.transition(world.user("commander"), movement, MovementState.APPROVED)
    services.transition(world.user("commander"), movement, MovementState.UNDER_WAY)
    assert movement.assignments.filter(active=True).count() == 3
    services.transition(world.user("commander"), movement, MovementState.COMPLETED)
    assert not movement.assignments.filter(active=True).exists()


def test_it_never_double_books_a_unit_for_overlapping_windows(world: Any, plan: Any) -> None:
    first = submitted(world, plan(vehicles=[world.vehicle_kp]))
    services.transition(world.user("commander"), first, MovementState.APPROVED)
    clerk_like = m.ProtectedPerson.objects.create(
        organisation=world.hydro,
        full_name="Zhang Min",
        nationality="CN",
        consent_date=datetime.date(2026, 1, 1),
        retention_until=datetime.date(2036, 1, 1),
    )
    armoured = m.Vehicle.objects.create(
        unit=world.unit_kp, registration="KP-102", model_name="LC", armoured=True, seats=4
    )
    second = submitted(world, plan(people=[clerk_like], vehicles=[armoured]))
    with pytest.raises(services.BookingConflict, match="SPU KP Company 1"):
        services.transition(world.user("commander"), second, MovementState.APPROVED)
    second.refresh_from_db()
    assert second.state == MovementState.SUBMITTED
    # The next day the unit is free again.
    third = submitted(
        world, plan(people=[clerk_like], vehicles=[armoured], day=DAY + datetime.timedelta(1))
    )
    services.transition(world.user("commander"), third, MovementState.APPROVED)


def test_it_never_double_books_a_person_or_a_vehicle(world: Any, plan: Any) -> None:
    first = submitted(world, plan(vehicles=[world.vehicle_kp]))
    services.transition(world.user("commander"), first, MovementState.APPROVED)
    second = plan(vehicles=[world.vehicle_kp])
    second.escorts = [{"unit": world.unit_sd.pk, "officers": 12}]
    second.save()
    services.transition(world.user("coordinator"), second, MovementState.SUBMITTED)
    with pytest.raises(services.BookingConflict, match="KP-101"):
        services.transition(world.user("admin"), second, MovementState.APPROVED)


def test_it_proposes_free_units_nearest_the_start_with_enough_officers(
    world: Any, plan: Any
) -> None:
    near = m.ProtectionUnit.objects.create(
        organisation=world.spu_kp,
        code="spu-isb",
        name="SPU Islamabad",
        base_name="Islamabad",
        base_lat=33.7,
        base_lon=73.05,
        province="KP",
        strength=30,
        available_strength=20,
    )
    small = m.ProtectionUnit.objects.create(
        organisation=world.spu_kp,
        code="spu-tiny",
        name="SPU Tiny",
        base_name="Rawalpindi",
        base_lat=33.6,
        base_lon=73.05,
        province="KP",
        strength=3,
        available_strength=2,
    )
    m.Vehicle.objects.create(
        unit=near, registration="ISB-1", model_name="LC", armoured=True, seats=4
    )
    movement = plan()
    evaluation = services.evaluate(movement)
    names = [p.unit.name for p in evaluation.proposals]
    assert names[0] == "SPU Islamabad"
    assert small.name not in names
    assert [str(v.registration) for v in evaluation.proposals[0].vehicles] == ["ISB-1"]
    # Once the Islamabad unit is held for the window, it is no longer proposed.
    other = submitted(world, plan(vehicles=[world.vehicle_kp]))
    other.escorts = [{"unit": near.pk, "officers": 12}]
    other.save()
    services.transition(world.user("admin"), other, MovementState.APPROVED)
    again = [p.unit.name for p in services.evaluate(movement).proposals]
    assert "SPU Islamabad" not in again


def test_it_refuses_more_officers_than_the_unit_has(world: Any, plan: Any) -> None:
    movement = submitted(world, plan(vehicles=[world.vehicle_kp]), officers=500)
    with pytest.raises(services.TransitionError, match="80 officers available"):
        services.transition(world.user("admin"), movement, MovementState.APPROVED)


def test_it_keeps_outsiders_from_changing_a_movement(world: Any, plan: Any) -> None:
    movement = plan()
    for persona in ("viewer", "liaison", "analyst", "officer"):
        with pytest.raises(PermissionDenied):
            services.transition(world.user(persona), movement, MovementState.SUBMITTED)

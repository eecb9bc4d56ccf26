"""The issue's done-when: Islamabad → Besham → Dasu fails the armour and escort rules until
both are provided, passes once they are, and shows Bisham 2024 and Dasu 2021 in its risk."""

from __future__ import annotations

from typing import Any

from safepassage.movements import services
from safepassage.movements.choices import MovementState


def outcomes(evaluation: services.Evaluation) -> dict[str, str]:
    return {r.code: r.outcome for r in evaluation.results}


def test_the_dasu_movement_fails_until_armour_and_escort_are_provided(
    world: Any, plan: Any, incidents: Any
) -> None:
    movement = plan()
    first = services.evaluate(movement)
    assert outcomes(first)["armoured-vehicles"] == "fail"
    assert outcomes(first)["escort-strength"] == "fail"
    assert first.band != "low"

    # Armour alone is not enough.
    movement.vehicles.set([world.vehicle_kp])
    assert outcomes(services.evaluate(movement))["escort-strength"] == "fail"
    assert outcomes(services.evaluate(movement))["armoured-vehicles"] == "pass"

    movement.escorts = [{"unit": world.unit_kp.pk, "officers": first.required_officers}]
    movement.save()
    passed = services.evaluate(movement)
    assert all(outcome == "pass" for outcome in outcomes(passed).values()), passed.results

    bisham, dasu = incidents
    shown = {c["incident_id"] for c in movement.risk["contributions"]}
    assert {bisham.pk, dasu.pk} <= shown


def test_the_dasu_movement_is_approved_once_it_passes(world: Any, plan: Any) -> None:
    movement = plan(vehicles=[world.vehicle_kp])
    movement.escorts = [{"unit": world.unit_kp.pk, "officers": 12}]
    movement.save()
    services.transition(world.user("coordinator"), movement, MovementState.SUBMITTED)
    services.transition(world.user("commander"), movement, MovementState.APPROVED, "Escort set.")
    assert movement.state == MovementState.APPROVED
    held = movement.assignments.filter(active=True)
    assert held.filter(unit=world.unit_kp, officers=12).exists()
    assert held.filter(vehicle=world.vehicle_kp).exists()
    assert held.filter(person=world.engineer).exists()

"""Check-ins, the escalation ladder, acknowledgement, SOS and position retention.

Time is injected: each test passes ``now`` derived from the planned due times.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from safepassage.access.principals import SystemActor
from safepassage.alerts.models import Alert
from safepassage.audit.models import AuditRecord
from safepassage.movements.models import MovementRequest
from safepassage.movements.services import transition
from safepassage.tracking import jobs, services
from safepassage.tracking.models import (
    CheckIn,
    Escalation,
    EscalationLadder,
    ExpectedCheckIn,
    ExpectedState,
)
from tests.conftest import World
from tests.tracking.conftest import make_movement, start

JOB = SystemActor("job:test")


def _first(movement: MovementRequest) -> ExpectedCheckIn:
    return movement.expected_checkins.order_by("seq")[0]


def _names(escalation: Escalation) -> set[str]:
    return {u.username for u in escalation.notified.all()}


def test_going_under_way_plans_departure_each_waypoint_and_arrival(
    under_way: MovementRequest,
) -> None:
    rows = list(under_way.expected_checkins.order_by("seq"))
    assert [r.name for r in rows] == ["Islamabad", "Abbottabad", "Besham", "Gorge Camp"]
    assert rows[0].due_at == under_way.depart_at
    assert rows[-1].due_at == under_way.arrive_by
    assert [r.interpolated for r in rows] == [False, True, True, False]
    assert all(r.state == ExpectedState.PENDING for r in rows)
    assert [r.due_at for r in rows] == sorted(r.due_at for r in rows)


def test_planning_twice_keeps_the_first_plan(world: World, under_way: MovementRequest) -> None:
    before = list(under_way.expected_checkins.values_list("pk", flat=True))
    services.plan_checkins(under_way)
    assert list(under_way.expected_checkins.values_list("pk", flat=True)) == before


def test_a_late_start_moves_every_due_time_by_the_delay(world: World) -> None:
    movement = make_movement(world, depart_in=dt.timedelta(hours=-2))
    movement = start(world, movement)
    first = _first(movement)
    assert first.due_at >= timezone.now() - dt.timedelta(minutes=1)


def test_malformed_waypoints_fall_back_to_departure_and_arrival(world: World) -> None:
    movement = make_movement(world, waypoints=[{"name": "bad", "lat": 999, "lon": "x"}])
    movement = start(world, movement)
    assert [r.name for r in movement.expected_checkins.all()] == ["Islamabad", "Gorge Camp"]


def test_a_check_in_near_a_pending_expected_point_meets_it(
    world: World, under_way: MovementRequest
) -> None:
    first = _first(under_way)
    checkin = services.record_checkin(
        world.user("officer"),
        under_way,
        status="ok",
        lat=33.69,
        lon=73.05,
        note="Rolling",
        now=first.due_at + dt.timedelta(minutes=3),
    )
    first.refresh_from_db()
    assert checkin.expected == first
    assert first.state == ExpectedState.MET
    assert services.last_position(under_way) == (33.69, 73.05, checkin.at)


def test_a_check_in_far_from_every_expected_point_meets_nothing(
    world: World, under_way: MovementRequest
) -> None:
    first = _first(under_way)
    checkin = services.record_checkin(
        world.user("officer"), under_way, status="delayed", lat=31.5, lon=74.3, now=first.due_at
    )
    first.refresh_from_db()
    assert checkin.expected is None
    assert first.state == ExpectedState.PENDING


def test_a_missed_check_in_escalates_step_by_step_to_lead_commander_and_duty_officer(
    world: World, under_way: MovementRequest
) -> None:
    first = _first(under_way)
    overdue = first.overdue_at
    assert services.escalate_due(overdue - dt.timedelta(seconds=1), JOB) == 0
    assert services.escalate_due(overdue, JOB) == 1
    first.refresh_from_db()
    assert first.state == ExpectedState.MISSED and first.escalation_level == 1
    steps = list(Escalation.objects.filter(expected=first).order_by("level"))
    assert [(s.level, s.step_role) for s in steps] == [("1", "escort_lead")]
    assert _names(steps[0]) == {"officer"}
    assert services.escalate_due(overdue + dt.timedelta(minutes=9), JOB) == 0
    assert services.escalate_due(overdue + dt.timedelta(minutes=10), JOB) == 1
    assert services.escalate_due(overdue + dt.timedelta(minutes=20), JOB) == 1
    steps = list(Escalation.objects.filter(expected=first).order_by("level"))
    assert [(s.level, s.step_role) for s in steps] == [
        ("1", "escort_lead"),
        ("2", "unit_commander"),
        ("3", "duty_officer"),
    ]
    assert [_names(s) for s in steps] == [{"officer"}, {"commander"}, {"admin"}]
    assert "did not check in at Islamabad" in steps[1].why
    # Each step is audited and alerts its people once.
    audited = AuditRecord.objects.filter(object_type="tracking.escalation", action="create")
    assert {r.object_id for r in audited} == {str(s.pk) for s in steps}
    alerts = Alert.objects.filter(kind="tracking_missed_checkin")
    assert sorted(a.recipient.username for a in alerts) == ["admin", "commander", "officer"]
    assert all(a.why for a in alerts)


def test_a_job_that_was_down_takes_every_overdue_step_when_it_runs_again(
    world: World, under_way: MovementRequest
) -> None:
    first = _first(under_way)
    assert services.escalate_due(first.overdue_at + dt.timedelta(minutes=25), JOB) == 3


def test_running_the_job_twice_in_the_same_minute_escalates_once(
    world: World, under_way: MovementRequest
) -> None:
    first = _first(under_way)
    now = first.overdue_at + dt.timedelta(minutes=10, seconds=5)
    assert services.escalate_due(now, JOB) == 2
    assert services.escalate_due(now, JOB) == 0
    assert services.escalate_due(now + dt.timedelta(seconds=30), JOB) == 0
    assert Escalation.objects.filter(expected=first).count() == 2
    assert Alert.objects.filter(kind="tracking_missed_checkin").count() == 2


def test_acknowledgement_stops_the_ladder(world: World, under_way: MovementRequest) -> None:
    first = _first(under_way)
    services.escalate_due(first.overdue_at, JOB)
    step = Escalation.objects.get(expected=first, level="1")
    services.acknowledge(world.user("officer"), step, "Radio dead zone; convoy seen at km 12")
    first.refresh_from_db()
    step.refresh_from_db()
    assert first.state == ExpectedState.ACKNOWLEDGED
    assert step.acknowledged_by == world.user("officer")
    assert step.note.startswith("Radio dead zone")
    assert services.escalate_due(first.overdue_at + dt.timedelta(hours=1), JOB) == 0
    assert Escalation.objects.filter(expected=first).count() == 1
    assert AuditRecord.objects.filter(
        object_type="tracking.escalation", object_id=str(step.pk), action="update"
    ).exists()


def test_acknowledging_needs_a_note_and_a_notified_person(
    world: World, under_way: MovementRequest
) -> None:
    first = _first(under_way)
    services.escalate_due(first.overdue_at, JOB)
    step = Escalation.objects.get(expected=first, level="1")
    with pytest.raises(services.TrackingError, match="note"):
        services.acknowledge(world.user("officer"), step, "   ")
    with pytest.raises(PermissionDenied):
        services.acknowledge(world.user("coordinator"), step, "Not mine to acknowledge")
    services.acknowledge(world.user("officer"), step, "On it")
    with pytest.raises(services.TrackingError, match="Already acknowledged"):
        services.acknowledge(world.user("admin"), step, "Me too")


def test_sos_notifies_every_step_at_once(world: World, under_way: MovementRequest) -> None:
    checkin = services.record_checkin(
        world.user("officer"), under_way, status="sos", note="Ambush at km 40"
    )
    escalation = Escalation.objects.get(checkin=checkin)
    assert escalation.level == "sos" and escalation.is_sos
    assert _names(escalation) == {"officer", "commander", "admin"}
    alerts = Alert.objects.filter(kind="tracking_sos")
    assert {a.recipient.username for a in alerts} == {"officer", "commander", "admin"}
    assert {a.severity for a in alerts} == {4}
    assert "Ambush at km 40" in escalation.why


def test_a_ladder_can_name_its_duty_officers_and_change_its_steps(
    world: World, under_way: MovementRequest
) -> None:
    ladder = EscalationLadder.objects.get(name="Default")
    ladder.steps = [{"after_minutes": 0, "role": "duty_officer"}]
    ladder.save()
    ladder.duty_officers.set([world.user("commander")])
    first = _first(under_way)
    assert services.escalate_due(first.overdue_at + dt.timedelta(hours=1), JOB) == 1
    step = Escalation.objects.get(expected=first)
    assert step.step_role == "duty_officer" and _names(step) == {"commander"}


def test_the_default_ladder_is_created_by_the_data_migration(db: Any) -> None:
    ladder = EscalationLadder.objects.get(name="Default")
    assert ladder.steps == services.DEFAULT_STEPS


def test_a_completed_movement_stops_escalating(world: World, under_way: MovementRequest) -> None:
    transition(world.user("admin"), under_way, "completed", "Arrived")
    first = _first(under_way)
    assert services.escalate_due(first.overdue_at + dt.timedelta(hours=1), JOB) == 0


def test_the_escalation_job_acts_as_its_system_actor(
    world: World, under_way: MovementRequest
) -> None:
    ExpectedCheckIn.objects.filter(pk=_first(under_way).pk).update(
        due_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert jobs.escalate_checkins() == 3
    assert jobs.escalate_checkins() == 0
    record = AuditRecord.objects.filter(object_type="tracking.escalation").first()
    assert record is not None and record.source == "job"
    assert record.actor_label == "job:escalate-checkins"


def test_positions_are_erased_by_the_job_after_the_retention_period(
    world: World, under_way: MovementRequest
) -> None:
    checkin = services.record_checkin(
        world.user("officer"), under_way, status="ok", lat=33.69, lon=73.05
    )
    transition(world.user("admin"), under_way, "completed", "Arrived")
    assert jobs.purge_positions() == 0  # still inside the retention period
    checkin.refresh_from_db()
    assert checkin.lat == 33.69
    under_way.transitions.filter(to_state="completed").update(
        created=timezone.now() - services.retention() - dt.timedelta(minutes=1)
    )
    assert jobs.purge_positions() == 1
    checkin.refresh_from_db()
    assert checkin.lat is None and checkin.lon is None and checkin.position_erased_at
    assert checkin.status == "ok"  # the record of the check-in stays
    assert services.last_position(under_way) is None
    # The position never reached the append-only audit log.
    for record in AuditRecord.objects.filter(object_type="tracking.checkin"):
        assert "33.69" not in str(record.changes)


def test_positions_of_a_movement_under_way_are_kept(
    world: World, under_way: MovementRequest
) -> None:
    services.record_checkin(world.user("officer"), under_way, status="ok", lat=33.69, lon=73.05)
    assert services.purge_positions(timezone.now() + dt.timedelta(days=30), JOB) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"lat": 999, "lon": 73.0}, "Latitude 999.0 is outside"),
        ({"lat": float("nan"), "lon": 73.0}, "finite"),
        ({"lat": "nan", "lon": "inf"}, "finite"),
        ({"lat": 33.6, "lon": "east"}, "not a pair of numbers"),
        ({"lat": None, "lon": None}, "Give your position"),
        ({"lat": 33.6, "lon": 73.0, "note": "x" * 501}, "at most 500"),
        ({"lat": 33.6, "lon": 73.0, "status": "fine"}, "Status must be"),
    ],
)
def test_it_rejects_hostile_check_in_data(
    world: World, under_way: MovementRequest, data: dict[str, Any], message: str
) -> None:
    kwargs = {"status": "ok", "note": ""} | data
    with pytest.raises(services.TrackingError, match=message):
        services.record_checkin(world.user("officer"), under_way, **kwargs)
    assert not CheckIn.objects.exists()


def test_a_check_in_on_a_movement_not_under_way_says_so(world: World) -> None:
    movement = make_movement(world)
    with pytest.raises(services.TrackingError, match="not under way"):
        services.record_checkin(world.user("officer"), movement, status="ok", lat=33.6, lon=73.0)


def test_only_the_escort_may_check_in(world: World) -> None:
    movement = start(world, make_movement(world, unit=world.unit_sd))
    for persona in ("officer", "commander", "admin", "coordinator"):
        with pytest.raises(PermissionDenied):
            services.record_checkin(world.user(persona), movement, status="ok", lat=33.6, lon=73.0)


def test_an_sos_goes_through_without_a_readable_position(
    world: World, under_way: MovementRequest
) -> None:
    checkin = services.record_checkin(
        world.user("commander"), under_way, status="sos", lat="999", lon="nan"
    )
    assert checkin.lat is None and checkin.lon is None
    escalation = Escalation.objects.get(checkin=checkin)
    assert "without a position" in escalation.why


def test_pressing_sos_again_while_one_is_open_does_not_alert_everyone_again(
    world: World, under_way: MovementRequest
) -> None:
    officer = world.user("officer")
    services.record_checkin(officer, under_way, status="sos", lat=34.0, lon=73.0)
    services.record_checkin(officer, under_way, status="sos", lat=34.01, lon=73.0)
    assert CheckIn.objects.filter(status="sos").count() == 2
    assert Escalation.objects.filter(level="sos").count() == 1
    assert Alert.objects.filter(kind="tracking_sos").count() == 3
    assert services.last_position(under_way)[:2] == (34.01, 73.0)  # type: ignore[index]


def test_the_retention_period_is_a_setting(
    world: World, under_way: MovementRequest, settings: Any
) -> None:
    settings.TRACKING_POSITION_RETENTION_HOURS = 1
    services.record_checkin(world.user("officer"), under_way, status="ok", lat=33.69, lon=73.05)
    transition(world.user("admin"), under_way, "completed", "Arrived")
    now = timezone.now()
    assert services.purge_positions(now + dt.timedelta(minutes=59), JOB) == 0
    assert services.purge_positions(now + dt.timedelta(minutes=61), JOB) == 1


def test_an_sos_alert_text_carries_no_coordinates(world: World, under_way: MovementRequest) -> None:
    checkin = services.record_checkin(
        world.user("officer"), under_way, status="sos", lat=34.123456, lon=73.654321
    )
    escalation = Escalation.objects.get(checkin=checkin)
    texts = [escalation.why, *Alert.objects.values_list("why", flat=True)]
    texts += [str(r.changes) for r in AuditRecord.objects.all()]
    assert not any("34.12" in t or "73.65" in t for t in texts)


def test_the_command_runs_the_escalation_job_now(world: World, under_way: MovementRequest) -> None:
    from io import StringIO

    from django.core.management import call_command

    ExpectedCheckIn.objects.filter(pk=_first(under_way).pk).update(
        due_at=timezone.now() - dt.timedelta(minutes=16)
    )
    out = StringIO()
    call_command("tracking", "escalate", stdout=out)
    assert out.getvalue().strip() == "1 escalation step(s) taken."
    call_command("tracking", "purge-positions", stdout=out)
    assert "0 check-in position(s) erased." in out.getvalue()

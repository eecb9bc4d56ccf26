"""An incident reaches those responsible for the sites and movements near it, and no one else."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from safepassage.alerts.models import Alert, AlertRule, IncidentEvaluation
from safepassage.alerts.services import evaluate_incident

pytestmark = pytest.mark.django_db


def _recipients(**filters: Any) -> set[str]:
    return set(Alert.objects.filter(**filters).values_list("recipient__username", flat=True))


def test_a_new_incident_near_a_site_alerts_its_coordinator_and_the_units_commander(
    world: Any, make_incident: Any
) -> None:
    incident = make_incident()
    alerts = Alert.objects.filter(incident=incident, subject_type="site")
    assert {a.recipient.username for a in alerts} == {"coordinator", "commander"}
    assert {a.state for a in alerts} == {"delivered"}
    why = alerts.get(recipient=world.user("coordinator")).why
    assert why.startswith("You are responsible for Gorge Camp (security coordinator, Indus Gorge")
    assert "A suicide bombing with 6 dead was reported 10 km from it on" in why
    assert "Rule: incidents of medium severity or above within 25 km of your sites." in why
    commander_why = alerts.get(recipient=world.user("commander")).why
    assert "commander of SPU KP Company 1, the unit responsible for it" in commander_why


def test_it_does_not_alert_the_unrelated_organisation_or_other_roles(
    world: Any, make_incident: Any
) -> None:
    make_incident()
    assert not _recipients(recipient__username__in=["viewer", "officer", "analyst", "liaison"])
    assert not Alert.objects.filter(subject_id=world.office.pk, subject_type="site").exists()


def test_an_incident_beyond_the_radius_alerts_nobody(world: Any, make_incident: Any) -> None:
    # About 60 km north of the camp, outside the default 25 km.
    incident = make_incident(lat=35.83, lon=73.27)
    assert not Alert.objects.filter(incident=incident).exists()
    assert IncidentEvaluation.objects.get(incident=incident).finished_at is not None


def test_a_rejected_or_merged_incident_alerts_nobody(world: Any, make_incident: Any) -> None:
    rejected = make_incident(review_state="rejected")
    target = make_incident(lat=24.0, lon=62.0)
    merged = make_incident(merged_into=target)
    assert not Alert.objects.filter(incident__in=[rejected, merged]).exists()
    assert "rejected or merged" in IncidentEvaluation.objects.get(incident=rejected).note


def test_reprocessing_an_incident_never_alerts_twice(world: Any, make_incident: Any) -> None:
    incident = make_incident()
    before = Alert.objects.count()
    assert evaluate_incident(incident.pk) == []
    assert evaluate_incident(incident.pk) == []
    assert Alert.objects.count() == before == 2


def test_a_save_that_changes_nothing_material_is_not_evaluated_again(
    world: Any, make_incident: Any, django_capture_on_commit_callbacks: Any
) -> None:
    incident = make_incident()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        incident.report_count = 5
        incident.confidence = 0.9
        incident.save()
    assert callbacks == []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        incident.deaths = 9
        incident.save()
    assert len(callbacks) == 1


def test_an_incident_moved_next_to_a_site_by_an_update_alerts_then(
    world: Any, make_incident: Any, django_capture_on_commit_callbacks: Any
) -> None:
    incident = make_incident(lat=30.0, lon=70.0)
    assert not Alert.objects.filter(incident=incident).exists()
    with django_capture_on_commit_callbacks(execute=True):
        incident.lat, incident.lon = 35.30, 73.28
        incident.save()
    assert _recipients(incident=incident) == {"coordinator", "commander"}


def test_an_incident_below_the_rules_threshold_is_held_with_the_reason(
    world: Any, make_incident: Any
) -> None:
    AlertRule.objects.filter(subject="site").update(min_severity=4)
    incident = make_incident(attack_type="armed_assault", deaths=1)
    alerts = Alert.objects.filter(incident=incident)
    assert {a.state for a in alerts} == {"held"}
    assert "is of high severity; the rule alerts from critical" in alerts[0].held_reason
    assert not alerts[0].deliveries.exists()


def test_an_old_incident_from_the_archive_alerts_nobody(world: Any, make_incident: Any) -> None:
    incident = make_incident(date=dt.date(2021, 7, 14))
    assert not Alert.objects.filter(incident=incident).exists()
    assert "Too old" in IncidentEvaluation.objects.get(incident=incident).note


def test_a_second_incident_at_the_same_site_within_the_window_is_held(
    world: Any, make_incident: Any
) -> None:
    make_incident()
    second = make_incident(lat=35.33, lon=73.30, deaths=7)
    held = Alert.objects.filter(incident=second)
    assert {a.state for a in held} == {"held"}
    assert "already alerted about Gorge Camp" in held[0].held_reason


def test_a_more_severe_incident_within_the_window_still_goes_out(
    world: Any, make_incident: Any
) -> None:
    make_incident(attack_type="bombing", deaths=1)
    worse = make_incident(attack_type="suicide_bombing", deaths=12, lat=35.31)
    assert {a.state for a in Alert.objects.filter(incident=worse)} <= {"delivered", "grouped"}


def test_several_alerts_for_one_person_become_one_digest(world: Any, make_incident: Any) -> None:
    from safepassage.alerts.delivery import send_due_digests
    from safepassage.registry.models import Site

    Site.objects.create(
        organisation=world.hydro,
        name="Gorge Store",
        kind="depot",
        lat=35.0,
        lon=73.0,
        province="KP",
        district="Kohistan",
    )
    make_incident(attack_type="bombing", deaths=2)
    later = make_incident(attack_type="bombing", deaths=2, lat=35.05, lon=73.02)
    grouped = Alert.objects.get(incident=later, recipient=world.user("coordinator"))
    assert grouped.state == "grouped"
    assert grouped.digest is not None and grouped.digest.sent_at is None
    assert send_due_digests(now=timezone.now()) == 0
    assert send_due_digests(now=timezone.now() + dt.timedelta(minutes=16)) == 1
    grouped.digest.refresh_from_db()
    assert grouped.digest.sent_at is not None


def test_a_planned_route_in_its_window_alerts_the_escort_and_the_coordinator(
    world: Any, make_movement: Any, make_incident: Any
) -> None:
    AlertRule.objects.filter(subject="site").update(enabled=False)
    movement = make_movement("approved")
    # On the line from Abbottabad to the camp, about halfway.
    incident = make_incident(lat=34.65, lon=73.13)
    alerts = Alert.objects.filter(incident=incident, subject_type="movement")
    assert {a.recipient.username for a in alerts} == {"coordinator", "commander", "officer"}
    why = alerts.get(recipient=world.user("officer")).why
    assert f"You are responsible for {movement}" in why
    assert "field officer of SPU KP Company 1, escorting it" in why
    assert "from its planned route (departure" in why


def test_a_planned_route_outside_its_time_window_alerts_nobody(
    world: Any, make_movement: Any, make_incident: Any
) -> None:
    AlertRule.objects.filter(subject="site").update(enabled=False)
    make_movement("approved", depart_in=dt.timedelta(days=10), reference="MV-LATER")
    make_movement("approved", depart_in=dt.timedelta(days=-2), reference="MV-PAST")
    make_movement("draft", reference="MV-DRAFT")
    incident = make_incident(lat=34.65, lon=73.13)
    assert not Alert.objects.filter(incident=incident).exists()


def test_a_movement_under_way_without_a_reported_position_is_measured_on_its_route(
    world: Any, make_movement: Any, make_incident: Any
) -> None:
    AlertRule.objects.filter(subject="site").update(enabled=False)
    make_movement("under_way", depart_in=dt.timedelta(hours=-1))
    incident = make_incident(lat=34.65, lon=73.13)
    alert = Alert.objects.get(incident=incident, recipient=world.user("commander"))
    assert alert.kind == "incident_near_movement_position"
    assert "its route (no position has been reported yet)" in alert.why


def test_a_movement_under_way_is_measured_from_its_last_reported_position(
    world: Any, make_movement: Any, make_incident: Any
) -> None:
    from safepassage.tracking.models import CheckIn

    AlertRule.objects.filter(subject="site").update(enabled=False)
    movement = make_movement("under_way", depart_in=dt.timedelta(hours=-1))
    # The convoy reported itself far off the straight line, near Besham.
    CheckIn.objects.create(
        movement=movement,
        officer=world.user("officer"),
        at=timezone.now() - dt.timedelta(minutes=5),
        lat=34.92,
        lon=72.87,
        status="ok",
    )
    near_route_only = make_incident(lat=34.65, lon=73.13)
    assert not Alert.objects.filter(incident=near_route_only).exists()
    near_position = make_incident(lat=34.95, lon=72.90)
    alerts = Alert.objects.filter(incident=near_position)
    assert {a.recipient.username for a in alerts} == {"coordinator", "commander", "officer"}
    assert "from its last reported position" in alerts[0].why


def test_the_batched_positions_agree_with_the_tracking_apps_last_position(
    world: Any, make_movement: Any
) -> None:
    from safepassage.alerts.matching import _under_way_with_positions
    from safepassage.tracking.models import CheckIn
    from safepassage.tracking.services import last_position

    quiet = make_movement("under_way", reference="MV-QUIET")
    busy = make_movement("under_way", reference="MV-BUSY")
    now = timezone.now()
    for minutes, lat in [(30, 34.1), (10, 34.3), (20, 34.2)]:
        CheckIn.objects.create(
            movement=busy,
            officer=world.user("officer"),
            at=now - dt.timedelta(minutes=minutes),
            lat=lat,
            lon=73.05,
            status="ok",
        )
    # A newer check-in whose position was erased does not count.
    CheckIn.objects.create(
        movement=busy, officer=world.user("officer"), at=now, lat=None, lon=None, status="ok"
    )
    batched = {m.pk: m for m in _under_way_with_positions()}
    for movement in (quiet, busy):
        expected = last_position(movement)
        got = batched[movement.pk]
        if expected is None:
            assert got.last_lat is None
        else:
            assert (got.last_lat, got.last_lon, got.last_at) == expected
    assert batched[busy.pk].last_lat == 34.3


def test_a_movement_with_malformed_waypoints_does_not_stop_the_other_alerts(
    world: Any, make_movement: Any, make_incident: Any
) -> None:
    from safepassage.movements.models import MovementRequest

    broken = make_movement("approved", reference="MV-BROKEN")
    MovementRequest.objects.filter(pk=broken.pk).update(
        waypoints=[{"name": "nowhere"}, {"lat": "x", "lon": None}]
    )
    incident = make_incident()
    assert _recipients(incident=incident, subject_type="site") == {"coordinator", "commander"}


def test_an_update_that_makes_the_incident_worse_alerts_again_but_only_once(
    world: Any, make_incident: Any, django_capture_on_commit_callbacks: Any
) -> None:
    incident = make_incident(attack_type="unknown", deaths=0, injured=2)
    first = Alert.objects.get(incident=incident, recipient=world.user("coordinator"))
    assert first.severity == 2
    with django_capture_on_commit_callbacks(execute=True):
        incident.deaths = 7
        incident.save()
    alerts = Alert.objects.filter(incident=incident, recipient=world.user("coordinator"))
    assert sorted(alerts.values_list("severity", "state")) == [(2, "delivered"), (4, "delivered")]
    assert "with 7 dead and 2 injured" in alerts.get(severity=4).why
    assert evaluate_incident(incident.pk) == []

"""What the situation report holds for each reader, and how it is marked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from safepassage.dashboard import sitrep
from safepassage.riskmodel.model import age_factor
from tests.dashboard.sitrep_helpers import alert, entered_on, incident, movement

pytestmark = pytest.mark.django_db


def listed(report: sitrep.Sitrep) -> set[int]:
    return {line.pk for line in report.incidents.lines}


def test_it_lists_incidents_entered_or_dated_on_the_day_and_nothing_else(world):
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    dated_today = incident(place_name="Dated today")
    entered_today = incident(date=dt.date(2024, 3, 26), place_name="Old but new to us")
    older = incident(date=yesterday, place_name="Yesterday's")
    entered_on(older, yesterday)
    report = sitrep.build(world.user("viewer"), today)
    assert listed(report) == {dated_today.pk, entered_today.pk}
    assert report.incidents.total == 2
    assert listed(sitrep.build(world.user("viewer"), yesterday)) == {older.pk}


def test_it_never_holds_another_organisations_amber_strict_incident(world):
    strict = incident(tlp="amber+strict", organisation=world.port, place_name="Port only")
    shared = incident(tlp="green", place_name="For everyone")
    for persona in ("viewer", "coordinator", "analyst", "liaison", "commander"):
        report = sitrep.build(world.user(persona), timezone.localdate())
        assert strict.pk not in listed(report), persona
        assert strict.pk not in report.contents["incident"], persona
    # The owning organisation's own people do see it, and the report is marked for it.
    port_user = world.user("viewer")
    port_user.organisation = world.port
    port_user.save()
    report = sitrep.build(port_user, timezone.localdate())
    assert {strict.pk, shared.pk} <= listed(report)
    assert report.tlp == "amber+strict"


def test_it_holds_a_red_incident_only_for_its_named_recipients(world):
    red = incident(tlp="red", recipients=[world.user("analyst")], place_name="Named only")
    for persona in ("viewer", "coordinator", "commander", "liaison", "admin"):
        report = sitrep.build(world.user(persona), timezone.localdate())
        assert red.pk not in listed(report), persona
    report = sitrep.build(world.user("analyst"), timezone.localdate())
    assert red.pk in listed(report)
    assert report.tlp == "red"
    assert report.tlp_label == "TLP:RED"


def test_its_marking_is_the_most_restrictive_of_what_it_holds(world):
    today = timezone.localdate()
    viewer = world.user("viewer")
    assert sitrep.build(viewer, today).tlp == "clear"  # nothing in it
    incident(tlp="clear", deaths=0, attack_type="unarmed_assault", admin1="", admin2="")
    assert sitrep.build(viewer, today).tlp == "clear"
    incident(tlp="green")
    assert sitrep.build(viewer, today).tlp == "green"
    incident(tlp="amber")
    assert sitrep.build(viewer, today).tlp == "amber"
    # Content the reader may not see does not raise the marking of their report.
    incident(tlp="red", recipients=[world.user("analyst")])
    assert sitrep.build(viewer, today).tlp == "amber"


def test_a_cap_leaves_out_what_is_marked_above_it(world):
    today = timezone.localdate()
    green = incident(tlp="green")
    amber = incident(tlp="amber")
    movement(world, today)
    coordinator = world.user("coordinator")
    full = sitrep.build(coordinator, today)
    assert {green.pk, amber.pk} <= listed(full)
    assert full.movements.total == 1
    capped = sitrep.build(coordinator, today, "green")
    assert listed(capped) == {green.pk}
    # Movements are operational (at least AMBER), so a GREEN report leaves them out.
    assert not capped.movements.shown
    assert capped.tlp == "green"


def test_movements_of_the_day_make_the_report_at_least_amber(world):
    today = timezone.localdate()
    planned = movement(world, today)
    movement(world, today + dt.timedelta(days=3))
    movement(world, today, state="draft")
    report = sitrep.build(world.user("coordinator"), today)
    assert [line.pk for line in report.movements.lines] == [planned.pk]
    assert report.movements.lines[0].people == 1
    assert report.tlp == "amber"
    # A viewer has no movements to see, so the section is not there at all.
    assert not sitrep.build(world.user("viewer"), today).movements.shown


def test_the_alerts_are_the_readers_own_and_never_about_hidden_incidents(world):
    today = timezone.localdate()
    coordinator = world.user("coordinator")
    seen = incident(tlp="amber")
    hidden = incident(tlp="amber+strict", organisation=world.port)
    mine = alert(coordinator, "Attack near Gorge Camp", seen)
    alert(coordinator, "Hidden attack near Gorge Camp", hidden)
    alert(world.user("viewer"), "Someone else's alert", seen)
    report = sitrep.build(coordinator, today)
    titles = [line.title for line in report.alerts.lines]
    assert mine.title in titles
    assert "Hidden attack near Gorge Camp" not in titles
    assert "Someone else's alert" not in titles


def test_open_reviews_show_what_waits_for_the_reader(world):
    today = timezone.localdate()
    waiting = incident(review_state="needs_review")
    incident(review_state="needs_review", tlp="red", recipients=[world.user("admin")])
    report = sitrep.build(world.user("analyst"), today)
    assert report.reviews.shown
    assert [(line.kind, line.pk) for line in report.reviews.lines] == [("incident", waiting.pk)]
    # A viewer reviews nothing, so the section is not shown.
    assert not sitrep.build(world.user("viewer"), today).reviews.shown
    # A commander decides movement requests.
    request = movement(world, today + dt.timedelta(days=2), state="submitted")
    lines = sitrep.build(world.user("commander"), today).reviews.lines
    assert ("movement", request.pk) in [(line.kind, line.pk) for line in lines]


def test_risk_changes_compare_the_end_of_the_day_with_the_day_before(world):
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    old = incident(date=yesterday, place_name="Yesterday")
    entered_on(old, yesterday)
    report = sitrep.build(world.user("viewer"), today)
    # Only decay: yesterday's incident is a day older, and too small a change to list.
    assert report.districts == []
    new = incident(date=today, place_name="Today", deaths=5)
    report = sitrep.build(world.user("viewer"), today)
    (shangla,) = report.districts
    assert (shangla.admin1, shangla.admin2) == ("Khyber Pakhtunkhwa", "Shangla")
    assert shangla.new_incidents == 1
    assert shangla.after > shangla.before > 0
    from safepassage.risk.models import IncidentRisk

    rows = {r.incident_id: r.value for r in IncidentRisk.objects.all()}
    assert shangla.before == pytest.approx(rows[old.pk] * age_factor(1.0))
    assert shangla.after == pytest.approx(
        rows[old.pk] * age_factor(2.0) + rows[new.pk] * age_factor(1.0)
    )
    (province,) = report.provinces
    assert province.admin1 == "Khyber Pakhtunkhwa" and province.admin2 == ""


def test_risk_changes_are_computed_only_from_incidents_the_reader_may_see(world):
    today = timezone.localdate()
    incident(tlp="amber+strict", organisation=world.port, admin2="Upper Kohistan", deaths=9)
    viewer_report = sitrep.build(world.user("viewer"), today)
    assert viewer_report.districts == [] and viewer_report.provinces == []
    assert viewer_report.tlp == "clear"
    port_user = world.user("viewer")
    port_user.organisation = world.port
    port_user.save()
    own = sitrep.build(port_user, today)
    assert [d.admin2 for d in own.districts] == ["Upper Kohistan"]
    assert own.tlp == "amber+strict"


@pytest.mark.parametrize(
    "value",
    [
        "2024-13-01",
        "yesterday",
        "2024-3-1",
        "9" * 5000,
        "1999-12-31",
        "2024-02-30",
        "2024-03-26\x00",
    ],
)
def test_it_refuses_days_it_cannot_build_with_a_clear_message(value):
    with pytest.raises(sitrep.SitrepInputError, match="day"):
        sitrep.parse_day(value, today=dt.date(2026, 1, 1))


def test_it_refuses_days_too_far_ahead_and_takes_today_when_empty():
    today = dt.date(2026, 1, 1)
    assert sitrep.parse_day("", today=today) == today
    assert sitrep.parse_day(None, today=today) == today
    assert sitrep.parse_day("2026-01-31", today=today) == dt.date(2026, 1, 31)
    with pytest.raises(sitrep.SitrepInputError, match="between"):
        sitrep.parse_day("2026-02-01", today=today)


@pytest.mark.parametrize("value", ["purple", "TLP:" + "A" * 100, "amber strict!", "\u202eder"])
def test_it_refuses_unknown_markings(value):
    with pytest.raises(sitrep.SitrepInputError, match="marking"):
        sitrep.parse_cap(value)


def test_it_reads_markings_the_way_tlp_writes_them():
    assert sitrep.parse_cap("TLP:AMBER+STRICT") == "amber+strict"
    assert sitrep.parse_cap("") == ""

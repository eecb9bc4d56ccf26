"""The pure alert decisions: geometry, severity, wording, repeats and grouping."""

from __future__ import annotations

import datetime as dt

import pytest

from safepassage.alerts import geometry
from safepassage.alerts.decide import (
    Grouping,
    Prior,
    Severity,
    SubjectKind,
    date_phrase,
    grouping,
    incident_phrase,
    incident_severity,
    repeat_hold_reason,
    rule_phrase,
    why_text,
)

NOW = dt.datetime(2026, 3, 26, 12, 0, tzinfo=dt.UTC)


def test_it_measures_islamabad_to_rawalpindi_as_about_14_km() -> None:
    assert geometry.haversine_km((33.6844, 73.0479), (33.5651, 73.0169)) == pytest.approx(
        13.6, abs=0.5
    )


def test_its_bounding_box_contains_every_point_of_the_circle() -> None:
    box = geometry.bounding_box(35.0, 73.0, 25.0)
    for bearing_point in [(35.2248, 73.0), (34.7752, 73.0), (35.0, 73.2745), (35.0, 72.7255)]:
        assert geometry.haversine_km((35.0, 73.0), bearing_point) == pytest.approx(25.0, abs=0.3)
        assert box.contains(*bearing_point)
    assert not box.contains(35.3, 73.0)


def test_it_measures_a_point_beside_the_middle_of_a_route_to_the_route_not_its_ends() -> None:
    route = [(34.0, 73.0), (35.0, 73.0)]
    # 0.1 degree of longitude at 34.5 N is about 9.2 km; the ends are about 56 km away.
    assert geometry.distance_to_route_km((34.5, 73.1), route) == pytest.approx(9.2, abs=0.2)
    assert geometry.distance_to_route_km((36.0, 73.0), route) == pytest.approx(111.2, abs=0.5)


def test_it_refuses_an_empty_route_and_a_negative_radius() -> None:
    with pytest.raises(ValueError):
        geometry.distance_to_route_km((1.0, 1.0), [])
    with pytest.raises(ValueError):
        geometry.bounding_box(1.0, 1.0, -1.0)


def test_it_rates_a_suicide_bombing_critical_and_a_quiet_operation_low() -> None:
    assert incident_severity("attack", "suicide_bombing", None, None) is Severity.CRITICAL
    assert incident_severity("attack", "armed_assault", 0, 0) is Severity.HIGH
    assert incident_severity("attack", "unknown", 0, 2) is Severity.MEDIUM
    assert incident_severity("security_operation", "", 0, 0) is Severity.LOW
    assert incident_severity("security_operation", "", 5, 0) is Severity.CRITICAL


def test_it_writes_the_why_text_a_person_can_act_on() -> None:
    text = why_text(
        subject_label="Gorge Camp",
        responsibility="security coordinator, Indus Gorge Hydro Co",
        incident=incident_phrase("Suicide bombing", 6, None),
        distance_km=12.3,
        relation="it",
        when=date_phrase(dt.date(2024, 3, 26), "day"),
        rule=rule_phrase(SubjectKind.SITE, 25, Severity.LOW),
    )
    assert text == (
        "You are responsible for Gorge Camp (security coordinator, Indus Gorge Hydro Co). "
        "A suicide bombing with 6 dead was reported 12 km from it on 26 March 2024. "
        "Rule: incidents within 25 km of your sites."
    )


def test_it_words_imprecise_dates_and_thresholds() -> None:
    assert date_phrase(dt.date(2024, 3, 1), "month") == "in March 2024"
    assert date_phrase(dt.date(2024, 1, 1), "year") == "in 2024"
    assert date_phrase(None, "") == ""
    assert incident_phrase("Armed assault", 0, 3) == "An armed assault with 3 injured"
    assert "of high severity or above" in rule_phrase(SubjectKind.PLANNED_ROUTE, 10, Severity.HIGH)


def test_it_holds_a_repeat_within_the_window_unless_it_is_more_severe() -> None:
    prior = Prior(NOW - dt.timedelta(minutes=40), 3, "Bombing 9 km from Gorge Camp")
    args = {"priors": [prior], "now": NOW, "window_minutes": 360, "subject_label": "Gorge Camp"}
    reason = repeat_hold_reason(severity=3, **args)  # type: ignore[arg-type]
    assert reason is not None and "40 minutes ago" in reason
    assert repeat_hold_reason(severity=4, **args) is None  # type: ignore[arg-type]
    outside = {**args, "window_minutes": 30}
    assert repeat_hold_reason(severity=3, **outside) is None  # type: ignore[arg-type]
    assert repeat_hold_reason(severity=3, **{**args, "window_minutes": 0}) is None  # type: ignore[arg-type]


def test_it_groups_only_when_there_are_several_or_recent_alerts_and_never_delays_critical() -> None:
    assert grouping(batch_size=1, recent=0, critical=False) is Grouping.ALONE
    assert grouping(batch_size=3, recent=0, critical=False) is Grouping.DIGEST_NOW
    assert grouping(batch_size=1, recent=2, critical=False) is Grouping.DIGEST_LATER
    assert grouping(batch_size=1, recent=2, critical=True) is Grouping.ALONE
    assert grouping(batch_size=2, recent=2, critical=True) is Grouping.DIGEST_NOW

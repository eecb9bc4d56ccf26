"""The pure guideline evaluator: every rule kind, its reasons, and rule files."""

from __future__ import annotations

import datetime
from dataclasses import replace
from pathlib import Path

import h3
import pytest

from safepassage.guidelines import (
    DistrictBand,
    EscortUnit,
    MovementContext,
    RuleSpec,
    RuleSpecError,
    VehicleInfo,
    evaluate,
    load_rules,
    parse_rules,
    required_officers,
    validate_params,
)

PKT = datetime.timezone(datetime.timedelta(hours=5))
ISLAMABAD = (33.72, 73.04)
BESHAM = (34.93, 72.88)
DASU = (35.33, 73.22)
DEFAULT_FILE = Path(__file__).parents[2] / "safepassage" / "movements" / "guidelines.default.yaml"


def at(hour: int, minute: int = 0, day: int = 15) -> datetime.datetime:
    return datetime.datetime(2027, 3, day, hour, minute, tzinfo=PKT)


def context(**changes: object) -> MovementContext:
    base = MovementContext(
        people=2,
        vehicles=(VehicleInfo("KP-101", True, 6),),
        escorts=(EscortUnit("SPU Shangla", 12),),
        route=(ISLAMABAD, BESHAM, DASU),
        depart_at=at(8),
        arrive_by=at(16),
        requested_at=at(8, day=10),
        route_band="high",
        districts=(
            DistrictBand("Islamabad Capital Territory", "Islamabad", "low"),
            DistrictBand("Khyber Pakhtunkhwa", "Shangla", "high"),
            DistrictBand("Khyber Pakhtunkhwa", "Upper Kohistan", "extreme"),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def rule(kind: str, severity: str = "fail", **params: object) -> RuleSpec:
    return RuleSpec(
        code=kind, name=kind.replace("_", " "), kind=kind, params=params, severity=severity
    )


def one(spec: RuleSpec, ctx: MovementContext):  # type: ignore[no-untyped-def]
    [result] = evaluate([spec], ctx)
    return result


ESCORT = rule("escort_strength", min_officers={"moderate": 4, "high": 8, "extreme": 12})


def test_it_requires_the_escort_of_the_worst_band_on_the_route() -> None:
    result = one(ESCORT, context(escorts=(EscortUnit("SPU", 8),)))
    assert result.outcome == "fail"
    assert "extreme" in result.reason and "12" in result.reason and "8" in result.reason
    assert one(ESCORT, context()).outcome == "pass"


def test_it_lets_a_band_missing_from_the_table_inherit_the_one_below() -> None:
    params = {"min_officers": {"moderate": 4, "high": 8}}
    assert required_officers(params, "elevated") == 4
    assert required_officers(params, "extreme") == 8
    assert required_officers(params, "low") == 0


def test_it_needs_no_escort_on_a_low_risk_route() -> None:
    quiet = context(route_band="low", districts=(), escorts=())
    assert one(ESCORT, quiet).outcome == "pass"


def test_it_demands_armour_for_every_vehicle_through_high_districts() -> None:
    spec = rule("armoured_vehicles", bands=["high", "extreme"])
    soft = context(vehicles=(VehicleInfo("KP-101", True, 6), VehicleInfo("KP-102", False, 4)))
    result = one(spec, soft)
    assert result.outcome == "fail" and "KP-102" in result.reason and "Shangla" in result.reason
    assert one(spec, context()).outcome == "pass"
    assert one(spec, context(vehicles=())).outcome == "fail"
    calm = context(route_band="moderate", districts=(DistrictBand("ICT", "Islamabad", "moderate"),))
    assert one(spec, replace(calm, vehicles=soft.vehicles)).outcome == "pass"


def test_it_refuses_movement_before_sunrise_or_after_sunset() -> None:
    spec = rule("daylight", margin_minutes=30)
    assert one(spec, context()).outcome == "pass"
    early = one(spec, context(depart_at=at(5, 30)))
    assert early.outcome == "fail" and "before sunrise" in early.reason
    late = one(spec, context(arrive_by=at(19)))
    assert late.outcome == "fail" and "after sunset" in late.reason


def test_it_computes_sunset_for_the_date_and_place() -> None:
    spec = rule("daylight")
    # 18:30 PKT is after sunset in Dasu in mid-December but before it in mid-June.
    december = context(
        depart_at=datetime.datetime(2027, 12, 15, 9, tzinfo=PKT),
        arrive_by=datetime.datetime(2027, 12, 15, 18, 30, tzinfo=PKT),
    )
    june = context(
        depart_at=datetime.datetime(2027, 6, 15, 9, tzinfo=PKT),
        arrive_by=datetime.datetime(2027, 6, 15, 18, 30, tzinfo=PKT),
    )
    assert one(spec, december).outcome == "fail"
    assert one(spec, june).outcome == "pass"


def test_it_refuses_an_overnight_movement() -> None:
    result = one(rule("daylight"), context(arrive_by=at(10, day=16)))
    assert result.outcome == "fail" and "overnight" in result.reason


def test_it_measures_the_notice_period_from_the_request() -> None:
    spec = rule("notice", min_hours=24)
    assert one(spec, context()).outcome == "pass"
    short = one(spec, context(requested_at=at(20, day=14)))
    assert short.outcome == "fail" and "12.0 h" in short.reason


def test_it_limits_people_per_vehicle_and_per_convoy() -> None:
    spec = rule("capacity", max_per_vehicle=3, max_per_convoy=5)
    assert one(spec, context(people=3)).outcome == "pass"
    crowded = one(spec, context(people=4))
    assert crowded.outcome == "fail" and "3 per vehicle" in crowded.reason
    two_cars = (VehicleInfo("A", True, 6), VehicleInfo("B", True, 6))
    assert one(spec, context(people=6, vehicles=two_cars)).outcome == "fail"
    assert one(spec, context(people=1, vehicles=())).outcome == "fail"


def test_it_counts_seats_when_a_vehicle_is_smaller_than_the_limit() -> None:
    spec = rule("capacity", max_per_vehicle=4)
    assert one(spec, context(people=3, vehicles=(VehicleInfo("A", True, 2),))).outcome == "fail"


def test_it_finds_forbidden_districts_and_cells_on_the_route() -> None:
    district = one(rule("forbidden_areas", districts=["upper kohistan"]), context())
    assert district.outcome == "fail" and "Upper Kohistan" in district.reason
    # A cell halfway between Islamabad and Besham: the straight leg crosses it.
    middle = ((ISLAMABAD[0] + BESHAM[0]) / 2, (ISLAMABAD[1] + BESHAM[1]) / 2)
    cell = h3.latlng_to_cell(*middle, 7)
    crossed = one(rule("forbidden_areas", cells=[cell]), context())
    assert crossed.outcome == "fail" and cell in crossed.reason
    far = h3.latlng_to_cell(24.86, 67.0, 7)
    assert one(rule("forbidden_areas", cells=[far]), context()).outcome == "pass"


def test_it_warns_instead_of_failing_when_the_rule_is_a_warning() -> None:
    result = one(rule("max_duration", severity="warn", max_hours=4), context())
    assert result.outcome == "warn" and "exceeds" in result.reason
    assert one(rule("max_duration", max_hours=10), context()).outcome == "pass"


def test_it_skips_disabled_rules_and_reports_misconfigured_ones() -> None:
    off = replace(ESCORT, enabled=False)
    broken = RuleSpec("broken", "Broken", "notice", {"min_hours": "soon"})
    results = evaluate([off, broken], context())
    assert [r.code for r in results] == ["broken"]
    assert results[0].outcome == "fail" and "misconfigured" in results[0].reason


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("teleport", {}, "Unknown rule kind"),
        ("notice", {"min_hours": -1}, "between"),
        ("notice", {"min_hours": True}, "number"),
        ("notice", {"min_hours": float("nan")}, "number"),
        ("notice", {"min_hours": 1, "extra": 2}, "Unknown parameter"),
        ("escort_strength", {"min_officers": {"severe": 4}}, "risk band"),
        ("armoured_vehicles", {"bands": []}, "risk bands"),
        ("capacity", {}, "max_per_vehicle"),
        ("forbidden_areas", {"cells": ["not-a-cell"]}, "H3"),
        ("forbidden_areas", {"districts": ["x"] * 501}, "at most"),
        ("max_duration", [], "mapping"),
    ],
)
def test_it_rejects_bad_parameters(kind: str, params: object, message: str) -> None:
    with pytest.raises(RuleSpecError, match=message):
        validate_params(kind, params)


def test_it_loads_the_default_rule_file() -> None:
    specs = load_rules(DEFAULT_FILE)
    kinds = {s.kind for s in specs}
    assert kinds == {
        "escort_strength",
        "armoured_vehicles",
        "daylight",
        "notice",
        "capacity",
        "forbidden_areas",
        "max_duration",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [", "not valid YAML"),
        ("- a\n- b\n", "top-level 'rules'"),
        ("rules:\n  - 3\n", "mapping"),
        ("rules:\n  - {code: Bad Code, name: x, kind: notice, params: {min_hours: 1}}\n", "code"),
        (
            "rules:\n  - {code: a, name: x, kind: notice, params: {min_hours: 1}}\n"
            "  - {code: a, name: y, kind: notice, params: {min_hours: 2}}\n",
            "twice",
        ),
        (
            "rules:\n  - {code: a, name: x, kind: notice, params: {min_hours: 1}, evil: 1}\n",
            "unknown",
        ),
        (
            "rules:\n  - {code: a, name: x, kind: notice, severity: panic, params: {min_hours: 1}}\n",
            "Severity",
        ),
        ("rules: !!python/object/apply:os.system ['true']\n", "not valid YAML"),
        ("rules: []\n" + "#" * 1_000_001, "larger"),
    ],
)
def test_it_rejects_hostile_or_malformed_rule_files(text: str, message: str) -> None:
    with pytest.raises(RuleSpecError, match=message):
        parse_rules(text)

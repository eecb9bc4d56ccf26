"""The pure risk formula: severity, decay, weights, bands and the time-normalised sums."""

from __future__ import annotations

import math

import pytest

from safepassage.riskmodel import (
    BANDS,
    DEFAULT_PARAMS,
    IncidentFacts,
    RiskParams,
    age_factor,
    band_for,
    base_value,
    confidence_weight,
    decay,
    denormalise,
    distance_weight,
    normalised,
    precision_weight,
    severity,
)


def attack(**kw: object) -> IncidentFacts:
    fields: dict[str, object] = {
        "kind": "attack",
        "attack_type": "bombing",
        "geo_precision": "point",
        "confidence": 1.0,
    }
    fields.update(kw)
    return IncidentFacts(**fields)  # type: ignore[arg-type]


def test_decay_halves_at_the_half_life() -> None:
    assert decay(180, 180) == pytest.approx(0.5)
    assert decay(360, 180) == pytest.approx(0.25)
    assert decay(0, 180) == 1.0


def test_a_future_incident_counts_as_happening_now() -> None:
    assert decay(-30, 180) == 1.0


def test_the_age_factor_with_no_long_memory_halves_at_the_configured_half_life() -> None:
    params = RiskParams(half_life_days=90, long_weight=0.0)
    assert age_factor(90, params) == pytest.approx(0.5)
    assert age_factor(270, params) == pytest.approx(0.125)


def test_the_long_memory_keeps_old_attacks_above_the_short_decay() -> None:
    assert age_factor(1000) > decay(1000, DEFAULT_PARAMS.half_life_days)
    assert age_factor(1095) == pytest.approx(0.7 * decay(1095, 180) + 0.3 * 0.5)


def test_the_age_factor_never_grows_with_age() -> None:
    values = [age_factor(d) for d in range(0, 4000, 7)]
    assert all(a >= b for a, b in zip(values, values[1:], strict=False))


def test_precision_weights_run_from_point_to_country() -> None:
    weights = [precision_weight(p) for p in ("point", "town", "district", "province", "country")]
    assert weights == [1.0, 0.8, 0.5, 0.2, 0.0]
    assert precision_weight("") == 0.2
    assert precision_weight("nonsense") == 0.2


def test_confidence_is_clamped_and_floored() -> None:
    assert confidence_weight(1.0) == 1.0
    assert confidence_weight(0.0) == 0.25
    assert confidence_weight(7.0) == 1.0
    assert confidence_weight(-3.0) == 0.25
    assert confidence_weight(math.nan) == 0.25


def test_severity_grows_with_casualties_on_a_log_scale() -> None:
    none, ten, hundred = (severity(attack(deaths=d)) for d in (0, 10, 100))
    assert none == 4.0
    assert none < ten < hundred
    assert hundred - ten < ten - none + 1.5  # log-scaled: a hundred dead is not ten times ten
    assert severity(attack(deaths=3)) == pytest.approx(4.0 + 1.5 * 2.0)


def test_injured_weigh_half_a_death() -> None:
    assert severity(attack(injured=6)) == pytest.approx(severity(attack(deaths=3)))


def test_a_suicide_bombing_outweighs_an_unarmed_assault() -> None:
    assert severity(attack(attack_type="suicide_bombing")) > severity(
        attack(attack_type="unarmed_assault")
    )


def test_security_operations_weigh_little_and_meetings_nothing() -> None:
    op = severity(IncidentFacts(kind="security_operation", deaths=10))
    assert 0 < op < severity(attack()) / 3
    assert severity(IncidentFacts(kind="security_operation")) == 0.5
    assert severity(IncidentFacts(kind="meeting", deaths=10)) == 0.0


def test_an_unknown_attack_type_counts_as_unknown() -> None:
    assert severity(attack(attack_type="made_up")) == severity(attack(attack_type="unknown"))


def test_negative_casualty_counts_are_ignored() -> None:
    assert severity(attack(deaths=-5, injured=-2)) == severity(attack())


def test_base_value_multiplies_the_factors() -> None:
    facts = attack(deaths=3, geo_precision="district", confidence=0.6, foreign_victims=True)
    value = base_value(facts)
    assert value.value == pytest.approx(7.0 * 0.5 * (0.25 + 0.75 * 0.6) * 1.5)
    assert "3 killed" in value.explain(facts)
    assert "foreign victims" in value.explain(facts)


def test_a_country_level_location_contributes_nothing() -> None:
    assert base_value(attack(geo_precision="country")).value == 0.0


def test_bands_follow_the_documented_thresholds() -> None:
    assert [band_for(s) for s in (0, 0.99, 1.0, 2.99, 3.0, 5.99, 6.0, 11.99, 12.0, 500)] == [
        "low",
        "low",
        "moderate",
        "moderate",
        "elevated",
        "elevated",
        "high",
        "high",
        "extreme",
        "extreme",
    ]
    assert band_for(math.inf) == "extreme"
    assert band_for(math.nan) == "low"


def test_bands_never_go_down_as_the_score_rises() -> None:
    ranks = [BANDS.index(band_for(s / 10)) for s in range(0, 300)]
    assert ranks == sorted(ranks)


def test_distance_weight_falls_linearly_to_the_edge_and_stops_beyond() -> None:
    assert distance_weight(0, 10) == 1.0
    assert distance_weight(5, 10) == pytest.approx(0.75)
    assert distance_weight(10, 10) == pytest.approx(0.5)
    assert distance_weight(10.01, 10) == 0.0
    assert distance_weight(math.nan, 10) == 0.0


def test_normalised_sums_decay_like_the_age_factor() -> None:
    day, now = 1500, 1500 + 400.0
    short, long = normalised(5.0, day)
    assert denormalise(short, long, now) == pytest.approx(5.0 * age_factor(400))


def test_normalised_sums_add_and_subtract_exactly_enough() -> None:
    terms = [normalised(v, d) for v, d in [(3.0, 100), (7.5, 2400), (1.2, 2500)]]
    short = sum(t[0] for t in terms) - terms[1][0]
    long = sum(t[1] for t in terms) - terms[1][1]
    expected = 3.0 * age_factor(2600 - 100) + 1.2 * age_factor(2600 - 2500)
    assert denormalise(short, long, 2600) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    "bad",
    [
        {"half_life_days": 0},
        {"long_weight": 1.5},
        {"thresholds": (3.0, 1.0, 6.0, 12.0)},
        {"edge_weight": -0.1},
    ],
)
def test_it_rejects_impossible_constants(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RiskParams(**bad)  # type: ignore[arg-type]

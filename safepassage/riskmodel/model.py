"""The risk formula: what one incident is worth, how that fades, and how scores become bands.

An incident's worth is split in two so that stored aggregates can be updated incrementally:

* its *base value* ``c`` = severity × precision weight × confidence weight × victim factor,
  which never changes with time, and
* its *age factor*, a mix of two exponential decays (a short and a long memory), which does.

Scores at a place are sums of ``c × age factor × distance weight``. Every constant lives in
:class:`RiskParams`; docs/RISK.md gives the formula, the constants and a worked example.
This module has no Django imports.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

# Day zero of the time-normalised sums kept by the Django app (see ``normalised``).
EPOCH = date(2020, 1, 1)

BANDS = ("low", "moderate", "elevated", "high", "extreme")

_ATTACK_BASE: dict[str, float] = {
    "suicide_bombing": 6.0,
    "kidnapping": 5.0,
    "bombing": 4.0,
    "armed_assault": 4.0,
    "facility_attack": 4.0,
    "hijacking": 4.0,
    "assassination": 3.0,
    "unarmed_assault": 1.0,
    "unknown": 2.0,
    "": 2.0,
}
_PRECISION: dict[str, float] = {
    "point": 1.0,
    "town": 0.8,
    "district": 0.5,
    "province": 0.2,
    "country": 0.0,
    # Coordinates whose precision nobody recorded are trusted like a province.
    "": 0.2,
}


@dataclass(frozen=True)
class RiskParams:
    """Every constant of the model; the defaults are the documented ones."""

    half_life_days: float = 180.0
    long_half_life_days: float = 1095.0
    # Share of the long memory in the age factor: old attacks keep some weight for years.
    long_weight: float = 0.3
    attack_base: Mapping[str, float] = field(default_factory=lambda: dict(_ATTACK_BASE))
    casualty_weight: float = 1.5
    injured_weight: float = 0.5
    # Security operations mostly signal militant presence, not a threat to convoys.
    operation_base: float = 0.5
    operation_casualty_weight: float = 0.2
    precision_weight: Mapping[str, float] = field(default_factory=lambda: dict(_PRECISION))
    # Confidence c in [0, 1] weighs 0.25 + 0.75·c: an unconfirmed report still counts a little.
    confidence_floor: float = 0.25
    foreign_victim_factor: float = 1.5
    # Lower bounds of moderate, elevated, high and extreme.
    thresholds: tuple[float, float, float, float] = (1.0, 3.0, 6.0, 12.0)
    # Distance weight at the edge of the radius or buffer (1.0 at the centre, linear between).
    edge_weight: float = 0.5

    def __post_init__(self) -> None:
        if not (self.half_life_days > 0 and self.long_half_life_days > 0):
            raise ValueError("Half-lives must be positive.")
        if not 0.0 <= self.long_weight <= 1.0:
            raise ValueError("long_weight must lie in [0, 1].")
        if list(self.thresholds) != sorted(self.thresholds) or self.thresholds[0] <= 0:
            raise ValueError("Band thresholds must be positive and increasing.")
        if not 0.0 <= self.edge_weight <= 1.0:
            raise ValueError("edge_weight must lie in [0, 1].")


DEFAULT_PARAMS = RiskParams()


@dataclass(frozen=True)
class IncidentFacts:
    """What the model needs to know about one incident."""

    kind: str
    attack_type: str = ""
    deaths: int | None = None
    injured: int | None = None
    geo_precision: str = ""
    confidence: float = 0.0
    foreign_victims: bool = False


@dataclass(frozen=True)
class BaseValue:
    """An incident's time-independent worth and the factors it is made of."""

    value: float
    severity: float
    precision: float
    confidence: float
    victims: float

    def explain(self, facts: IncidentFacts) -> str:
        """A short human-readable account of the factors."""
        parts = [f"severity {self.severity:.2f}"]
        casualties = []
        if facts.deaths:
            casualties.append(f"{facts.deaths} killed")
        if facts.injured:
            casualties.append(f"{facts.injured} injured")
        if casualties:
            parts[0] += f" ({', '.join(casualties)})"
        parts.append(f"{facts.geo_precision or 'unknown'} location ×{self.precision:.2f}")
        parts.append(f"confidence ×{self.confidence:.2f}")
        if self.victims != 1.0:
            parts.append(f"foreign victims ×{self.victims:.2f}")
        return "; ".join(parts)


def _count(value: int | None) -> int:
    return max(0, int(value)) if value is not None else 0


def severity(facts: IncidentFacts, params: RiskParams = DEFAULT_PARAMS) -> float:
    """Severity by kind, attack type and casualties (log-scaled, so a massacre is not 100×).

    Attacks: base by attack type + casualty_weight · log2(1 + deaths + injured_weight · injured).
    Security operations: operation_base + operation_casualty_weight · the same log term.
    Meetings, agreements, announcements and anything else: 0.
    """
    hurt = _count(facts.deaths) + params.injured_weight * _count(facts.injured)
    casualty_term = math.log2(1.0 + hurt)
    if facts.kind == "attack":
        base = params.attack_base.get(facts.attack_type, params.attack_base.get("unknown", 2.0))
        return base + params.casualty_weight * casualty_term
    if facts.kind == "security_operation":
        return params.operation_base + params.operation_casualty_weight * casualty_term
    return 0.0


def precision_weight(geo_precision: str, params: RiskParams = DEFAULT_PARAMS) -> float:
    """How much a location of this precision is trusted (point 1.0 … country 0)."""
    return params.precision_weight.get(geo_precision, params.precision_weight.get("", 0.2))


def confidence_weight(confidence: float, params: RiskParams = DEFAULT_PARAMS) -> float:
    """floor + (1 − floor) · c, with c clamped to [0, 1] (NaN counts as 0)."""
    c = confidence if math.isfinite(confidence) else 0.0
    c = min(1.0, max(0.0, c))
    return params.confidence_floor + (1.0 - params.confidence_floor) * c


def base_value(facts: IncidentFacts, params: RiskParams = DEFAULT_PARAMS) -> BaseValue:
    """The incident's worth before age and distance are applied."""
    sev = severity(facts, params)
    prec = precision_weight(facts.geo_precision, params)
    conf = confidence_weight(facts.confidence, params)
    victims = params.foreign_victim_factor if facts.foreign_victims else 1.0
    return BaseValue(sev * prec * conf * victims, sev, prec, conf, victims)


def decay(age_days: float, half_life_days: float) -> float:
    """2^(−age / half-life); an incident from the future counts as happening now."""
    return math.pow(2.0, -max(0.0, age_days) / half_life_days)


def age_factor(age_days: float, params: RiskParams = DEFAULT_PARAMS) -> float:
    """(1 − w) · decay(age, h) + w · decay(age, h_long): a short and a long memory."""
    short = decay(age_days, params.half_life_days)
    long = decay(age_days, params.long_half_life_days)
    return (1.0 - params.long_weight) * short + params.long_weight * long


def day_number(day: date) -> int:
    """Days since :data:`EPOCH` (negative before it)."""
    return (day - EPOCH).days


def normalised(value: float, day: int, params: RiskParams = DEFAULT_PARAMS) -> tuple[float, float]:
    """The two time-normalised terms c·2^(t/h) and c·2^(t/h_long), with t in days since EPOCH.

    Sums of these terms are what aggregates store: multiplying them by 2^(−now/h) and
    2^(−now/h_long) (see :func:`denormalise`) gives Σ c·age factor without touching any
    incident again, so an incident can be added or subtracted in O(1).
    """
    return (
        value * math.pow(2.0, day / params.half_life_days),
        value * math.pow(2.0, day / params.long_half_life_days),
    )


def denormalise(
    short_sum: float, long_sum: float, now_day: float, params: RiskParams = DEFAULT_PARAMS
) -> float:
    """The decayed score at ``now_day`` from stored time-normalised sums."""
    short = short_sum * math.pow(2.0, -now_day / params.half_life_days)
    long = long_sum * math.pow(2.0, -now_day / params.long_half_life_days)
    # Subtracting removed incidents can leave float dust slightly below zero.
    return max(0.0, (1.0 - params.long_weight) * short + params.long_weight * long)


def distance_weight(
    distance_km: float, radius_km: float, params: RiskParams = DEFAULT_PARAMS
) -> float:
    """1.0 at the site or route, falling linearly to ``edge_weight`` at the radius, 0 beyond."""
    if not (math.isfinite(distance_km) and radius_km > 0) or distance_km > radius_km:
        return 0.0
    return 1.0 - (1.0 - params.edge_weight) * max(0.0, distance_km) / radius_km


def band_for(score: float, params: RiskParams = DEFAULT_PARAMS) -> str:
    """The band of a score: low < t1 ≤ moderate < t2 ≤ elevated < t3 ≤ high < t4 ≤ extreme."""
    if not math.isfinite(score):
        return BANDS[-1] if score > 0 else BANDS[0]
    band = BANDS[0]
    for threshold, name in zip(params.thresholds, BANDS[1:], strict=True):
        if score >= threshold:
            band = name
    return band

"""The match score between a mention and a candidate incident or engagement, with reasons.

Each field gives a similarity in [0, 1] (0.5 when one side does not know it) and a reason; a
hard incompatibility (another kind, dates that cannot overlap, places far apart, disjoint
participants) vetoes the match whatever the other fields say. The weighted sum is compared
with :data:`LINK_THRESHOLD`.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from safepassage.linking.blocking import date_window
from safepassage.linking.event import LinkEvent

# Date and place alone reach 0.6: linking needs some agreement on what happened too.
LINK_THRESHOLD = 0.65
NEAR_KM = 10.0
SAME_PLACE_KM = 50.0
EARTH_RADIUS_KM = 6371.0088
_INCIDENT_WEIGHTS = {"date": 0.3, "place": 0.3, "attack_type": 0.15, "deaths": 0.1, "victims": 0.15}
_ENGAGEMENT_WEIGHTS = {"date": 0.3, "place": 0.2, "participants": 0.4, "topics": 0.1}
# Specific attack types that describe the same act at two levels of detail.
COMPATIBLE_TYPES = {
    frozenset({"bombing", "suicide_bombing"}),
    frozenset({"armed_assault", "facility_attack"}),
}


@dataclass(frozen=True)
class Match:
    """A score in [0, 1] (0 when vetoed) and one reason per field, e.g. ``date: same day``."""

    score: float
    reasons: tuple[str, ...]
    vetoed: bool = False

    @property
    def links(self) -> bool:
        return not self.vetoed and self.score >= LINK_THRESHOLD


class _Veto(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def distance_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b_lon - a_lon) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _contains(outer: LinkEvent, inner_date: datetime.date) -> bool:
    assert outer.date is not None
    window = date_window(outer.date, outer.date_precision)
    return window.start <= inner_date <= window.end


def score_date(a: LinkEvent, b: LinkEvent) -> tuple[float, str]:
    """Similarity of two dates given their precisions."""
    if a.date is None or b.date is None:
        return 0.3, "date: unknown on one side"
    if a.date_precision == "day" and b.date_precision == "day":
        gap = abs((a.date - b.date).days)
        if gap > 2:
            raise _Veto(f"date: {gap} days apart")
        return (1.0, 0.8, 0.6)[gap], f"date: {gap} day(s) apart" if gap else "date: same day"
    rank = {"day": 0, "month": 1, "year": 2}
    a_rank, b_rank = rank.get(a.date_precision, 2), rank.get(b.date_precision, 2)
    coarse, fine = (a, b) if a_rank >= b_rank else (b, a)
    if coarse.date_precision == fine.date_precision:
        if coarse.date != fine.date:
            raise _Veto(f"date: different {coarse.date_precision}s")
        return (
            (0.7, "date: same month")
            if coarse.date_precision == "month"
            else (0.4, "date: same year")
        )
    if fine.date is None or not _contains(coarse, fine.date):
        raise _Veto(f"date: outside the {coarse.date_precision}")
    if coarse.date_precision == "month":
        return 0.6, "date: day within the month"
    return 0.35, "date: within the year"


def score_place(a: LinkEvent, b: LinkEvent) -> tuple[float, str]:
    """Similarity of two places given their precisions."""
    fine = {"point", "town"}
    if a.country and b.country and a.country != b.country:
        raise _Veto("place: different countries")
    if a.geo_precision in fine and b.geo_precision in fine and a.has_point and b.has_point:
        km = distance_km(a.lat, a.lon, b.lat, b.lon)  # type: ignore[arg-type]
        if km <= NEAR_KM:
            return 1.0, f"place: {km:.0f} km apart"
        if a.admin2 and a.admin2 == b.admin2:
            return 0.8, f"place: same district, {km:.0f} km apart"
        if km <= SAME_PLACE_KM:
            return 0.8 - 0.5 * (km - NEAR_KM) / (
                SAME_PLACE_KM - NEAR_KM
            ), f"place: {km:.0f} km apart"
        raise _Veto(f"place: {km:.0f} km apart")
    if a.admin1 and b.admin1 and a.admin1 != b.admin1:
        raise _Veto("place: different provinces")
    if a.admin2 and b.admin2:
        if a.admin2 != b.admin2:
            raise _Veto("place: different districts")
        return 0.8, "place: same district"
    if a.admin1 and a.admin1 == b.admin1:
        return 0.5, "place: same province"
    if a.country and a.country == b.country:
        return 0.25, "place: same country"
    return 0.2, "place: unknown on one side"


def score_attack_type(a: LinkEvent, b: LinkEvent) -> tuple[float, str]:
    vague = {"", "unknown"}
    if a.attack_type in vague or b.attack_type in vague:
        return 0.5, "attack type: unknown on one side"
    if a.attack_type == b.attack_type:
        return 1.0, "attack type: same"
    if frozenset({a.attack_type, b.attack_type}) in COMPATIBLE_TYPES:
        return 0.7, "attack type: compatible"
    return 0.0, f"attack type: {a.attack_type} vs {b.attack_type}"


def score_deaths(a: LinkEvent, b: LinkEvent) -> tuple[float, str]:
    if a.deaths is None or b.deaths is None:
        return 0.5, "deaths: unknown on one side"
    if a.deaths == b.deaths:
        return 1.0, "deaths: same figure"
    gap = abs(a.deaths - b.deaths)
    # Death tolls rise as the injured die and differ by whether attackers are counted.
    if gap <= 2 or gap <= 0.3 * max(a.deaths, b.deaths):
        return 0.7, f"deaths: {a.deaths} vs {b.deaths}"
    return 0.1, f"deaths: {a.deaths} vs {b.deaths}"


def _overlap(a: frozenset[str], b: frozenset[str], what: str) -> tuple[float, str]:
    if not a or not b:
        return 0.5, f"{what}: unknown on one side"
    shared = len(a & b)
    if not shared:
        return 0.1, f"{what}: none shared"
    return 0.6 + 0.4 * shared / len(a | b), f"{what}: {shared} shared"


def score(mention: LinkEvent, candidate: LinkEvent) -> Match:
    """How well ``mention`` matches ``candidate``: a weighted score and the reasons for it."""
    if mention.kind != candidate.kind:
        return Match(0.0, (f"kind: {mention.kind} vs {candidate.kind}",), vetoed=True)
    parts: dict[str, tuple[float, str]] = {}
    try:
        parts["date"] = score_date(mention, candidate)
        parts["place"] = score_place(mention, candidate)
        if mention.is_incident:
            weights = _INCIDENT_WEIGHTS
            parts["attack_type"] = score_attack_type(mention, candidate)
            parts["deaths"] = score_deaths(mention, candidate)
            parts["victims"] = _overlap(mention.nationalities, candidate.nationalities, "victims")
        else:
            weights = _ENGAGEMENT_WEIGHTS
            if (
                mention.participants
                and candidate.participants
                and not (mention.participants & candidate.participants)
            ):
                raise _Veto("participants: none shared")
            parts["participants"] = _overlap(
                mention.participants, candidate.participants, "participants"
            )
            parts["topics"] = _overlap(mention.topics, candidate.topics, "topics")
    except _Veto as veto:
        reasons = tuple(reason for _, reason in parts.values()) + (veto.reason,)
        return Match(0.0, reasons, vetoed=True)
    total = sum(weights[name] * value for name, (value, _) in parts.items())
    return Match(round(total, 4), tuple(reason for _, reason in parts.values()))

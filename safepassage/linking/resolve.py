"""The resolution policy: from every claim about a field to the value an incident shows.

The policy, field by field (docs/INCIDENTS.md explains it for analysts):

- An analyst's claim always wins (and fields an analyst corrected are not recomputed at all).
- **date**: the most precise (a day inside a month refines it); then claims from reports that
  report the event over background recollections; then the value most claims give; then the
  latest report.
- **location**: the most precise place; then reporting over background; then the most common
  place; then the latest report.
- **attack type**: the most common specific type ("unknown" never wins over a specific one);
  of two compatible types (bombing / suicide bombing) the more specific.
- **deaths, injured**: the latest *official* figure, else the latest figure. A figure is
  official when the text attributes it to officials (police, a ministry, the military's press
  wing ...) or its source is graded A or B. The range is the min–max over every claim.
- **perpetrators, targets, victim nationalities, participants, topics**: the union.

A field is in conflict when claims disagree in a way the policy had to break: two different
death tolls, two day-precision dates, two specific attack types, places far apart, or two
groups both claiming responsibility.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from safepassage.linking.event import GEO_PRECISIONS, PRECISIONS, parse_date, participant_key
from safepassage.linking.score import COMPATIBLE_TYPES, distance_km

RELIABLE_GRADES = frozenset({"A", "B"})
FAR_APART_KM = 25.0
_RELATION_STRENGTH = {"claimed": 3, "attributed": 2, "suspected": 1}
_TYPE_SPECIFICITY = {"suicide_bombing": 2, "facility_attack": 2}
# Words that attribute a figure to an official body in news copy.
_OFFICIAL = re.compile(
    r"\b(police|officials?|official sources|ministry|minister|spokes(?:man|woman|person)|"
    r"ISPR|inter-services public relations|military|army|counter[- ]terrorism department|CTD|"
    r"deputy commissioner|district administration|government|authorities|home department|"
    r"rescue 1122|hospital sources|inspector general|DPO|SSP)\b",
    re.IGNORECASE,
)


def is_official_attribution(snippet: str) -> bool:
    """True when the sentence giving a figure attributes it to officials."""
    return bool(_OFFICIAL.search(snippet))


@dataclass(frozen=True)
class ClaimView:
    """One claim as the policy sees it.

    ``order`` breaks ties between reports published the same day (higher is later: the
    database id of the claim). ``official`` marks a figure the text attributes to officials.
    """

    field: str
    value: Any
    order: int = 0
    published: datetime.date | None = None
    reliability: str = "F"
    background: bool = False
    official: bool = False
    analyst: bool = False
    report_id: int | None = None


@dataclass(frozen=True)
class Resolution:
    """Resolved model field values and the conflicts found on the way."""

    values: dict[str, Any]
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def has_conflict(self) -> bool:
        return bool(self.conflicts)


def _latest_key(claim: ClaimView) -> tuple[datetime.date, int]:
    return (claim.published or datetime.date.min, claim.order)


def _conflict(
    name: str, claims: Iterable[ClaimView], shown: Callable[[Any], Any]
) -> dict[str, Any]:
    values: list[Any] = []
    reports: list[int] = []
    for claim in claims:
        value = shown(claim.value)
        if value not in values:
            values.append(value)
        if claim.report_id is not None and claim.report_id not in reports:
            reports.append(claim.report_id)
    return {"field": name, "values": values, "reports": reports}


def _analyst(claims: Sequence[ClaimView]) -> ClaimView | None:
    chosen = [c for c in claims if c.analyst]
    return max(chosen, key=lambda c: c.order) if chosen else None


def _date_of(value: Any) -> tuple[str, str] | None:
    if isinstance(value, Mapping) and isinstance(value.get("value"), str):
        precision = value.get("precision")
        if precision in PRECISIONS:
            return value["value"], str(precision)
    return None


def _resolve_date(
    claims: Sequence[ClaimView], out: dict[str, Any], conflicts: list[dict[str, Any]]
) -> None:
    usable = [c for c in claims if _date_of(c.value)]
    if not usable:
        return
    chosen = _analyst(usable)
    if chosen is None:
        counts = Counter(_date_of(c.value) for c in usable)
        chosen = max(
            usable,
            key=lambda c: (
                -PRECISIONS.index(_date_of(c.value)[1]),  # type: ignore[index]
                not c.background,
                counts[_date_of(c.value)],
                _latest_key(c),
            ),
        )
        days = {_date_of(c.value) for c in usable if _date_of(c.value)[1] == "day"}  # type: ignore[index]
        if len(days) > 1:
            conflicts.append(
                _conflict(
                    "date", [c for c in usable if _date_of(c.value) in days], lambda v: v["value"]
                )
            )
    value, precision = _date_of(chosen.value)  # type: ignore[misc]
    out["date"], out["date_precision"] = parse_date(value, precision)


def _precision_rank(value: Mapping[str, Any]) -> int:
    precision = value.get("precision")
    return GEO_PRECISIONS.index(precision) if precision in GEO_PRECISIONS else len(GEO_PRECISIONS)


def _place_key(value: Mapping[str, Any]) -> str:
    return str(value.get("gazetteer_id") or value.get("name") or "")


def _resolve_location(
    claims: Sequence[ClaimView], out: dict[str, Any], conflicts: list[dict[str, Any]]
) -> None:
    usable = [c for c in claims if isinstance(c.value, Mapping) and c.value.get("name")]
    if not usable:
        return
    chosen = _analyst(usable)
    if chosen is None:
        counts = Counter(_place_key(c.value) for c in usable)
        chosen = max(
            usable,
            key=lambda c: (
                -_precision_rank(c.value),
                not c.background,
                counts[_place_key(c.value)],
                _latest_key(c),
            ),
        )
        provinces = {c.value.get("admin1") for c in usable if c.value.get("admin1")}
        fine = [c for c in usable if _precision_rank(c.value) <= 1 and _has_point(c.value)]
        far = any(
            distance_km(a.value["lat"], a.value["lon"], b.value["lat"], b.value["lon"])
            > FAR_APART_KM
            for i, a in enumerate(fine)
            for b in fine[i + 1 :]
        )
        if len(provinces) > 1 or far:
            conflicts.append(_conflict("location", usable, lambda v: v.get("name")))
    loc = chosen.value
    out.update(
        place_name=str(loc.get("name") or "")[:200],
        country=str(loc.get("country") or "")[:2],
        admin1=str(loc.get("admin1") or "")[:100],
        admin2=str(loc.get("admin2") or "")[:100],
        lat=float(loc["lat"]) if _has_point(loc) else None,
        lon=float(loc["lon"]) if _has_point(loc) else None,
        geo_precision=str(loc.get("precision") or "")
        if loc.get("precision") in GEO_PRECISIONS
        else "",
        gazetteer_id=str(loc.get("gazetteer_id") or "")[:64],
    )


def _has_point(value: Mapping[str, Any]) -> bool:
    return all(
        isinstance(value.get(k), int | float) and not isinstance(value.get(k), bool)
        for k in ("lat", "lon")
    )


def _resolve_attack_type(
    claims: Sequence[ClaimView], out: dict[str, Any], conflicts: list[dict[str, Any]]
) -> None:
    usable = [c for c in claims if isinstance(c.value, str) and c.value]
    if not usable:
        return
    chosen = _analyst(usable)
    if chosen is not None:
        out["attack_type"] = chosen.value
        return
    specific = [c for c in usable if c.value != "unknown"]
    if not specific:
        out["attack_type"] = "unknown"
        return
    counts = Counter(c.value for c in specific)
    kinds = sorted(counts)
    best = max(kinds, key=lambda k: (_TYPE_SPECIFICITY.get(k, 1), counts[k], k))
    out["attack_type"] = best
    incompatible = any(
        a != b and frozenset({a, b}) not in COMPATIBLE_TYPES for a in kinds for b in kinds
    )
    if incompatible:
        conflicts.append(_conflict("attack_type", specific, lambda v: v))


def _count(value: Any, key: str) -> int | None:
    if isinstance(value, Mapping):
        number = value.get(key)
        if isinstance(number, int) and not isinstance(number, bool) and number >= 0:
            return number
    return None


def _resolve_count(
    name: str,
    claims: Sequence[ClaimView],
    out: dict[str, Any],
    conflicts: list[dict[str, Any]],
) -> ClaimView | None:
    """Latest official figure, with the min–max range over every claim."""
    usable = [c for c in claims if _count(c.value, "total") is not None]
    bounds = [
        n
        for c in claims
        for n in (_count(c.value, "total"), _count(c.value, "min"), _count(c.value, "max"))
        if n is not None
    ]
    if bounds:
        out[f"{name}_min"], out[f"{name}_max"] = min(bounds), max(bounds)
    if not usable:
        return None
    chosen = _analyst(usable)
    if chosen is None:
        chosen = max(
            usable,
            key=lambda c: (_is_official(c), _latest_key(c)),
        )
        if len({_count(c.value, "total") for c in usable}) > 1:
            conflicts.append(_conflict(name, usable, lambda v: v.get("total")))
    out[name] = _count(chosen.value, "total")
    return chosen


def _is_official(claim: ClaimView) -> bool:
    marked = isinstance(claim.value, Mapping) and claim.value.get("official") is True
    return claim.official or marked or claim.reliability in RELIABLE_GRADES


def _by_nationality(value: Any) -> dict[str, int]:
    totals: dict[str, int] = {}
    groups = value.get("by_group") if isinstance(value, Mapping) else None
    for group in groups or []:
        if not isinstance(group, Mapping):
            continue
        nat, count = group.get("nationality"), group.get("count")
        if isinstance(nat, str) and isinstance(count, int) and not isinstance(count, bool):
            totals[nat] = totals.get(nat, 0) + count
    return totals


def _union_dicts(
    claims: Sequence[ClaimView], key: Callable[[Mapping[str, Any]], str]
) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for claim in sorted(claims, key=_latest_key):
        for item in claim.value if isinstance(claim.value, list) else []:
            if not isinstance(item, Mapping) or not key(item):
                continue
            known = merged.setdefault(key(item), {})
            # Later claims fill in what earlier ones left empty, never blank it out.
            known.update({k: v for k, v in item.items() if v not in (None, "", [])})
    return [merged[k] for k in sorted(merged)]


def _resolve_perpetrators(
    claims: Sequence[ClaimView], out: dict[str, Any], conflicts: list[dict[str, Any]]
) -> None:
    strongest: dict[str, dict[str, Any]] = {}
    for claim in sorted(claims, key=_latest_key):
        for item in claim.value if isinstance(claim.value, list) else []:
            if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
                continue
            known = strongest.get(item["name"])
            strength = _RELATION_STRENGTH.get(str(item.get("relation")), 0)
            if known is None or strength >= _RELATION_STRENGTH.get(str(known.get("relation")), 0):
                strongest[item["name"]] = dict(item)
    out["perpetrators"] = [strongest[k] for k in sorted(strongest)]
    claimed = sorted(k for k, v in strongest.items() if v.get("relation") == "claimed")
    if len(claimed) > 1:
        conflicts.append({"field": "perpetrators", "values": claimed, "reports": []})


def _by_field(claims: Iterable[ClaimView]) -> dict[str, list[ClaimView]]:
    grouped: dict[str, list[ClaimView]] = {}
    for claim in claims:
        grouped.setdefault(claim.field, []).append(claim)
    return grouped


def resolve_incident(claims: Iterable[ClaimView]) -> Resolution:
    """Resolve an incident's fields from all its claims (see the module docstring)."""
    grouped = _by_field(claims)
    out: dict[str, Any] = {}
    conflicts: list[dict[str, Any]] = []
    _resolve_date(grouped.get("date", []), out, conflicts)
    _resolve_location(grouped.get("location", []), out, conflicts)
    _resolve_attack_type(grouped.get("attack_type", []), out, conflicts)
    deaths = _resolve_count("deaths", grouped.get("deaths", []), out, conflicts)
    out["deaths_by_nationality"] = _by_nationality(deaths.value) if deaths else {}
    _resolve_count("injured", grouped.get("injured", []), out, conflicts)
    killed = [
        c for c in grouped.get("perpetrators_killed", []) if _count(c.value, "total") is not None
    ]
    if killed:
        out["perpetrators_killed"] = _count(
            max(killed, key=lambda c: (c.analyst, _latest_key(c))).value, "total"
        )
    _resolve_perpetrators(grouped.get("perpetrators", []), out, conflicts)
    out["targets"] = _union_dicts(
        grouped.get("targets", []),
        lambda t: "|".join(
            str(t.get(k) or "").casefold() for k in ("type", "nationality", "description")
        ),
    )
    out["victim_nationalities"] = sorted(
        {
            v
            for c in grouped.get("victim_nationalities", [])
            if isinstance(c.value, list)
            for v in c.value
            if isinstance(v, str)
        }
    )
    return Resolution(out, conflicts)


def resolve_engagement(claims: Iterable[ClaimView]) -> Resolution:
    """Resolve an engagement's fields: date and place as for incidents, unions otherwise."""
    grouped = _by_field(claims)
    out: dict[str, Any] = {}
    conflicts: list[dict[str, Any]] = []
    _resolve_date(grouped.get("date", []), out, conflicts)
    _resolve_location(grouped.get("location", []), out, conflicts)
    participants = _union_dicts(
        grouped.get("participants", []), lambda p: participant_key(str(p.get("name") or ""))
    )
    out["participants"] = participants
    out["topics"] = sorted(
        {
            t
            for c in grouped.get("topics", [])
            if isinstance(c.value, list)
            for t in c.value
            if isinstance(t, str)
        }
    )
    names = [str(p["name"]) for p in participants if p.get("name")]
    out["title"] = ", ".join(names)[:300]
    return Resolution(out, conflicts)


def combined_confidence(confidences: Iterable[float]) -> float:
    """Confidence that the event is real given independent mentions: 1 - Π(1 - c)."""
    doubt = 1.0
    for value in confidences:
        doubt *= 1.0 - min(max(value, 0.0), 0.99)
    return round(1.0 - doubt, 4)

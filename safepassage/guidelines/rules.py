"""Rule kinds, their parameter checks, and the evaluator.

Every kind is a function from (params, context) to an outcome and a reason. A rule that
is broken gives its severity (``fail`` or ``warn``); a rule that holds gives ``pass``. The
reason always says what was measured and what the rule asks for, so a coordinator can fix
the request without reading the rule's source.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import h3
from astral import Observer
from astral.sun import sunrise, sunset

from safepassage.guidelines.context import MovementContext

BANDS: tuple[str, ...] = ("low", "moderate", "elevated", "high", "extreme")
SEVERITIES = ("fail", "warn")
OUTCOMES = ("pass", "warn", "fail")
# Limits on what a rule file may hold, so a hostile file cannot make evaluation slow.
MAX_LIST = 500
MAX_NUMBER = 100_000
# Spacing of the points sampled along the route when looking for forbidden H3 cells.
SAMPLE_KM = 1.0
MAX_SAMPLES = 5_000


class RuleSpecError(ValueError):
    """A rule's kind, severity or parameters are not acceptable."""


@dataclass(frozen=True)
class RuleSpec:
    """One guideline as data."""

    code: str
    name: str
    kind: str
    params: Mapping[str, Any]
    severity: str = "fail"
    enabled: bool = True
    description: str = ""


@dataclass(frozen=True)
class RuleResult:
    """What one rule said about one movement."""

    code: str
    name: str
    outcome: str
    reason: str
    severity: str = "fail"

    def as_dict(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {
            "code": self.code,
            "name": self.name,
            "outcome": self.outcome,
            "reason": self.reason,
            "severity": self.severity,
        }


def _band_rank(band: str) -> int:
    return BANDS.index(band) if band in BANDS else 0


def worst_band(context: MovementContext) -> str:
    """The highest band of the route and of every district it crosses."""
    bands = [context.route_band, *(d.band for d in context.districts)]
    return max(bands, key=_band_rank)


# ----------------------------------------------------------------------------- params checks


def _number(params: Mapping[str, Any], key: str, *, required: bool = True) -> float | None:
    value = params.get(key)
    if value is None:
        if required:
            raise RuleSpecError(f"'{key}' is required.")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RuleSpecError(f"'{key}' must be a number.")
    if value < 0 or value > MAX_NUMBER:
        raise RuleSpecError(f"'{key}' must be between 0 and {MAX_NUMBER}.")
    return float(value)


def _strings(params: Mapping[str, Any], key: str) -> list[str]:
    value = params.get(key, [])
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise RuleSpecError(f"'{key}' must be a list of at most {MAX_LIST} names.")
    if not all(isinstance(v, str) and 0 < len(v) <= 200 for v in value):
        raise RuleSpecError(f"'{key}' must hold non-empty names of at most 200 characters.")
    return list(value)


def _only(params: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise RuleSpecError(f"Unknown parameter(s): {', '.join(unknown)}.")


def _check_escort(params: Mapping[str, Any]) -> None:
    _only(params, {"min_officers"})
    table = params.get("min_officers")
    if not isinstance(table, dict) or not table:
        raise RuleSpecError("'min_officers' must map risk bands to officer counts.")
    for band in table:
        if band not in BANDS:
            raise RuleSpecError(f"'{band}' is not a risk band ({', '.join(BANDS)}).")
        _number(table, band)


def _check_armoured(params: Mapping[str, Any]) -> None:
    _only(params, {"bands"})
    bands = _strings(params, "bands")
    if not bands or any(b not in BANDS for b in bands):
        raise RuleSpecError(f"'bands' must name risk bands ({', '.join(BANDS)}).")


def _check_daylight(params: Mapping[str, Any]) -> None:
    _only(params, {"margin_minutes"})
    _number(params, "margin_minutes", required=False)


def _check_notice(params: Mapping[str, Any]) -> None:
    _only(params, {"min_hours"})
    _number(params, "min_hours")


def _check_capacity(params: Mapping[str, Any]) -> None:
    _only(params, {"max_per_vehicle", "max_per_convoy"})
    per_vehicle = _number(params, "max_per_vehicle", required=False)
    per_convoy = _number(params, "max_per_convoy", required=False)
    if per_vehicle is None and per_convoy is None:
        raise RuleSpecError("Give 'max_per_vehicle', 'max_per_convoy' or both.")


def _check_forbidden(params: Mapping[str, Any]) -> None:
    _only(params, {"districts", "cells"})
    districts = _strings(params, "districts")
    cells = _strings(params, "cells")
    if not districts and not cells:
        raise RuleSpecError("Give forbidden 'districts', 'cells' or both.")
    for cell in cells:
        if not h3.is_valid_cell(cell):
            raise RuleSpecError(f"'{cell}' is not a valid H3 cell.")


def _check_duration(params: Mapping[str, Any]) -> None:
    _only(params, {"max_hours"})
    _number(params, "max_hours")


# ----------------------------------------------------------------------------- evaluators

Verdict = tuple[bool, str]


def required_officers(params: Mapping[str, Any], band: str) -> int:
    """Officers the escort rule asks for at ``band``: the entry of the highest band at or
    below it, so a band left out of the table inherits the one beneath it."""
    table = params.get("min_officers", {})
    need = 0
    for candidate in BANDS[: _band_rank(band) + 1]:
        if candidate in table:
            need = max(need, int(table[candidate]))
    return need


def _escort(params: Mapping[str, Any], ctx: MovementContext) -> Verdict:
    band = worst_band(ctx)
    need = required_officers(params, band)
    have = ctx.officers
    if have >= need:
        if need == 0:
            return True, f"The route is {band}; no escort is required."
        return True, f"The route is {band}: {have} escort officers, at least {need} required."
    return False, (
        f"The route is {band}: it needs at least {need} escort officers, "
        f"{have} {'is' if have == 1 else 'are'} planned."
    )


def _armoured(params: Mapping[str, Any], ctx: MovementContext) -> Verdict:
    bands = set(params.get("bands", []))
    risky = sorted({f"{d.admin2 or d.admin1} ({d.band})" for d in ctx.districts if d.band in bands})
    if ctx.route_band in bands and not risky:
        risky = [f"the route ({ctx.route_band})"]
    if not risky:
        return True, "No district on the route is in a band that requires armour."
    if not ctx.vehicles:
        return False, f"The route passes {', '.join(risky)}; no vehicle is planned."
    soft = [v.label for v in ctx.vehicles if not v.armoured]
    if soft:
        return False, (
            f"The route passes {', '.join(risky)}: every vehicle must be armoured, "
            f"but {', '.join(soft)} {'is' if len(soft) == 1 else 'are'} not."
        )
    return (
        True,
        f"The route passes {', '.join(risky)}; all {len(ctx.vehicles)} vehicles are armoured.",
    )


def _local_zone(lon: float) -> datetime.timezone:
    """A fixed offset from the longitude: enough to pick the right calendar day offline."""
    hours = max(-12, min(14, round(lon / 15)))
    return datetime.timezone(datetime.timedelta(hours=hours))


def _sun_window(
    lat: float, lon: float, moment: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime] | None:
    """Sunrise and sunset (UTC) of the local day of ``moment`` at (lat, lon); None when the
    sun does not rise or set that day (polar day or night)."""
    zone = _local_zone(lon)
    day = moment.astimezone(zone).date()
    observer = Observer(latitude=lat, longitude=lon)
    try:
        rise = sunrise(observer, day, tzinfo=zone)
        fall = sunset(observer, day, tzinfo=zone)
    except ValueError:
        return None
    return rise.astimezone(datetime.UTC), fall.astimezone(datetime.UTC)


def _hhmm(moment: datetime.datetime, lon: float) -> str:
    zone = _local_zone(lon)
    local = moment.astimezone(zone)
    offset = zone.utcoffset(None).total_seconds() / 3600
    return f"{local:%H:%M} (UTC{offset:+.0f})"


def _daylight(params: Mapping[str, Any], ctx: MovementContext) -> Verdict:
    margin = datetime.timedelta(minutes=float(params.get("margin_minutes", 0) or 0))
    (olat, olon), (dlat, dlon) = ctx.route[0], ctx.route[-1]
    start = _sun_window(olat, olon, ctx.depart_at)
    end = _sun_window(dlat, dlon, ctx.arrive_by)
    if start is None or end is None:
        return False, "The sun does not both rise and set on that date there; check by hand."
    rise, _ = start
    _, fall = end
    problems = []
    if ctx.depart_at < rise + margin:
        problems.append(
            f"departure {_hhmm(ctx.depart_at, olon)} is before sunrise {_hhmm(rise, olon)}"
            + (f" plus {margin.seconds // 60} min" if margin else "")
        )
    if ctx.arrive_by > fall - margin:
        problems.append(
            f"arrival {_hhmm(ctx.arrive_by, dlon)} is after sunset {_hhmm(fall, dlon)}"
            + (f" minus {margin.seconds // 60} min" if margin else "")
        )
    if (
        ctx.depart_at.astimezone(_local_zone(olon)).date()
        != ctx.arrive_by.astimezone(_local_zone(dlon)).date()
    ):
        problems.append("the movement runs overnight")
    if problems:
        return False, "Movement between sunset and sunrise: " + "; ".join(problems) + "."
    return True, (
        f"Departs {_hhmm(ctx.depart_at, olon)} after sunrise {_hhmm(rise, olon)} and arrives "
        f"{_hhmm(ctx.arrive_by, dlon)} before sunset {_hhmm(fall, dlon)}."
    )


def _hours(delta: datetime.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h"


def _notice(params: Mapping[str, Any], ctx: MovementContext) -> Verdict:
    need = datetime.timedelta(hours=float(params["min_hours"]))
    given = ctx.depart_at - ctx.requested_at
    if given >= need:
        return True, f"{_hours(given)} of notice given; at least {_hours(need)} required."
    return False, (
        f"Only {_hours(max(given, datetime.timedelta(0)))} of notice before departure; "
        f"at least {_hours(need)} required."
    )


def _capacity(params: Mapping[str, Any], ctx: MovementContext) -> Verdict:
    per_vehicle = params.get("max_per_vehicle")
    per_convoy = params.get("max_per_convoy")
    problems = []
    if per_convoy is not None and ctx.people > per_convoy:
        problems.append(f"{ctx.people} protected people exceed the convoy limit of {per_convoy}")
    if ctx.people and not ctx.vehicles:
        problems.append(f"{ctx.people} protected people but no vehicle")
    elif ctx.vehicles:
        seats = sum(max(0, v.seats) for v in ctx.vehicles)
        limit = seats
        if per_vehicle is not None:
            limit = sum(min(max(0, v.seats), int(per_vehicle)) for v in ctx.vehicles)
        if ctx.people > limit:
            problems.append(
                f"{ctx.people} protected people do not fit {len(ctx.vehicles)} vehicle(s) "
                f"at {per_vehicle if per_vehicle is not None else 'all'} per vehicle "
                f"({limit} places, {seats} seats)"
            )
    if problems:
        return False, "; ".join(problems).capitalize() + "."
    return True, (
        f"{ctx.people} protected people in {len(ctx.vehicles)} vehicle(s), within the limits."
    )


def _sample_route(route: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points along the route at about ``SAMPLE_KM`` spacing (a bounded number)."""
    points: list[tuple[float, float]] = [route[0]]
    for (lat1, lon1), (lat2, lon2) in zip(route, route[1:], strict=False):
        km = math.hypot(lat2 - lat1, (lon2 - lon1) * math.cos(math.radians(lat1))) * 111.2
        steps = max(1, min(MAX_SAMPLES, math.ceil(km / SAMPLE_KM)))
        for i in range(1, steps + 1):
            t = i / steps
            points.append((lat1 + (lat2 - lat1) * t, lon1 + (lon2 - lon1) * t))
        if len(points) > MAX_SAMPLES:
            break
    return points


def _forbidden(params: Mapping[str, Any], ctx: MovementContext) -> Verdict:
    banned = {d.casefold() for d in params.get("districts", [])}
    hits = sorted({d.admin2 for d in ctx.districts if d.admin2.casefold() in banned})
    cells = set(params.get("cells", []))
    cell_hits: set[str] = set()
    if cells and ctx.route:
        resolutions = {h3.get_resolution(c) for c in cells}
        for lat, lon in _sample_route(ctx.route):
            for res in resolutions:
                cell = h3.latlng_to_cell(lat, lon, res)
                if cell in cells:
                    cell_hits.add(cell)
    if hits or cell_hits:
        parts = []
        if hits:
            parts.append(f"forbidden district(s) {', '.join(hits)}")
        if cell_hits:
            parts.append(f"forbidden cell(s) {', '.join(sorted(cell_hits))}")
        return False, "The route enters " + " and ".join(parts) + "."
    return True, "The route avoids every forbidden district and cell."


def _duration(params: Mapping[str, Any], ctx: MovementContext) -> Verdict:
    limit = datetime.timedelta(hours=float(params["max_hours"]))
    planned = ctx.arrive_by - ctx.depart_at
    if planned <= limit:
        return True, f"Planned duration {_hours(planned)}, at most {_hours(limit)} allowed."
    return False, f"Planned duration {_hours(planned)} exceeds the maximum of {_hours(limit)}."


@dataclass(frozen=True)
class Kind:
    """A kind of rule: how its parameters are checked and how it judges a movement."""

    key: str
    label: str
    check: Callable[[Mapping[str, Any]], None]
    judge: Callable[[Mapping[str, Any], MovementContext], Verdict]


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind("escort_strength", "Escort strength by route risk band", _check_escort, _escort),
        Kind(
            "armoured_vehicles", "Armoured vehicles in risky districts", _check_armoured, _armoured
        ),
        Kind("daylight", "No movement between sunset and sunrise", _check_daylight, _daylight),
        Kind("notice", "Minimum notice period", _check_notice, _notice),
        Kind("capacity", "Protected people per vehicle and per convoy", _check_capacity, _capacity),
        Kind("forbidden_areas", "Forbidden districts or H3 cells", _check_forbidden, _forbidden),
        Kind("max_duration", "Maximum duration", _check_duration, _duration),
    )
}


def validate_params(kind: str, params: Any, severity: str = "fail") -> None:
    """Raise ``RuleSpecError`` unless ``params`` suit a rule of ``kind`` and ``severity``."""
    if kind not in KINDS:
        raise RuleSpecError(f"Unknown rule kind '{kind}' (one of {', '.join(sorted(KINDS))}).")
    if severity not in SEVERITIES:
        raise RuleSpecError(f"Severity must be one of {', '.join(SEVERITIES)}.")
    if not isinstance(params, dict):
        raise RuleSpecError("Parameters must be a mapping.")
    KINDS[kind].check(params)


def evaluate(rules: Iterable[RuleSpec], context: MovementContext) -> list[RuleResult]:
    """Judge ``context`` against every enabled rule, in the order given.

    A rule whose parameters are invalid (edited into the database by hand) fails with a
    reason naming the problem rather than breaking the whole evaluation.
    """
    results = []
    for rule in rules:
        if not rule.enabled:
            continue
        try:
            validate_params(rule.kind, rule.params, rule.severity)
            ok, reason = KINDS[rule.kind].judge(rule.params, context)
        except RuleSpecError as exc:
            results.append(
                RuleResult(rule.code, rule.name, "fail", f"The rule is misconfigured: {exc}")
            )
            continue
        outcome = "pass" if ok else rule.severity
        results.append(RuleResult(rule.code, rule.name, outcome, reason, rule.severity))
    return results

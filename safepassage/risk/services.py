"""Risk scores on demand: along a route, around a site or a point, per district and province.

Site, point and route scores read only the incidents indexed in the H3 cells that cover the
buffer (``IncidentRisk.cell_r6``, or ``cell_r5`` for wide buffers), then measure each against
the route. District and province scores read the incrementally kept aggregates.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from safepassage.risk.aggregates import params
from safepassage.risk.models import AreaRisk, IncidentRisk
from safepassage.riskmodel import geometry
from safepassage.riskmodel.geometry import GeometryError
from safepassage.riskmodel.model import EPOCH, age_factor, denormalise
from safepassage.riskmodel.model import band_for as _band_for
from safepassage.riskmodel.scoring import Candidate, score

__all__ = [
    "Contribution",
    "DistrictRisk",
    "RiskInputError",
    "RiskResult",
    "band_for",
    "district_breakdown",
    "district_scores",
    "point_risk",
    "province_scores",
    "route_risk",
    "site_risk",
]

# Raised for routes, points, radii or buffers that cannot be evaluated (a ValueError).
RiskInputError = GeometryError

DEFAULT_SITE_RADIUS_KM = 25.0
# Gazetteer samples along a route for the districts it passes through.
_DISTRICT_SAMPLE_KM = 10.0
_DISTRICT_MAX_KM = 40.0
# Incidents this close to the route also name a district the route passes through.
_ON_ROUTE_KM = 2.0
# SQLite allows 32,766 parameters per statement; stay well below on every database.
_CELLS_PER_QUERY = 5000
_EPOCH_DT = datetime(EPOCH.year, EPOCH.month, EPOCH.day, tzinfo=UTC)


@dataclass(frozen=True)
class Contribution:
    """One incident's share of a score."""

    incident_id: int
    label: str
    date: str | None
    distance_km: float
    value: float
    why: str


@dataclass(frozen=True)
class DistrictRisk:
    """A district's stored score and band."""

    admin1: str
    admin2: str
    score: float
    band: str


@dataclass(frozen=True)
class RiskResult:
    """A score, its band, the breakdown (largest first) and the districts concerned."""

    score: float
    band: str
    contributions: list[Contribution] = field(default_factory=list)
    districts: list[DistrictRisk] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return asdict(self)


def band_for(score: float) -> str:
    """The band of a score under the configured thresholds."""
    return _band_for(score, params())


def _now_day(at: datetime | None) -> float:
    moment = at or timezone.now()
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH_DT).total_seconds() / 86400.0


_FIELDS = (
    "incident_id",
    "value",
    "day",
    "lat",
    "lon",
    "label",
    "date",
    "detail",
    "admin1",
    "admin2",
)


def _candidates(resolution: int, cells: Iterable[int]) -> list[Candidate]:
    column = f"cell_r{resolution}"
    cell_list = list(cells)
    out: list[Candidate] = []
    for start in range(0, len(cell_list), _CELLS_PER_QUERY):
        chunk = cell_list[start : start + _CELLS_PER_QUERY]
        rows = IncidentRisk.objects.filter(**{f"{column}__in": chunk}).values_list(*_FIELDS, column)
        for iid, value, day, lat, lon, label, date, detail, a1, a2, cell in rows:
            out.append(
                Candidate(iid, value, day, lat, lon, cell, label, date or None, detail, a1, a2)
            )
    return out


def _area_scores(keys: Sequence[tuple[str, str]], now_day: float) -> dict[tuple[str, str], float]:
    if not keys:
        return {}
    p = params()
    admin1s = {a1 for a1, _ in keys}
    rows = AreaRisk.objects.filter(level=AreaRisk.DISTRICT, admin1__in=admin1s).values_list(
        "admin1", "admin2", "short_sum", "long_sum"
    )
    wanted = set(keys)
    return {
        (a1, a2): denormalise(s, lg, now_day, p) for a1, a2, s, lg in rows if (a1, a2) in wanted
    }


def _district_list(keys: Sequence[tuple[str, str]], now_day: float) -> list[DistrictRisk]:
    scores = _area_scores(keys, now_day)
    p = params()
    out = []
    for a1, a2 in keys:
        value = scores.get((a1, a2), 0.0)
        out.append(DistrictRisk(a1, a2, value, _band_for(value, p)))
    return out


@functools.lru_cache(maxsize=20000)
def _nearest_district(lat: float, lon: float) -> tuple[str, str] | None:
    from safepassage.geo.gazetteer import Gazetteer

    place = Gazetteer.default().nearest(lat, lon, max_km=_DISTRICT_MAX_KM)
    if place is None or not place.admin1 or not place.admin2:
        return None
    return place.admin1, place.admin2


def _gazetteer_districts(points: Sequence[geometry.Point]) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for lat, lon in geometry.sample_route(points, _DISTRICT_SAMPLE_KM):
        # Rounded to about a kilometre so repeated routes hit the cache.
        key = _nearest_district(round(lat, 2), round(lon, 2))
        if key is not None and key not in keys:
            keys.append(key)
    return keys


def _evaluate(
    points: list[geometry.Point], radius_km: float, at: datetime | None
) -> tuple[float, list[Contribution], list[tuple[str, str]], float]:
    p = params()
    now_day = _now_day(at)
    resolution = geometry.query_resolution(radius_km)
    cells = geometry.cover(points, radius_km, resolution)
    segs = geometry.segments(points)
    scored = score(_candidates(resolution, cells), segs, cells, radius_km, now_day, p)
    contributions = [
        Contribution(
            s.candidate.incident_id,
            s.candidate.label,
            s.candidate.date,
            round(s.distance_km, 3),
            s.value,
            s.why,
        )
        for s in scored
    ]
    near = []
    for s in scored:
        key = (s.candidate.admin1, s.candidate.admin2)
        if s.distance_km <= _ON_ROUTE_KM and all(key) and key not in near:
            near.append(key)
    return sum(s.value for s in scored), contributions, near, now_day


def route_risk(
    points: list[tuple[float, float]], buffer_km: float = 10.0, at: datetime | None = None
) -> RiskResult:
    """Risk along a polyline of (lat, lon) points within ``buffer_km`` on either side.

    Raises RiskInputError (a ValueError) for an empty or oversized route, invalid coordinates
    or a buffer outside (0, 100] km.
    """
    checked, buffer = geometry.check_route(points, buffer_km)
    total, contributions, near, now_day = _evaluate(checked, buffer, at)
    keys = _gazetteer_districts(checked)
    keys += [k for k in near if k not in keys]
    return RiskResult(total, band_for(total), contributions, _district_list(keys, now_day))


def point_risk(lat: float, lon: float, radius_km: float, at: datetime | None = None) -> RiskResult:
    """Risk within ``radius_km`` of a point; its district is the gazetteer's nearest."""
    point = geometry.check_point(lat, lon)
    radius = geometry.check_radius(radius_km)
    total, contributions, _near, now_day = _evaluate([point], radius, at)
    keys = _gazetteer_districts([point])
    return RiskResult(total, band_for(total), contributions, _district_list(keys, now_day))


def site_radius_km() -> float:
    """The default radius around a site (``settings.SAFEPASSAGE_RISK_SITE_RADIUS_KM``)."""
    return float(getattr(settings, "SAFEPASSAGE_RISK_SITE_RADIUS_KM", DEFAULT_SITE_RADIUS_KM))


def site_risk(site: Any, radius_km: float | None = None, at: datetime | None = None) -> RiskResult:
    """Risk within ``radius_km`` (default: the configured site radius) of a registry site.

    The caller is responsible for the site being in the user's scope.
    """
    from safepassage.registry.choices import Province

    point = geometry.check_point(site.lat, site.lon)
    radius = geometry.check_radius(site_radius_km() if radius_km is None else radius_km)
    total, contributions, _near, now_day = _evaluate([point], radius, at)
    province = dict(Province.choices).get(site.province, site.province)
    keys = [(str(province), site.district)] if site.district else _gazetteer_districts([point])
    return RiskResult(total, band_for(total), contributions, _district_list(keys, now_day))


def district_scores(at: datetime | None = None) -> list[DistrictRisk]:
    """Every district with stored incidents, highest score first."""
    return _ranked(AreaRisk.DISTRICT, at)


def province_scores(at: datetime | None = None) -> list[DistrictRisk]:
    """Every province with stored incidents (``admin2`` empty), highest score first."""
    return _ranked(AreaRisk.PROVINCE, at)


def _ranked(level: str, at: datetime | None) -> list[DistrictRisk]:
    p = params()
    now_day = _now_day(at)
    rows = AreaRisk.objects.filter(level=level, incidents__gt=0).values_list(
        "admin1", "admin2", "short_sum", "long_sum"
    )
    out = []
    for a1, a2, s, lg in rows:
        value = denormalise(s, lg, now_day, p)
        out.append(DistrictRisk(a1, a2, value, _band_for(value, p)))
    out.sort(key=lambda d: (-d.score, d.admin1, d.admin2))
    return out


def district_breakdown(
    admin1: str, admin2: str, at: datetime | None = None, limit: int = 500
) -> RiskResult:
    """A district's score from the aggregate and the incidents that make it, largest first."""
    p = params()
    now_day = _now_day(at)
    contributions = []
    rows = IncidentRisk.objects.filter(admin1=admin1, admin2=admin2).values_list(
        "incident_id", "value", "day", "label", "date", "detail"
    )
    for iid, value, day, label, date, detail in rows:
        if day > now_day:
            continue
        age = now_day - day
        aged = age_factor(age, p)
        why = f"{detail}; {age / 365.25:.1f} years old ×{aged:.3f}"
        contributions.append(Contribution(iid, label, date or None, 0.0, value * aged, why))
    contributions.sort(key=lambda c: (-c.value, c.incident_id))
    total = _area_scores([(admin1, admin2)], now_day).get((admin1, admin2), 0.0)
    district = DistrictRisk(admin1, admin2, total, _band_for(total, p))
    return RiskResult(total, district.band, contributions[:limit], [district])

"""Risk scores on demand: along a route, around a site or a point, per district and province.

Site, point and route scores read only the incidents indexed in the H3 cells that cover the
buffer (``IncidentRisk.cell_r6``, or ``cell_r5`` for wide buffers), then measure each against
the route. District and province scores read the incrementally kept aggregates.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.db import connection
from django.utils import timezone

from safepassage.risk import packing
from safepassage.risk.aggregates import params
from safepassage.risk.models import AreaRisk, CellPack, IncidentRisk
from safepassage.riskmodel import geometry
from safepassage.riskmodel.geometry import GeometryError
from safepassage.riskmodel.model import EPOCH, age_factor, denormalise
from safepassage.riskmodel.model import band_for as _band_for
from safepassage.riskmodel.scoring import score_arrays

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


def _now_day(at: datetime | date | None) -> float:
    """Days since the model's epoch at ``at`` (now when None; a date means its midnight UTC)."""
    if isinstance(at, date) and not isinstance(at, datetime):
        at = datetime(at.year, at.month, at.day, tzinfo=UTC)
    moment = at or timezone.now()
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH_DT).total_seconds() / 86400.0


_LABEL_FIELDS = ("incident_id", "label", "date", "detail", "admin1", "admin2")
DEFAULT_LIMIT = 200


def _packs(cells: list[int]) -> list[bytes]:
    """The packed records of the resolution-6 cells listed."""
    if connection.vendor == "postgresql":
        # One array parameter: Django would bind (and resolve) each value of an IN list.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT data FROM {CellPack._meta.db_table} WHERE cell = ANY(%s)",  # noqa: S608
                [cells],
            )
            return [bytes(row[0]) for row in cursor.fetchall()]
    blobs: list[bytes] = []
    for start in range(0, len(cells), _CELLS_PER_QUERY):
        chunk = cells[start : start + _CELLS_PER_QUERY]
        blobs += [
            bytes(b) for b in CellPack.objects.filter(cell__in=chunk).values_list("data", flat=True)
        ]
    return blobs


def _candidate_arrays(
    resolution: int, cells: list[int], now_day: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Ids and (value, day, lat, lon) columns of the incidents indexed in ``cells``.

    Resolution 6 reads the cells' packs (one row per cell, see ``CellPack``); resolution 5,
    used for wide buffers only, reads the incidents' rows through their cell index.
    """
    if resolution == 6:
        records = packing.join(_packs(cells))
        records = records[records["day"] <= now_day]
        data = np.empty((len(records), 4))
        for i, name in enumerate(("value", "day", "lat", "lon")):
            data[:, i] = records[name]
        return records["id"].astype(np.int64), data
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(cells), _CELLS_PER_QUERY):
        chunk = cells[start : start + _CELLS_PER_QUERY]
        rows += IncidentRisk.objects.filter(
            **{f"cell_r{resolution}__in": chunk}, day__lte=math.floor(now_day)
        ).values_list("incident_id", "value", "day", "lat", "lon")
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 4))
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    return ids, np.array([r[1:] for r in rows], dtype=np.float64)


def _label_rows(ids: list[int]) -> list[tuple[Any, ...]]:
    """Label, date, detail and district of the listed incidents' rows."""
    if not ids:
        return []
    if connection.vendor == "postgresql":
        # One array parameter: Django would bind (and resolve) each id of an IN list.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(_LABEL_FIELDS)} FROM {IncidentRisk._meta.db_table} "  # noqa: S608
                "WHERE incident_id = ANY(%s)",
                [ids],
            )
            return list(cursor.fetchall())
    return list(IncidentRisk.objects.filter(pk__in=ids).values_list(*_LABEL_FIELDS))


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


# The gazetteer's towns, sites and district points on a 0.1° grid, for fast nearest lookups.
_GRID_DEG = 0.1
_district_grid: dict[tuple[int, int], list[tuple[float, float, str, str]]] | None = None
_grid_lock = threading.Lock()


def _grid() -> dict[tuple[int, int], list[tuple[float, float, str, str]]]:
    global _district_grid
    with _grid_lock:
        if _district_grid is None:
            from safepassage.geo.gazetteer import Gazetteer

            grid: dict[tuple[int, int], list[tuple[float, float, str, str]]] = {}
            for place in Gazetteer.default():
                if place.admin1 and place.admin2 and place.kind in ("town", "site", "admin2"):
                    key = (math.floor(place.lat / _GRID_DEG), math.floor(place.lon / _GRID_DEG))
                    grid.setdefault(key, []).append(
                        (place.lat, place.lon, place.admin1, place.admin2)
                    )
            _district_grid = grid
        return _district_grid


@functools.lru_cache(maxsize=50000)
def _nearest_district(lat: float, lon: float) -> tuple[str, str] | None:
    """The district of the nearest gazetteer town, site or district point within 40 km."""
    grid = _grid()
    cy, cx = math.floor(lat / _GRID_DEG), math.floor(lon / _GRID_DEG)
    rings = math.ceil(
        _DISTRICT_MAX_KM / (111.0 * _GRID_DEG * max(0.2, math.cos(math.radians(lat))))
    )
    best: tuple[float, str, str] | None = None
    for ring in range(rings + 1):
        # Once a place is found, one ring more covers anything closer in a corner.
        if best is not None and (ring - 1) * 111.0 * _GRID_DEG * 0.5 > best[0]:
            break
        for dy in range(-ring, ring + 1):
            for dx in range(-ring, ring + 1):
                if max(abs(dy), abs(dx)) != ring:
                    continue
                for plat, plon, admin1, admin2 in grid.get((cy + dy, cx + dx), ()):
                    d = geometry.haversine_km((lat, lon), (plat, plon))
                    if d <= _DISTRICT_MAX_KM and (best is None or (d, admin1, admin2) < best):
                        best = (d, admin1, admin2)
    return (best[1], best[2]) if best else None


def _gazetteer_districts(points: Sequence[geometry.Point]) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for lat, lon in geometry.sample_route(points, _DISTRICT_SAMPLE_KM):
        # Rounded to about two kilometres so nearby routes share the cache.
        key = _nearest_district(round(lat, 2), round(lon, 2))
        if key is not None and key not in keys:
            keys.append(key)
    return keys


def _evaluate(
    points: list[geometry.Point], radius_km: float, at: datetime | None, limit: int
) -> tuple[float, list[Contribution], list[tuple[str, str]], float]:
    p = params()
    now_day = _now_day(at)
    resolution = geometry.query_resolution(radius_km)
    cells = geometry.cover(points, radius_km, resolution)
    ids, data = _candidate_arrays(resolution, cells, now_day)
    if ids.size == 0:
        return 0.0, [], [], now_day
    scored = score_arrays(
        ids,
        data[:, 0],
        data[:, 1],
        data[:, 2],
        data[:, 3],
        geometry.segments(points),
        radius_km,
        now_day,
        p,
        limit=max(0, limit),
    )
    top = scored.order[: max(0, limit)]
    labels = {row[0]: row for row in _label_rows(ids[top].tolist())}
    contributions = []
    near = []
    for i in top:
        iid = int(ids[i])
        _iid, label, when, detail, admin1, admin2 = labels.get(iid, (iid, "", "", "", "", ""))
        distance = float(scored.distances[i])
        why = (
            f"{detail}; {scored.ages[i] / 365.25:.1f} years old ×{scored.age_factors[i]:.3f}; "
            f"{distance:.1f} km away ×{scored.weights[i]:.2f}"
        )
        contributions.append(
            Contribution(iid, label, when or None, round(distance, 3), float(scored.values[i]), why)
        )
        if distance <= _ON_ROUTE_KM and admin1 and admin2 and (admin1, admin2) not in near:
            near.append((admin1, admin2))
    return scored.total, contributions, near, now_day


def route_risk(
    points: list[tuple[float, float]],
    buffer_km: float = 10.0,
    at: datetime | None = None,
    *,
    limit: int = DEFAULT_LIMIT,
) -> RiskResult:
    """Risk along a polyline of (lat, lon) points within ``buffer_km`` on either side.

    The score counts every incident in the buffer; ``contributions`` lists the ``limit``
    largest (all of them when there are fewer, and then they sum to the score).

    Raises RiskInputError (a ValueError) for an empty or oversized route, invalid coordinates
    or a buffer outside (0, 100] km.
    """
    checked, buffer = geometry.check_route(points, buffer_km)
    total, contributions, near, now_day = _evaluate(checked, buffer, at, limit)
    keys = _gazetteer_districts(checked)
    keys += [k for k in near if k not in keys]
    return RiskResult(total, band_for(total), contributions, _district_list(keys, now_day))


def point_risk(
    lat: float,
    lon: float,
    radius_km: float,
    at: datetime | None = None,
    *,
    limit: int = DEFAULT_LIMIT,
) -> RiskResult:
    """Risk within ``radius_km`` of a point; its district is the gazetteer's nearest."""
    point = geometry.check_point(lat, lon)
    radius = geometry.check_radius(radius_km)
    total, contributions, _near, now_day = _evaluate([point], radius, at, limit)
    keys = _gazetteer_districts([point])
    return RiskResult(total, band_for(total), contributions, _district_list(keys, now_day))


def site_radius_km() -> float:
    """The default radius around a site (``settings.SAFEPASSAGE_RISK_SITE_RADIUS_KM``)."""
    return float(getattr(settings, "SAFEPASSAGE_RISK_SITE_RADIUS_KM", DEFAULT_SITE_RADIUS_KM))


def site_risk(
    site: Any,
    radius_km: float | None = None,
    at: datetime | None = None,
    *,
    limit: int = DEFAULT_LIMIT,
) -> RiskResult:
    """Risk within ``radius_km`` (default: the configured site radius) of a registry site.

    The caller is responsible for the site being in the user's scope.
    """
    from safepassage.registry.choices import Province

    point = geometry.check_point(site.lat, site.lon)
    radius = geometry.check_radius(site_radius_km() if radius_km is None else radius_km)
    total, contributions, _near, now_day = _evaluate([point], radius, at, limit)
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
    for iid, value, day, label, when, detail in rows:
        if day > now_day:
            continue
        age = now_day - day
        aged = age_factor(age, p)
        why = f"{detail}; {age / 365.25:.1f} years old ×{aged:.3f}"
        contributions.append(Contribution(iid, label, when or None, 0.0, value * aged, why))
    contributions.sort(key=lambda c: (-c.value, c.incident_id))
    total = _area_scores([(admin1, admin2)], now_day).get((admin1, admin2), 0.0)
    district = DistrictRisk(admin1, admin2, total, _band_for(total, p))
    return RiskResult(total, district.band, contributions[:limit], [district])


RESTRICTED_LABEL = "Restricted incident"
RESTRICTED_WHY = "Withheld: its TLP marking does not reach you. It still counts in the score."


def _readable_ids(user: Any, ids: set[int]) -> set[int]:
    from safepassage.access import gate
    from safepassage.intel.models import Incident

    if not ids:
        return set()
    return set(
        gate.restrict(Incident.objects.filter(pk__in=ids), user).values_list("pk", flat=True)
    )


def for_reader(result: RiskResult, user: Any) -> RiskResult:
    """``result`` with the incidents ``user`` may not read withheld from its breakdown.

    Scores count every incident: the people on the road need the whole picture, and a sum
    does not tell what an incident was. The breakdown names only what the reader's TLP
    markings reach; the others keep their weight and distance, without label, date or link.
    """
    readable = _readable_ids(user, {c.incident_id for c in result.contributions})
    shown = [
        c
        if c.incident_id in readable
        else Contribution(0, RESTRICTED_LABEL, None, c.distance_km, c.value, RESTRICTED_WHY)
        for c in result.contributions
    ]
    return RiskResult(result.score, result.band, shown, result.districts)


def rows_for_reader(rows: Sequence[dict[str, Any]], user: Any) -> list[dict[str, Any]]:
    """Stored breakdown rows (dicts with ``incident_id``), withheld as ``for_reader`` does."""
    ids = {r.get("incident_id") for r in rows}
    readable = _readable_ids(user, {i for i in ids if isinstance(i, int)})
    return [
        dict(row)
        if row.get("incident_id") in readable
        else {
            **{k: v for k, v in row.items() if k in ("distance_km", "value")},
            "incident_id": 0,
            "label": RESTRICTED_LABEL,
            "date": None,
            "why": RESTRICTED_WHY,
        }
        for row in rows
    ]

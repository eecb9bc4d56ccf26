"""Pure planning of a movement's expected check-ins (no Django imports).

A movement reports at its departure, at every waypoint and at its arrival. A waypoint with an
ETA is due at that ETA; a waypoint without one is due at the time its share of the distance
along the route gives, interpolated between the nearest points whose times are known (the
departure, the arrival and waypoints with a usable ETA). Positions are validated here so a
malformed waypoint can never plan an impossible check-in.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

EARTH_RADIUS_KM = 6371.0088


class PlanningError(ValueError):
    """The movement's route or times cannot give a check-in plan."""


@dataclass(frozen=True)
class Stop:
    """One point where the escort is expected to report, with its due time."""

    seq: int
    name: str
    lat: float
    lon: float
    due_at: dt.datetime
    interpolated: bool


def valid_position(lat: Any, lon: Any) -> tuple[float, float]:
    """``(lat, lon)`` as finite floats within the Earth's range, or PlanningError."""
    try:
        flat, flon = float(lat), float(lon)
    except (TypeError, ValueError, OverflowError) as exc:
        raise PlanningError(f"Position {lat!r}, {lon!r} is not a pair of numbers.") from exc
    if not (math.isfinite(flat) and math.isfinite(flon)):
        raise PlanningError("Latitude and longitude must be finite numbers.")
    if not -90.0 <= flat <= 90.0:
        raise PlanningError(f"Latitude {flat} is outside -90..90.")
    if not -180.0 <= flon <= 180.0:
        raise PlanningError(f"Longitude {flon} is outside -180..180.")
    return flat, flon


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _eta(raw: Any, depart: dt.datetime, arrive: dt.datetime) -> dt.datetime | None:
    """A waypoint's ETA when it is a usable aware time inside the window, else None."""
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, str) and len(raw) <= 64:
        try:
            value = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            return None
    else:
        return None
    if value.tzinfo is None:
        # A naive ETA is read in the departure's time zone (the form's own zone).
        value = value.replace(tzinfo=depart.tzinfo)
    if not depart <= value <= arrive:
        return None
    return value


def plan_stops(
    origin: tuple[str, float, float],
    destination: tuple[str, float, float],
    waypoints: Sequence[Mapping[str, Any]],
    depart_at: dt.datetime,
    arrive_by: dt.datetime,
) -> list[Stop]:
    """The expected check-ins of a route: departure, each waypoint, arrival, in order.

    ``origin`` and ``destination`` are ``(name, lat, lon)``; ``waypoints`` are mappings with
    ``name``, ``lat``, ``lon`` and an optional ISO ``eta``. Times are aware datetimes. An ETA
    that cannot be read, or lies outside the window or before an earlier known time, is
    ignored and the waypoint's time is interpolated by distance instead.
    """
    if depart_at.tzinfo is None or arrive_by.tzinfo is None:
        raise PlanningError("Departure and arrival times must carry a time zone.")
    if arrive_by <= depart_at:
        raise PlanningError("The arrival must be after the departure.")
    names: list[str] = []
    points: list[tuple[float, float]] = []
    known: list[dt.datetime | None] = []
    names.append(str(origin[0])[:200] or "Departure")
    points.append(valid_position(origin[1], origin[2]))
    known.append(depart_at)
    for index, waypoint in enumerate(waypoints):
        if not isinstance(waypoint, Mapping):
            raise PlanningError(f"Waypoint {index + 1} is not an object.")
        names.append(str(waypoint.get("name") or f"Waypoint {index + 1}")[:200])
        points.append(valid_position(waypoint.get("lat"), waypoint.get("lon")))
        known.append(_eta(waypoint.get("eta"), depart_at, arrive_by))
    names.append(str(destination[0])[:200] or "Arrival")
    points.append(valid_position(destination[1], destination[2]))
    known.append(arrive_by)
    # ETAs must not run backwards: a time earlier than the last known one is ignored.
    latest = depart_at
    for index, value in enumerate(known):
        if value is None:
            continue
        if value < latest:
            known[index] = None
        else:
            latest = value
    known[-1] = arrive_by
    along = [0.0]
    for a, b in zip(points, points[1:], strict=False):
        along.append(along[-1] + distance_km(a, b))
    stops: list[Stop] = []
    for index, point in enumerate(points):
        value = known[index]
        interpolated = value is None
        if value is None:
            value = _interpolate(index, known, along)
        stops.append(Stop(index, names[index], point[0], point[1], value, interpolated))
    return stops


def _interpolate(index: int, known: list[dt.datetime | None], along: list[float]) -> dt.datetime:
    """The time at point ``index`` between the nearest known times before and after it."""
    before = max(i for i in range(index) if known[i] is not None)
    after = min(i for i in range(index + 1, len(known)) if known[i] is not None)
    start, end = known[before], known[after]
    assert start is not None and end is not None  # chosen because they are known
    span = along[after] - along[before]
    # Coincident points share the distance; split the time evenly between them instead.
    share = (
        (along[index] - along[before]) / span if span > 0 else (index - before) / (after - before)
    )
    return start + (end - start) * share

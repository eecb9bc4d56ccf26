"""Distances on the earth for alert matching: points, bounding boxes and polylines.

Pure Python with no Django imports, so it is typed strictly and tested without a database.
A bounding box narrows candidates in SQL; the exact great-circle distance decides.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
# One degree of latitude is about 111.2 km everywhere.
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0

Point = tuple[float, float]


@dataclass(frozen=True)
class BoundingBox:
    """A latitude/longitude box that contains every point within some distance of a centre."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        """True when (lat, lon) lies inside the box."""
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon

    def widened(self, km: float) -> BoundingBox:
        """The box grown by ``km`` on every side."""
        grown = [
            bounding_box(self.min_lat, self.min_lon, km),
            bounding_box(self.max_lat, self.max_lon, km),
        ]
        return BoundingBox(
            min(b.min_lat for b in grown),
            max(b.max_lat for b in grown),
            min(b.min_lon for b in grown),
            max(b.max_lon for b in grown),
        )


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance between two (lat, lon) points in kilometres."""
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(lat: float, lon: float, radius_km: float) -> BoundingBox:
    """A box containing every point within ``radius_km`` of (lat, lon).

    The longitude span widens with latitude; near a pole the box covers every longitude.
    It is a superset of the circle, so the exact distance still has to be checked.
    """
    if radius_km < 0:
        raise ValueError("radius_km must not be negative")
    dlat = radius_km / KM_PER_DEGREE
    cos_lat = math.cos(math.radians(min(89.9, abs(lat) + dlat)))
    dlon = 180.0 if cos_lat <= 1e-6 else min(180.0, radius_km / (KM_PER_DEGREE * cos_lat))
    return BoundingBox(
        max(-90.0, lat - dlat),
        min(90.0, lat + dlat),
        max(-180.0, lon - dlon),
        min(180.0, lon + dlon),
    )


def route_box(points: Sequence[Point]) -> BoundingBox:
    """The smallest box holding every point of a route."""
    if not points:
        raise ValueError("a route needs at least one point")
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    return BoundingBox(min(lats), max(lats), min(lons), max(lons))


def _segment_distance_km(p: Point, a: Point, b: Point) -> float:
    """Distance from p to the segment a-b, in a local equirectangular projection around p.

    Over the tens of kilometres alerts care about, the projection error is far below the
    precision of a reported incident location; the endpoints use the exact distance.
    """
    scale = math.cos(math.radians(p[0]))

    def project(q: Point) -> tuple[float, float]:
        return ((q[1] - p[1]) * scale * KM_PER_DEGREE, (q[0] - p[0]) * KM_PER_DEGREE)

    ax, ay = project(a)
    bx, by = project(b)
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0.0:
        return haversine_km(p, a)
    t = max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
    if t in (0.0, 1.0):
        return haversine_km(p, a if t == 0.0 else b)
    return math.hypot(ax + t * dx, ay + t * dy)


def distance_to_route_km(p: Point, route: Sequence[Point]) -> float:
    """Shortest distance from p to a polyline route of one or more points."""
    if not route:
        raise ValueError("a route needs at least one point")
    if len(route) == 1:
        return haversine_km(p, route[0])
    return min(_segment_distance_km(p, a, b) for a, b in zip(route, route[1:], strict=False))

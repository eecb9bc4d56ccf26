"""The Place record and small geometry helpers."""

from __future__ import annotations

import math
from dataclasses import dataclass

KINDS = ("country", "admin1", "admin2", "admin3", "town", "site")
PRECISIONS = ("point", "town", "district", "province", "country")
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Place:
    """One gazetteer entry.

    ``kind`` is 'country', 'admin1' (province/state), 'admin2' (district/prefecture), 'admin3'
    (a census tehsil that has no coordinates of its own and so carries its district's point),
    'town' or 'site' (project site, airport, dam, port, border crossing, valley ...).
    ``precision`` is the events schema's location precision of ``lat``/``lon``.
    """

    id: str
    name: str
    kind: str
    country: str
    admin1: str | None
    admin2: str | None
    lat: float
    lon: float
    precision: str
    population: int
    source: str
    aliases: tuple[str, ...] = ()


def distance_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Great-circle (haversine) distance in kilometres between two WGS84 points."""
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    dp = p2 - p1
    dl = math.radians(b_lon - a_lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))

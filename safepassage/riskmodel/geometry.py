"""Routes, buffers and the H3 cells that cover them.

Distances use a local equirectangular projection per segment: at the tens of kilometres a
buffer spans, its error against the great circle is far below a GPS fix's. The cover of a
buffer is a set of H3 cells that contains every point within the buffer, so a query on an
indexed cell column finds every candidate incident without scanning the rest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from h3.api import basic_int as h3i

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320
EARTH_RADIUS_KM = 6371.0088

# The resolutions of the stored index and aggregates.
RESOLUTIONS = (5, 6, 7)
# Buffers up to this use resolution-6 cells (about 36 km²) for the candidate query; wider
# ones resolution 5 (about 250 km²), so the list of cells stays short.
FINE_QUERY_MAX_KM = 25.0

MAX_POINTS = 500
MAX_BUFFER_KM = 100.0
MAX_ROUTE_KM = 3000.0

Point = tuple[float, float]


class GeometryError(ValueError):
    """A route or point that cannot be evaluated, with a sentence saying why."""


def check_point(lat: object, lon: object) -> Point:
    """A (lat, lon) pair of finite floats in range, or GeometryError."""
    if isinstance(lat, bool) or isinstance(lon, bool):
        raise GeometryError("Coordinates must be numbers.")
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        raise GeometryError("Coordinates must be numbers.")
    flat, flon = float(lat), float(lon)
    if not (math.isfinite(flat) and math.isfinite(flon)):
        raise GeometryError("Coordinates must be finite numbers.")
    if not (-90.0 <= flat <= 90.0 and -180.0 <= flon <= 180.0):
        raise GeometryError(f"({flat}, {flon}) is not a valid latitude/longitude.")
    return flat, flon


def check_route(points: Sequence[object], buffer_km: object) -> tuple[list[Point], float]:
    """Validate a route and its buffer: 1 to MAX_POINTS points, 0 < buffer ≤ MAX_BUFFER_KM."""
    if isinstance(points, str | bytes) or not isinstance(points, Sequence):
        raise GeometryError("A route is a list of (lat, lon) points.")
    if not points:
        raise GeometryError("A route needs at least one point.")
    if len(points) > MAX_POINTS:
        raise GeometryError(f"A route may have at most {MAX_POINTS} points.")
    checked: list[Point] = []
    for point in points:
        if isinstance(point, str | bytes) or not isinstance(point, Sequence) or len(point) != 2:
            raise GeometryError("Each route point is a (lat, lon) pair.")
        checked.append(check_point(point[0], point[1]))
    buffer = check_radius(buffer_km)
    if route_length_km(checked) > MAX_ROUTE_KM:
        raise GeometryError(f"A route may be at most {MAX_ROUTE_KM:.0f} km long.")
    return checked, buffer


def check_radius(radius_km: object) -> float:
    """A radius or buffer in (0, MAX_BUFFER_KM] km, or GeometryError."""
    if isinstance(radius_km, bool) or not isinstance(radius_km, int | float):
        raise GeometryError("The buffer or radius must be a number of kilometres.")
    value = float(radius_km)
    if not (math.isfinite(value) and 0.0 < value <= MAX_BUFFER_KM):
        raise GeometryError(
            f"The buffer or radius must be above 0 and at most {MAX_BUFFER_KM:.0f} km."
        )
    return value


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance between two points."""
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def route_length_km(points: Sequence[Point]) -> float:
    """Length of a polyline along great circles."""
    return sum(haversine_km(a, b) for a, b in zip(points, points[1:], strict=False))


@dataclass(frozen=True)
class Segment:
    """One straight piece of a route, projected around its own mid-latitude."""

    a: Point
    b: Point
    kx: float
    ax: float
    ay: float
    dx: float
    dy: float
    length2: float

    @classmethod
    def of(cls, a: Point, b: Point) -> Segment:
        kx = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians((a[0] + b[0]) / 2))
        ax, ay = a[1] * kx, a[0] * KM_PER_DEG_LAT
        dx, dy = b[1] * kx - ax, b[0] * KM_PER_DEG_LAT - ay
        return cls(a, b, kx, ax, ay, dx, dy, dx * dx + dy * dy)

    def distance_km(self, lat: float, lon: float) -> float:
        """Distance from (lat, lon) to the closest point of the segment."""
        px, py = lon * self.kx - self.ax, lat * KM_PER_DEG_LAT - self.ay
        t = 0.0
        if self.length2 > 0:
            t = min(1.0, max(0.0, (px * self.dx + py * self.dy) / self.length2))
        ex, ey = px - t * self.dx, py - t * self.dy
        return math.sqrt(ex * ex + ey * ey)


def segments(points: Sequence[Point]) -> list[Segment]:
    """The segments of a polyline; a single point is one segment of length zero."""
    if len(points) == 1:
        return [Segment.of(points[0], points[0])]
    return [Segment.of(a, b) for a, b in zip(points, points[1:], strict=False)]


def query_resolution(buffer_km: float) -> int:
    """The H3 resolution of the candidate query for a buffer of this width."""
    return 6 if buffer_km <= FINE_QUERY_MAX_KM else 5


def _interpolate(a: Point, b: Point, steps: int) -> list[Point]:
    return [
        (a[0] + (b[0] - a[0]) * i / steps, a[1] + (b[1] - a[1]) * i / steps)
        for i in range(steps + 1)
    ]


def polyline_distances(
    lats: npt.NDArray[np.float64],
    lons: npt.NDArray[np.float64],
    segs: Sequence[Segment],
    radius_km: float,
) -> npt.NDArray[np.float64]:
    """Distance in km from each point to the route (+inf where it is clearly beyond the radius).

    Each segment measures only the points inside its bounding box grown by the radius, so a
    long route with many points costs little more than a short one.
    """
    distances = np.full(len(lats), np.inf)
    pad_lat = radius_km / KM_PER_DEG_LAT
    # Sorted by latitude, each segment finds its band of candidates by binary search and
    # tests longitudes only there: a route's segments each touch a small slice.
    by_lat = np.argsort(lats, kind="stable")
    sorted_lats = lats[by_lat]
    for seg in segs:
        pad_lon = radius_km / max(seg.kx, 1e-6)
        lo = np.searchsorted(sorted_lats, min(seg.a[0], seg.b[0]) - pad_lat, side="left")
        hi = np.searchsorted(sorted_lats, max(seg.a[0], seg.b[0]) + pad_lat, side="right")
        band = by_lat[lo:hi]
        if band.size == 0:
            continue
        band_lons = lons[band]
        inside = (band_lons >= min(seg.a[1], seg.b[1]) - pad_lon) & (
            band_lons <= max(seg.a[1], seg.b[1]) + pad_lon
        )
        box = band[inside]
        if box.size == 0:
            continue
        px = lons[box] * seg.kx - seg.ax
        py = lats[box] * KM_PER_DEG_LAT - seg.ay
        if seg.length2 > 0:
            t = np.clip((px * seg.dx + py * seg.dy) / seg.length2, 0.0, 1.0)
        else:
            t = np.zeros(box.size)
        d = np.hypot(px - t * seg.dx, py - t * seg.dy)
        distances[box] = np.minimum(distances[box], d)
    return distances


def cover(points: Sequence[Point], buffer_km: float, resolution: int) -> list[int]:
    """H3 cells (as integers) covering every point within ``buffer_km`` of the route.

    The route is sampled every half buffer (at least a cell edge); each sample contributes a
    disk of rings wide enough for the buffer, half the sampling step and a cell's radius.
    Cells whose centre lies farther from the route than the buffer plus a cell's radius
    are then dropped, so the candidate query reads little outside the buffer.
    """
    edge = h3i.average_hexagon_edge_length(resolution, unit="km")
    # Hexagons vary in size over the globe; 1.3 average edges bounds any cell's radius.
    cell_radius = 1.3 * edge
    step = max(edge, buffer_km / 2)
    # Adjacent centres are √3·edge apart; k rings contain a circle of about 1.5·edge·k.
    k = max(1, math.ceil((buffer_km + step / 2 + cell_radius) / (1.5 * edge)))
    # Rounding k up leaves slack: spend it on a longer step, so fewer disks are drawn.
    step = max(step, 2 * (1.5 * edge * k - buffer_km - cell_radius))
    cells: set[int] = set()
    for seg in segments(points):
        length = haversine_km(seg.a, seg.b)
        for lat, lon in _interpolate(seg.a, seg.b, max(1, math.ceil(length / step))):
            cells.update(h3i.grid_disk(h3i.latlng_to_cell(lat, lon, resolution), k))
    found = list(cells)
    centres = np.array([h3i.cell_to_latlng(c) for c in found], dtype=np.float64)
    reach = buffer_km + cell_radius
    near = polyline_distances(centres[:, 0], centres[:, 1], segments(points), reach) <= reach
    return [c for c, keep in zip(found, near.tolist(), strict=True) if keep]


def cells_of(lat: float, lon: float) -> dict[int, int]:
    """The H3 cell (as an integer) of a point at each stored resolution."""
    return {res: h3i.latlng_to_cell(lat, lon, res) for res in RESOLUTIONS}


def cell_center(cell: int) -> Point:
    """The centre of an H3 cell given as an integer."""
    lat, lon = h3i.cell_to_latlng(cell)
    return float(lat), float(lon)


def sample_route(points: Sequence[Point], every_km: float) -> list[Point]:
    """Points along the route at most ``every_km`` apart, both ends included."""
    out: list[Point] = [points[0]]
    for a, b in zip(points, points[1:], strict=False):
        steps = max(1, math.ceil(haversine_km(a, b) / every_km))
        out.extend(_interpolate(a, b, steps)[1:])
    return out

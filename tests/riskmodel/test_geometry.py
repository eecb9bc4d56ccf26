"""Route geometry: validation, distances and the H3 cover of a buffer."""

from __future__ import annotations

import math
import random

import h3
import numpy as np
import pytest

from safepassage.riskmodel import geometry
from safepassage.riskmodel.geometry import GeometryError, Segment, cover, haversine_km

ISLAMABAD = (33.6844, 73.0479)
BISHAM = (34.9430, 72.8710)


def test_a_point_on_the_segment_is_at_distance_zero() -> None:
    seg = Segment.of(ISLAMABAD, BISHAM)
    mid = ((ISLAMABAD[0] + BISHAM[0]) / 2, (ISLAMABAD[1] + BISHAM[1]) / 2)
    assert seg.distance_km(*mid) == pytest.approx(0.0, abs=1e-9)


def test_segment_distance_agrees_with_the_great_circle_beyond_the_ends() -> None:
    seg = Segment.of(ISLAMABAD, BISHAM)
    beyond = (BISHAM[0] + 0.05, BISHAM[1])
    assert seg.distance_km(*beyond) == pytest.approx(haversine_km(BISHAM, beyond), rel=0.01)


def test_the_cover_contains_every_point_within_the_buffer() -> None:
    rng = random.Random(5)
    route = [ISLAMABAD, (34.3, 73.2), BISHAM]
    for buffer_km in (2.0, 10.0, 40.0):
        res = geometry.query_resolution(buffer_km)
        cells = set(cover(route, buffer_km, res))
        segs = geometry.segments(route)
        checked = 0
        while checked < 300:
            lat = rng.uniform(33.4, 35.3)
            lon = rng.uniform(72.4, 73.7)
            distance = min(s.distance_km(lat, lon) for s in segs)
            if distance > buffer_km:
                continue
            cell = h3.str_to_int(h3.latlng_to_cell(lat, lon, res))
            assert cell in cells, (lat, lon, buffer_km)
            checked += 1


def test_the_cover_stays_close_to_the_buffer() -> None:
    cells = cover([ISLAMABAD, BISHAM], 10.0, 6)
    for cell in cells:
        lat, lon = h3.cell_to_latlng(h3.int_to_str(cell))
        distance = min(s.distance_km(lat, lon) for s in geometry.segments([ISLAMABAD, BISHAM]))
        assert distance <= 10.0 + 1.3 * h3.average_hexagon_edge_length(6, unit="km")


def test_polyline_distances_agree_with_the_segments() -> None:
    segs = geometry.segments([ISLAMABAD, (34.3, 73.2), BISHAM])
    lats = np.array([33.9, 34.5, 34.95, 36.0])
    lons = np.array([73.1, 73.0, 72.9, 75.0])
    got = geometry.polyline_distances(lats, lons, segs, 30.0)
    for i in range(3):
        assert got[i] == pytest.approx(min(s.distance_km(lats[i], lons[i]) for s in segs))
    assert got[3] == np.inf


def test_a_single_point_route_covers_a_disk() -> None:
    cells = cover([BISHAM], 10.0, 6)
    assert h3.str_to_int(h3.latlng_to_cell(*BISHAM, 6)) in cells
    assert 10 < len(cells) < 200


@pytest.mark.parametrize(
    ("points", "buffer_km"),
    [
        ([], 10),
        ([(0.0, 0.0)] * 501, 10),
        ([(91.0, 0.0)], 10),
        ([(math.nan, 0.0)], 10),
        ([(0.0, math.inf)], 10),
        ([("33", "73")], 10),
        ([(True, 73.0)], 10),
        ([(33.0,)], 10),
        ("33,73", 10),
        ([ISLAMABAD], 0),
        ([ISLAMABAD], -5),
        ([ISLAMABAD], 100.5),
        ([ISLAMABAD], math.nan),
        ([ISLAMABAD], 1e308),
        ([(0.0, 0.0), (0.0, 179.0)], 10),
    ],
)
def test_it_rejects_routes_it_cannot_evaluate(points: object, buffer_km: object) -> None:
    with pytest.raises(GeometryError):
        geometry.check_route(points, buffer_km)  # type: ignore[arg-type]


def test_sampling_a_route_keeps_both_ends_and_the_spacing() -> None:
    samples = geometry.sample_route([ISLAMABAD, BISHAM], 10.0)
    assert samples[0] == ISLAMABAD and samples[-1] == BISHAM
    gaps = [haversine_km(a, b) for a, b in zip(samples, samples[1:], strict=False)]
    assert max(gaps) <= 10.0

"""Scoring candidates against a route: the buffer, the date cut-off and the breakdown."""

from __future__ import annotations

import h3
import pytest

from safepassage.riskmodel import age_factor, distance_weight
from safepassage.riskmodel.geometry import cover, segments
from safepassage.riskmodel.scoring import Candidate, score

ROUTE = [(33.70, 73.05), (34.30, 73.20)]


def cand(iid: int, lat: float, lon: float, day: int = 2000, value: float = 4.0) -> Candidate:
    cell = h3.str_to_int(h3.latlng_to_cell(lat, lon, 6))
    return Candidate(iid, value, day, lat, lon, cell, f"#{iid}", None, "d")


def test_it_counts_incidents_inside_the_buffer_and_not_beyond() -> None:
    cells = cover(ROUTE, 10.0, 6)
    near = cand(1, 34.0, 73.12)  # on the route
    edge = cand(2, 34.0, 73.12 + 9.0 / 92.3)  # about 9 km east
    far = cand(3, 34.0, 73.12 + 14.0 / 92.3)  # about 14 km east
    found = score([near, edge, far], segments(ROUTE), cells, 10.0, 2000.0)
    assert [s.candidate.incident_id for s in found] == [1, 2]
    assert 7.0 < found[1].distance_km < 10.0


def test_values_are_base_times_age_times_distance() -> None:
    cells = cover(ROUTE, 10.0, 6)
    found = score([cand(1, 34.0, 73.12, day=1800)], segments(ROUTE), cells, 10.0, 2000.0)
    expected = 4.0 * age_factor(200) * distance_weight(found[0].distance_km, 10.0)
    assert found[0].value == pytest.approx(expected)
    assert "years old" in found[0].why


def test_incidents_after_the_evaluation_day_are_left_out() -> None:
    cells = cover(ROUTE, 10.0, 6)
    assert score([cand(1, 34.0, 73.12, day=2001)], segments(ROUTE), cells, 10.0, 2000.0) == []


def test_the_breakdown_is_sorted_largest_first() -> None:
    cells = cover(ROUTE, 10.0, 6)
    found = score(
        [cand(1, 34.0, 73.12, value=1.0), cand(2, 34.1, 73.15, value=9.0)],
        segments(ROUTE),
        cells,
        10.0,
        2000.0,
    )
    assert [s.candidate.incident_id for s in found] == [2, 1]

"""Scoring candidates against a route: the buffer, the date cut-off and the breakdown."""

from __future__ import annotations

import numpy as np
import pytest

from safepassage.riskmodel import age_factor, distance_weight
from safepassage.riskmodel.geometry import segments
from safepassage.riskmodel.scoring import ArrayScore, score_arrays

ROUTE = [(33.70, 73.05), (34.30, 73.20)]
KM_PER_DEG_LON = 92.3  # at 34° N


def run(rows: list[tuple[int, float, float, float, float]], now: float = 2000.0) -> ArrayScore:
    data = np.array([r[1:] for r in rows], dtype=np.float64)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    return score_arrays(
        ids, data[:, 0], data[:, 1], data[:, 2], data[:, 3], segments(ROUTE), 10.0, now
    )


def test_it_counts_incidents_inside_the_buffer_and_not_beyond() -> None:
    result = run(
        [
            (1, 4.0, 2000, 34.0, 73.12),  # on the route
            (2, 4.0, 2000, 34.0, 73.12 + 9.0 / KM_PER_DEG_LON),  # about 9 km east
            (3, 4.0, 2000, 34.0, 73.12 + 14.0 / KM_PER_DEG_LON),  # about 14 km east
            (4, 4.0, 2000, 36.0, 75.0),  # far away
        ]
    )
    assert sorted(result.order.tolist()) == [0, 1]
    assert 7.0 < result.distances[1] < 10.0
    assert result.values[2] == 0.0 and result.values[3] == 0.0


def test_values_are_base_times_age_times_distance() -> None:
    result = run([(1, 4.0, 1800, 34.0, 73.12)])
    expected = 4.0 * age_factor(200) * distance_weight(float(result.distances[0]), 10.0)
    assert result.values[0] == pytest.approx(expected)
    assert result.total == pytest.approx(expected)


def test_incidents_after_the_evaluation_day_are_left_out() -> None:
    result = run([(1, 4.0, 2001, 34.0, 73.12)])
    assert result.total == 0.0 and result.order.size == 0


def test_the_breakdown_is_sorted_largest_first_with_ties_by_id() -> None:
    result = run(
        [
            (7, 1.0, 2000, 34.0, 73.12),
            (9, 9.0, 2000, 34.1, 73.15),
            (3, 1.0, 2000, 34.0, 73.12),
        ]
    )
    assert [int(i) for i in result.order] == [1, 2, 0]
    assert result.total == pytest.approx(float(result.values.sum()))


def test_a_single_point_route_scores_a_disk() -> None:
    data = np.array([[4.0, 2000, 34.0, 73.12], [4.0, 2000, 34.0, 73.30]])
    result = score_arrays(
        np.array([1, 2]),
        data[:, 0],
        data[:, 1],
        data[:, 2],
        data[:, 3],
        segments([(34.0, 73.12)]),
        10.0,
        2000.0,
    )
    assert result.order.tolist() == [0]
    assert result.values[0] == pytest.approx(4.0)


def test_a_limit_lists_the_largest_in_the_same_order_as_without_it() -> None:
    rng = np.random.default_rng(4)
    n = 500
    lats = rng.uniform(33.8, 34.2, n)
    lons = np.full(n, 73.12)
    values = np.round(rng.uniform(0.5, 5.0, n), 1)  # rounded, so ties at the cut happen
    days = np.full(n, 2000.0)
    ids = rng.permutation(n).astype(np.int64)
    full = score_arrays(ids, values, days, lats, lons, segments(ROUTE), 10.0, 2000.0)
    for limit in (0, 1, 17, 200, 499, 500, 800):
        top = score_arrays(
            ids, values, days, lats, lons, segments(ROUTE), 10.0, 2000.0, limit=limit
        )
        assert top.order.tolist() == full.order[:limit].tolist()
        assert top.total == pytest.approx(full.total)
        assert top.count == full.count == n

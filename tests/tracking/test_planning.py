"""Expected check-ins from the route: waypoint ETAs as given, the rest by distance."""

from __future__ import annotations

import datetime as dt

import pytest

from safepassage.tracking.planning import PlanningError, distance_km, plan_stops

UTC = dt.UTC
DEPART = dt.datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
ARRIVE = dt.datetime(2026, 3, 1, 14, 0, tzinfo=UTC)
ORIGIN = ("Islamabad", 33.6844, 73.0479)
DEST = ("Dasu", 35.29, 73.27)


def test_it_plans_departure_each_waypoint_and_arrival_in_order() -> None:
    stops = plan_stops(
        ORIGIN, DEST, [{"name": "Besham", "lat": 34.93, "lon": 72.87}], DEPART, ARRIVE
    )
    assert [s.name for s in stops] == ["Islamabad", "Besham", "Dasu"]
    assert [s.seq for s in stops] == [0, 1, 2]
    assert stops[0].due_at == DEPART and stops[-1].due_at == ARRIVE
    assert not stops[0].interpolated and not stops[-1].interpolated


def test_it_takes_a_waypoint_eta_as_given() -> None:
    eta = "2026-03-01T09:30:00+00:00"
    stops = plan_stops(
        ORIGIN, DEST, [{"name": "Besham", "lat": 34.93, "lon": 72.87, "eta": eta}], DEPART, ARRIVE
    )
    assert stops[1].due_at == dt.datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert stops[1].interpolated is False


def test_it_interpolates_a_waypoint_without_eta_by_its_share_of_the_distance() -> None:
    besham = {"name": "Besham", "lat": 34.93, "lon": 72.87}
    stops = plan_stops(ORIGIN, DEST, [besham], DEPART, ARRIVE)
    first = distance_km(ORIGIN[1:], (34.93, 72.87))
    second = distance_km((34.93, 72.87), DEST[1:])
    expected = DEPART + (ARRIVE - DEPART) * (first / (first + second))
    assert abs((stops[1].due_at - expected).total_seconds()) < 1
    assert stops[1].interpolated is True


def test_it_interpolates_between_the_nearest_known_etas() -> None:
    waypoints = [
        {"name": "A", "lat": 34.0, "lon": 73.0, "eta": "2026-03-01T08:00:00+00:00"},
        {"name": "B", "lat": 34.5, "lon": 73.0},
        {"name": "C", "lat": 35.0, "lon": 73.0, "eta": "2026-03-01T10:00:00+00:00"},
    ]
    stops = plan_stops(ORIGIN, DEST, waypoints, DEPART, ARRIVE)
    # B lies halfway (by distance) between A and C, so halfway between 08:00 and 10:00.
    assert abs((stops[2].due_at - dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)).total_seconds()) < 60


def test_it_ignores_an_eta_outside_the_window_or_running_backwards() -> None:
    waypoints = [
        {"name": "A", "lat": 34.0, "lon": 73.0, "eta": "2026-03-01T11:00:00+00:00"},
        {"name": "B", "lat": 34.5, "lon": 73.0, "eta": "2026-03-01T09:00:00+00:00"},
        {"name": "C", "lat": 35.0, "lon": 73.0, "eta": "2027-01-01T00:00:00+00:00"},
        {"name": "D", "lat": 35.1, "lon": 73.1, "eta": "not a time"},
    ]
    stops = plan_stops(ORIGIN, DEST, waypoints, DEPART, ARRIVE)
    assert [s.interpolated for s in stops] == [False, False, True, True, True, False]
    dues = [s.due_at for s in stops]
    assert dues == sorted(dues)


@pytest.mark.parametrize(
    "waypoint",
    [
        {"name": "x", "lat": 999, "lon": 73.0},
        {"name": "x", "lat": float("nan"), "lon": 73.0},
        {"name": "x", "lat": 34.0, "lon": float("inf")},
        {"name": "x", "lat": "north", "lon": 73.0},
        {"name": "x"},
        "Besham",
    ],
)
def test_it_rejects_a_waypoint_with_an_impossible_position(waypoint: object) -> None:
    with pytest.raises(PlanningError):
        plan_stops(ORIGIN, DEST, [waypoint], DEPART, ARRIVE)  # type: ignore[list-item]


def test_it_rejects_an_arrival_before_the_departure() -> None:
    with pytest.raises(PlanningError, match="after the departure"):
        plan_stops(ORIGIN, DEST, [], ARRIVE, DEPART)

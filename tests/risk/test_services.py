"""Route, point and site risk: the buffer, the breakdown, the districts, the moment."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable

import pytest
from django.utils import timezone

from safepassage.intel.models import Incident
from safepassage.risk.services import (
    RiskInputError,
    RiskResult,
    band_for,
    point_risk,
    route_risk,
    site_risk,
)
from tests.conftest import World

from .conftest import TODAY

pytestmark = pytest.mark.django_db

ISLAMABAD = (33.6844, 73.0479)
BISHAM = (34.9430, 72.8710)
DASU = (35.2900, 73.2700)
ROUTE = [ISLAMABAD, (34.33, 73.20), BISHAM, DASU]
KM_PER_DEG_LON = 111.32 * math.cos(math.radians(34.9))


def test_route_risk_finds_incidents_within_the_buffer_and_not_beyond(
    incident: Callable[..., Incident],
) -> None:
    on_route = incident(lat=BISHAM[0], lon=BISHAM[1])
    inside = incident(lat=BISHAM[0], lon=BISHAM[1] - 8 / KM_PER_DEG_LON)
    beyond = incident(lat=BISHAM[0], lon=BISHAM[1] - 25 / KM_PER_DEG_LON)
    result = route_risk(ROUTE, buffer_km=10.0)
    found = {c.incident_id for c in result.contributions}
    assert on_route.pk in found and inside.pk in found
    assert beyond.pk not in found
    wide = route_risk(ROUTE, buffer_km=30.0)
    assert beyond.pk in {c.incident_id for c in wide.contributions}


def test_the_route_breakdown_sums_to_the_score_and_is_sorted(
    incident: Callable[..., Incident],
) -> None:
    incident(lat=BISHAM[0], lon=BISHAM[1], deaths=6, attack_type="suicide_bombing")
    incident(lat=DASU[0], lon=DASU[1], deaths=13, date=TODAY - datetime.timedelta(days=1900))
    incident(lat=34.0, lon=73.1, attack_type="armed_assault", deaths=0)
    result = route_risk(ROUTE)
    assert len(result.contributions) == 3
    assert sum(c.value for c in result.contributions) == pytest.approx(result.score)
    values = [c.value for c in result.contributions]
    assert values == sorted(values, reverse=True)
    assert result.band == band_for(result.score)
    assert all(c.why and c.label for c in result.contributions)


def test_a_closer_incident_weighs_more_than_a_farther_one(
    incident: Callable[..., Incident],
) -> None:
    near = incident(lat=BISHAM[0], lon=BISHAM[1] - 1 / KM_PER_DEG_LON)
    far = incident(lat=BISHAM[0], lon=BISHAM[1] - 9 / KM_PER_DEG_LON)
    values = {c.incident_id: c.value for c in route_risk(ROUTE).contributions}
    assert values[near.pk] > values[far.pk]


def test_the_route_lists_the_districts_it_passes_through(incident: Callable[..., Incident]) -> None:
    incident(lat=BISHAM[0], lon=BISHAM[1], admin2="Shangla")
    result = route_risk(ROUTE)
    names = [d.admin2 for d in result.districts]
    assert "Shangla" in names
    assert "Islamabad" in names
    assert len(names) == len(set(names))
    shangla = next(d for d in result.districts if d.admin2 == "Shangla")
    assert shangla.score > 0 and shangla.band == band_for(shangla.score)


def test_an_evaluation_in_the_past_leaves_out_later_incidents(
    incident: Callable[..., Incident],
) -> None:
    old = incident(date=TODAY - datetime.timedelta(days=400))
    incident(date=TODAY - datetime.timedelta(days=10))
    then = timezone.now() - datetime.timedelta(days=200)
    result = route_risk(ROUTE, at=then)
    assert [c.incident_id for c in result.contributions] == [old.pk]


def test_rejected_incidents_leave_the_route_score(incident: Callable[..., Incident]) -> None:
    inc = incident()
    assert route_risk(ROUTE).score > 0
    inc.review_state = "rejected"
    inc.save()
    assert route_risk(ROUTE) == RiskResult(0.0, "low", [], route_risk(ROUTE).districts)


def test_point_risk_uses_the_radius(incident: Callable[..., Incident]) -> None:
    inc = incident(lat=BISHAM[0], lon=BISHAM[1] + 4 / KM_PER_DEG_LON)
    assert point_risk(*BISHAM, radius_km=5).contributions[0].incident_id == inc.pk
    assert point_risk(*BISHAM, radius_km=3).contributions == []


def test_site_risk_reads_around_the_site_and_names_its_district(
    world: World, incident: Callable[..., Incident]
) -> None:
    inc = incident(lat=35.30, lon=73.28, admin2="Upper Kohistan")
    result = site_risk(world.camp)
    assert [c.incident_id for c in result.contributions] == [inc.pk]
    assert result.districts[0].admin1 == "Khyber Pakhtunkhwa"
    assert result.districts[0].admin2 == "Upper Kohistan"
    assert result.districts[0].score > 0
    assert site_risk(world.office).score == 0.0


def test_as_dict_is_plain_data(incident: Callable[..., Incident]) -> None:
    incident()
    data = route_risk(ROUTE).as_dict()
    assert set(data) == {"score", "band", "contributions", "districts"}
    assert set(data["contributions"][0]) == {
        "incident_id",
        "label",
        "date",
        "distance_km",
        "value",
        "why",
    }


@pytest.mark.parametrize(
    ("points", "buffer_km"),
    [([], 10.0), ([(math.nan, 73.0)], 10.0), ([ISLAMABAD], 1000.0), ([(0.0, 0.0)] * 600, 10.0)],
)
def test_it_refuses_routes_it_cannot_evaluate(
    points: list[tuple[float, float]], buffer_km: float
) -> None:
    with pytest.raises(RiskInputError):
        route_risk(points, buffer_km)


def test_a_date_is_read_as_its_midnight(incident: Callable[..., Incident]) -> None:
    inc = incident(date=TODAY - datetime.timedelta(days=5))
    assert route_risk(ROUTE, at=TODAY - datetime.timedelta(days=6)).contributions == []
    result = route_risk(ROUTE, at=TODAY)  # type: ignore[arg-type]
    assert [c.incident_id for c in result.contributions] == [inc.pk]

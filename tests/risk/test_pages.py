"""Risk pages and API: who may open each (every role and anonymous), and hostile input.

The table is written out by hand from the policy: every role reads the risk picture; the
site pages also follow each role's site scope (the KP camp and the Sindh office).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from safepassage.intel.models import Incident
from tests.conftest import ROLES, World

pytestmark = pytest.mark.django_db

PRINCIPALS = ("anonymous", *ROLES)

Url = Callable[[World], str]
PAGES: dict[str, Url] = {
    "overview": lambda w: reverse("risk:overview"),
    "district": lambda w: DISTRICT_URL,
    "site list": lambda w: reverse("risk:site-list"),
    "camp": lambda w: reverse("risk:site-detail", args=[w.camp.pk]),
    "office": lambda w: reverse("risk:site-detail", args=[w.office.pk]),
    "api districts": lambda w: "/api/risk/districts",
    "api camp": lambda w: f"/api/risk/sites/{w.camp.pk}",
    "api office": lambda w: f"/api/risk/sites/{w.office.pk}",
}

# fmt: off
MATRIX: dict[str, tuple[int, ...]] = {
    #                  anon admin coord cmdr offcr anlst liais view
    "overview":       (302, 200,  200,  200, 200,  200,  200,  200),
    "district":       (302, 200,  200,  200, 200,  200,  200,  200),
    "site list":      (302, 200,  200,  200, 200,  200,  200,  200),
    "camp":           (302, 200,  200,  200, 200,  200,  200,  200),
    "office":         (302, 200,  404,  404, 404,  200,  404,  404),
    "api districts":  (401, 200,  200,  200, 200,  200,  200,  200),
    "api camp":       (401, 200,  200,  200, 200,  200,  200,  200),
    "api office":     (401, 200,  404,  404, 404,  200,  404,  404),
}
# fmt: on

CASES = [
    pytest.param(page, persona, expected[i], id=f"{page}-{persona}")
    for page, expected in MATRIX.items()
    for i, persona in enumerate(PRINCIPALS)
]
DISTRICT_URL = "/risk/district/?province=Khyber+Pakhtunkhwa&district=Shangla"
ROUTE = [[33.6844, 73.0479], [34.943, 72.871], [35.29, 73.27]]


@pytest.fixture
def bisham(world: World, incident: Callable[..., Incident]) -> Incident:
    return incident(deaths=6, attack_type="suicide_bombing")


@pytest.mark.parametrize(("page", "persona", "expected"), CASES)
def test_each_persona_gets_the_status_the_table_says(
    login: Any, world: World, bisham: Incident, page: str, persona: str, expected: int
) -> None:
    client = login(persona)
    response = client.get(PAGES[page](world))
    assert response.status_code == expected


@pytest.mark.parametrize(("persona", "expected"), [("anonymous", 401), *[(r, 200) for r in ROLES]])
def test_every_role_may_ask_for_a_route_and_anonymous_may_not(
    login: Any, bisham: Incident, persona: str, expected: int
) -> None:
    client = login(persona)
    response = client.post("/api/risk/route", {"points": ROUTE}, content_type="application/json")
    assert response.status_code == expected


def test_the_route_api_returns_the_breakdown_with_the_incident(
    login: Any, bisham: Incident
) -> None:
    response = login("viewer").post(
        "/api/risk/route",
        {"points": ROUTE, "buffer_km": 5, "max_contributions": 1},
        content_type="application/json",
    )
    data = response.json()
    assert data["contributions"][0]["incident_id"] == bisham.pk
    assert len(data["contributions"]) == 1
    assert data["band"] in {"low", "moderate", "elevated", "high", "extreme"}
    assert any(d["admin2"] == "Shangla" for d in data["districts"])


@pytest.mark.parametrize(
    "body",
    [
        {"points": [[0.0, 0.0]] * 501},
        {"points": []},
        {"points": [[91.0, 73.0]]},
        {"points": [[33.0, 181.0]]},
        {"points": [["a", "b"]]},
        {"points": [[33.0]]},
        {"points": [[33.0, 73.0, 5.0]]},
        {"points": "33,73"},
        {"points": ROUTE, "buffer_km": 100000},
        {"points": ROUTE, "buffer_km": 0},
        {"points": ROUTE, "buffer_km": -1},
        {"points": ROUTE, "max_contributions": 10**9},
        {"points": ROUTE, "surprise": 1},
        {"points": [[0.0, 0.0], [0.0, 170.0]]},
        {"buffer_km": 10},
    ],
)
def test_the_route_api_refuses_hostile_input_with_422(
    login: Any, bisham: Incident, body: dict[str, Any]
) -> None:
    response = login("viewer").post("/api/risk/route", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "raw",
    [
        '{"points": [[NaN, 73.0]]}',
        '{"points": [[33.0, Infinity]]}',
        '{"points": [[33.0, 73.0]], "buffer_km": NaN}',
        '{"points": [[1e400, 73.0]]}',
    ],
)
def test_the_route_api_refuses_non_finite_numbers(login: Any, raw: str) -> None:
    response = login("viewer").post("/api/risk/route", raw, content_type="application/json")
    assert response.status_code == 422


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '{"points": ' * 5000])
def test_the_route_api_refuses_unreadable_bodies(login: Any, raw: str) -> None:
    response = login("viewer").post("/api/risk/route", raw, content_type="application/json")
    assert response.status_code in (400, 422)


def test_the_district_page_links_each_contributing_incident(login: Any, bisham: Incident) -> None:
    response = login("viewer").get(DISTRICT_URL)
    assert reverse("intel:incident-detail", args=[bisham.pk]) in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"province": "Nowhere", "district": "Nothing"},
        {"province": "Khyber Pakhtunkhwa"},
        {},
        {"province": "x" * 5000, "district": "y"},
        {"province": "Khyber Pakhtunkhwa", "district": "a/b\x00<script>"},
    ],
)
def test_an_unknown_district_is_not_found(
    login: Any, bisham: Incident, query: dict[str, str]
) -> None:
    response = login("viewer").get(reverse("risk:district"), query)
    assert response.status_code == 404


def test_a_district_with_a_slash_in_its_name_is_linked_and_shown(
    login: Any, incident: Callable[..., Incident]
) -> None:
    incident(admin2="Dera/Ismail")
    client = login("viewer")
    page = client.get(reverse("risk:overview")).content.decode()
    assert "district=Dera%2FIsmail" in page
    response = client.get(
        reverse("risk:district"), {"province": "Khyber Pakhtunkhwa", "district": "Dera/Ismail"}
    )
    assert response.status_code == 200


def test_the_overview_ranks_districts_with_bands(login: Any, bisham: Incident) -> None:
    page = login("viewer").get(reverse("risk:overview")).content.decode()
    assert "Shangla" in page and "band-" in page
    assert "district=Shangla" in page


def test_the_site_page_refuses_a_bad_radius_and_falls_back(login: Any, world: World) -> None:
    url = reverse("risk:site-detail", args=[world.camp.pk])
    for bad in ("nan", "-1", "1e9", "x" * 5000):
        response = login("viewer").get(url, {"radius_km": bad})
        assert response.status_code == 400
    assert login("viewer").get(url, {"radius_km": "40"}).status_code == 200


def test_the_site_api_refuses_a_bad_radius(login: Any, world: World) -> None:
    response = login("viewer").get(f"/api/risk/sites/{world.camp.pk}", {"radius_km": "500"})
    assert response.status_code == 422


def test_the_site_list_shows_only_sites_in_scope(login: Any, world: World) -> None:
    page = login("viewer").get(reverse("risk:site-list")).content.decode()
    assert "Gorge Camp" in page and "Port Office" not in page


def test_the_registry_site_page_links_to_its_risk(login: Any, world: World) -> None:
    page = login("viewer").get(reverse("registry:site-detail", args=[world.camp.pk]))
    assert reverse("risk:site-detail", args=[world.camp.pk]) in page.content.decode()


def test_the_api_districts_lists_provinces_and_districts(login: Any, bisham: Incident) -> None:
    data = login("analyst").get("/api/risk/districts").json()
    assert data["provinces"][0]["admin1"] == "Khyber Pakhtunkhwa"
    assert data["districts"][0]["admin2"] == "Shangla"
    assert json.dumps(data)

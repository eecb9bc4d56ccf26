"""The movements API: every endpoint x every role, and the data each one returns."""

from __future__ import annotations

import json
from typing import Any

import pytest

from safepassage.movements.choices import MovementState
from safepassage.movements.models import MovementRequest
from tests.conftest import ROLES

API = "/api/movements"
PERSONAS = ("anonymous", *ROLES)

# fmt: off
MATRIX: dict[str, tuple[int, ...]] = {
    #               anon  admin coord cmdr  offcr anlst liais view
    "list":        (401,  200,  200,  200,  200,  403,  200,  403),
    "get":         (401,  200,  200,  200,  404,  403,  200,  403),
    "create":      (401,  403,  201,  403,  403,  403,  403,  403),
    "evaluate":    (401,  200,  200,  200,  403,  403,  403,  403),
    "transition":  (401,  200,  200,  200,  403,  403,  403,  403),
}
# fmt: on


def body(world: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "purpose": "Site visit",
        "origin_place": "Islamabad",
        "destination_site": world.camp.pk,
        "waypoints": ["Bisham"],
        "depart_at": "2027-03-15T07:30:00+05:00",
        "arrive_by": "2027-03-15T16:00:00+05:00",
        "people": [world.engineer.pk],
        "vehicles": [world.vehicle_kp.pk],
    }
    return data | changes


def call(client: Any, endpoint: str, world: Any, movement: MovementRequest) -> Any:
    if endpoint == "list":
        return client.get(f"{API}/")
    if endpoint == "get":
        return client.get(f"{API}/{movement.pk}")
    payload: dict[str, Any]
    if endpoint == "transition":
        url, payload = f"{API}/{movement.pk}/transition", {"to_state": "submitted"}
    else:
        url = f"{API}/" if endpoint == "create" else f"{API}/evaluate"
        payload = body(world)
    return client.post(url, json.dumps(payload), content_type="application/json")


@pytest.mark.parametrize("endpoint", list(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_gets_the_status_the_matrix_gives(
    login: Any, world: Any, plan: Any, endpoint: str, persona: str
) -> None:
    movement = plan()
    client = login(persona)
    response = call(client, endpoint, world, movement)
    expected = MATRIX[endpoint][PERSONAS.index(persona)]
    assert response.status_code == expected, response.content


def test_it_creates_a_draft_and_evaluates_it(login: Any, world: Any, incidents: Any) -> None:
    client = login("coordinator")
    response = client.post(f"{API}/", json.dumps(body(world)), content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "draft" and data["waypoints"][0]["name"] == "Besham"
    codes = {r["code"]: r["outcome"] for r in data["rule_results"]}
    assert codes["escort-strength"] == "fail" and codes["armoured-vehicles"] == "pass"
    movement = MovementRequest.objects.get(pk=data["id"])
    assert movement.organisation == world.hydro and movement.created_by == world.user("coordinator")


def test_it_returns_rules_risk_and_proposals_for_an_unsaved_request(
    login: Any, world: Any, incidents: Any
) -> None:
    response = login("commander").post(
        f"{API}/evaluate", json.dumps(body(world)), content_type="application/json"
    )
    data = response.json()
    assert data["outcome"] == "fail"
    assert {c["incident_id"] for c in data["risk"]["contributions"]} == {i.pk for i in incidents}
    assert data["proposals"][0]["unit_name"] == "SPU KP Company 1"
    assert not MovementRequest.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"origin_place": "Atlantis"}, "origin_place"),
        ({"arrive_by": "2027-03-15T06:00:00+05:00"}, "arrive_by"),
        ({"people": [999999]}, "people"),
        ({"waypoints": ["95, 200"]}, "waypoints"),
        ({"purpose": "x" * 301}, "purpose"),
        ({"unknown": 1}, "unknown"),
        ({"destination_site": None, "destination_place": "-33.9, 18.4"}, "waypoints"),
    ],
)
def test_it_rejects_invalid_requests_field_by_field(
    login: Any, world: Any, changes: dict[str, Any], field: str
) -> None:
    response = login("coordinator").post(
        f"{API}/", json.dumps(body(world, **changes)), content_type="application/json"
    )
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_it_refuses_a_body_that_is_not_json(login: Any, world: Any) -> None:
    response = login("coordinator").post(f"{API}/", "{nope", content_type="application/json")
    assert response.status_code == 400


def test_it_approves_with_an_escort_and_reports_a_conflict_as_409(
    login: Any, world: Any, plan: Any
) -> None:
    first, second = plan(vehicles=[world.vehicle_kp]), plan(vehicles=[world.vehicle_kp])
    client = login("admin")
    for movement in (first, second):
        client.post(
            f"{API}/{movement.pk}/transition",
            json.dumps({"to_state": "submitted"}),
            content_type="application/json",
        )
    escort = {"to_state": "approved", "escorts": [{"unit": world.unit_kp.pk, "officers": 12}]}
    ok = client.post(
        f"{API}/{first.pk}/transition", json.dumps(escort), content_type="application/json"
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["state"] == MovementState.APPROVED
    assert len(ok.json()["assignments"]) == 3
    clash = client.post(
        f"{API}/{second.pk}/transition", json.dumps(escort), content_type="application/json"
    )
    assert clash.status_code == 409
    assert "Already held" in clash.json()["detail"]


def test_it_refuses_a_failing_approval_without_an_override(
    login: Any, world: Any, plan: Any
) -> None:
    movement = plan()
    client = login("commander")
    client.post(
        f"{API}/{movement.pk}/transition",
        json.dumps({"to_state": "submitted"}),
        content_type="application/json",
    )
    refused = client.post(
        f"{API}/{movement.pk}/transition",
        json.dumps({"to_state": "approved"}),
        content_type="application/json",
    )
    assert refused.status_code == 409 and "override" in refused.json()["detail"]

"""Movement pages: board, request form (with and without JavaScript), detail, approval."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from safepassage.movements.choices import MovementState
from safepassage.movements.demo import plan_demo_movement
from safepassage.movements.models import MovementRequest


def form_data(world: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "purpose": "Rotation",
        "origin_place": "Islamabad",
        "destination_site": str(world.camp.pk),
        "waypoints": "Bisham",
        "depart_at": "2027-03-15T07:30",
        "arrive_by": "2027-03-15T16:00",
        "people": [str(world.engineer.pk)],
        "vehicles": [str(world.vehicle_kp.pk)],
    }
    return data | changes


def test_the_board_shows_todays_and_tomorrows_movements_with_badges(
    login: Any, world: Any, incidents: Any
) -> None:
    tomorrow = plan_demo_movement(
        destination=world.camp,
        people=[world.engineer],
        vehicles=[world.vehicle_kp],
        created_by=world.user("coordinator"),
        day=timezone.localdate() + datetime.timedelta(days=1),
    )
    later = plan_demo_movement(
        destination=world.camp,
        people=[world.engineer],
        vehicles=[world.vehicle_kp],
        created_by=world.user("coordinator"),
        day=timezone.localdate() + datetime.timedelta(days=5),
    )
    page = login("coordinator").get(reverse("movements:board")).content.decode()
    assert tomorrow.reference in page and later.reference not in page
    assert "rules fail" in page and "band-" in page


def test_roles_without_movements_cannot_open_the_board(login: Any, world: Any) -> None:
    assert login("viewer").get(reverse("movements:board")).status_code == 403


def test_check_without_javascript_shows_rules_and_risk_without_saving(
    login: Any, world: Any, incidents: Any
) -> None:
    response = login("coordinator").post(
        reverse("movements:movement-create"), form_data(world) | {"check": "1"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Escort strength by route risk" in page and "outcome-fail" in page
    assert "Bisham" in page and "Dasu" in page  # both incidents in the breakdown
    assert not MovementRequest.objects.exists()


def test_the_live_endpoint_evaluates_the_unsaved_form(
    login: Any, world: Any, incidents: Any
) -> None:
    response = login("coordinator").post(reverse("movements:movement-evaluate"), form_data(world))
    data = response.json()
    assert {r["code"] for r in data["rules"]} >= {"escort-strength", "daylight-only"}
    urls = [c["url"] for c in data["risk"]["contributions"]]
    assert all(url.startswith("/intel/incidents/") for url in urls) and len(urls) == 2


def test_the_live_endpoint_explains_an_incomplete_form(login: Any, world: Any) -> None:
    response = login("coordinator").post(
        reverse("movements:movement-evaluate"), form_data(world, origin_place="Nowhere-at-all")
    )
    assert response.status_code == 422 and "origin_place" in response.json()["errors"]
    denied = login("viewer").post(reverse("movements:movement-evaluate"), form_data(world))
    assert denied.status_code == 403


def test_saving_the_form_creates_a_draft_and_the_detail_page_shows_it(
    login: Any, world: Any, incidents: Any
) -> None:
    client = login("coordinator")
    response = client.post(reverse("movements:movement-create"), form_data(world) | {"save": "1"})
    movement = MovementRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == movement.get_absolute_url()
    assert movement.rule_results and movement.waypoints[0]["name"] == "Besham"
    page = client.get(movement.get_absolute_url()).content.decode()
    assert movement.reference in page and "/intel/incidents/" in page
    assert "Submitted" in page  # the submit button


def test_the_coordinator_submits_and_the_commander_approves_on_the_approval_page(
    login: Any, world: Any, plan: Any, client: Any
) -> None:
    movement = plan(vehicles=[world.vehicle_kp])
    login("coordinator").post(
        reverse("movements:movement-transition", args=[movement.pk]),
        {"to_state": "submitted", "reason": "Ready"},
    )
    movement.refresh_from_db()
    assert movement.state == MovementState.SUBMITTED
    client.logout()
    commander = login("commander")
    url = reverse("movements:movement-approve", args=[movement.pk])
    page = commander.get(url).content.decode()
    assert "SPU KP Company 1" in page and "Override reason" in page
    field = f"officers_{world.unit_kp.pk}"
    refused = commander.post(
        url, {field: "2", "vehicles": [world.vehicle_kp.pk], "decision": "approve"}
    )
    assert refused.status_code == 409 and "override" in refused.content.decode()
    done = commander.post(
        url, {field: "12", "vehicles": [world.vehicle_kp.pk], "decision": "approve", "reason": "OK"}
    )
    assert done.status_code == 302
    movement.refresh_from_db()
    assert movement.state == MovementState.APPROVED
    assert movement.assignments.filter(unit=world.unit_kp, officers=12).exists()


def test_coordinators_cannot_open_the_approval_page(login: Any, world: Any, plan: Any) -> None:
    movement = plan()
    response = login("coordinator").get(reverse("movements:movement-approve", args=[movement.pk]))
    assert response.status_code == 403


def test_the_form_opens_empty_and_for_editing_a_draft_only(
    login: Any, world: Any, plan: Any
) -> None:
    client = login("coordinator")
    page = client.get(reverse("movements:movement-create")).content.decode()
    assert 'name="check"' in page and "movements.js" in page
    movement = plan()
    edit = client.get(reverse("movements:movement-edit", args=[movement.pk])).content.decode()
    assert "Besham" in edit and str(movement.reference) in edit
    client.post(
        reverse("movements:movement-transition", args=[movement.pk]), {"to_state": "submitted"}
    )
    again = client.get(reverse("movements:movement-edit", args=[movement.pk]))
    assert again.status_code == 302

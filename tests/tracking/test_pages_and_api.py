"""Tracking pages and API × every persona (and anonymous), hostile input, acknowledgement.

The expectations are written out by hand: the movement belongs to the hydro company and is
escorted by the KP unit, so the KP officer and commander are its escort.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from safepassage.access.principals import SystemActor
from safepassage.movements.models import MovementRequest
from safepassage.tracking import services
from safepassage.tracking.models import CheckIn, Escalation
from tests.conftest import ROLES, World
from tests.tracking.conftest import make_movement, start

PERSONAS = [*ROLES, "anonymous"]
TRACKING_PAGE = {
    "admin": 200,
    "coordinator": 200,
    "commander": 200,
    "officer": 200,
    "analyst": 403,
    "liaison": 403,
    "viewer": 403,
    "anonymous": 302,
}
CHECK_IN_PAGE = TRACKING_PAGE | {"admin": 403, "coordinator": 403}
ESCALATIONS_PAGE = TRACKING_PAGE
API_LIST = TRACKING_PAGE | {"anonymous": 401}
API_POST = {
    "admin": 403,
    "coordinator": 403,
    "commander": 201,
    "officer": 201,
    "analyst": 403,
    "liaison": 403,
    "viewer": 403,
    "anonymous": 401,
}


def _post_json(client: Client, url: str, body: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json")


def _api(pk: int) -> str:
    return f"/api/tracking/movements/{pk}/checkins"


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_tracking_pages_follow_the_permission_matrix(
    persona: str, login: Any, under_way: MovementRequest
) -> None:
    client = login(persona)
    pages = [
        (reverse("tracking:movement", args=[under_way.pk]), TRACKING_PAGE),
        (reverse("tracking:check-in", args=[under_way.pk]), CHECK_IN_PAGE),
        (reverse("tracking:escalations"), ESCALATIONS_PAGE),
    ]
    for url, matrix in pages:
        assert client.get(url).status_code == matrix[persona], url


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_tracking_api_follows_the_permission_matrix(
    persona: str, login: Any, under_way: MovementRequest
) -> None:
    client = login(persona)
    assert client.get(_api(under_way.pk)).status_code == API_LIST[persona]
    assert client.get("/api/tracking/escalations").status_code == API_LIST[persona]
    response = _post_json(client, _api(under_way.pk), {"status": "ok", "lat": 33.69, "lon": 73.05})
    assert response.status_code == API_POST[persona], response.content
    if response.status_code == 201:
        assert (
            response.json()["expected_name"] == "Islamabad" or response.json()["expected"] is None
        )


def test_a_check_in_on_someone_elses_movement_is_not_found(world: World, login: Any) -> None:
    other = start(world, make_movement(world, unit=world.unit_sd, reference="MV-SD-1"))
    client = login("officer")
    assert client.get(reverse("tracking:movement", args=[other.pk])).status_code == 404
    assert client.get(reverse("tracking:check-in", args=[other.pk])).status_code == 404
    response = _post_json(client, _api(other.pk), {"status": "ok", "lat": 24.8, "lon": 67.0})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert not CheckIn.objects.exists()


def test_a_check_in_on_a_movement_not_under_way_is_a_clear_error(world: World, login: Any) -> None:
    movement = make_movement(world)
    response = _post_json(
        login("officer"), _api(movement.pk), {"status": "ok", "lat": 33.6, "lon": 73}
    )
    assert response.status_code == 422
    assert "not under way" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"status": "ok", "lat": 999, "lon": 73.0},
        {"status": "ok", "lat": 33.6, "lon": -181},
        '{"status": "ok", "lat": NaN, "lon": 73.0}',
        '{"status": "ok", "lat": 33.6, "lon": Infinity}',
        {"status": "ok", "lat": 33.6, "lon": 73.0, "note": "x" * 100_000},
        {"status": "panic", "lat": 33.6, "lon": 73.0},
        {"status": "ok", "lat": 33.6, "lon": 73.0, "at": "2020-01-01T00:00:00Z"},
        {"status": "ok"},
        [1, 2, 3],
    ],
)
def test_the_api_rejects_hostile_check_ins(
    body: Any, login: Any, under_way: MovementRequest
) -> None:
    response = _post_json(login("officer"), _api(under_way.pk), body)
    assert response.status_code == 422, response.content
    assert response.json()["detail"]
    assert not CheckIn.objects.exists()


def test_the_api_rejects_unreadable_and_oversized_bodies(
    login: Any, under_way: MovementRequest
) -> None:
    client = login("officer")
    assert _post_json(client, _api(under_way.pk), "{not json").status_code == 400
    huge = json.dumps({"status": "ok", "note": "x" * (3 * 1024 * 1024)})
    assert _post_json(client, _api(under_way.pk), huge).status_code == 413


def test_the_check_in_page_records_a_check_in_and_meets_the_departure(
    world: World, login: Any, under_way: MovementRequest
) -> None:
    client = login("officer")
    url = reverse("tracking:check-in", args=[under_way.pk])
    page = client.get(url)
    assert b'name="status" value="sos"' in page.content
    assert b"tracking.js" in page.content and b"https://" not in page.content
    response = client.post(url, {"status": "ok", "lat": "33.6845", "lon": "73.048", "note": ""})
    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert checkin.officer == world.user("officer")
    assert checkin.expected is not None and checkin.expected.name == "Islamabad"


def test_the_check_in_page_answers_bad_input_with_the_reason(
    login: Any, under_way: MovementRequest
) -> None:
    client = login("officer")
    url = reverse("tracking:check-in", args=[under_way.pk])
    response = client.post(url, {"status": "ok", "lat": "999", "lon": "73"})
    assert response.status_code == 422
    assert b"Latitude 999.0 is outside" in response.content
    response = client.post(url, {"status": "ok", "lat": "33.6", "lon": "73", "note": "x" * 9000})
    assert response.status_code == 422 and b"at most 500" in response.content
    assert not CheckIn.objects.exists()


def test_an_sos_from_the_page_shows_prominently_on_the_tracking_page(
    login: Any, under_way: MovementRequest
) -> None:
    client = login("officer")
    client.post(
        reverse("tracking:check-in", args=[under_way.pk]), {"status": "sos", "note": "Shots"}
    )
    page = client.get(reverse("tracking:movement", args=[under_way.pk]))
    assert b'class="sos-banner"' in page.content
    assert b"Shots" in page.content


def test_a_missed_check_in_escalation_is_shown_acknowledged_on_the_web_and_audited(
    world: World, login: Any, under_way: MovementRequest
) -> None:
    first = under_way.expected_checkins.order_by("seq")[0]
    services.escalate_due(first.overdue_at + dt.timedelta(minutes=10), SystemActor("job:test"))
    client = login("admin")
    page = client.get(reverse("tracking:movement", args=[under_way.pk])).content.decode()
    assert "Step 1: escort_lead" in page and "Step 2: unit_commander" in page
    assert "Escalation history (audit log)" in page
    assert "Acknowledge" in page
    commander = login("commander")
    step = Escalation.objects.get(expected=first, level="2")
    response = commander.post(
        reverse("tracking:acknowledge", args=[step.pk]), {"note": "Calling the convoy"}
    )
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.acknowledged_by == world.user("commander")
    # The other open step of the same check-in is closed with it.
    assert not Escalation.objects.filter(expected=first, acknowledged_at__isnull=True).exists()
    page = client.get(reverse("tracking:movement", args=[under_way.pk])).content.decode()
    assert "Calling the convoy" in page


def test_acknowledging_through_the_api(
    world: World, login: Any, under_way: MovementRequest
) -> None:
    first = under_way.expected_checkins.order_by("seq")[0]
    services.escalate_due(first.overdue_at, SystemActor("job:test"))
    step = Escalation.objects.get(expected=first, level="1")
    url = f"/api/tracking/escalations/{step.pk}/acknowledge"
    client = login("viewer")
    assert _post_json(client, url, {"note": "x"}).status_code == 403
    client = login("officer")
    assert _post_json(client, url, {"note": ""}).status_code == 422
    response = _post_json(client, url, {"note": "Convoy in a dead zone"})
    assert response.status_code == 200
    assert response.json()["acknowledged_by"] == "officer"
    assert _post_json(client, url, {"note": "again"}).status_code == 422
    listed = client.get(f"/api/tracking/movements/{under_way.pk}/escalations").json()
    assert listed[0]["note"] == "Convoy in a dead zone"
    expected = client.get(f"/api/tracking/movements/{under_way.pk}/expected").json()
    assert expected[0]["state"] == "acknowledged"


def test_administrators_edit_the_ladder_in_the_admin_and_bad_steps_are_refused(
    login: Any, world: World
) -> None:
    from safepassage.tracking.models import EscalationLadder

    ladder = EscalationLadder.objects.get(name="Default")
    url = reverse("admin:tracking_escalationladder_change", args=[ladder.pk])
    assert login("admin").get(url).status_code == 200
    bad = json.dumps(
        [{"after_minutes": 10, "role": "escort_lead"}, {"after_minutes": 5, "role": "x"}]
    )
    response = login("admin").post(url, {"name": "Default", "active": "on", "steps": bad})
    assert response.status_code == 200 and b"comes before the step above it" in response.content
    good = json.dumps([{"after_minutes": 0, "role": "unit_commander"}])
    response = login("admin").post(url, {"name": "Default", "active": "on", "steps": good})
    assert response.status_code == 302
    ladder.refresh_from_db()
    assert ladder.steps == [{"after_minutes": 0, "role": "unit_commander"}]


@pytest.mark.parametrize("persona", ["commander", "officer", "coordinator"])
def test_other_roles_cannot_change_the_ladder(persona: str, login: Any, world: World) -> None:
    from safepassage.tracking.models import EscalationLadder

    ladder = EscalationLadder.objects.get(name="Default")
    url = reverse("admin:tracking_escalationladder_change", args=[ladder.pk])
    assert login(persona).get(url).status_code in (302, 403)


def test_the_escalations_page_lists_movements_under_way_with_a_check_in_link_for_the_escort(
    login: Any, under_way: MovementRequest
) -> None:
    check_in = reverse("tracking:check-in", args=[under_way.pk]).encode()
    page = login("officer").get(reverse("tracking:escalations")).content
    assert under_way.reference.encode() in page and check_in in page
    page = login("coordinator").get(reverse("tracking:escalations")).content
    assert under_way.reference.encode() in page and check_in not in page

"""Analysts set an incident's TLP marking on the review page and by the API; it is audited."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.urls import reverse

from safepassage.intel.models import Incident, ReviewDecision
from safepassage.sharing import tlp
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(world: World) -> Incident:
    return Incident.objects.create(
        kind="attack",
        date=datetime.date(2026, 11, 1),
        admin1="Khyber Pakhtunkhwa",
        tlp=tlp.AMBER,
        organisation=world.spu_kp,
    )


def post_mark(client: Any, incident: Incident, **fields: str) -> Any:
    url = reverse("intel:incident-review-action", args=[incident.pk, "mark"])
    return client.post(url, {f"mark-{k}": v for k, v in fields.items()})


def test_an_analyst_marks_an_incident_red_for_named_people(
    world: World, login: Any, incident: Incident
) -> None:
    response = post_mark(login("analyst"), incident, tlp="red", recipients="coordinator")
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.tlp == tlp.RED
    assert {u.username for u in incident.recipients.all()} == {"analyst", "coordinator"}
    decision = ReviewDecision.objects.get(incident=incident, decision="mark")
    assert decision.payload["before"]["tlp"] == tlp.AMBER
    # The viewer is not named: the incident page now answers 404 for them.
    client = login("viewer")
    assert client.get(incident.get_absolute_url()).status_code == 404


def test_the_review_page_shows_the_marking_form_and_badge(
    world: World, login: Any, incident: Incident
) -> None:
    page = login("analyst").get(reverse("intel:incident-review", args=[incident.pk]))
    assert page.status_code == 200
    assert b"TLP:AMBER" in page.content and b'name="mark-tlp"' in page.content


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tlp": "red"}, "Name at least one recipient"),
        ({"tlp": "green", "recipients": "coordinator"}, "only for TLP:RED"),
        ({"tlp": "green"}, "Say why the marking is lowered"),
        ({"tlp": "red", "recipients": "nobody-by-that-name"}, "No active user named"),
        ({"tlp": "purple"}, "Select a valid choice"),
        ({"tlp": "red", "recipients": "x," * 1500}, "at most 2000 characters"),
    ],
)
def test_a_bad_marking_is_refused_with_a_clear_error(
    world: World, login: Any, incident: Incident, fields: dict[str, str], message: str
) -> None:
    response = post_mark(login("analyst"), incident, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    incident.refresh_from_db()
    assert incident.tlp == tlp.AMBER


def test_a_viewer_may_not_change_a_marking(world: World, login: Any, incident: Incident) -> None:
    response = post_mark(login("viewer"), incident, tlp="clear", reason="public now")
    assert response.status_code in (403, 404)
    incident.refresh_from_db()
    assert incident.tlp == tlp.AMBER


def test_amber_strict_moves_an_unowned_incident_into_the_analysts_organisation(
    world: World, login: Any
) -> None:
    orphan = Incident.objects.create(kind="attack", tlp=tlp.GREEN)
    assert post_mark(login("analyst"), orphan, tlp="amber+strict").status_code == 302
    orphan.refresh_from_db()
    assert (orphan.tlp, orphan.organisation_id) == (tlp.AMBER_STRICT, world.spu_kp.pk)


def test_the_api_sets_a_marking(world: World, client: Any, incident: Incident) -> None:
    client.force_login(world.user("analyst"))
    url = f"/api/intel/incidents/{incident.pk}/review/mark"
    body = {"tlp": "red", "recipients": ["commander"], "reason": "source protection"}
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["incident"]["tlp"] == "red"
    bad = client.post(
        url, json.dumps({"tlp": "red", "recipients": ["ghost"]}), content_type="application/json"
    )
    assert bad.status_code == 422 and "ghost" in bad.content.decode()

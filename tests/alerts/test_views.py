"""The alert pages and API: who may see what, and what hostile input gets back."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from safepassage.alerts.models import Alert, AlertRule
from safepassage.alerts.services import notify
from tests.conftest import ROLES

pytestmark = pytest.mark.django_db

PERSONAS = [*ROLES, "anonymous"]


@pytest.fixture
def coordinators_alert(world: Any) -> Alert:
    [alert] = notify(
        [world.user("coordinator")],
        "Bombing 9 km from Gorge Camp",
        "You are responsible for Gorge Camp (security coordinator, Indus Gorge Hydro Co).",
        kind="incident_near_site",
        severity="high",
        dedupe_key="view-test",
        related=world.camp,
    )
    return alert


def _status(client: Any, method: str, url: str, **extra: Any) -> int:
    response = getattr(client, method)(url, **extra)
    return int(response.status_code)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_pages_follow_the_permission_matrix(
    persona: str, login: Any, coordinators_alert: Alert
) -> None:
    client = login(persona)
    pk = coordinators_alert.pk
    own_pages = ["alerts:inbox", "alerts:held", "alerts:preferences"]
    if persona == "anonymous":
        for name in [*own_pages, "alerts:rules"]:
            assert _status(client, "get", reverse(name)) == 302
        assert _status(client, "get", reverse("alerts:alert-detail", args=[pk])) == 302
        return
    for name in own_pages:
        assert _status(client, "get", reverse(name)) == 200, name
    admin = persona == "admin"
    assert _status(client, "get", reverse("alerts:rules")) == (200 if admin else 403)
    assert _status(client, "get", reverse("alerts:rule-create")) == (200 if admin else 403)
    sees_it = persona in ("coordinator", "admin")
    detail = _status(client, "get", reverse("alerts:alert-detail", args=[pk]))
    assert detail == (200 if sees_it else 404)
    read = _status(client, "post", reverse("alerts:alert-read", args=[pk]))
    assert read == (302 if sees_it else 404)
    coordinators_alert.refresh_from_db()
    assert (coordinators_alert.read_at is not None) == sees_it


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_api_follows_the_permission_matrix(
    persona: str, login: Any, coordinators_alert: Alert
) -> None:
    client = login(persona)
    pk = coordinators_alert.pk
    listing = client.get("/api/alerts/")
    if persona == "anonymous":
        assert listing.status_code == 401
        assert client.get(f"/api/alerts/{pk}").status_code == 401
        assert client.post(f"/api/alerts/{pk}/read").status_code == 401
        return
    assert listing.status_code == 200
    mine = persona == "coordinator"
    # The list is personal for everyone; an administrator may still open any alert.
    assert listing.json()["count"] == (1 if mine else 0)
    sees_it = persona in ("coordinator", "admin")
    detail = client.get(f"/api/alerts/{pk}")
    assert detail.status_code == (200 if sees_it else 404)
    if sees_it:
        assert detail.json()["why"].startswith("You are responsible for Gorge Camp")
    read = client.post(f"/api/alerts/{pk}/read")
    assert read.status_code == (200 if sees_it else 404)


def test_the_inbox_lists_unread_first_with_the_why_text_and_links(
    login: Any, world: Any, coordinators_alert: Alert
) -> None:
    notify(
        [world.user("coordinator")],
        "Older and already read",
        "An older notice.",
        kind="notice",
        severity="low",
        dedupe_key="older",
    )
    Alert.objects.filter(title="Older and already read").update(read_at="2026-01-01T00:00:00Z")
    body = login("coordinator").get(reverse("alerts:inbox")).content.decode()
    assert body.index("Bombing 9 km from Gorge Camp") < body.index("Older and already read")
    assert "You are responsible for Gorge Camp" in body
    assert world.camp.get_absolute_url() in body


def test_the_held_page_shows_what_was_held_and_why(login: Any, world: Any) -> None:
    Alert.objects.create(
        recipient=world.user("commander"),
        subject_type="site",
        subject_id=world.camp.pk,
        subject_label="Gorge Camp",
        kind="incident_near_site",
        severity=2,
        title="Armed assault 8 km from Gorge Camp",
        why="You are responsible for Gorge Camp.",
        dedupe_key="held-1",
        state="held",
        held_reason="Below the threshold of the rule “Incidents near our sites”.",
    )
    body = login("commander").get(reverse("alerts:held")).content.decode()
    assert "Armed assault 8 km from Gorge Camp" in body and "Below the threshold" in body
    other = login("coordinator").get(reverse("alerts:held")).content.decode()
    assert "Armed assault 8 km" not in other


def test_an_administrator_edits_a_rule_and_bad_values_are_refused(login: Any) -> None:
    client = login("admin")
    rule = AlertRule.objects.get(subject="site")
    data = {
        "name": rule.name,
        "subject": "site",
        "radius_km": "30",
        "min_severity": "3",
        "max_age_days": "14",
        "channels": ["in_app", "email"],
        "responsible": ["org_coordinators"],
        "dedupe_minutes": "120",
        "group_minutes": "5",
        "enabled": "on",
    }
    url = reverse("alerts:rule-edit", args=[rule.pk])
    assert client.post(url, data).status_code == 302
    rule.refresh_from_db()
    assert (rule.radius_km, rule.min_severity, rule.channels) == (30.0, 3, ["in_app", "email"])
    for field, value in [
        ("radius_km", "1e309"),
        ("radius_km", "nan"),
        ("radius_km", "-5"),
        ("channels", ["sms"]),
        ("responsible", ["escort_officers"]),
        ("name", "x" * 5000),
        ("min_severity", "99"),
    ]:
        response = client.post(url, {**data, field: value})
        assert response.status_code == 400, (field, value)
    rule.refresh_from_db()
    assert rule.radius_km == 30.0


def test_a_non_administrator_cannot_post_a_rule(login: Any) -> None:
    response = login("coordinator").post(reverse("alerts:rule-create"), {"name": "Mine"})
    assert response.status_code == 403
    assert not AlertRule.objects.filter(name="Mine").exists()


@pytest.mark.parametrize(
    "url",
    [
        "/alerts/?show=%3Cscript%3Ealert(1)%3C/script%3E",
        "/alerts/?page=-1",
        "/alerts/?page=99999999999999999999999",
        "/alerts/held/?page=abc",
        "/alerts/99999999999999999999999/",
    ],
)
def test_hostile_page_input_gets_a_clean_answer(url: str, login: Any) -> None:
    response = login("coordinator").get(url)
    assert response.status_code in (200, 404)
    assert b"<script>alert(1)" not in response.content


def test_the_read_redirect_stays_on_the_site(login: Any, coordinators_alert: Alert) -> None:
    url = reverse("alerts:alert-read", args=[coordinators_alert.pk])
    response = login("coordinator").post(url, {"next": "//evil.example/alerts/"})
    assert response["Location"] == reverse("alerts:inbox")


@pytest.mark.parametrize(
    "query",
    ["limit=100000", "offset=-1", "unread=maybe", "state=drop%20table", "limit=abc"],
)
def test_hostile_api_queries_are_refused_with_422(query: str, login: Any) -> None:
    response = login("coordinator").get(f"/api/alerts/?{query}")
    assert response.status_code == 422


def test_an_api_id_beyond_the_database_range_is_refused(login: Any) -> None:
    client = login("coordinator")
    assert client.get("/api/alerts/99999999999999999999999").status_code == 422
    assert client.post("/api/alerts/0/read").status_code == 422


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_administrators_reach_the_rules_and_webhooks_in_the_admin(
    persona: str, login: Any
) -> None:
    client = login(persona)
    for path in ["/admin/alerts/alertrule/", "/admin/alerts/webhook/", "/admin/alerts/alert/"]:
        status = client.get(path).status_code
        if persona == "admin":
            assert status == 200, path
        else:
            assert status in (302, 403), (persona, path)

"""The demo gives every persona a useful dashboard, the seed articles' incidents included."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from safepassage.accounts.models import User
from safepassage.core.demo import load_demo_data
from safepassage.core.demo_intel import load_demo_reports
from safepassage.dashboard.demo import extend_demo
from safepassage.dashboard.panels import Panel, panels_for
from safepassage.movements.demo import create_demo_movement
from tests.shared import require_shared

# Panels that must have something in them for each demo login.
FILLED = {
    "admin": {"decide", "overdue", "escorts", "review", "new_incidents", "movements", "trends"},
    "coordinator": {"people", "sites", "movements", "overdue", "new_incidents"},
    "commander": {"decide", "escorts", "overdue", "sites", "new_incidents"},
    "officer": {"overdue", "movements", "sites", "new_incidents"},
    "analyst": {"review", "new_incidents", "trends", "engagements"},
    "liaison": {"shared", "people", "movements", "sites", "engagements"},
    "viewer": {"new_incidents", "sites", "trends", "engagements"},
}


def panels(username: str) -> dict[str, Panel]:
    return {p.key: p for p in panels_for(User.objects.get(username=username))}


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.mark.django_db
def test_the_demo_fills_every_personas_dashboard(django_capture_on_commit_callbacks: Any) -> None:
    """One test, because the seed articles take seconds to read: the demo is loaded once."""
    require_shared("seeds")
    load_demo_data()
    with django_capture_on_commit_callbacks(execute=True):
        assert load_demo_reports() > 0
    create_demo_movement()
    added = extend_demo()
    assert any("submitted for a decision" in line for line in added)
    assert any("under way with an overdue check-in" in line for line in added)
    assert any("sharing agreement" in line for line in added)
    assert extend_demo() == [], "a second run must add nothing"

    for username, wanted in FILLED.items():
        found = panels(username)
        empty = {key for key in wanted if not found[key].count}
        assert not empty, f"{username}'s dashboard has empty panels: {sorted(empty)}"
        assert signed_in(username).get(reverse("core:home")).status_code == 200

    # The seed articles' incidents reach every incident panel, the liaison's included.
    for username in ("analyst", "viewer", "commander", "coordinator"):
        rows = panels(username)["new_incidents"].rows
        assert any(r["incident"].admin2 == "Shangla" for r in rows), username
    assert any(r["ours"] for r in panels("liaison")["shared"].rows)

    # The seeds' 2024-2025 meetings fill the timeline, with participants and topics.
    data = signed_in("liaison").get(reverse("dashboard:timeline-json")).json()
    dated = [e for e in data["engagements"] if e["date"] and e["date"][:4] in ("2024", "2025")]
    assert len(dated) >= 3
    assert any(len(e["participants"]) >= 2 and e["topics"] for e in dated)

    # The charts have something to draw for the analyst.
    client = signed_in("analyst")
    for name in ("chart-incidents", "chart-deaths", "chart-risk"):
        body = client.get(reverse(f"dashboard:{name}")).json()
        assert body.get("series") or body.get("provinces"), name

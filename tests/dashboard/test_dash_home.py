"""The persona dashboards: each role sees its own panels, filled only with what the gate allows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from safepassage.dashboard.panels import Panel, panels_for
from safepassage.intel.models import Incident
from safepassage.sharing.models import SharingAgreement
from safepassage.tracking.models import ExpectedCheckIn
from tests.conftest import World
from tests.dashboard.dash_helpers import escort, incident, movement


def panels(world: World, persona: str, now: dt.datetime | None = None) -> dict[str, Panel]:
    return {p.key: p for p in panels_for(world.user(persona), now)}


def shown_incidents(panel: Panel) -> set[int]:
    return {row["incident"].pk for row in panel.rows}


def test_it_sends_anonymous_readers_to_the_login_page(client: Any, world: World) -> None:
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_site_home_shows_the_signed_in_readers_dashboard(login: Any, world: World) -> None:
    client = login("commander")
    home = client.get(reverse("core:home"))
    dashboard = client.get(reverse("dashboard:home"))
    assert home.status_code == dashboard.status_code == 200
    keys = [p.key for p in home.context["panels"]]
    assert keys == [p.key for p in dashboard.context["panels"]]
    assert "Requests to decide" in home.content.decode()


def test_it_shows_the_coordinator_their_people_sites_and_movements(world: World) -> None:
    planned = movement(world)
    other_org = movement(world, organisation=world.port, destination_site=world.office)
    found = panels(world, "coordinator")
    assert list(found)[:3] == ["people", "sites", "movements"]
    assert found["people"].count == 1
    assert found["people"].rows == [{"site": "Gorge Camp", "count": 1}]
    assert [row["site"] for row in found["sites"].rows] == [world.camp]
    assert found["sites"].count == 1
    shown = [row["movement"] for row in found["movements"].rows]
    assert planned in shown and other_org not in shown


def test_it_shows_the_commander_requests_escorts_and_overdue_checkins(world: World) -> None:
    now = timezone.now()
    waiting = movement(world, state="submitted")
    movement(world, state="draft")
    under_way = movement(world, state="under_way", depart=now - dt.timedelta(hours=3))
    escort(under_way, world.unit_kp, officers=6)
    late = ExpectedCheckIn.objects.create(
        movement=under_way,
        seq=1,
        name="Shatial",
        lat=35.53,
        lon=73.57,
        due_at=now - dt.timedelta(hours=1),
    )
    found = panels(world, "commander", now)
    assert list(found)[:3] == ["decide", "escorts", "overdue"]
    assert [row["movement"] for row in found["decide"].rows] == [waiting]
    assert found["decide"].count == 1
    (duty,) = found["escorts"].rows
    assert duty["assignment"].unit == world.unit_kp and duty["own"] and duty["on_duty"]
    assert found["escorts"].extra["officers"] == 6
    (overdue,) = found["overdue"].rows
    assert overdue["expected"] == late and overdue["minutes"] == 60


def test_it_counts_only_checkins_past_their_grace_as_overdue(world: World) -> None:
    now = timezone.now()
    under_way = movement(world, state="under_way", depart=now - dt.timedelta(hours=2))
    make = ExpectedCheckIn.objects.create
    make(
        movement=under_way,
        seq=1,
        name="In grace",
        lat=34,
        lon=73,
        due_at=now - dt.timedelta(minutes=10),
    )
    make(
        movement=under_way, seq=2, name="Later", lat=34, lon=73, due_at=now + dt.timedelta(hours=1)
    )
    make(
        movement=under_way,
        seq=3,
        name="Met",
        lat=34,
        lon=73,
        due_at=now - dt.timedelta(hours=1),
        state="met",
    )
    finished = movement(world, state="completed", depart=now - dt.timedelta(hours=5))
    make(movement=finished, seq=1, name="Old", lat=34, lon=73, due_at=now - dt.timedelta(hours=4))
    panel = panels(world, "commander", now)["overdue"]
    assert panel.count == 0 and panel.rows == []
    late = make(
        movement=under_way,
        seq=4,
        name="Late",
        lat=34,
        lon=73,
        due_at=now - dt.timedelta(minutes=16),
    )
    assert [r["expected"] for r in panels(world, "commander", now)["overdue"].rows] == [late]


def test_the_coordinator_sees_overdue_checkins_of_their_own_organisation_only(world: World) -> None:
    now = timezone.now()
    ours = movement(world, state="under_way", depart=now - dt.timedelta(hours=2))
    theirs = movement(
        world, state="under_way", depart=now - dt.timedelta(hours=2), organisation=world.port
    )
    for m in (ours, theirs):
        ExpectedCheckIn.objects.create(
            movement=m, seq=1, name="Checkpoint", lat=34, lon=73, due_at=now - dt.timedelta(hours=1)
        )
    rows = panels(world, "coordinator", now)["overdue"].rows
    assert [r["expected"].movement for r in rows] == [ours]


def test_the_field_officer_sees_only_the_movements_their_unit_escorts(world: World) -> None:
    ours = movement(world, state="approved")
    escort(ours, world.unit_kp)
    other = movement(world, state="approved")
    escort(other, world.unit_sd)
    found = panels(world, "officer")
    assert list(found)[:2] == ["overdue", "movements"]
    assert found["movements"].title == "My unit's movements"
    assert [row["movement"] for row in found["movements"].rows] == [ours]


def test_it_shows_the_analyst_the_review_queue_new_incidents_and_trends(world: World) -> None:
    today = timezone.localdate()
    queued = incident(review_state="needs_review", confidence=0.3, date=today)
    settled = incident(date=today.replace(day=1))
    old = incident(date=today.replace(year=today.year - 1))
    Incident.objects.filter(pk=old.pk).update(created=timezone.now() - dt.timedelta(days=30))
    found = panels(world, "analyst")
    assert list(found)[:3] == ["review", "new_incidents", "trends"]
    assert [row["incident"] for row in found["review"].rows] == [queued]
    assert "low confidence (0.30)" in found["review"].rows[0]["why"]
    assert shown_incidents(found["new_incidents"]) == {queued.pk, settled.pk}
    assert found["new_incidents"].extra["all"] == 3
    (kp,) = found["trends"].rows
    assert kp["province"] == "Khyber Pakhtunkhwa"
    assert kp["years"][-2:] == [1, 2] and kp["direction"] == "up"
    assert found["trends"].count == 3


def test_an_amber_strict_incident_stays_inside_its_organisation(world: World, login: Any) -> None:
    strict = incident(tlp="amber+strict", organisation=world.spu_kp, place_name="Strictville")
    assert strict.pk in shown_incidents(panels(world, "analyst")["new_incidents"])
    assert strict.pk in shown_incidents(panels(world, "commander")["new_incidents"])
    assert strict.pk not in shown_incidents(panels(world, "coordinator")["new_incidents"])
    assert "Strictville" not in login("coordinator").get(reverse("dashboard:home")).content.decode()


def test_a_red_incident_reaches_only_its_named_recipients(world: World) -> None:
    red = incident(tlp="red", recipients=[world.user("commander")])
    assert red.pk in shown_incidents(panels(world, "commander")["new_incidents"])
    for persona in ("analyst", "coordinator", "viewer", "admin"):
        assert red.pk not in shown_incidents(panels(world, persona)["new_incidents"]), persona


def test_the_liaison_reads_only_clear_without_an_agreement(world: World, login: Any) -> None:
    SharingAgreement.objects.filter(partner=world.ministry_cn).delete()
    clear = incident(tlp="clear", place_name="Clearton")
    incident(tlp="green", place_name="Greenton")
    found = panels(world, "liaison")
    assert list(found)[0] == "shared"
    assert shown_incidents(found["shared"]) == {clear.pk}
    assert found["shared"].extra["agreements"] == []
    html = login("liaison").get(reverse("dashboard:home")).content.decode()
    assert "Clearton" in html and "Greenton" not in html
    assert "you read TLP:CLEAR only" in html


def test_the_liaison_reads_what_their_agreement_shares_and_sees_it(
    world: World, login: Any
) -> None:
    SharingAgreement.objects.filter(partner=world.ministry_cn).delete()
    SharingAgreement.objects.create(
        partner=world.ministry_cn, name="Desk agreement", max_tlp="green"
    )
    green = incident(tlp="green", victim_nationalities=["CN"], deaths_by_nationality={"CN": 2})
    local = incident(tlp="green", victim_nationalities=["PK"], date=dt.date(2024, 5, 1))
    amber = incident(tlp="amber")
    strict = incident(tlp="amber+strict", organisation=world.ministry_cn)
    red = incident(tlp="red")
    panel = panels(world, "liaison")["shared"]
    # AMBER+STRICT and RED never cross to a partner, and AMBER lies above this agreement.
    assert shown_incidents(panel) == {green.pk, local.pk}
    assert not {amber.pk, strict.pk, red.pk} & shown_incidents(panel)
    # Incidents with the liaison's nationals among the victims come first.
    assert panel.rows[0]["incident"] == green and panel.rows[0]["ours"]
    assert panel.extra["ours"] == 1 and panel.extra["country"] == "CN"
    (shown,) = panel.extra["agreements"]
    assert shown["agreement"].name == "Desk agreement" and shown["max"] == "TLP:GREEN"
    html = login("liaison").get(reverse("dashboard:home")).content.decode()
    assert "Desk agreement" in html and "up to TLP:GREEN" in html


def test_the_liaison_sees_their_nationals_not_everyone(world: World) -> None:
    found = panels(world, "liaison")
    assert found["people"].title == "Our nationals"
    assert found["people"].count == 1
    assert found["people"].extra["nationalities"] == [{"code": "CN", "count": 1}]
    assert [row["site"] for row in found["sites"].rows] == [world.camp]


@pytest.mark.parametrize(
    ("persona", "keys"),
    [
        (
            "admin",
            [
                "decide",
                "overdue",
                "escorts",
                "review",
                "new_incidents",
                "movements",
                "risk",
                "trends",
            ],
        ),
        ("coordinator", ["people", "sites", "movements", "overdue", "new_incidents", "risk"]),
        ("commander", ["decide", "escorts", "overdue", "sites", "new_incidents", "risk"]),
        ("officer", ["overdue", "movements", "sites", "new_incidents"]),
        ("analyst", ["review", "new_incidents", "trends", "risk", "engagements"]),
        ("liaison", ["shared", "people", "movements", "sites", "engagements"]),
        ("viewer", ["new_incidents", "sites", "trends", "risk", "engagements"]),
    ],
)
def test_each_persona_gets_the_panels_of_their_role(
    world: World, persona: str, keys: list[str]
) -> None:
    assert [p.key for p in panels_for(world.user(persona))] == keys


def test_a_role_without_rights_to_a_resource_gets_no_panel_for_it(world: World, login: Any) -> None:
    html = login("viewer").get(reverse("dashboard:home")).content.decode()
    assert reverse("intel:review-queue") not in html
    assert "My people" not in html and "Requests to decide" not in html
    analyst_html = login("analyst").get(reverse("dashboard:home")).content.decode()
    assert "Overdue check-ins" not in analyst_html and "My people" not in analyst_html


def test_empty_panels_say_what_is_missing(world: World, login: Any) -> None:
    html = login("coordinator").get(reverse("dashboard:home")).content.decode()
    assert "No movements planned or under way." in html
    assert "No incident was added in the last 7 days." in html
    assert "Every escort has checked in on time." in html
    analyst = login("analyst").get(reverse("dashboard:home")).content.decode()
    assert "The review queue is empty." in analyst
    assert "No meeting, agreement or announcement recorded." in analyst


def test_the_page_can_be_used_from_the_keyboard_and_a_phone(world: World, login: Any) -> None:
    html = login("commander").get(reverse("dashboard:home")).content.decode()
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    assert 'name="viewport" content="width=device-width' in html
    assert 'aria-labelledby="panel-decide"' in html and 'id="panel-decide"' in html
    assert "dashboard/dash.css" in html


def test_the_dashboard_refuses_other_methods(world: World, login: Any) -> None:
    assert login("admin").post(reverse("dashboard:home")).status_code == 405

"""Peer instances from the web: administrators register, edit and disable them, audited.

The pages go through the gate exactly as the agreement pages do (add/change on ``sharing``)
and save through ``services.save_peer``, the function ``safepassage sync add-peer`` uses too,
so both apply ``Peer.clean``. The token itself is never entered, stored or shown.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safepassage.audit.models import AuditRecord
from safepassage.sharing.peers import Peer
from tests.conftest import World
from tests.sharing.test_sync import _peer

pytestmark = pytest.mark.django_db

SECRET = "sp_" + "S3cretPeerToken-" * 3  # what the peer issued us; it lives in the environment


def form(world: World, **extra: str) -> dict[str, str]:
    data = {
        "name": "ministry-b",
        "partner": str(world.ministry_cn.pk),
        "base_url": "https://sp.ministry-b.example/",
        "token_env": "SP_PEER_MINISTRY_B",
        "token_file": "",
        "direction": "both",
        "accept_push": "on",
        "active": "on",
    }
    return data | extra


def audit_of(peer: Peer) -> list[AuditRecord]:
    return list(
        AuditRecord.objects.filter(object_type="sharing.peer", object_id=str(peer.pk)).order_by(
            "seq"
        )
    )


def test_an_administrator_registers_a_peer_and_it_is_audited(world: World, login: Any) -> None:
    admin = login("admin")
    page = admin.get(reverse("sharing:peer-create"))
    assert page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    response = admin.post(reverse("sharing:peer-create"), form(world))
    assert response.status_code == 302 and response.url == reverse("sharing:agreement-list")
    peer = Peer.objects.get(name="ministry-b")
    assert peer.partner == world.ministry_cn
    assert peer.base_url == "https://sp.ministry-b.example/"
    assert (peer.token_env, peer.token_file) == ("SP_PEER_MINISTRY_B", "")
    assert peer.direction == "both" and peer.accept_push and peer.active
    [created] = audit_of(peer)
    assert created.action == AuditRecord.Action.CREATE
    assert created.source == "web" and created.actor_id == world.user("admin").pk
    assert created.changes["base_url"] == [None, "https://sp.ministry-b.example/"]


def test_an_administrator_edits_a_peer_and_the_change_is_audited(world: World, login: Any) -> None:
    peer = _peer(world, pull_cursor="2026-01-01T00:00:00+00:00|7")
    admin = login("admin")
    page = admin.get(reverse("sharing:peer-edit", args=[peer.pk])).content.decode()
    assert "sp.partner.example" in page and "SP_TEST_PEER_TOKEN" in page
    response = admin.post(
        reverse("sharing:peer-edit", args=[peer.pk]),
        form(world, name=peer.name, base_url=peer.base_url, token_env="", token_file="b.token")
        | {"direction": "pull"},
    )
    assert response.status_code == 302
    peer.refresh_from_db()
    assert (peer.token_env, peer.token_file, peer.direction) == ("", "b.token", "pull")
    assert peer.pull_cursor  # same address and partner: the cursor stays
    updated = audit_of(peer)[-1]
    assert updated.action == AuditRecord.Action.UPDATE and updated.source == "web"
    assert updated.changes["direction"] == ["both", "pull"]
    assert updated.changes["token_file"] == ["", "b.token"]


def test_a_new_address_or_partner_starts_the_cursors_over(world: World, login: Any) -> None:
    peer = _peer(world, pull_cursor="2026-01-01T00:00:00+00:00|7")
    Peer.objects.filter(pk=peer.pk).update(push_cursor=timezone.now() - datetime.timedelta(days=1))
    response = login("admin").post(
        reverse("sharing:peer-edit", args=[peer.pk]),
        form(world, name=peer.name, base_url="https://sp2.partner.example/"),
    )
    assert response.status_code == 302
    peer.refresh_from_db()
    assert peer.base_url == "https://sp2.partner.example/"
    assert peer.pull_cursor == "" and peer.push_cursor is None


def test_a_peer_is_disabled_not_deleted_and_that_is_audited(world: World, login: Any) -> None:
    peer = _peer(world)
    admin = login("admin")
    assert admin.get(reverse("sharing:peer-disable", args=[peer.pk])).status_code == 405
    response = admin.post(reverse("sharing:peer-disable", args=[peer.pk]))
    assert response.status_code == 302
    peer.refresh_from_db()
    assert not peer.active
    assert audit_of(peer)[-1].changes == {"active": [True, False]}
    page = admin.get(reverse("sharing:agreement-list")).content.decode()
    assert "(inactive)" in page and reverse("sharing:peer-sync", args=[peer.pk]) not in page
    # Re-enabled on its edit page.
    admin.post(
        reverse("sharing:peer-edit", args=[peer.pk]),
        form(world, name=peer.name, base_url=peer.base_url, token_env=peer.token_env),
    )
    peer.refresh_from_db()
    assert peer.active


def test_the_sharing_page_links_the_peer_form_for_administrators_only(
    world: World, login: Any
) -> None:
    peer = _peer(world)
    create, edit = reverse("sharing:peer-create"), reverse("sharing:peer-edit", args=[peer.pk])
    page = login("admin").get(reverse("sharing:agreement-list")).content.decode()
    assert create in page and edit in page
    page = login("analyst").get(reverse("sharing:agreement-list")).content.decode()
    assert peer.name in page and create not in page and edit not in page


@pytest.mark.parametrize("persona", ["analyst", "liaison", "coordinator", "viewer"])
def test_only_administrators_register_edit_or_disable_peers(
    world: World, login: Any, persona: str
) -> None:
    peer = _peer(world)
    client = login(persona)
    assert client.get(reverse("sharing:peer-create")).status_code == 403
    assert client.post(reverse("sharing:peer-create"), form(world)).status_code == 403
    # Outside the scope for change: 404, as the gate answers everywhere.
    edit = reverse("sharing:peer-edit", args=[peer.pk])
    assert client.get(edit).status_code == 404
    changed = form(world, name=peer.name, base_url="https://evil.example/")
    assert client.post(edit, changed).status_code == 404
    assert client.post(reverse("sharing:peer-disable", args=[peer.pk])).status_code == 404
    peer.refresh_from_db()
    assert peer.base_url == "https://sp.partner.example/" and peer.active
    assert not Peer.objects.filter(name="ministry-b").exists()


def test_signed_out_visitors_are_sent_to_sign_in(world: World, client: Client) -> None:
    response = client.post(reverse("sharing:peer-create"), form(world))
    assert response.status_code == 302 and "login" in response.url
    assert not Peer.objects.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"base_url": "ftp://sp.ministry-b.example/"}, "only http and https"),
        ({"base_url": "javascript:alert(1)"}, "Enter a valid URL"),
        ({"base_url": "not a url at all"}, "Enter a valid URL"),
        ({"base_url": "http://sp.ministry-b.example/"}, "Use https"),
        ({"base_url": "https://user:pw@sp.ministry-b.example/"}, "credentials"),
        ({"base_url": "https://sp.ministry-b.example/?next=1"}, "query or a fragment"),
        ({"base_url": "https://sp.ministry-b.example/" + "a" * 300}, "at most 300 characters"),
        ({"base_url": "https://sp.ministry-b\x07.example/"}, "Enter a valid URL"),
        ({"base_url": ""}, "This field is required"),
        ({"name": ""}, "This field is required"),
        ({"partner": ""}, "This field is required"),
        ({"partner": "999999"}, "Select a valid choice"),
        ({"direction": "sideways"}, "Select a valid choice"),
        ({"name": "m" * 201}, "at most 200 characters"),
        ({"name": "ministry\x07b"}, "Control and invisible characters"),
        ({"name": "ministry\u202eb"}, "Control and invisible characters"),
        ({"name": "ministry\x00b"}, "Null characters are not allowed"),
        ({"token_env": ""}, "Name the environment variable or the token file"),
        ({"token_file": "b.token"}, "not both"),
        ({"token_env": "sp_peer"}, "capital letters, digits and underscores"),
        ({"token_env": "", "token_file": "../secret.key"}, "no folders"),
        ({"token_env": "", "token_file": "b\x1b[31m.token"}, "Control and invisible characters"),
        ({"token_env": "X" * 101}, "at most 100 characters"),
    ],
)
def test_a_bad_peer_is_refused_with_a_clear_error_and_nothing_is_saved(
    world: World, login: Any, extra: dict[str, str], message: str
) -> None:
    before = AuditRecord.objects.count()
    response = login("admin").post(reverse("sharing:peer-create"), form(world, **extra))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Peer.objects.exists()
    assert AuditRecord.objects.count() == before


def test_a_peer_name_is_unique(world: World, login: Any) -> None:
    _peer(world, name="ministry-b")
    response = login("admin").post(reverse("sharing:peer-create"), form(world))
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert Peer.objects.count() == 1


def test_a_partner_outside_the_users_reach_cannot_be_chosen(world: World, login: Any) -> None:
    world.port.is_active = False
    world.port.save()
    response = login("admin").post(
        reverse("sharing:peer-create"), form(world, partner=str(world.port.pk))
    )
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_the_token_is_never_asked_for_stored_or_shown(
    world: World, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SP_PEER_MINISTRY_B", SECRET)
    admin = login("admin")
    assert admin.post(reverse("sharing:peer-create"), form(world)).status_code == 302
    peer = Peer.objects.get(name="ministry-b")
    assert peer.token() == SECRET  # the sync finds it where the peer says it lives
    for url in (reverse("sharing:agreement-list"), reverse("sharing:peer-edit", args=[peer.pk])):
        assert SECRET not in admin.get(url).content.decode()
    assert not any(SECRET in str(r.changes) for r in AuditRecord.objects.all())
    # Pasted where the variable's name goes, it is refused and not echoed back.
    for field in ("token_env", "token_file"):
        response = admin.post(
            reverse("sharing:peer-create"),
            form(world, name="other", token_env="") | {field: SECRET},
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "looks like the token itself" in page and SECRET not in page
    assert Peer.objects.count() == 1


def test_the_form_is_protected_against_cross_site_requests(world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.user("admin"))
    assert browser.post(reverse("sharing:peer-create"), form(world)).status_code == 403
    assert not Peer.objects.exists()
    browser.get(reverse("sharing:peer-create"))  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        reverse("sharing:peer-create"), form(world) | {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Peer.objects.filter(name="ministry-b").exists()
    peer = Peer.objects.get(name="ministry-b")
    assert browser.post(reverse("sharing:peer-disable", args=[peer.pk])).status_code == 403
    peer.refresh_from_db()
    assert peer.active


def test_the_command_line_applies_the_same_rules(world: World) -> None:
    with pytest.raises(CommandError, match="Control and invisible characters"):
        call_command(
            "sync",
            "add-peer",
            "ministry\x1bb",
            "--partner",
            world.ministry_cn.name,
            "--url",
            "https://sp.ministry-b.example/",
            "--token-env",
            "SP_PEER_MINISTRY_B",
        )
    with pytest.raises(CommandError, match="credentials"):
        call_command(
            "sync",
            "add-peer",
            "ministry-b",
            "--partner",
            world.ministry_cn.name,
            "--url",
            "https://user:pw@sp.ministry-b.example/",
            "--token-env",
            "SP_PEER_MINISTRY_B",
        )
    assert not Peer.objects.exists()

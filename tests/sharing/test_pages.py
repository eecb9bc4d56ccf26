"""Sharing pages: administrators keep agreements; analysts and partners read; all audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from safepassage.audit.models import AuditRecord
from safepassage.sharing.models import ShareRecord, SharingAgreement
from tests.conftest import World

pytestmark = pytest.mark.django_db


def form(world: World, **extra: str) -> dict[str, Any]:
    data = {
        "partner": str(world.port.pk),
        "name": "Port security",
        "max_tlp": "green",
        "active": "on",
        "provinces_text": "Sindh, Balochistan",
        "kinds_text": "attack",
        "topics_text": "bombing, armed_assault",
    }
    return data | extra


def test_an_administrator_creates_an_agreement_and_it_is_audited(world: World, login: Any) -> None:
    before = AuditRecord.objects.count()
    response = login("admin").post(reverse("sharing:agreement-create"), form(world))
    assert response.status_code == 302
    agreement = SharingAgreement.objects.get(name="Port security")
    assert agreement.provinces == ["Balochistan", "Sindh"]
    assert agreement.topics == ["armed_assault", "bombing"]
    assert not agreement.personal_data
    assert AuditRecord.objects.count() > before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"max_tlp": "red"}, "Select a valid choice"),
        ({"max_tlp": "amber+strict"}, "Select a valid choice"),
        ({"kinds_text": "attack, picnic"}, "Unknown: picnic"),
        ({"topics_text": "bombing, <script>"}, "Unknown: &lt;script&gt;"),
        ({"provinces_text": ",".join(f"p{i}" for i in range(200))}, "at most 100"),
        ({"valid_from": "2026-12-01", "valid_until": "2026-11-01"}, "ends before it starts"),
        ({"partner": "999999"}, "Select a valid choice"),
    ],
)
def test_a_bad_agreement_is_refused_with_a_clear_error(
    world: World, login: Any, extra: dict[str, str], message: str
) -> None:
    response = login("admin").post(reverse("sharing:agreement-create"), form(world, **extra))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SharingAgreement.objects.filter(name="Port security").exists()


def test_only_administrators_write_agreements(world: World, login: Any) -> None:
    for persona in ("analyst", "liaison", "coordinator"):
        client = login(persona)
        assert client.post(reverse("sharing:agreement-create"), form(world)).status_code == 403
    assert not SharingAgreement.objects.filter(name="Port security").exists()


def test_a_liaison_reads_only_their_own_agreements(world: World, login: Any) -> None:
    SharingAgreement.objects.create(partner=world.port, name="Port security")
    page = login("liaison").get(reverse("sharing:agreement-list")).content.decode()
    assert "Joint security cooperation" in page and "Port security" not in page
    assert (
        "Port security" in login("analyst").get(reverse("sharing:agreement-list")).content.decode()
    )


def test_viewers_have_no_sharing_pages(world: World, login: Any) -> None:
    assert login("viewer").get(reverse("sharing:agreement-list")).status_code == 403


def test_the_record_lists_what_crossed_filtered_by_channel(world: World, login: Any) -> None:
    ShareRecord.objects.create(
        partner=world.ministry_cn, channel="taxii", object_type="incident", object_id=7, tlp="green"
    )
    ShareRecord.objects.create(
        partner=world.port, channel="export", object_type="incident", object_id=8, tlp="amber"
    )
    analyst = login("analyst")
    page = analyst.get(reverse("sharing:record-list") + "?channel=taxii").content.decode()
    assert "#7" in page and "#8" not in page
    liaison = login("liaison")
    page = liaison.get(reverse("sharing:record-list") + "?channel=nonsense&page=x").content.decode()
    assert "#7" in page and "#8" not in page


def test_the_agreements_page_lists_peers_and_a_sync_reports_its_outcome(
    world: World, login: Any
) -> None:
    from safepassage.sharing.peers import Peer

    peer = Peer.objects.create(
        name="ministry-b",
        partner=world.ministry_cn,
        base_url="http://127.0.0.1:9/",
        token_env="SAFEPASSAGE_TEST_NO_SUCH_TOKEN",
    )
    admin = login("admin")
    assert "ministry-b" in admin.get(reverse("sharing:agreement-list")).content.decode()
    response = admin.post(reverse("sharing:peer-sync", args=[peer.pk]), follow=True)
    assert response.status_code == 200
    peer.refresh_from_db()
    assert peer.last_status and peer.last_status != "ok"
    assert login("analyst").post(reverse("sharing:peer-sync", args=[peer.pk])).status_code in (
        403,
        404,
    )

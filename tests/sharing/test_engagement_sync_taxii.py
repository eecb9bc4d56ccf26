"""Engagements over sync and TAXII: the same gate, markings, agreements and records as incidents.

The pull stream holds incidents and engagements in one (updated, kind, pk) order; its cursor
names the kind of the row a page ended on.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client

from safepassage.access.principals import SystemActor
from safepassage.accounts.models import ApiToken
from safepassage.intel.models import Engagement, Incident
from safepassage.sharing import stix_ids, taxii, tlp
from safepassage.sharing.engagement_sdo import TYPE
from safepassage.sharing.models import Channel, ExternalObject, InstanceIdentity, ShareRecord
from safepassage.sharing.peers import Peer
from safepassage.sharing.stix import collect
from safepassage.sharing.stix_import import BundleRejected
from safepassage.sharing.sync import Cursor, accept_push, serve_pull
from tests.conftest import World
from tests.sharing.engagement_data import engagement
from tests.sharing.stix_data import incident

pytestmark = pytest.mark.django_db

TAXII = "application/taxii+json;version=2.1"


def engagement_ids(bundle: dict[str, Any]) -> set[str]:
    return {o["id"] for o in bundle["objects"] if o["type"] == TYPE}


def event_ids(bundle: dict[str, Any]) -> list[str]:
    return [o["id"] for o in bundle["objects"] if o["type"] in ("incident", TYPE)]


def by_marking(world: World, recipient: str = "liaison") -> dict[str, Engagement]:
    rows = {m: engagement(world, m, title=f"Talks {m}") for m in tlp.ORDER}
    # By sync, RED never leaves even when it names the partner's liaison.
    rows[tlp.RED].recipients.add(world.user(recipient))
    return rows


# ------------------------------------------------------------------------------ sync


def test_a_pull_carries_the_engagements_the_agreement_lets_cross_without_names(
    world: World,
) -> None:
    rows = by_marking(world)
    answer = serve_pull(world.user("liaison"), None)
    assert engagement_ids(answer["bundle"]) == {
        stix_ids.stix_id_for(rows[m], TYPE) for m in (tlp.CLEAR, tlp.GREEN, tlp.AMBER)
    }
    assert "Mohsin Naqvi" not in json.dumps(answer["bundle"])
    last = max((rows[m] for m in (tlp.CLEAR, tlp.GREEN, tlp.AMBER)), key=lambda r: r.pk)
    assert Cursor.parse(answer["cursor"]) == Cursor(last.updated, last.pk, "engagement")
    assert answer["cursor"].endswith(f"|engagement:{last.pk}")


def test_a_pull_pages_through_incidents_and_engagements_that_share_one_timestamp(
    world: World,
) -> None:
    incidents = [incident(world, tlp.GREEN, place_name=f"Moment {n}") for n in range(3)]
    engagements = [engagement(world, tlp.GREEN, title=f"Moment talks {n}") for n in range(3)]
    moment = incidents[0].updated
    Incident.objects.update(updated=moment)
    Engagement.objects.update(updated=moment)
    expected = [stix_ids.stix_id_for(r, "incident") for r in incidents] + [
        stix_ids.stix_id_for(r, TYPE) for r in engagements
    ]
    seen: list[str] = []
    since = None
    pages = 0
    while True:
        answer = serve_pull(world.user("liaison"), since, limit=2)
        pages += 1
        page = event_ids(answer["bundle"])
        seen += [sid for sid in expected if sid in page]  # in stream order
        since = Cursor.parse(answer["cursor"])
        if not answer["more"]:
            break
    assert pages == 3
    assert seen == expected  # each once, incidents first at one timestamp
    assert event_ids(serve_pull(world.user("liaison"), since)["bundle"]) == []
    assert len(event_ids(serve_pull(world.user("liaison"), since.back(1))["bundle"])) == 6


def test_a_cursor_names_the_kind_it_ended_on_and_refuses_unknown_kinds() -> None:
    moment = datetime.datetime(2026, 11, 4, 10, 0, tzinfo=datetime.UTC)
    assert Cursor.parse(str(Cursor(moment, 7, "engagement"))) == Cursor(moment, 7, "engagement")
    assert Cursor.parse(f"{moment.isoformat()}|7") == Cursor(moment, 7, "incident")
    for bad in (f"{moment.isoformat()}|meeting:3", f"{moment.isoformat()}|engagement:-1"):
        with pytest.raises(ValueError):
            Cursor.parse(bad)


def test_a_pull_records_an_engagement_once_until_it_changes_and_never_echoes(
    world: World,
) -> None:
    row = engagement(world, tlp.GREEN, title="Ours")
    theirs = engagement(world, tlp.GREEN, title="Theirs")
    stix_ids.remember(
        f"{TYPE}--3b0f7a52-7c2d-4c55-8a3e-9d1f1f5d2c11",
        theirs,
        origin=world.ministry_cn,
        channel=Channel.SYNC_IN,
    )
    first = serve_pull(world.user("liaison"), None)
    assert engagement_ids(first["bundle"]) == {stix_ids.stix_id_for(row, TYPE)}
    serve_pull(world.user("liaison"), None)
    records = ShareRecord.objects.filter(channel=Channel.SYNC_PULL, object_type="engagement")
    assert list(records.values_list("object_id", flat=True)) == [row.pk]
    row.title = "Ours, renamed"
    row.save()
    serve_pull(world.user("liaison"), None)
    assert records.count() == 2


def _peer(world: World) -> Peer:
    return Peer.objects.create(
        name="partner ministry",
        partner=world.ministry_cn,
        base_url="https://sp.partner.example/",
        token_env="SP_TEST_PEER_TOKEN",
    )


def _bundle_of(world: World, marking: str) -> dict[str, Any]:
    row = engagement(world, marking, title=f"Pushed {marking}")
    bundle = collect(SystemActor("test")).bundle()
    # The bundle stands for the partner's instance: forget it here and become another instance.
    Engagement.objects.filter(pk=row.pk).delete()
    ExternalObject.objects.all().delete()
    InstanceIdentity.objects.all().delete()
    return bundle


def test_a_pushed_engagement_is_held_with_its_origin_once(world: World) -> None:
    _peer(world)
    bundle = _bundle_of(world, tlp.GREEN)
    result = accept_push(world.user("liaison"), json.dumps(bundle).encode())
    assert result.created >= 1
    copy = Engagement.objects.get(title="Pushed green")
    assert stix_ids.came_from(copy, world.ministry_cn)
    again = accept_push(world.user("liaison"), json.dumps(bundle).encode())
    assert again.created == again.updated == 0
    assert Engagement.objects.filter(title="Pushed green").count() == 1


@pytest.mark.parametrize("marking", [tlp.AMBER_STRICT, tlp.RED])
def test_a_pushed_amber_strict_or_red_engagement_is_refused(world: World, marking: str) -> None:
    _peer(world)
    bundle = _bundle_of(world, marking)
    with pytest.raises(BundleRejected) as refused:
        accept_push(world.user("liaison"), json.dumps(bundle).encode())
    assert "may not cross organisations" in refused.value.errors[0]
    assert not Engagement.objects.filter(title=f"Pushed {marking}").exists()


# ------------------------------------------------------------------------------ TAXII


@pytest.fixture
def partner(world: World) -> Client:
    token, secret = ApiToken.issue(world.user("liaison"), "partner tools")
    token.save()
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT=TAXII)


def objects_url() -> str:
    return f"/api/taxii2/{taxii.API_ROOT}/collections/{taxii.collection_id()}/objects/"


def test_the_taxii_collection_serves_the_engagements_a_partner_may_read_and_records_them(
    world: World, partner: Client
) -> None:
    rows = by_marking(world, recipient="analyst")
    response = partner.get(objects_url())
    assert response.status_code == 200, response.content[:300]
    served = {o["id"] for o in json.loads(response.content)["objects"] if o["type"] == TYPE}
    shared = {stix_ids.stix_id_for(rows[m], TYPE) for m in (tlp.CLEAR, tlp.GREEN, tlp.AMBER)}
    assert served == shared
    records = ShareRecord.objects.filter(channel=Channel.TAXII, object_type="engagement")
    assert set(records.values_list("stix_id", flat=True)) == shared
    # One engagement by id; an AMBER+STRICT one is not found.
    one = partner.get(f"{objects_url()}{stix_ids.stix_id_for(rows[tlp.GREEN], TYPE)}/")
    assert one.status_code == 200
    strict = partner.get(f"{objects_url()}{stix_ids.stix_id_for(rows[tlp.AMBER_STRICT], TYPE)}/")
    assert strict.status_code == 404
    typed = partner.get(objects_url(), {"match[type]": TYPE})
    assert {o["type"] for o in json.loads(typed.content)["objects"]} == {TYPE}

"""What a partner pulls costs a fixed number of queries, however many incidents it holds.

A TAXII objects page (first or later, filtered or not), a manifest page, one object, its
versions and a sync pull page are built with bulk reads (one query per model, not per object),
and their share records are written in one audited insert: 5 and 50 incidents cost the same
queries.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from safepassage.accounts.models import ApiToken
from safepassage.audit import recorder
from safepassage.audit.models import AuditRecord
from safepassage.audit.verify import verify
from safepassage.intel.models import Claim, Mention, Source
from safepassage.sharing import misp, stix, taxii, tlp
from safepassage.sharing.models import ExternalObject, ShareRecord
from safepassage.sharing.services import PartnerReader
from safepassage.sharing.sync import serve_pull
from tests.conftest import World
from tests.sharing.stix_data import incident, report

pytestmark = pytest.mark.django_db

# Markings in turn: AMBER+STRICT and RED are read (and left out) as well.
MARKINGS = [tlp.CLEAR, tlp.GREEN, tlp.AMBER, tlp.AMBER_STRICT, tlp.RED]
# A page reads each model once and writes its share records in one audited insert: about 35
# to 55 queries (a few of them agreement look-ups of the gate), whatever the page size or the
# place of the page in the collection.
CEILING = 60


def add_incidents(world: World, count: int, start: int = 0) -> None:
    """``count`` incidents, each with a report, a mention and two claims from that report;
    every fifth came from another instance."""
    source, _ = Source.objects.get_or_create(
        name="Wire service", defaults={"organisation": world.spu_kp, "kind": "feed"}
    )
    for number in range(start, start + count):
        marking = MARKINGS[number % len(MARKINGS)]
        row = incident(world, marking, place_name=f"Place {number}", deaths=number % 7)
        text = f"Report {number}: a bomb in Place {number} killed {number % 7} people."
        article = report(world, source, f"Bomb in Place {number}", text, tlp=tlp.GREEN)
        mention = Mention.objects.create(
            report=article, index=0, kind="attack", confidence=0.9, event={}, incident=row
        )
        for field, value in (("deaths", number % 7), ("attack_type", "bombing")):
            Claim.objects.create(
                incident=row, field=field, value=value, mention=mention, report=article, start=0
            )
        if number % 5 == 4:
            ExternalObject.objects.create(
                stix_id=f"incident--00000000-0000-4000-8000-{number:012d}",
                uuid=f"00000000-0000-4000-8000-{number:012d}",
                stix_type="incident",
                model="intel.incident",
                local_id=row.pk,
                origin=world.spu_sd,
                origin_instance="identity--00000000-0000-4000-8000-000000000001",
            )


def queries(action: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


@pytest.fixture
def secret(world: World) -> str:
    token, value = ApiToken.issue(world.user("liaison"), "taxii")
    token.save()
    return value


def taxii_page(client: Client, secret: str, **params: Any) -> Callable[[], dict[str, Any]]:
    url = f"/api/taxii2/{taxii.API_ROOT}/collections/{taxii.COLLECTION_ALIAS}/objects/"

    def get() -> dict[str, Any]:
        response = client.get(
            url,
            params,
            HTTP_ACCEPT=taxii.TAXII_MEDIA_TYPE,
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        assert response.status_code == 200
        data: dict[str, Any] = json.loads(response.content)
        return data

    return get


@pytest.mark.parametrize("limit", [10, 1000])
def test_a_taxii_objects_page_costs_the_same_queries_for_5_and_50_incidents(
    client: Client, world: World, secret: str, limit: int
) -> None:
    page = taxii_page(client, secret, limit=limit)
    page()  # the token's first use is written down (then at most once a minute)
    add_incidents(world, 5)
    few = queries(page)
    add_incidents(world, 45, start=5)
    many = queries(page)
    assert many == few
    assert few <= CEILING
    # The bigger page did hold (and record) more objects than the small one.
    assert len(page()["objects"]) == limit if limit == 10 else len(page()["objects"]) > 100


def test_a_later_taxii_page_and_the_manifest_cost_no_more_than_the_first(
    client: Client, world: World, secret: str
) -> None:
    add_incidents(world, 50)
    first = taxii_page(client, secret, limit=20)()
    later = taxii_page(client, secret, limit=20, next=first["next"])
    assert queries(later) <= CEILING
    url = f"/api/taxii2/{taxii.API_ROOT}/collections/{taxii.COLLECTION_ALIAS}/manifest/"
    headers = {"HTTP_ACCEPT": taxii.TAXII_MEDIA_TYPE, "HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert queries(lambda: client.get(url, {"limit": 20}, **headers)) <= CEILING


def test_later_pages_the_manifest_and_one_object_cost_the_same_queries_for_5_and_50_incidents(
    client: Client, world: World, secret: str
) -> None:
    base = f"/api/taxii2/{taxii.API_ROOT}/collections/{taxii.COLLECTION_ALIAS}/"
    headers = {"HTTP_ACCEPT": taxii.TAXII_MEDIA_TYPE, "HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def read(path: str, **params: Any) -> dict[str, Any]:
        response = client.get(base + path, params, **headers)
        assert response.status_code == 200
        data: dict[str, Any] = json.loads(response.content)
        return data

    def costs() -> dict[str, int]:
        first = read("objects/", limit=10)
        (incident,) = read("manifest/", limit=1, **{"match[type]": "incident"})["objects"]
        one = f"objects/{incident['id']}/"
        return {
            name: queries(functools.partial(read, path, **params))
            for name, path, params in [
                ("later page", "objects/", {"limit": 10, "next": first["next"]}),
                ("reports only", "objects/", {"limit": 10, "match[type]": "report"}),
                ("added after", "objects/", {"limit": 10, "added_after": incident["date_added"]}),
                ("manifest", "manifest/", {"limit": 10}),
                ("manifest, later", "manifest/", {"limit": 10, "next": first["next"]}),
                ("one object", one, {}),
                ("its versions", f"{one}versions/", {}),
            ]
        }

    read("objects/")  # the token's first use is written down (then at most once a minute)
    add_incidents(world, 5)
    few = costs()
    add_incidents(world, 45, start=5)
    assert costs() == few
    assert max(few.values()) <= CEILING


def test_a_sync_pull_page_costs_the_same_queries_for_5_and_50_incidents(world: World) -> None:
    pull = lambda: serve_pull(world.user("liaison"), None)  # noqa: E731
    add_incidents(world, 5)
    pull()  # the first pull records what crossed; later ones record only what is new
    add_incidents(world, 45, start=5)
    # 45 new incidents to record against 5 before: the same queries either way.
    few_world_again = queries(pull)
    add_incidents(world, 5, start=50)
    assert queries(pull) == few_world_again
    assert few_world_again <= CEILING


def test_stix_and_misp_exports_for_a_partner_cost_the_same_queries_for_5_and_50(
    world: World,
) -> None:
    reader = PartnerReader(world.ministry_cn)
    partner = world.ministry_cn
    export = lambda: stix.export_bundle(reader, partner=partner)  # noqa: E731
    events = lambda: misp.export_events(reader, partner=partner)  # noqa: E731
    add_incidents(world, 5)
    few = (queries(export), queries(events))
    add_incidents(world, 45, start=5)
    assert (queries(export), queries(events)) == few


def test_share_records_written_in_bulk_are_audited_one_by_one(
    client: Client, world: World, secret: str
) -> None:
    add_incidents(world, 10)
    before = AuditRecord.objects.filter(object_type="sharing.sharerecord").count()
    data = taxii_page(client, secret, limit=1000)()
    served = {o["id"] for o in data["objects"] if o["type"] in {"incident", "report"}}
    records = ShareRecord.objects.filter(channel="taxii")
    assert {r.stix_id for r in records} == served
    audited = AuditRecord.objects.filter(object_type="sharing.sharerecord").order_by("seq")
    assert audited.count() - before == len(served)
    last = audited.last()
    assert last is not None and last.source == "api" and last.actor_label == "liaison"
    assert last.changes["channel"] == [None, "taxii"]
    checked, problem = verify()
    assert problem is None and checked > 0


def test_a_share_record_written_in_bulk_is_audited_as_a_saved_one(world: World) -> None:
    def fields(**extra: Any) -> ShareRecord:
        values: dict[str, Any] = {
            "partner": world.ministry_cn,
            "channel": "taxii",
            "object_type": "incident",
            "object_id": 7,
            "stix_id": "incident--00000000-0000-4000-8000-000000000007",
            "tlp": tlp.GREEN,
        }
        return ShareRecord(**(values | extra))

    saved = fields()
    saved.save()
    (bulk,) = recorder.create_many([fields()])
    one, other = AuditRecord.objects.filter(object_type="sharing.sharerecord").order_by("seq")
    assert (one.object_id, other.object_id) == (str(saved.pk), str(bulk.pk))
    assert one.object_repr == other.object_repr
    assert {k: v for k, v in one.changes.items() if k not in {"id", "at"}} == {
        k: v for k, v in other.changes.items() if k not in {"id", "at"}
    }
    assert set(one.changes) == set(other.changes)
    assert other.seq == one.seq + 1 and other.prev_hash == one.hash

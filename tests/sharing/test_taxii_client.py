"""The TAXII server as a real TAXII client sees it: taxii2-client against a live server."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import requests
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from safepassage.accounts.models import ApiToken, User
from safepassage.intel.models import Incident
from safepassage.sharing import stix_ids, tlp
from safepassage.sharing.models import ShareRecord
from tests.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)


class Bearer(requests.auth.AuthBase):
    """Present a Safe Passage API token the way the server expects it."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.secret}"
        return request


def token_for(user: User) -> str:
    token, secret = ApiToken.issue(user, "taxii client")
    token.save()
    return secret


def make(world: World, marking: str, place: str) -> Incident:
    return Incident.objects.create(
        kind="attack",
        attack_type="bombing",
        date=datetime.date(2026, 9, 14),
        place_name=place,
        country="PK",
        admin1="Khyber Pakhtunkhwa",
        tlp=marking,
        organisation=world.spu_kp,
    )


def pull_all(collection: Collection, **filters: Any) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for envelope in as_pages(collection.get_objects, per_request=3, **filters):
        objects.extend(envelope.get("objects", []))
    return objects


def test_a_partner_tool_discovers_the_collection_and_pulls_only_what_it_may(
    live_server: Any, world: World
) -> None:
    shared = [make(world, tlp.GREEN, f"Town {n}") for n in range(4)]
    strict = make(world, tlp.AMBER_STRICT, "Dasu")
    red = make(world, tlp.RED, "Chilas")
    red.recipients.add(world.user("analyst"))
    auth = Bearer(token_for(world.user("liaison")))

    server = Server(f"{live_server.url}/api/taxii2/", auth=auth)
    assert server.title == "Safe Passage TAXII server"
    (root,) = server.api_roots
    assert isinstance(root, ApiRoot)
    assert root.versions == ["application/taxii+json;version=2.1"]
    (collection,) = root.collections
    assert collection.can_read and not collection.can_write

    objects = pull_all(collection)
    ids = {o["id"] for o in objects}
    assert {stix_ids.stix_id_for(i, "incident") for i in shared} <= ids
    assert stix_ids.stix_id_for(strict, "incident") not in ids
    assert stix_ids.stix_id_for(red, "incident") not in ids
    assert len(ids) == len(objects)

    only_incidents = pull_all(collection, type="incident")
    assert {o["id"] for o in only_incidents} == {
        stix_ids.stix_id_for(i, "incident") for i in shared
    }
    manifest = collection.get_manifest()
    assert {m["id"] for m in manifest["objects"]} == ids
    one = stix_ids.stix_id_for(shared[0], "incident")
    assert collection.get_object(one)["objects"][0]["id"] == one
    assert collection.object_versions(one)["versions"] == [
        collection.get_object(one)["objects"][0]["modified"]
    ]
    recorded = ShareRecord.objects.filter(channel="taxii", partner=world.ministry_cn)
    assert set(recorded.values_list("object_id", flat=True)) == {i.pk for i in shared}


def test_the_analysts_tool_reads_its_own_organisations_amber_strict_incident(
    live_server: Any, world: World
) -> None:
    strict = make(world, tlp.AMBER_STRICT, "Dasu")
    auth = Bearer(token_for(world.user("analyst")))
    collection = Server(f"{live_server.url}/api/taxii2/", auth=auth).api_roots[0].collections[0]
    ids = {o["id"] for o in pull_all(collection, type="incident")}
    assert ids == {stix_ids.stix_id_for(strict, "incident")}

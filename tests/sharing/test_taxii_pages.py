"""A TAXII page is built for itself: every object once, in order, and work that follows the page.

The collection is ``stix.collect`` read as the reader (``stix_collection`` reads its order from
the database and builds only a page's objects): paging through it must give exactly the
export's objects, once each, ordered by ``date_added`` and id (ties on a millisecond included),
with the filters applied before the limit; and a page of 10 on a collection of 50 incidents
must build about 10 objects and read about 10 rows of each kind, not the collection.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from typing import Any

import pytest
from django.test import Client

from safepassage.accounts.models import ApiToken, User
from safepassage.intel.models import Incident, Mention, Report
from safepassage.sharing import (
    extension,
    services,
    stix,
    stix_collection,
    stix_ids,
    taxii,
    tlp,
)
from tests.conftest import World
from tests.sharing import engagement_data, stix_data
from tests.sharing.test_query_counts import add_incidents

pytestmark = pytest.mark.django_db

BASE = f"/api/taxii2/{taxii.API_ROOT}/collections/{taxii.COLLECTION_ALIAS}/"
TIE = datetime.datetime(2026, 11, 5, 8, 30, 0, 250_000, tzinfo=datetime.UTC)


def secret_of(user: User) -> str:
    token, secret = ApiToken.issue(user, "pages")
    token.save()
    return secret


def get(client: Client, secret: str, path: str = "objects/", **params: Any) -> Any:
    return client.get(
        BASE + path,
        params,
        HTTP_ACCEPT=taxii.TAXII_MEDIA_TYPE,
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def every_page(client: Client, secret: str, path: str = "objects/", **params: Any) -> list[Any]:
    """The objects of every page, following ``next``."""
    found: list[Any] = []
    while True:
        response = get(client, secret, path, **params)
        assert response.status_code == 200, response.content
        data = json.loads(response.content)
        found += data.get("objects", [])
        if not data["more"]:
            assert "next" not in data
            return found
        params["next"] = data["next"]


def added(obj: dict[str, Any]) -> str:
    return str(obj.get("modified") or obj["created"])


@pytest.fixture
def picture(world: World) -> dict[str, Any]:
    """Incidents, reports and engagements of every marking, with ties on ``date_added``."""
    stix_data.build(world)
    engagement_data.build(world)
    add_incidents(world, 20)
    rows = list(Incident.objects.order_by("pk"))
    # Twelve incidents (and their reports) changed in the same millisecond, and four more
    # within one millisecond but not at the same microsecond: the id decides their order.
    tied = rows[:12]
    Incident.objects.filter(pk__in=[i.pk for i in tied]).update(updated=TIE)
    Report.objects.filter(mentions__incident__in=tied).update(processed_at=TIE)
    for n, row in enumerate(rows[12:16]):
        stamp = TIE + datetime.timedelta(seconds=1, microseconds=(n * 337) % 1000)
        Incident.objects.filter(pk=row.pk).update(updated=stamp)
    # One report describes two incidents; one incident has no place; one is held by no one.
    Mention.objects.create(
        report=Report.objects.filter(mentions__incident=rows[20]).first(),
        index=5,
        kind="attack",
        confidence=0.5,
        event={},
        incident=rows[21],
    )
    Incident.objects.filter(pk=rows[22].pk).update(lat=None, lon=None, country="")
    Incident.objects.filter(pk=rows[23].pk).update(organisation=None)
    # What came from the partner is not offered back to it.
    stix_ids.remember(
        "incident--6f1d3a4e-2b1c-4d9e-8f7a-0b1c2d3e4f53", rows[24], origin=world.ministry_cn
    )
    return {"tied": tied}


def export_of(user: User) -> dict[str, str]:
    """``stix.collect`` as TAXII reads it for ``user``: each object's JSON by id."""
    partner = user.organisation if user.role == "partner_liaison" else None
    export = stix.collect(
        user,
        exclude_origin=partner,
        include_text=services.personal_data_allowed(partner) if partner else True,
    )
    return {o["id"]: json.dumps(o, sort_keys=True) for o in export.objects}


@pytest.mark.parametrize("who", ["liaison", "analyst"])
@pytest.mark.parametrize("limit", [5, 1000])
def test_paging_through_gives_every_object_of_the_export_once_and_in_order(
    client: Client, world: World, picture: dict[str, Any], who: str, limit: int
) -> None:
    user = world.user(who)
    found = every_page(client, secret_of(user), limit=limit)
    ids = [o["id"] for o in found]
    assert len(ids) == len(set(ids))
    assert [(added(o), o["id"]) for o in found] == sorted((added(o), o["id"]) for o in found)
    assert {o["id"]: json.dumps(o, sort_keys=True) for o in found} == export_of(user)
    # The tie: incidents, places, reports and sightings in one millisecond, each seen once.
    assert sum(added(o) == stix.timestamp(TIE) for o in found) > 20
    # The manifest pages through the same objects, in the same order.
    manifest = every_page(client, secret_of(user), "manifest/", limit=limit)
    assert [m["id"] for m in manifest] == ids
    assert [m["date_added"] for m in manifest] == [added(o) for o in found]


def test_a_partner_never_gets_amber_strict_red_or_its_own_objects(
    client: Client, world: World, picture: dict[str, Any]
) -> None:
    found = every_page(client, secret_of(world.user("liaison")), limit=7)
    markings = {ref for o in found for ref in o.get("object_marking_refs", [])}
    from safepassage.sharing.stix_markings import marking_id

    assert not {marking_id(tlp.AMBER_STRICT), marking_id(tlp.RED)} & markings
    assert "incident--6f1d3a4e-2b1c-4d9e-8f7a-0b1c2d3e4f53" not in {o["id"] for o in found}


def test_filters_apply_before_the_limit(
    client: Client, world: World, picture: dict[str, Any]
) -> None:
    secret = secret_of(world.user("analyst"))
    everything = every_page(client, secret, limit=1000)
    reports = [o for o in everything if o["type"] == "report"]
    assert every_page(client, secret, limit=2, **{"match[type]": "report"}) == reports
    places = [o for o in everything if o["type"] in {"location", "relationship"}]
    assert every_page(client, secret, limit=3, **{"match[type]": "location,relationship"}) == (
        places
    )
    stamp = stix.timestamp(TIE)
    later = [o for o in everything if added(o) > stamp]
    assert every_page(client, secret, limit=4, added_after=stamp) == later
    at_tie = [o for o in everything if added(o) == stamp]
    assert len(at_tie) > 24  # the incidents, their places, reports and sightings
    assert every_page(client, secret, limit=5, **{"match[version]": stamp}) == at_tie
    chosen = [o["id"] for o in everything[3::9]]
    by_id = every_page(client, secret, limit=2, **{"match[id]": ",".join(chosen)})
    assert [o["id"] for o in by_id] == chosen
    incidents_after = [o for o in later if o["type"] == "incident"]
    assert (
        every_page(client, secret, limit=3, added_after=stamp, **{"match[type]": "incident"})
        == incidents_after
    )


def test_one_object_and_its_versions_are_the_collections(
    client: Client, world: World, picture: dict[str, Any]
) -> None:
    secret = secret_of(world.user("liaison"))
    everything = every_page(client, secret, limit=1000)
    for obj in everything[::11]:
        response = get(client, secret, f"objects/{obj['id']}/")
        assert json.loads(response.content)["objects"] == [obj]
        versions = json.loads(get(client, secret, f"objects/{obj['id']}/versions/").content)
        assert versions == {"more": False, "versions": [added(obj)]}


def made_here(objects: list[dict[str, Any]]) -> set[str]:
    """The ids of ``objects`` built from rows (not the fixed definitions)."""
    fixed = {"marking-definition", "extension-definition"}
    return {
        o["id"]
        for o in objects
        if o["type"] not in fixed and o["id"] != extension.PROJECT_IDENTITY_ID
    }


class Work:
    """Counts what a page does: objects built (``stix._Builder._add``) and the rows of each
    kind read for the order (``Collection._rows``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.built: set[str] = set()
        self.rows: Counter[str] = Counter()
        add, rows = stix._Builder._add, stix_collection.Collection._rows

        def counting_add(builder: Any, obj: dict[str, Any]) -> str:
            self.built.add(obj["id"])
            return add(builder, obj)

        def counting_rows(collection: Any, source: Any, *args: Any) -> Any:
            read = rows(collection, source, *args)
            self.rows[source.name] += len(read)
            return read

        monkeypatch.setattr(stix._Builder, "_add", counting_add)
        monkeypatch.setattr(stix_collection.Collection, "_rows", counting_rows)

    def reset(self) -> None:
        self.built.clear()
        self.rows.clear()


def test_a_page_of_10_builds_about_10_objects_however_large_the_collection(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_incidents(world, 100)
    secret = secret_of(world.user("liaison"))
    held = every_page(client, secret, "manifest/", limit=1000)
    # 60 incidents the partner reads, each with a place, a relationship, a report, a sighting.
    types = Counter(m["id"].split("--")[0] for m in held)
    assert types["incident"] == types["report"] == types["sighting"] == 60
    behind = types["incident"] + types["sighting"] + types["report"]
    most = 10 + 1 + stix_collection.SLACK  # rows of one kind one page reads at most
    work = Work(monkeypatch)
    first = json.loads(get(client, secret, limit=10).content)
    assert len(first["objects"]) == 10
    # The page's own objects, plus the identities its objects name (this instance and the
    # organisation holding them), not the 300 of the collection.
    assert made_here(first["objects"]) <= work.built
    assert len(work.built) <= 10 + 3
    # A page of rows of each kind is read (and a few more: the 11th tells whether more
    # follow, the rest is room for ties), not the 180 rows behind the collection.
    assert max(work.rows.values()) <= most
    assert sum(work.rows.values()) <= 3 * most + 4 < behind
    # A page deep in the collection costs the same.
    deep = held[len(held) * 9 // 10]
    cursor = taxii.encode_next(
        stix_collection.Key(stix_collection.date_added(deep["date_added"]), deep["id"], "", 0, "")
    )
    work.reset()
    later = json.loads(get(client, secret, limit=10, next=cursor).content)
    assert [o["id"] for o in later["objects"]] == [
        m["id"] for m in held[len(held) * 9 // 10 + 1 :][:10]
    ]
    assert made_here(later["objects"]) <= work.built
    assert len(work.built) <= 10 + 3
    assert max(work.rows.values()) <= most
    # The manifest builds nothing at all.
    work.reset()
    assert len(json.loads(get(client, secret, "manifest/", limit=10).content)["objects"]) == 10
    assert not work.built


def test_a_page_in_a_millisecond_shared_by_many_objects_is_complete(
    client: Client, world: World, picture: dict[str, Any]
) -> None:
    secret = secret_of(world.user("analyst"))
    everything = every_page(client, secret, limit=1000)
    stamp = stix.timestamp(TIE)
    first_tied = next(n for n, o in enumerate(everything) if added(o) == stamp)
    # A cursor just before the tie and a limit of 2: the pages walk through it object by
    # object, however the database orders the rows within the millisecond.
    before = everything[first_tied - 1]
    cursor = taxii.encode_next(
        stix_collection.Key(stix_collection.date_added(added(before)), before["id"], "", 0, "")
    )
    rest = every_page(client, secret, limit=2, next=cursor)
    assert rest == everything[first_tied:]


def test_a_stale_cursor_still_resumes_in_order(
    client: Client, world: World, picture: dict[str, Any]
) -> None:
    secret = secret_of(world.user("analyst"))
    first = json.loads(get(client, secret, limit=30).content)
    # An incident changes between two pages: it moves to the end (a new date added).
    moved = Incident.objects.order_by("pk").first()
    assert moved is not None
    moved.save()
    rest = every_page(client, secret, limit=30, next=first["next"])
    ids = [o["id"] for o in rest]
    assert len(ids) == len(set(ids))
    assert ids[-1] == stix_ids.stix_id_for(moved, "incident") or ids.count(ids[-1]) == 1
    assert stix_ids.stix_id_for(moved, "incident") in ids
    assert [(added(o), o["id"]) for o in rest] == sorted((added(o), o["id"]) for o in rest)


def test_more_rows_in_one_millisecond_than_a_page_reads_are_all_served_once(
    client: Client, world: World
) -> None:
    add_incidents(world, 40)
    rows = list(Incident.objects.order_by("pk"))
    # All in one millisecond (some at the very same microsecond): more rows of each kind than
    # a page of 3 reads at first, so the reads go on, and every cursor stands inside it.
    for n, row in enumerate(rows):
        stamp = TIE + datetime.timedelta(microseconds=(n * 7) % 500)
        Incident.objects.filter(pk=row.pk).update(updated=stamp)
        Report.objects.filter(mentions__incident=row).update(processed_at=stamp)
    secret = secret_of(world.user("analyst"))
    everything = every_page(client, secret, limit=1000)
    assert sum(added(o) == stix.timestamp(TIE) for o in everything) > 3 * (
        3 + 1 + stix_collection.SLACK
    )
    assert every_page(client, secret, limit=3) == everything
    assert every_page(client, secret, "manifest/", limit=3) == every_page(
        client, secret, "manifest/", limit=1000
    )

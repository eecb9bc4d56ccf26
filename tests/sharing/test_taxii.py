"""The read-only TAXII 2.1 server: endpoints, paging, filters and what each partner sees."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.accounts.models import ApiToken, User
from safepassage.intel.models import Incident
from safepassage.registry.models import Organisation
from safepassage.sharing import stix_ids, taxii, tlp
from safepassage.sharing.models import ShareRecord, SharingAgreement
from tests.conftest import World

pytestmark = pytest.mark.django_db

ROOT = "/api/taxii2/"
API_ROOT = f"{ROOT}safepassage/"
ACCEPT = "application/taxii+json;version=2.1"


def token_for(user: User, **extra: Any) -> str:
    token, secret = ApiToken.issue(user, "taxii", **extra)
    token.save()
    return secret


def get(client: Client, url: str, secret: str | None, accept: str = ACCEPT, **params: Any) -> Any:
    headers = {"HTTP_ACCEPT": accept}
    if secret is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client.get(url, params, **headers)


def body(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == ACCEPT
    data: dict[str, Any] = json.loads(response.content)
    return data


def make(world: World, marking: str = tlp.AMBER, **extra: Any) -> Incident:
    fields: dict[str, Any] = {
        "kind": "attack",
        "attack_type": "armed_assault",
        "date": datetime.date(2026, 10, 1),
        "place_name": "Gwadar",
        "country": "PK",
        "admin1": "Balochistan",
        "tlp": marking,
        "organisation": world.spu_kp,
    }
    return Incident.objects.create(**(fields | extra))


def objects_url() -> str:
    return f"{API_ROOT}collections/{taxii.collection_id()}/objects/"


def incident_ids(data: dict[str, Any]) -> set[str]:
    return {o["id"] for o in data.get("objects", []) if o["type"] == "incident"}


def sid(incident: Incident) -> str:
    return stix_ids.stix_id_for(incident, "incident")


@pytest.fixture
def partner(world: World) -> str:
    return token_for(world.user("liaison"))


@pytest.fixture
def analyst(world: World) -> str:
    return token_for(world.user("analyst"))


# --- the resources --------------------------------------------------------------------------


def test_discovery_names_one_api_root(client: Client, partner: str) -> None:
    data = body(get(client, ROOT, partner))
    assert data["api_roots"] == [f"http://testserver{API_ROOT}"]
    assert data["default"] == data["api_roots"][0]
    assert data["title"]


def test_the_api_root_speaks_taxii_2_1(client: Client, partner: str) -> None:
    data = body(get(client, API_ROOT, partner))
    assert data["versions"] == [ACCEPT]
    assert data["max_content_length"] > 0


def test_the_one_collection_is_readable_and_not_writable(client: Client, partner: str) -> None:
    (listed,) = body(get(client, f"{API_ROOT}collections/", partner))["collections"]
    assert listed["id"] == taxii.collection_id()
    assert (listed["can_read"], listed["can_write"]) == (True, False)
    assert listed["media_types"] == ["application/stix+json;version=2.1"]
    detail = body(get(client, f"{API_ROOT}collections/{listed['id']}/", partner))
    assert detail == listed
    by_alias = body(get(client, f"{API_ROOT}collections/incidents/", partner))
    assert by_alias == listed


@pytest.mark.parametrize(
    "url",
    [
        "/api/taxii2/other/",
        "/api/taxii2/safepassage/collections/00000000-0000-0000-0000-000000000000/",
        "/api/taxii2/safepassage/collections/nope/objects/",
        "/api/taxii2/safepassage/status/1234/",
    ],
)
def test_unknown_roots_collections_and_statuses_answer_a_taxii_404(
    client: Client, partner: str, url: str
) -> None:
    response = get(client, url, partner)
    assert response.status_code == 404
    assert body(response)["http_status"] == "404"


def test_every_endpoint_needs_a_valid_token(client: Client, world: World) -> None:
    for secret in (None, "sp_not-a-real-token"):
        response = get(client, objects_url(), secret)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert body(response)["title"] == "Authentication required"
    # A browser session is not enough: TAXII clients present tokens.
    client.force_login(world.user("analyst"))
    assert get(client, ROOT, None).status_code == 401


def test_a_revoked_token_is_refused(client: Client, world: World) -> None:
    secret = token_for(world.user("liaison"))
    ApiToken.objects.update(revoked_at=timezone.now())
    assert get(client, ROOT, secret).status_code == 401


def test_a_token_limited_to_other_resources_may_not_read_the_collection(
    client: Client, world: World
) -> None:
    secret = token_for(world.user("analyst"), resources=["site"])
    response = get(client, objects_url(), secret)
    assert response.status_code == 403
    assert body(response)["http_status"] == "403"


def test_an_unacceptable_media_type_answers_406(client: Client, partner: str) -> None:
    assert get(client, ROOT, partner, accept="application/xml").status_code == 406
    assert (
        get(client, ROOT, partner, accept="application/taxii+json;version=2.0").status_code == 406
    )
    assert get(client, ROOT, partner, accept="application/taxii+json").status_code == 200
    assert get(client, ROOT, partner, accept="*/*").status_code == 200


def test_the_server_is_read_only(partner: str) -> None:
    # CSRF checks on, as in production: a refused write still gets a TAXII error.
    client = Client(enforce_csrf_checks=True)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {partner}", "HTTP_ACCEPT": ACCEPT}
    posted = client.post(objects_url(), "{}", content_type=ACCEPT, **headers)
    assert posted.status_code == 403
    assert "read-only" in body(posted)["title"]
    assert client.put(objects_url(), "{}", **headers).status_code == 405


# --- what each partner sees ----------------------------------------------------------------


def test_an_amber_strict_or_red_incident_is_never_served_to_a_partner(
    client: Client, world: World, partner: str
) -> None:
    shared = make(world, tlp.AMBER)
    strict = make(world, tlp.AMBER_STRICT)
    red = make(world, tlp.RED)
    red.recipients.add(world.user("analyst"))
    data = body(get(client, objects_url(), partner))
    assert incident_ids(data) == {sid(shared)}
    markings = {ref for o in data["objects"] for ref in o.get("object_marking_refs", [])}
    from safepassage.sharing.stix_markings import marking_id

    assert marking_id(tlp.AMBER_STRICT) not in markings
    assert marking_id(tlp.RED) not in markings
    for hidden in (strict, red):
        url = f"{objects_url()}{sid(hidden)}/"
        assert get(client, url, partner).status_code == 404
        assert get(client, f"{url}versions/", partner).status_code == 404
        assert (
            get(client, objects_url(), partner, **{"match[id]": sid(hidden)}).json().get("objects")
            is None
        )
    manifest = body(get(client, f"{API_ROOT}collections/incidents/manifest/", partner))
    assert {m["id"] for m in manifest["objects"]} >= {sid(shared)}
    assert not {sid(strict), sid(red)} & {m["id"] for m in manifest["objects"]}


def test_each_partner_sees_exactly_what_its_agreement_allows(client: Client, world: World) -> None:
    other = Organisation.objects.create(name="Second partner ministry", kind="ministry")
    SharingAgreement.objects.create(
        partner=other, name="Sindh only, green", max_tlp=tlp.GREEN, provinces=["Sindh"]
    )
    SharingAgreement.objects.filter(partner=world.ministry_cn).update(topics=["armed_assault"])
    liaison_two = User.objects.create(
        username="liaison2", role="partner_liaison", organisation=other
    )
    clear = make(world, tlp.CLEAR, attack_type="kidnapping")
    green_sindh = make(world, tlp.GREEN, admin1="Sindh")
    amber_sindh = make(world, tlp.AMBER, admin1="Sindh")
    amber_kidnap = make(world, tlp.AMBER, attack_type="kidnapping")
    make(world, tlp.AMBER_STRICT, admin1="Sindh")

    first = incident_ids(body(get(client, objects_url(), token_for(world.user("liaison")))))
    second = incident_ids(body(get(client, objects_url(), token_for(liaison_two))))
    analyst = incident_ids(body(get(client, objects_url(), token_for(world.user("analyst")))))

    assert first == {sid(clear), sid(green_sindh), sid(amber_sindh)}
    assert second == {sid(clear), sid(green_sindh)}
    # The analyst of the owning organisation also reads its AMBER+STRICT incident.
    assert analyst == {sid(i) for i in Incident.objects.all()}
    assert sid(amber_kidnap) in analyst


def test_a_partner_without_an_agreement_in_force_sees_only_clear(
    client: Client, world: World, partner: str
) -> None:
    clear = make(world, tlp.CLEAR)
    make(world, tlp.GREEN)
    SharingAgreement.objects.filter(partner=world.ministry_cn).update(
        valid_until=datetime.date(2020, 1, 1)
    )
    assert incident_ids(body(get(client, objects_url(), partner))) == {sid(clear)}


def test_every_object_served_to_a_partner_is_recorded(
    client: Client, world: World, partner: str
) -> None:
    incident = make(world, tlp.GREEN)
    make(world, tlp.AMBER_STRICT)
    get(client, objects_url(), partner)
    (record,) = ShareRecord.objects.filter(channel="taxii")
    assert (record.partner_id, record.object_id, record.stix_id, record.tlp) == (
        world.ministry_cn.pk,
        incident.pk,
        sid(incident),
        tlp.GREEN,
    )
    assert record.actor == world.user("liaison")
    # A manifest is not the content: nothing more is recorded.
    get(client, f"{API_ROOT}collections/incidents/manifest/", partner)
    assert ShareRecord.objects.filter(channel="taxii").count() == 1


def test_reads_by_members_of_this_instance_are_not_share_records(
    client: Client, world: World, analyst: str
) -> None:
    make(world)
    get(client, objects_url(), analyst)
    assert not ShareRecord.objects.exists()


# --- filters and paging ---------------------------------------------------------------------


def _set_updated(incident: Incident, when: datetime.datetime) -> None:
    Incident.objects.filter(pk=incident.pk).update(updated=when, created=when)


def test_objects_page_with_limit_and_next_in_date_added_order(
    client: Client, world: World, analyst: str
) -> None:
    start = timezone.now() - datetime.timedelta(days=3)
    made = [make(world, tlp.GREEN, place_name=f"Place {n}") for n in range(5)]
    for n, incident in enumerate(made):
        _set_updated(incident, start + datetime.timedelta(hours=5 * n))
    seen: list[str] = []
    next_value = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, "match[type]": "incident"}
        if next_value:
            params["next"] = next_value
        response = get(client, objects_url(), analyst, **params)
        data = body(response)
        pages += 1
        seen.extend(o["id"] for o in data.get("objects", []))
        assert response["X-TAXII-Date-Added-First"] <= response["X-TAXII-Date-Added-Last"]
        if not data["more"]:
            assert "next" not in data
            break
        next_value = data["next"]
    assert pages == 3
    assert seen == [sid(i) for i in made]


def test_added_after_returns_only_objects_added_later(
    client: Client, world: World, analyst: str
) -> None:
    old = make(world, tlp.GREEN)
    new = make(world, tlp.GREEN)
    _set_updated(old, timezone.now() - datetime.timedelta(days=10))
    first = get(client, objects_url(), analyst, **{"match[type]": "incident"})
    assert incident_ids(body(first)) == {sid(old), sid(new)}
    last_old = body(get(client, objects_url(), analyst, **{"match[id]": sid(old)}))
    stamp = last_old["objects"][0]["modified"]
    later = body(get(client, objects_url(), analyst, added_after=stamp))
    assert incident_ids(later) == {sid(new)}
    # Polling again from the last date added gives nothing new.
    everything = get(client, objects_url(), analyst)
    after_all = get(
        client, objects_url(), analyst, added_after=everything["X-TAXII-Date-Added-Last"]
    )
    assert body(after_all) == {"more": False}


def test_match_id_and_type_filter_and_combine(client: Client, world: World, analyst: str) -> None:
    one = make(world, tlp.GREEN)
    two = make(world, tlp.GREEN, place_name="Turbat")
    by_id = body(get(client, objects_url(), analyst, **{"match[id]": sid(one)}))
    assert [o["id"] for o in by_id["objects"]] == [sid(one)]
    both = body(get(client, objects_url(), analyst, **{"match[id]": f"{sid(one)},{sid(two)}"}))
    assert {o["id"] for o in both["objects"]} == {sid(one), sid(two)}
    types = body(get(client, objects_url(), analyst, **{"match[type]": "marking-definition"}))
    assert {o["type"] for o in types["objects"]} == {"marking-definition"}
    none = body(get(client, objects_url(), analyst, **{"match[type]": "indicator"}))
    assert none == {"more": False}


def test_one_object_and_its_versions(client: Client, world: World, analyst: str) -> None:
    incident = make(world, tlp.GREEN)
    url = f"{objects_url()}{sid(incident)}/"
    data = body(get(client, url, analyst))
    (obj,) = data["objects"]
    assert obj["id"] == sid(incident)
    versions = body(get(client, f"{url}versions/", analyst))
    assert versions == {"more": False, "versions": [obj["modified"]]}
    assert body(get(client, url, analyst, **{"match[version]": obj["modified"]}))["objects"]
    assert (
        get(client, url, analyst, **{"match[version]": "2001-01-01T00:00:00.000Z"}).status_code
        == 404
    )
    for keyword in ("first", "last", "all"):
        assert body(get(client, url, analyst, **{"match[version]": keyword}))["objects"] == [obj]


def test_the_manifest_lists_id_date_added_version_and_media_type(
    client: Client, world: World, analyst: str
) -> None:
    incident = make(world, tlp.GREEN)
    data = body(
        get(
            client,
            f"{API_ROOT}collections/incidents/manifest/",
            analyst,
            **{"match[id]": sid(incident)},
        )
    )
    (record,) = data["objects"]
    assert record["id"] == sid(incident)
    assert record["version"] == record["date_added"]
    assert record["media_type"] == "application/stix+json;version=2.1"


def test_spec_version_filter(client: Client, world: World, analyst: str) -> None:
    make(world, tlp.GREEN)
    assert body(get(client, objects_url(), analyst, **{"match[spec_version]": "2.0"})) == {
        "more": False
    }
    assert body(get(client, objects_url(), analyst, **{"match[spec_version]": "2.1"}))["objects"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "-4"},
        {"limit": "ten"},
        {"limit": "\u00b2"},
        {"match[id]": "incident--00000000-0000-0000-0000-000000000000--x"},
        {"limit": "9" * 40},
        {"added_after": "yesterday"},
        {"added_after": "0001-01-01T00:00:00+14:00"},
        {"added_after": "9999-12-31T23:59:59-14:00"},
        {"added_after": "x" * 5000},
        {"next": "not-a-cursor"},
        {"next": "A" * 5000},
        {"match[id]": "incident--nope"},
        {"match[type]": "Incident; DROP TABLE"},
        {"match[version]": "sometime"},
        {"match[id]": ",".join(["incident--" + "0" * 36] * 101)},
    ],
)
def test_malformed_parameters_answer_400_with_a_taxii_error(
    client: Client, world: World, analyst: str, params: dict[str, str]
) -> None:
    make(world, tlp.GREEN)
    response = get(client, objects_url(), analyst, **params)
    assert response.status_code == 400
    data = body(response)
    assert data["http_status"] == "400" and data["title"].startswith(("Invalid", "Too many"))


def test_an_oversized_limit_is_capped(client: Client, world: World, analyst: str) -> None:
    make(world, tlp.GREEN)
    assert get(client, objects_url(), analyst, limit="999999").status_code == 200


QUERY_KEYS = st.sampled_from(
    [
        "added_after",
        "limit",
        "next",
        "match[id]",
        "match[type]",
        "match[version]",
        "match[spec_version]",
        "unknown",
    ]
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(params=st.dictionaries(QUERY_KEYS, st.text(max_size=80), max_size=4))
def test_any_query_is_answered_with_objects_or_a_400_never_a_crash(
    client: Client, world: World, params: dict[str, str]
) -> None:
    secret = token_for(world.user("liaison"))
    for url in (objects_url(), f"{API_ROOT}collections/incidents/manifest/"):
        response = get(client, url, secret, **params)
        assert response.status_code in {200, 400}, (params, response.content)
        data = body(response)
        if response.status_code == 400:
            assert data["http_status"] == "400"
        else:
            assert isinstance(data["more"], bool)


def test_the_connection_details_for_the_sharing_pages_point_at_the_live_endpoints(
    client: Client, world: World, rf: Any, partner: str
) -> None:
    details = taxii.connection_details(rf.get("/sharing/"))
    assert details["discovery"] == f"http://testserver{ROOT}"
    assert details["api_root"] == f"http://testserver{API_ROOT}"
    assert details["objects"] == f"http://testserver{objects_url()}"
    assert details["collection_id"] == taxii.collection_id()
    assert get(client, details["objects"], partner).status_code == 200


def test_added_after_at_the_start_of_time_returns_everything(
    client: Client, world: World, analyst: str
) -> None:
    incident = make(world, tlp.GREEN)
    data = body(get(client, objects_url(), analyst, added_after="0001-01-01T00:00:00Z"))
    assert sid(incident) in incident_ids(data)


def test_what_came_from_a_partner_is_not_offered_back_to_it(
    client: Client, world: World, partner: str, analyst: str
) -> None:
    theirs = make(world, tlp.GREEN)
    ours = make(world, tlp.GREEN, place_name="Turbat")
    stix_ids.remember(
        "incident--6f1d3a4e-2b1c-4d9e-8f7a-0b1c2d3e4f53", theirs, origin=world.ministry_cn
    )
    assert incident_ids(body(get(client, objects_url(), partner))) == {sid(ours)}
    assert incident_ids(body(get(client, objects_url(), analyst))) == {sid(theirs), sid(ours)}

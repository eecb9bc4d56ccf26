"""The incident picture's JSON API: permission matrix, filters, claims, review, exports.

The matrix reads like the registry's: each endpoint called by each principal answers the
status written here, with a bearer token and with a browser session.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest

from safepassage.accounts.models import ApiToken
from safepassage.api.router import api
from safepassage.audit.models import AuditRecord
from safepassage.intel.models import Claim, Incident, Mention, ReviewDecision
from tests.api import conftest as api_fixtures
from tests.api.conftest import PRINCIPALS, JsonClient, World, issue_token
from tests.intel.conftest_views import Picture, build_picture

API = "/api/intel"

# The API tests' world, personas and JSON clients (fixtures of tests/api/conftest.py).
_module_world = api_fixtures._module_world
api_world = api_fixtures.api_world
as_token = api_fixtures.as_token
as_session = api_fixtures.as_session


@pytest.fixture
def pic(api_world: World) -> Picture:
    """The picture over the API world: police reports are the KP police's (the field staff's)."""
    return build_picture(api_world.police, api_world.org_b)


Call = Callable[[Picture], tuple[str, str, Any]]
ENDPOINTS: dict[str, Call] = {
    "incidents list": lambda p: ("GET", f"{API}/incidents", None),
    "incidents get": lambda p: ("GET", f"{API}/incidents/{p.dasu.pk}", None),
    "incidents csv": lambda p: ("GET", f"{API}/incidents/export.csv", None),
    "incidents geojson": lambda p: ("GET", f"{API}/incidents/export.geojson", None),
    "incidents review": lambda p: ("POST", f"{API}/incidents/{p.dasu.pk}/review/confirm", {}),
    "engagements list": lambda p: ("GET", f"{API}/engagements", None),
    "engagements get": lambda p: ("GET", f"{API}/engagements/{p.meeting.pk}", None),
}
OPERATIONS = {
    "incidents list": "intel_incidents_list",
    "incidents get": "intel_incidents_get",
    "incidents csv": "intel_incidents_export_csv",
    "incidents geojson": "intel_incidents_export_geojson",
    "incidents review": "intel_incidents_review",
    "engagements list": "intel_engagements_list",
    "engagements get": "intel_engagements_get",
}

# fmt: off
MATRIX: dict[str, tuple[int, ...]] = {
    #                      anon  admin coord cmdr  offcr anlst liais view
    "incidents list":     (401,  200,  200,  200,  200,  200,  200,  200),
    "incidents get":      (401,  200,  200,  200,  200,  200,  200,  200),
    "incidents csv":      (401,  200,  200,  200,  200,  200,  200,  200),
    "incidents geojson":  (401,  200,  200,  200,  200,  200,  200,  200),
    "incidents review":   (401,  200,  403,  403,  403,  200,  403,  403),
    "engagements list":   (401,  200,  200,  200,  200,  200,  200,  200),
    "engagements get":    (401,  200,  200,  200,  200,  200,  200,  200),
}
# fmt: on

CASES = [
    pytest.param(endpoint, persona, expected[i], id=f"{endpoint}-{persona}")
    for endpoint, expected in MATRIX.items()
    for i, persona in enumerate(PRINCIPALS)
]


@pytest.mark.parametrize(("endpoint", "persona", "expected"), CASES)
def test_each_role_gets_the_status_the_matrix_says_with_a_token(
    pic: Picture, as_token: Any, endpoint: str, persona: str, expected: int
) -> None:
    method, path, body = ENDPOINTS[endpoint](pic)
    response = as_token(persona).request(method, path, body)
    assert response.status_code == expected, response.content[:300]
    if expected >= 400:
        assert "detail" in response.json()


@pytest.mark.parametrize(("endpoint", "persona", "expected"), CASES)
def test_each_role_gets_the_status_the_matrix_says_with_a_session(
    pic: Picture, as_session: Any, endpoint: str, persona: str, expected: int
) -> None:
    method, path, body = ENDPOINTS[endpoint](pic)
    response = as_session(persona).request(method, path, body)
    assert response.status_code == expected, response.content[:300]


def test_the_matrix_covers_every_incident_and_engagement_endpoint() -> None:
    served = set()
    for prefix, router in api._routers:
        if prefix.strip("/") != "intel":
            continue
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if (operation.operation_id or "").startswith(
                    ("intel_incidents", "intel_engagements")
                ):
                    served.add(operation.operation_id)
    assert served == set(OPERATIONS.values())


def test_a_read_only_token_may_read_incidents_but_not_review_them(
    pic: Picture, api_world: World
) -> None:
    from django.test import Client

    _, secret = issue_token(api_world.users["analyst"], access=ApiToken.Access.READ)
    client = JsonClient(Client(), secret)
    assert client.get(f"{API}/incidents").status_code == 200
    response = client.post(f"{API}/incidents/{pic.dasu.pk}/review/confirm", {})
    assert response.status_code == 403
    assert not ReviewDecision.objects.exists()


def test_a_session_review_post_without_a_csrf_token_is_refused(
    pic: Picture, as_session: Any
) -> None:
    response = as_session("analyst", csrf=True).post(
        f"{API}/incidents/{pic.dasu.pk}/review/confirm", {}
    )
    assert response.status_code in (401, 403)
    assert not ReviewDecision.objects.exists()


def test_the_incident_list_filters_and_pages_with_a_total_count(
    pic: Picture, as_token: Any
) -> None:
    client = as_token("viewer")
    page = client.get(f"{API}/incidents", attack_type="suicide_bombing", limit=1).json()
    assert page["count"] == 2 and page["limit"] == 1 and len(page["items"]) == 1
    assert page["items"][0]["id"] == pic.karachi.pk
    second = client.get(f"{API}/incidents", attack_type="suicide_bombing", limit=1, offset=1).json()
    assert [i["id"] for i in second["items"]] == [pic.bisham.pk]
    dasu = client.get(f"{API}/incidents", nationality="PK").json()
    assert [i["id"] for i in dasu["items"]] == [pic.dasu.pk]
    assert dasu["items"][0]["claims_count"] == 7
    assert dasu["items"][0]["deaths_by_nationality"] == {"CN": 9, "PK": 4}
    by_place = client.get(f"{API}/incidents", province="Sindh", district="karachi").json()
    assert [i["id"] for i in by_place["items"]] == [pic.karachi.pk]
    assert client.get(f"{API}/incidents", perpetrator="Taliban").json()["count"] == 1
    assert client.get(f"{API}/incidents", has_conflict="true").json()["count"] == 1
    assert client.get(f"{API}/incidents", date_from="2024-01-01").json()["count"] == 2


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "soon"},
        {"nationality": "China"},
        {"attack_type": "meteor"},
        {"review_state": "x"},
        {"limit": "0"},
        {"limit": "100000"},
        {"offset": "-1"},
        {"source": str(2**70)},
        {"perpetrator": "x" * 1000},
    ],
)
def test_a_malformed_filter_is_refused_with_a_422(
    pic: Picture, as_token: Any, query: dict[str, str]
) -> None:
    response = as_token("viewer").get(f"{API}/incidents", **query)
    assert response.status_code == 422
    assert response.json()["errors"]


def test_filtering_by_a_source_outside_the_callers_scope_is_refused(
    pic: Picture, as_token: Any
) -> None:
    assert as_token("admin").get(f"{API}/incidents", source=pic.wire.pk).json()["count"] == 1
    assert as_token("analyst").get(f"{API}/incidents", source=pic.wire.pk).status_code == 422


@pytest.mark.parametrize(
    ("pk", "expected"), [("abc", 422), (str(2**70), 422), ("0", 422), ("987654", 404)]
)
def test_hostile_or_missing_ids_get_422_or_404(
    pic: Picture, as_token: Any, pk: str, expected: int
) -> None:
    assert as_token("viewer").get(f"{API}/incidents/{pk}").status_code == expected
    assert as_token("viewer").get(f"{API}/engagements/{pk}").status_code == expected
    review = as_token("analyst").post(f"{API}/incidents/{pk}/review/confirm", {})
    assert review.status_code == expected


def test_a_merged_incident_is_not_found_in_the_api(pic: Picture, as_token: Any) -> None:
    pic.karachi.merged_into = pic.dasu
    pic.karachi.save()
    assert as_token("viewer").get(f"{API}/incidents/{pic.karachi.pk}").status_code == 404
    assert as_token("viewer").get(f"{API}/incidents").json()["count"] == 2


def test_the_incident_detail_has_every_claim_with_its_evidence_span(
    pic: Picture, as_token: Any
) -> None:
    data = as_token("analyst").get(f"{API}/incidents/{pic.dasu.pk}").json()
    deaths = [c for c in data["claims"] if c["field"] == "deaths"]
    assert sorted(c["value"]["total"] for c in deaths) == [12, 13]
    police = next(c for c in deaths if c["value"]["total"] == 13)
    assert police["evidence"] == "killing 13 people, police said"
    assert police["source"] == "Police bulletin" and police["reliability"] == "A"
    assert {r["id"] for r in data["reports"]} == {pic.r_police.pk, pic.r_wire.pk}
    assert data["conflicts"][0]["field"] == "deaths"


def test_the_incident_detail_hides_provenance_the_caller_may_not_open(
    pic: Picture, as_token: Any
) -> None:
    data = as_token("commander").get(f"{API}/incidents/{pic.dasu.pk}").json()
    wire = next(c for c in data["claims"] if c["field"] == "deaths" and c["value"]["total"] == 12)
    assert wire["report"] is None and wire["source"] is None and wire["evidence"] is None
    assert wire["reliability"] == "C"
    assert data["hidden_reports"] == 1
    viewer = as_token("viewer").get(f"{API}/incidents/{pic.dasu.pk}").json()
    assert viewer["reports"] == [] and viewer["hidden_reports"] == 2


def test_the_engagement_endpoints_filter_and_show_claims(pic: Picture, as_token: Any) -> None:
    client = as_token("liaison")
    assert client.get(f"{API}/engagements", country="CN").json()["count"] == 1
    assert client.get(f"{API}/engagements", topic="training").json()["count"] == 0
    assert client.get(f"{API}/engagements", kind="agreement").json()["count"] == 0
    detail = client.get(f"{API}/engagements/{pic.meeting.pk}").json()
    assert detail["topics"] == ["counter_terrorism"]
    assert [c["field"] for c in detail["claims"]] == ["topics"]


def review(client: JsonClient, incident: Incident, action: str, body: Any) -> Any:
    return client.post(f"{API}/incidents/{incident.pk}/review/{action}", body)


def test_confirming_through_the_api_is_stored_and_audited_as_api(
    pic: Picture, as_token: Any
) -> None:
    response = review(as_token("analyst"), pic.dasu, "confirm", {"reason": "Checked."})
    assert response.status_code == 200
    body = response.json()
    assert body["incident"]["review_state"] == "confirmed"
    assert body["decision"]["decision"] == "confirm" and body["decision"]["analyst"] == "analyst"
    assert AuditRecord.objects.filter(
        source="api", object_type="intel.reviewdecision", object_id=str(body["decision"]["id"])
    ).exists()


def test_editing_through_the_api_changes_only_the_fields_sent(pic: Picture, as_token: Any) -> None:
    response = review(as_token("analyst"), pic.dasu, "edit", {"deaths": 12})
    assert response.status_code == 200
    incident = response.json()["incident"]
    assert incident["deaths"] == 12 and incident["attack_type"] == "bombing"
    assert "deaths" in incident["corrected_fields"]


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("edit", {"review_state": "confirmed"}),
        ("edit", {}),
        ("edit", {"deaths": -1}),
        ("edit", {"deaths": "many"}),
        ("edit", {"date": "14/07/2021"}),
        ("reject", {}),
        ("reject", {"reason": ""}),
        ("reject", {"reason": "x" * 100_000}),
        ("relocate", {"lat": 999, "lon": 73}),
        ("relocate", {"lat": 35}),
        ("relocate", {"gazetteer_id": "nowhere:1"}),
        ("merge", {"other": "self"}),
        ("merge", {"other": 987654}),
        ("merge", {"other": 2**70}),
        ("split", {"reports": "all"}),
        ("split", {"reports": []}),
        ("split", {"reports": ["abc"]}),
        ("confirm", {"reason": "ok", "extra": 1}),
    ],
)
def test_hostile_review_bodies_are_refused_with_a_422_and_nothing_changes(
    pic: Picture, as_token: Any, action: str, body: dict[str, Any]
) -> None:
    if body.get("other") == "self":
        body = {"other": pic.dasu.pk}
    if body.get("reports") == "all":
        body = {"reports": [pic.r_police.pk, pic.r_wire.pk]}
    before = (Mention.objects.count(), Claim.objects.count(), Incident.objects.count())
    response = review(as_token("analyst"), pic.dasu, action, body)
    assert response.status_code == 422, response.content[:300]
    assert response.json()["errors"]
    assert not ReviewDecision.objects.exists()
    assert (Mention.objects.count(), Claim.objects.count(), Incident.objects.count()) == before


def test_an_unknown_review_action_or_unreadable_body_is_refused(
    pic: Picture, as_token: Any
) -> None:
    client = as_token("analyst")
    assert review(client, pic.dasu, "delete", {}).status_code == 422
    raw = client.post(f"{API}/incidents/{pic.dasu.pk}/review/confirm", raw=b"{not json")
    assert raw.status_code == 400
    listed = client.post(f"{API}/incidents/{pic.dasu.pk}/review/confirm", [1, 2])
    assert listed.status_code == 422


def test_merging_through_the_api_moves_everything_and_a_second_merge_conflicts(
    pic: Picture, as_token: Any
) -> None:
    client = as_token("analyst")
    before = (
        Mention.objects.filter(incident__in=[pic.dasu, pic.bisham]).count(),
        Claim.objects.filter(incident__in=[pic.dasu, pic.bisham]).count(),
    )
    response = review(client, pic.dasu, "merge", {"other": pic.bisham.pk})
    assert response.status_code == 200
    after = (
        Mention.objects.filter(incident=pic.dasu).count(),
        Claim.objects.filter(incident=pic.dasu).count(),
    )
    assert after == before
    again = review(client, pic.karachi, "merge", {"other": pic.bisham.pk})
    assert again.status_code == 409
    assert "merged into" in json.dumps(again.json())


def test_splitting_through_the_api_creates_a_new_incident_with_the_chosen_reports(
    pic: Picture, as_token: Any
) -> None:
    response = review(as_token("analyst"), pic.dasu, "split", {"reports": [pic.r_wire.pk]})
    assert response.status_code == 201
    new = Incident.objects.get(pk=response.json()["new_incident"])
    assert list(new.mentions.values_list("pk", flat=True)) == [pic.m_wire.pk]
    assert response.json()["decision"]["decision"] == "split"


def test_relocating_through_the_api_by_point(pic: Picture, as_token: Any) -> None:
    response = review(
        as_token("analyst"), pic.karachi, "relocate", {"lat": 24.9, "lon": 67.16, "name": "Airport"}
    )
    assert response.status_code == 200
    incident = response.json()["incident"]
    assert (incident["lat"], incident["lon"], incident["place_name"]) == (24.9, 67.16, "Airport")


def test_the_api_csv_export_neutralises_formula_cells(pic: Picture, as_token: Any) -> None:
    pic.karachi.place_name = "@SUM(A1:A9)"
    pic.karachi.perpetrators = [{"name": "+cmd|' /C calc'!A0"}]
    pic.karachi.save()
    response = as_token("viewer").get(f"{API}/incidents/export.csv", province="Sindh")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, row = rows[0], rows[1]
    assert len(rows) == 2
    assert row[header.index("place_name")] == "'@SUM(A1:A9)"
    assert row[header.index("perpetrators")].startswith("'+")


def test_the_api_geojson_export_is_valid_and_counts_skipped_incidents(
    pic: Picture, as_token: Any
) -> None:
    response = as_token("viewer").get(f"{API}/incidents/export.geojson")
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection" and data["skipped"] == 1
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert {"claims_count", "deaths_range", "deaths_by_nationality"} <= set(
            feature["properties"]
        )
    assert (
        as_token("viewer").get(f"{API}/incidents/export.geojson", date_to="no").status_code == 422
    )

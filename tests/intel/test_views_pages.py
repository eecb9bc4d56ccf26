"""The incident picture's pages: who may open each, and what each shows.

The permission table is written out by hand from the product's rules (everyone who uses the
picture reads incidents and engagements; analysts and administrators review; reports are
read by analysts, administrators and the organisation's own field staff; jobs by analysts
and administrators), so a policy change that widens or narrows access makes it fail.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import ROLES, World
from tests.intel import conftest_views
from tests.intel.conftest_views import Picture

picture = conftest_views.picture

PRINCIPALS = ("anonymous", *ROLES)

Url = Callable[[Picture], str]
PAGES: dict[str, Url] = {
    "incident list": lambda p: reverse("intel:incident-list"),
    "incident detail": lambda p: reverse("intel:incident-detail", args=[p.dasu.pk]),
    "incident review": lambda p: reverse("intel:incident-review", args=[p.dasu.pk]),
    "review queue": lambda p: reverse("intel:review-queue"),
    "own report": lambda p: reverse("intel:report-detail", args=[p.r_police.pk]),
    "other org's report": lambda p: reverse("intel:report-detail", args=[p.r_wire.pk]),
    "engagement list": lambda p: reverse("intel:engagement-list"),
    "engagement detail": lambda p: reverse("intel:engagement-detail", args=[p.meeting.pk]),
    "jobs": lambda p: reverse("intel:jobs-list"),
    "csv export": lambda p: reverse("intel:incident-export-csv"),
    "geojson export": lambda p: reverse("intel:incident-export-geojson"),
}

# fmt: off
MATRIX: dict[str, tuple[int, ...]] = {
    #                       anon admin coord cmdr offcr anlst liais view
    "incident list":        (302, 200,  200,  200, 200,  200,  200,  200),
    "incident detail":      (302, 200,  200,  200, 200,  200,  200,  200),
    "incident review":      (302, 200,  403,  403, 403,  200,  403,  403),
    "review queue":         (302, 200,  403,  403, 403,  200,  403,  403),
    "own report":           (302, 200,  403,  200, 200,  200,  403,  403),
    "other org's report":   (302, 200,  403,  404, 404,  200,  403,  403),
    "engagement list":      (302, 200,  200,  200, 200,  200,  200,  200),
    "engagement detail":    (302, 200,  200,  200, 200,  200,  200,  200),
    "jobs":                 (302, 200,  403,  403, 403,  200,  403,  403),
    "csv export":           (302, 200,  200,  200, 200,  200,  200,  200),
    "geojson export":       (302, 200,  200,  200, 200,  200,  200,  200),
}
POSTS: dict[str, tuple[int, ...]] = {
    # A successful review redirects to the incident (302); anonymous goes to the login page.
    "confirm":              (302, 302,  403,  403, 403,  302,  403,  403),
    "engagement confirm":   (302, 302,  403,  403, 403,  302,  403,  403),
}
# fmt: on

CASES = [
    pytest.param(page, persona, expected[i], id=f"{page}-{persona}")
    for page, expected in MATRIX.items()
    for i, persona in enumerate(PRINCIPALS)
]
POST_CASES = [
    pytest.param(action, persona, expected[i], id=f"{action}-{persona}")
    for action, expected in POSTS.items()
    for i, persona in enumerate(PRINCIPALS)
]


@pytest.mark.parametrize(("page", "persona", "expected"), CASES)
def test_each_persona_gets_the_status_the_table_says_for_each_page(
    login: Any, picture: Picture, page: str, persona: str, expected: int
) -> None:
    response = login(persona).get(PAGES[page](picture))
    assert response.status_code == expected
    if persona == "anonymous":
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("action", "persona", "expected"), POST_CASES)
def test_only_analysts_and_administrators_may_post_review_decisions(
    login: Any, picture: Picture, action: str, persona: str, expected: int
) -> None:
    if action == "confirm":
        url = reverse("intel:incident-review-action", args=[picture.dasu.pk, "confirm"])
        target: Any = picture.dasu
    else:
        url = reverse("intel:engagement-review-action", args=[picture.meeting.pk, "confirm"])
        target = picture.meeting
    response = login(persona).post(url, {"confirm-reason": "checked"})
    assert response.status_code == expected
    target.refresh_from_db()
    confirmed = target.review_state == "confirmed"
    assert confirmed == (expected == 302 and persona != "anonymous")


def test_the_navigation_shows_the_review_queue_and_jobs_to_analysts_only(
    login: Any, picture: Picture
) -> None:
    analyst_page = login("analyst").get(reverse("core:home")).content.decode()
    assert reverse("intel:review-queue") in analyst_page
    assert reverse("intel:jobs-list") in analyst_page
    assert reverse("intel:incident-list") in analyst_page
    login("viewer")
    viewer_page = login("viewer").get(reverse("core:home")).content.decode()
    assert reverse("intel:incident-list") in viewer_page
    assert reverse("intel:engagement-list") in viewer_page
    assert reverse("intel:review-queue") not in viewer_page
    assert reverse("intel:jobs-list") not in viewer_page


def _listed(response: Any) -> set[int]:
    return {incident.pk for incident in response.context["page"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"dasu", "bisham", "karachi"}),
        ({"date_from": "2024-01-01"}, {"bisham", "karachi"}),
        ({"date_to": "2021-12-31"}, {"dasu"}),
        ({"province": "sindh"}, {"karachi"}),
        ({"district": "Upper Kohistan"}, {"dasu"}),
        ({"attack_type": "suicide_bombing"}, {"bisham", "karachi"}),
        ({"kind": "security_operation"}, set()),
        ({"nationality": "pk"}, {"dasu"}),
        ({"nationality": "CN"}, {"dasu", "bisham", "karachi"}),
        ({"perpetrator": "taliban"}, {"dasu"}),
        ({"review_state": "confirmed"}, {"bisham"}),
        ({"has_conflict": "true"}, {"dasu"}),
    ],
)
def test_the_incident_list_filters_by_each_criterion(
    login: Any, picture: Picture, query: dict[str, str], expected: set[str]
) -> None:
    response = login("viewer").get(reverse("intel:incident-list"), query)
    assert response.status_code == 200
    assert _listed(response) == {getattr(picture, name).pk for name in expected}


def test_the_incident_list_filters_by_source_within_the_sources_the_user_may_see(
    login: Any, picture: Picture
) -> None:
    url = reverse("intel:incident-list")
    response = login("admin").get(url, {"source": picture.wire.pk})
    assert _listed(response) == {picture.dasu.pk}
    response = login("analyst").get(url, {"source": picture.police.pk})
    assert _listed(response) == {picture.dasu.pk, picture.bisham.pk}
    # The wire service belongs to another organisation: the analyst's role may not see it.
    refused = login("analyst").get(url, {"source": picture.wire.pk})
    assert refused.status_code == 400
    assert _listed(refused) == set()


def test_the_incident_list_refuses_a_malformed_filter_with_a_400(
    login: Any, picture: Picture
) -> None:
    url = reverse("intel:incident-list")
    client = login("viewer")
    assert client.get(url, {"date_from": "yesterday"}).status_code == 400
    assert client.get(url, {"nationality": "'; DROP TABLE"}).status_code == 400
    assert client.get(url, {"page": "x" * 5000}).status_code == 200


def test_the_incident_list_hides_merged_incidents(login: Any, picture: Picture) -> None:
    picture.karachi.merged_into = picture.dasu
    picture.karachi.save()
    response = login("viewer").get(reverse("intel:incident-list"))
    assert picture.karachi.pk not in _listed(response)


def test_the_incident_page_groups_claims_by_field_and_flags_the_conflict(
    login: Any, picture: Picture
) -> None:
    response = login("analyst").get(reverse("intel:incident-detail", args=[picture.dasu.pk]))
    groups = {g.field: g for g in response.context["groups"]}
    assert {"deaths", "date", "location", "victim_nationalities"} <= set(groups)
    assert groups["deaths"].conflict is not None
    assert groups["date"].conflict is None
    values = sorted(row.value for row in groups["deaths"].rows)
    assert values == ["12", "13 · official"]
    sources = {row.source_name for row in groups["deaths"].rows}
    assert sources == {"Police bulletin", "Wire service"}
    grades = {row.reliability for row in groups["deaths"].rows}
    assert grades == {"A", "C"}
    page = response.content.decode()
    assert "conflict" in page
    assert "<mark" in page
    assert reverse("intel:report-detail", args=[picture.r_wire.pk]) in page


def test_the_incident_page_shows_provenance_only_for_reports_the_reader_may_open(
    login: Any, picture: Picture
) -> None:
    response = login("commander").get(reverse("intel:incident-detail", args=[picture.dasu.pk]))
    rows = [row for g in response.context["groups"] if g.field == "deaths" for row in g.rows]
    opened = {row.source_name for row in rows if row.report is not None}
    assert opened == {"Police bulletin"}
    assert response.context["hidden_reports"] == 1
    page = response.content.decode()
    assert "leaving 12 dead" not in page
    viewer = login("viewer").get(reverse("intel:incident-detail", args=[picture.dasu.pk]))
    assert viewer.context["cards"] == []
    assert "Police bulletin" not in viewer.content.decode()
    assert viewer.context["history"]["audit"] == []


def test_the_incident_page_escapes_hostile_report_text_and_still_marks_evidence(
    login: Any, picture: Picture
) -> None:
    from tests.intel.conftest_views import claim

    report = picture.r_police
    report.text = "<script>alert(1)</script> killed 4 " + report.text
    report.save()
    claim(picture.m_police, "injured", {"total": 4}, "<script>alert(1)</script> killed 4")
    page = login("analyst").get(picture.dasu.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_incident_page_notes_near_duplicate_reports(login: Any, picture: Picture) -> None:
    picture.r_wire.near_duplicate_of = picture.r_police
    picture.r_wire.save()
    page = login("analyst").get(picture.dasu.get_absolute_url()).content.decode()
    assert "Near-duplicate" in page


def test_a_merged_incident_page_redirects_to_the_incident_it_was_merged_into(
    login: Any, picture: Picture
) -> None:
    picture.karachi.merged_into = picture.dasu
    picture.karachi.save()
    response = login("viewer").get(picture.karachi.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == picture.dasu.get_absolute_url()


def test_the_review_queue_lists_waiting_items_oldest_first_with_the_reason(
    login: Any, picture: Picture
) -> None:
    response = login("analyst").get(reverse("intel:review-queue"))
    rows = response.context["rows"]
    assert [obj.pk for obj, _ in rows] == [picture.dasu.pk]
    assert any("conflicting deaths" in why for why in rows[0][1])
    engagements = login("analyst").get(reverse("intel:review-queue"), {"show": "engagements"})
    assert [obj.pk for obj, _ in engagements.context["rows"]] == [picture.meeting.pk]


def test_the_review_queue_orders_by_age(login: Any, picture: Picture) -> None:
    picture.bisham.review_state = "needs_review"
    picture.bisham.save()
    rows = login("analyst").get(reverse("intel:review-queue")).context["rows"]
    assert [obj.pk for obj, _ in rows] == [picture.dasu.pk, picture.bisham.pk]


def test_the_report_page_highlights_its_evidence_and_lists_its_incidents(
    login: Any, picture: Picture
) -> None:
    response = login("officer").get(reverse("intel:report-detail", args=[picture.r_police.pk]))
    page = response.content.decode()
    assert "<mark" in page and "killing 13 people, police said</mark>" in page
    assert picture.dasu.get_absolute_url() in page
    assert picture.meeting.get_absolute_url() in page
    assert "Police bulletin" in page


def test_the_report_page_shows_a_failed_extraction_and_its_error(
    login: Any, picture: Picture
) -> None:
    picture.r_bisham.status = "failed"
    picture.r_bisham.error = "language not supported: xx"
    picture.r_bisham.save()
    page = login("analyst").get(reverse("intel:report-detail", args=[picture.r_bisham.pk]))
    assert "language not supported: xx" in page.content.decode()


def test_the_engagement_timeline_filters_by_kind_topic_country_and_date(
    login: Any, picture: Picture
) -> None:
    url = reverse("intel:engagement-list")
    client = login("viewer")

    def listed(**query: str) -> set[int]:
        return {e.pk for e in client.get(url, query).context["page"]}

    assert listed() == {picture.meeting.pk}
    assert listed(kind="meeting") == {picture.meeting.pk}
    assert listed(kind="agreement") == set()
    assert listed(topic="counter_terrorism") == {picture.meeting.pk}
    assert listed(topic="training") == set()
    assert listed(country="cn") == {picture.meeting.pk}
    assert listed(country="DE") == set()
    assert listed(date_from="2024-06-01") == set()
    assert listed(date_to="2024-06-01") == {picture.meeting.pk}


def test_the_engagement_page_shows_participants_topics_and_claims(
    login: Any, picture: Picture
) -> None:
    response = login("viewer").get(picture.meeting.get_absolute_url())
    page = response.content.decode()
    assert "Minister of Public Security" in page
    assert "counter_terrorism" in page
    assert [g.field for g in response.context["groups"]] == ["topics"]


def test_the_csv_export_follows_the_filters_and_neutralises_formulas(
    login: Any, picture: Picture
) -> None:
    picture.karachi.place_name = '=HYPERLINK("http://evil")'
    picture.karachi.save()
    response = login("viewer").get(
        reverse("intel:incident-export-csv"), {"attack_type": "suicide_bombing"}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[0] == "id" and "claims_count" in header
    assert {int(r[0]) for r in body} == {picture.bisham.pk, picture.karachi.pk}
    place = {int(r[0]): r[header.index("place_name")] for r in body}
    assert place[picture.karachi.pk].startswith("'=")


def test_the_geojson_export_is_a_feature_collection_that_counts_skipped_incidents(
    login: Any, picture: Picture
) -> None:
    response = login("viewer").get(reverse("intel:incident-export-geojson"))
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    assert data["skipped"] == 1
    features = {f["id"]: f for f in data["features"]}
    assert set(features) == {picture.dasu.pk, picture.bisham.pk}
    dasu = features[picture.dasu.pk]
    assert dasu["geometry"] == {"type": "Point", "coordinates": [73.2906, 35.2917]}
    assert dasu["properties"]["claims_count"] == 7
    assert dasu["properties"]["deaths_range"] == [12, 13]
    assert dasu["properties"]["deaths_by_nationality"] == {"CN": 9, "PK": 4}


def test_an_export_with_a_malformed_filter_is_refused(login: Any, picture: Picture) -> None:
    client = login("viewer")
    assert client.get(reverse("intel:incident-export-csv"), {"date_to": "x"}).status_code == 400
    geo = client.get(reverse("intel:incident-export-geojson"), {"date_to": "x"})
    assert geo.status_code == 400


def test_non_numeric_ids_are_not_found(login: Any, picture: Picture, world: World) -> None:
    client = login("analyst")
    assert client.get("/intel/incidents/abc/").status_code == 404
    assert client.get("/intel/incidents/99999999999999999999999/").status_code == 404
    assert client.get("/intel/reports/-1/").status_code == 404

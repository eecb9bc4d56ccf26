"""The engagements timeline: meetings, agreements and announcements with participants and
topics, grouped by month, filtered by the gate and by the reader's filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from safepassage.dashboard import timeline
from safepassage.intel.models import Engagement
from safepassage.sharing.models import SharingAgreement
from tests.conftest import World
from tests.dashboard.dash_helpers import engagement


def test_it_lists_engagements_by_month_with_participants_and_topics(
    world: World, login: Any
) -> None:
    june = engagement()
    engagement(
        kind="agreement",
        title="Joint protection arrangement signed",
        date=dt.date(2024, 9, 21),
        topics=["protection_unit"],
    )
    engagement(
        kind="announcement", title="Ministry statement", date=None, participants=[], topics=[]
    )
    response = login("analyst").get(reverse("dashboard:timeline"))
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [g.label for g in groups] == ["September 2024", "June 2024", "Date not known"]
    (entry,) = groups[1].entries
    assert entry.engagement == june
    assert [(p.name, p.title, p.country) for p in entry.participants] == [
        ("Minister A", "Interior Minister", "PK"),
        ("Minister B", "Interior Minister", "CN"),
    ]
    assert entry.topics == ["counter_terrorism", "training"]
    html = response.content.decode()
    assert "Minister B</strong>, Interior Minister" in html
    assert 'href="?topic=counter_terrorism"' in html
    assert "No participants recorded." in html
    facets = response.context["facets"]
    assert ("training", 1) in facets["topics"] and ("protection_unit", 1) in facets["topics"]
    # Countries count the engagements they took part in: both meetings had PK and CN.
    assert facets["countries"] == [("CN", 2), ("PK", 2)]


def test_it_shows_only_the_engagements_the_gate_lets_the_reader_see(
    world: World, login: Any
) -> None:
    engagement(title="Open meeting", tlp="clear")
    engagement(title="Community meeting", tlp="amber")
    engagement(title="Strict meeting", tlp="amber+strict", organisation=world.spu_kp)
    engagement(title="Red meeting", tlp="red", recipients=[world.user("viewer")])

    def titles(persona: str) -> set[str]:
        page = login(persona).get(reverse("dashboard:timeline"))
        return {e.engagement.title for g in page.context["groups"] for e in g.entries}

    assert titles("analyst") == {"Open meeting", "Community meeting", "Strict meeting"}
    assert titles("viewer") == {"Open meeting", "Community meeting", "Red meeting"}
    SharingAgreement.objects.filter(partner=world.ministry_cn).update(max_tlp="green")
    assert titles("liaison") == {"Open meeting"}
    data = login("liaison").get(reverse("dashboard:timeline-json")).json()
    assert [e["title"] for e in data["engagements"]] == ["Open meeting"]
    assert data["tlp"] == "TLP:CLEAR"


def test_it_filters_by_kind_topic_country_and_dates(world: World, login: Any) -> None:
    engagement(title="Training talks", topics=["training"])
    engagement(
        title="Border deal", kind="agreement", topics=["border_security"], date=dt.date(2025, 2, 5)
    )
    client = login("analyst")

    def titles(query: str) -> list[str]:
        data = client.get(reverse("dashboard:timeline-json") + query).json()
        return [e["title"] for e in data["engagements"]]

    assert titles("?kind=agreement") == ["Border deal"]
    assert titles("?topic=training") == ["Training talks"]
    assert titles("?country=cn") == ["Border deal", "Training talks"]
    assert titles("?date_from=2025-01-01") == ["Border deal"]
    assert titles("?date_to=2024-12-31") == ["Training talks"]


def test_malformed_filters_answer_400_with_clear_reasons(world: World, login: Any) -> None:
    engagement()
    client = login("analyst")
    page = client.get(reverse("dashboard:timeline") + "?country=China&date_from=soon&kind=attack")
    assert page.status_code == 400
    html = page.content.decode()
    assert "Give a two-letter country code" in html and "Enter a valid date." in html
    assert "The filters are not valid" in html
    data = client.get(reverse("dashboard:timeline-json") + "?country=China&date_from=soon")
    assert data.status_code == 400
    body = data.json()
    assert set(body["fields"]) == {"country", "date_from"}
    assert "two-letter" in body["fields"]["country"]


def test_hostile_and_oversized_input_neither_breaks_nor_echoes(world: World, login: Any) -> None:
    engagement()
    client = login("analyst")
    for query in (
        "?topic=%3Cscript%3E",
        "?topic=" + "a" * 5000,
        "?page=-1",
        "?page=x",
        "?topic=a%00b",
    ):
        response = client.get(reverse("dashboard:timeline") + query)
        assert response.status_code in (200, 400), query
        assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_the_json_gives_each_engagement_with_its_people_and_topics(
    world: World, login: Any
) -> None:
    made = engagement(
        participants=[{"name": "Minister A", "country": "pk", "organisation": "Interior"}]
    )
    data = login("viewer").get(reverse("dashboard:timeline-json")).json()
    assert data["count"] == 1 and data["shown"] == 1
    (entry,) = data["engagements"]
    assert entry["id"] == made.pk and entry["date"] == "2024-06-27" and entry["kind"] == "meeting"
    assert entry["participants"] == [
        {"name": "Minister A", "country": "PK", "organisation": "Interior"}
    ]
    assert entry["topics"] == ["counter_terrorism", "training"]
    assert entry["url"] == made.get_absolute_url()


def test_malformed_participants_and_topics_are_left_out_not_fatal(db: Any) -> None:
    made = Engagement(
        kind="meeting",
        participants=[
            "Plain Name",
            {"name": ""},
            {"title": "no name"},
            7,
            None,
            {"name": "X", "country": "Chi"},
        ],
        topics=["a", "a", 5, "", "b" * 100],
    )
    entry = timeline.entry_of(made)
    assert [(p.name, p.country) for p in entry.participants] == [("Plain Name", ""), ("X", "")]
    assert entry.topics == ["a", "b" * 64]
    assert timeline.participants_of({"name": "not a list"}) == []
    assert timeline.topics_of("counter_terrorism") == []


def test_empty_states_tell_no_data_from_no_match(world: World, login: Any) -> None:
    client = login("viewer")
    html = client.get(reverse("dashboard:timeline")).content.decode()
    assert "No meeting, agreement or announcement has been recorded that you may see." in html
    engagement()
    html = client.get(reverse("dashboard:timeline") + "?kind=agreement").content.decode()
    assert "No engagement matches these filters." in html


def test_the_timeline_needs_a_signed_in_reader(world: World, client: Any) -> None:
    assert client.get(reverse("dashboard:timeline")).status_code == 302
    assert client.get(reverse("dashboard:timeline-json")).status_code == 401


def test_the_filter_dropdowns_say_any_instead_of_dashes(world: World, login: Any) -> None:
    engagement(title="Training talks")
    client = login("analyst")
    html = client.get(reverse("dashboard:timeline")).content.decode()
    assert "---------" not in html
    assert '<option value="" selected>Any kind</option>' in html
    assert '<option value="" selected>Any review state</option>' in html
    form = client.get(reverse("dashboard:timeline")).context["filter"].form
    assert list(form.fields["kind"].choices)[0] == ("", "Any kind")
    assert list(form.fields["review_state"].choices)[0] == ("", "Any review state")
    # A chosen kind keeps "Any kind" as the way back, and the empty choice still filters nothing.
    html = client.get(reverse("dashboard:timeline") + "?kind=agreement").content.decode()
    assert '<option value="">Any kind</option>' in html
    assert '<option value="agreement" selected>' in html
    page = client.get(reverse("dashboard:timeline") + "?kind=&review_state=")
    assert page.status_code == 200
    assert [e.engagement.title for g in page.context["groups"] for e in g.entries] == [
        "Training talks"
    ]

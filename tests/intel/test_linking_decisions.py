"""Linking in the database: blocking, background mentions, engagements, provenance."""

from __future__ import annotations

import datetime
from typing import Any

import h3

from safepassage.intel.models import Engagement, Incident, Mention
from safepassage.intel.services.linker import candidates
from safepassage.linking import LinkEvent, block_for
from tests.intel.conftest import article

D = datetime.date
MEETING = (
    "ISLAMABAD: Interior Minister Mohsin Naqvi met Chinese Ambassador Jiang Zaidong in "
    "Islamabad on June 3, 2023 to review security for Chinese nationals, the ministry said. "
    "The meeting came a month after a roadside bomb killed four Chinese engineers near Quetta "
    "on May 2, 2023."
)
MEETING_AGAIN = (
    "Interior Minister Mohsin Naqvi and Chinese Ambassador Jiang Zaidong met in Islamabad on "
    "June 3, 2023 and agreed to expand the special protection unit, officials said."
)


def _incident(lat: float, lon: float, day: D, **kw: Any) -> Incident:
    return Incident.objects.create(
        kind="attack",
        date=day,
        date_precision="day",
        lat=lat,
        lon=lon,
        geo_precision="town",
        country="PK",
        admin1="Balochistan",
        h3_r5=h3.latlng_to_cell(lat, lon, 5),
        **kw,
    )


def test_its_candidate_search_reads_only_the_block(
    db: Any, django_assert_max_num_queries: Any
) -> None:
    near = _incident(30.18, 67.0, D(2023, 5, 3))
    _incident(30.18, 67.0, D(2023, 6, 3))  # a month later
    _incident(25.12, 62.33, D(2023, 5, 2))  # Gwadar, same day
    province = Incident.objects.create(
        kind="attack",
        date=D(2023, 5, 1),
        date_precision="month",
        geo_precision="province",
        admin1="Balochistan",
        country="PK",
    )
    event = LinkEvent(
        kind="attack",
        date=D(2023, 5, 2),
        date_precision="day",
        lat=30.2,
        lon=67.01,
        geo_precision="town",
        country="PK",
        admin1="Balochistan",
    )
    with django_assert_max_num_queries(4):
        found = candidates(block_for(event), D(2023, 5, 2))
    assert {c.pk for c in found} == {near.pk, province.pk}


def test_a_background_mention_strengthens_the_earlier_incident(intel_ingest: Any) -> None:
    intel_ingest(article("Quetta", D(2023, 5, 2), 4), published=D(2023, 5, 2))
    intel_ingest(MEETING, published=D(2023, 6, 4))
    incident = Incident.objects.get()
    assert incident.report_count == 2
    background = Mention.objects.get(background=True)
    assert background.incident == incident and background.link_score is not None
    assert Engagement.objects.filter(kind="meeting").count() == 1


def test_it_links_the_same_meeting_from_two_reports(intel_ingest: Any) -> None:
    intel_ingest(MEETING, published=D(2023, 6, 4))
    intel_ingest(MEETING_AGAIN, published=D(2023, 6, 3))
    meeting = Engagement.objects.get(kind="meeting")
    assert meeting.report_count == 2
    assert {p["name"] for p in meeting.participants} == {"Mohsin Naqvi", "Jiang Zaidong"}
    assert meeting.title.startswith("Meeting: ")


def test_it_records_why_a_mention_was_linked(intel_ingest: Any) -> None:
    intel_ingest(article("Quetta", D(2023, 5, 2), 4), published=D(2023, 5, 2))
    intel_ingest(article("Quetta", D(2023, 5, 3), 4, kind="gun"), published=D(2023, 5, 3))
    linked = Mention.objects.exclude(link_score=None).get()
    assert linked.link_score >= 0.65
    assert any(reason.startswith("date:") for reason in linked.link_reasons)


def test_it_keeps_an_undated_event_apart_from_dated_ones_elsewhere(intel_ingest: Any) -> None:
    intel_ingest(article("Quetta", D(2023, 5, 2), 4), published=D(2023, 5, 2))
    intel_ingest(
        "KARACHI: Two Chinese engineers were killed in a bomb attack at the airport, police said.",
    )
    assert Incident.objects.count() == 2
    undated = Incident.objects.get(date=None)
    assert undated.review_state == "needs_review"

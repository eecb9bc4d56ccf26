"""A small incident picture built with the ORM, for the page, review and API tests.

Two sources of two organisations report the Dasu attack with different death tolls (a
conflict); a third report covers Bisham; Karachi has no coordinates (GeoJSON skips it); one
report also describes a meeting. Test modules import ``picture`` (or call ``build_picture``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from safepassage.intel.models import Claim, Engagement, Incident, Mention, Report, Source
from safepassage.registry.models import Organisation
from tests.incidents import attack

DASU_POLICE = (
    "UPPER KOHISTAN: A bomb hit a bus carrying Chinese engineers near Dasu on July 14, 2021, "
    "killing 13 people, police said. Nine of the dead were Chinese nationals."
)
DASU_WIRE = (
    "A blast struck a coach near the Dasu dam site on 14 July 2021, leaving 12 dead, "
    "according to a local reporter."
)
BISHAM = "SHANGLA: A suicide bomber rammed a convoy near Bisham on March 26, 2024, killing 6."


@dataclass
class Picture:
    police: Source
    wire: Source
    r_police: Report
    r_wire: Report
    r_bisham: Report
    dasu: Incident
    bisham: Incident
    karachi: Incident
    meeting: Engagement
    m_police: Mention
    m_wire: Mention
    m_bisham: Mention


def _report(source: Source, text: str, n: int, **extra: Any) -> Report:
    return Report.objects.create(
        source=source,
        organisation=source.organisation,
        content_hash=f"{n:064d}",
        title=extra.pop("title", text[:40]),
        text=text,
        status="done",
        **extra,
    )


def _mention(
    report: Report, index: int, kind: str, target: Any, spans: list[tuple[int, int]]
) -> Mention:
    owner = {"incident": target} if isinstance(target, Incident) else {"engagement": target}
    return Mention.objects.create(
        report=report,
        index=index,
        kind=kind,
        confidence=0.4,
        event={"kind": kind, "evidence": [{"start": s, "end": e} for s, e in spans]},
        **owner,
    )


def _span(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def claim(mention: Mention, field: str, value: Any, needle: str | None = None) -> Claim:
    """A claim of ``mention``'s report for ``field``, its span around ``needle``."""
    start, end = _span(mention.report.text, needle) if needle else (None, None)
    target = mention.incident or mention.engagement
    owner = {"incident": target} if isinstance(target, Incident) else {"engagement": target}
    return Claim.objects.create(
        field=field,
        value=value,
        mention=mention,
        report=mention.report,
        start=start,
        end=end,
        **owner,
    )


def build_picture(org_a: Organisation, org_b: Organisation) -> Picture:
    """The picture: police reports belong to ``org_a``, wire reports to ``org_b``."""
    police = Source.objects.create(
        organisation=org_a, name="Police bulletin", kind="api", reliability="A"
    )
    wire = Source.objects.create(
        organisation=org_b, name="Wire service", kind="api", reliability="C"
    )
    r_police = _report(police, DASU_POLICE, 1, published=datetime.date(2021, 7, 14))
    r_wire = _report(wire, DASU_WIRE, 2, published=datetime.date(2021, 7, 15))
    r_bisham = _report(police, BISHAM, 3, published=datetime.date(2024, 3, 26))
    dasu = attack(
        "Dasu",
        "Upper Kohistan",
        datetime.date(2021, 7, 14),
        town=(35.2917, 73.2906),
        attack_type="bombing",
        deaths=13,
        deaths_min=12,
        deaths_max=13,
        deaths_by_nationality={"CN": 9, "PK": 4},
        victim_nationalities=["CN", "PK"],
        perpetrators=[{"name": "Tehrik-i-Taliban Pakistan", "relation": "suspected"}],
        review_state="needs_review",
        has_conflict=True,
        conflicts=[{"field": "deaths", "values": [13, 12], "reports": [r_police.pk, r_wire.pk]}],
        report_count=2,
    )
    bisham = attack(
        "Besham",
        "Shangla",
        datetime.date(2024, 3, 26),
        town=(34.93, 72.88),
        attack_type="suicide_bombing",
        deaths=6,
        deaths_min=6,
        deaths_max=6,
        victim_nationalities=["CN"],
        review_state="confirmed",
        report_count=1,
    )
    karachi = attack(
        "Karachi",
        "Karachi",
        datetime.date(2024, 10, 6),
        province="Sindh",
        attack_type="suicide_bombing",
        deaths=2,
        victim_nationalities=["CN"],
        review_state="auto",
    )
    meeting = Engagement.objects.create(
        kind="meeting",
        title="Interior ministers",
        date=datetime.date(2024, 5, 1),
        date_precision="day",
        place_name="Beijing",
        country="CN",
        participants=[
            {"name": "Interior minister of Pakistan", "country": "PK"},
            {"name": "Minister of Public Security", "country": "CN"},
        ],
        topics=["counter_terrorism"],
        review_state="needs_review",
    )
    m_police = _mention(
        r_police, 0, "attack", dasu, [_span(DASU_POLICE, "killing 13 people, police said")]
    )
    m_wire = _mention(r_wire, 0, "attack", dasu, [_span(DASU_WIRE, "leaving 12 dead")])
    m_bisham = _mention(r_bisham, 0, "attack", bisham, [_span(BISHAM, "killing 6")])
    m_meeting = _mention(r_police, 1, "meeting", meeting, [])
    claim(m_police, "deaths", {"total": 13, "official": True}, "killing 13 people, police said")
    claim(m_wire, "deaths", {"total": 12, "official": False}, "leaving 12 dead")
    date = {"value": "2021-07-14", "precision": "day"}
    claim(m_police, "date", date, "July 14, 2021")
    claim(m_wire, "date", date, "14 July 2021")
    place = {
        "name": "Dasu",
        "admin1": "Khyber Pakhtunkhwa",
        "admin2": "Upper Kohistan",
        "country": "PK",
        "lat": 35.2917,
        "lon": 73.2906,
        "precision": "town",
    }
    claim(m_police, "location", place, "Dasu")
    claim(m_wire, "location", place, "Dasu")
    claim(m_police, "victim_nationalities", ["CN", "PK"], "Chinese engineers")
    claim(m_bisham, "deaths", {"total": 6}, "killing 6")
    Claim.objects.create(
        engagement=meeting,
        field="topics",
        value=["counter_terrorism"],
        mention=m_meeting,
        report=r_police,
    )
    return Picture(
        police,
        wire,
        r_police,
        r_wire,
        r_bisham,
        dasu,
        bisham,
        karachi,
        meeting,
        m_police,
        m_wire,
        m_bisham,
    )


@pytest.fixture
def picture(world: Any) -> Picture:
    """The picture over the shared world: police reports are SPU-KP's, wire reports the port's."""
    return build_picture(world.spu_kp, world.port)

"""Engagements with everything a sharing path carries, for the engagement sharing tests.

One meeting with named participants, topics, a place and two reports describing it; one
engagement of each TLP marking beside it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from safepassage.intel.models import Engagement, Mention, Report, Source
from safepassage.linking.blocking import cell_of
from safepassage.sharing import tlp
from tests.conftest import World
from tests.sharing.stix_data import report

# Fields that are this instance's own bookkeeping, not the engagement's content.
LOCAL_FIELDS = {"id", "created", "updated", "organisation", "recipients", "h3_r5"}
MAIN_TITLE = "Interior ministers discuss security of foreign nationals"
PARTICIPANTS = [
    {
        "name": "Mohsin Naqvi",
        "title": "Interior Minister",
        "organisation": "Ministry of Interior",
        "country": "PK",
    },
    {
        "name": "Wang Xiaohong",
        "title": "Minister of Public Security",
        "organisation": "Ministry of Public Security",
        "country": "CN",
    },
]


@dataclass
class Meeting:
    main: Engagement
    reports: list[Report]
    by_marking: dict[str, Engagement]


def engagement(world: World, marking: str, **extra: Any) -> Engagement:
    fields: dict[str, Any] = {
        "kind": "meeting",
        "title": MAIN_TITLE,
        "date": datetime.date(2026, 11, 4),
        "date_precision": "day",
        "place_name": "Islamabad",
        "country": "PK",
        "admin1": "Islamabad Capital Territory",
        "admin2": "Islamabad",
        "lat": 33.6844,
        "lon": 73.0479,
        "geo_precision": "town",
        "gazetteer_id": "geonames:1176615",
        "participants": PARTICIPANTS,
        "topics": ["intelligence_sharing", "protection_unit"],
        "tlp": marking,
        "organisation": world.spu_kp,
    }
    fields |= extra
    fields["h3_r5"] = cell_of(fields["lat"], fields["lon"], fields["geo_precision"])
    return Engagement.objects.create(**fields)


def build(world: World) -> Meeting:
    """The meeting described in the module docstring."""
    wire = Source.objects.create(
        organisation=world.spu_kp, name="Meeting wire", kind="feed", reliability="B", url=""
    )
    first = report(
        world,
        wire,
        "Ministers meet on security",
        "Interior Minister Mohsin Naqvi met Minister Wang Xiaohong in Islamabad on 4 November "
        "and agreed to share intelligence on threats to foreign engineers.",
    )
    second = report(
        world,
        wire,
        "",
        "The two ministers agreed on a joint protection unit review.",
        tlp=tlp.GREEN,
    )
    main = engagement(
        world,
        tlp.AMBER,
        review_state="confirmed",
        confidence=0.91,
        report_count=2,
        has_conflict=True,
        conflicts=[{"field": "date", "values": ["2026-11-04", "2026-11-03"]}],
        corrected_fields=["title"],
    )
    Mention.objects.create(
        report=first,
        index=0,
        kind="meeting",
        confidence=0.9,
        event={"kind": "meeting", "participants": PARTICIPANTS},
        engagement=main,
        link_score=0.9,
        link_reasons=["same day", "same participants"],
    )
    Mention.objects.create(
        report=second,
        index=0,
        kind="meeting",
        background=True,
        confidence=0.7,
        event={"kind": "meeting"},
        engagement=main,
        link_score=None,
        link_reasons=[],
    )
    by_marking = {
        m: engagement(world, m, title=f"Engagement {m}", kind="announcement") for m in tlp.ORDER
    }
    by_marking[tlp.RED].recipients.add(world.user("coordinator"))
    return Meeting(main, [first, second], by_marking)


def content(row: Engagement) -> dict[str, Any]:
    """Every content field of an engagement (what must survive a round trip)."""
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.name not in LOCAL_FIELDS and f.attname != "organisation_id"
    }

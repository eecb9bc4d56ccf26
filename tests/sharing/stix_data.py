"""Incidents with everything a STIX bundle carries, written for the STIX tests.

Two reports from two sources describe one attack; each gives claims with text spans; a second
incident was merged into the first; and one incident of each TLP marking sits beside them.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from safepassage.intel.models import Claim, Incident, Mention, Report, Source
from safepassage.intel.services.ingest import url_hash
from safepassage.linking import bands
from safepassage.linking.blocking import cell_of
from safepassage.sharing import tlp
from tests.conftest import World

# Fields that are this instance's own bookkeeping, not the incident's content.
LOCAL_FIELDS = {"id", "created", "updated", "organisation", "merged_into", "recipients"}


@dataclass
class Picture:
    main: Incident
    merged: Incident
    reports: list[Report]
    by_marking: dict[str, Incident]


def report(world: World, source: Source, title: str, text: str, **extra: Any) -> Report:
    digest = hashlib.sha256(text.encode()).hexdigest()
    simhash = int(digest[:15], 16)
    url = f"https://news.example.org/{digest[:12]}"
    row = Report.objects.create(
        source=source,
        organisation=world.spu_kp,
        url=url,
        url_hash=url_hash(url),
        content_hash=digest,
        simhash=simhash,
        title=title,
        text=text,
        published=datetime.date(2026, 11, 3),
        language="en",
        status="done",
        **extra,
    )
    row.band0, row.band1, row.band2, row.band3 = bands(simhash)
    row.save()
    return row


def incident(world: World, marking: str, **extra: Any) -> Incident:
    fields: dict[str, Any] = {
        "kind": "attack",
        "attack_type": "bombing",
        "date": datetime.date(2026, 11, 2),
        "date_precision": "day",
        "place_name": "Besham",
        "country": "PK",
        "admin1": "Khyber Pakhtunkhwa",
        "admin2": "Shangla",
        "lat": 34.9305,
        "lon": 72.8756,
        "geo_precision": "town",
        "gazetteer_id": "local:besham",
        "tlp": marking,
        "organisation": world.spu_kp,
    }
    fields |= extra
    # As the linker does: the blocking cell follows the place.
    fields["h3_r5"] = cell_of(fields["lat"], fields["lon"], fields["geo_precision"])
    return Incident.objects.create(**fields)


def build(world: World) -> Picture:
    """The picture described in the module docstring."""
    wire = Source.objects.create(
        organisation=world.spu_kp, name="Wire service", kind="feed", reliability="C", url=""
    )
    bulletin = Source.objects.create(
        organisation=world.spu_kp, name="Police bulletin", kind="api", reliability="A"
    )
    first = report(
        world,
        wire,
        "Convoy bombed near Besham",
        "A car bomb hit a convoy near Besham on 2 November, killing six people, five of them "
        "foreign engineers. A banned group said it carried out the attack.",
    )
    second = report(
        world,
        bulletin,
        "",
        "Police in Shangla said at least five people died and two were hurt when a vehicle "
        "laden with explosives rammed a convoy on Saturday.",
        tlp=tlp.GREEN,
    )
    main = incident(
        world,
        tlp.AMBER,
        deaths=6,
        deaths_min=5,
        deaths_max=6,
        injured=2,
        injured_min=None,
        injured_max=3,
        perpetrators_killed=1,
        deaths_by_nationality={"CN": 5, "PK": 1},
        perpetrators=[
            {"name": "Banned group A", "relation": "claimed", "by": None},
            {"name": "Group B", "relation": "suspected"},
            {"name": "Group C", "relation": "attributed", "by": "Provincial police"},
        ],
        targets=[{"description": "convoy of engineers", "type": "convoy", "nationality": "CN"}],
        victim_nationalities=["CN", "PK"],
        review_state="confirmed",
        confidence=0.87,
        report_count=2,
        has_conflict=True,
        conflicts=[{"field": "deaths", "values": [5, 6], "reports": [first.pk, second.pk]}],
        corrected_fields=["attack_type"],
    )
    merged = incident(world, tlp.GREEN, deaths=5, merged_into=main, review_state="auto")
    m1 = Mention.objects.create(
        report=first,
        index=0,
        kind="attack",
        confidence=0.9,
        event={"kind": "attack", "summary": "convoy bombing"},
        incident=main,
        link_score=0.95,
        link_reasons=["same district", "same day"],
    )
    m2 = Mention.objects.create(
        report=second,
        index=0,
        kind="attack",
        background=False,
        confidence=0.8,
        event={"kind": "attack"},
        incident=main,
        link_score=None,
        link_reasons=[],
    )
    Claim.objects.create(
        incident=main, field="deaths", value=6, mention=m1, report=first, start=60, end=79
    )
    Claim.objects.create(
        incident=main, field="deaths", value=5, mention=m2, report=second, start=21, end=45
    )
    Claim.objects.create(
        incident=main,
        field="perpetrators",
        value=[{"name": "Banned group A", "relation": "claimed"}],
        mention=m1,
        report=first,
        start=100,
        end=140,
    )
    Claim.objects.create(
        incident=main,
        field="attack_type",
        value="bombing",
        analyst=world.user("analyst"),
    )
    by_marking = {m: incident(world, m, place_name=f"Place {m}") for m in tlp.ORDER}
    by_marking[tlp.RED].recipients.add(world.user("coordinator"))
    return Picture(main, merged, [first, second], by_marking)


def content(row: Incident) -> dict[str, Any]:
    """Every content field of an incident (what must survive a round trip)."""
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.name not in LOCAL_FIELDS and f.attname not in {"organisation_id", "merged_into_id"}
    }

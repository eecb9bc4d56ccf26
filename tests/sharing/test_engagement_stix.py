"""Engagements as STIX 2.1: the ``safepassage-engagement`` object, out and back in.

The export reads through the gate as the reader (markings, agreements, personal data), the
import checks everything before it writes anything, and a round trip keeps every field.
"""

from __future__ import annotations

import copy
import datetime
import json
from typing import Any

import pytest
import stix2
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safepassage.access.principals import SystemActor
from safepassage.audit.models import AuditRecord
from safepassage.intel.models import Engagement, Mention, Report
from safepassage.sharing import engagement_sdo, stix_ids, tlp
from safepassage.sharing.models import ExternalObject, ShareRecord, SharingAgreement
from safepassage.sharing.services import PartnerReader
from safepassage.sharing.stix import collect, export_bundle
from safepassage.sharing.stix_import import BundleRejected, import_bundle
from tests.conftest import World
from tests.sharing import engagement_data
from tests.sharing.engagement_data import (
    MAIN_TITLE,
    PARTICIPANTS,
    Meeting,
    build,
    content,
    engagement,
)
from tests.sharing.test_stix_roundtrip import mention_fields, wipe

pytestmark = pytest.mark.django_db

OPERATOR = SystemActor("engagement-test")
TYPE = engagement_sdo.TYPE


def engagements_in(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in bundle["objects"] if o["type"] == TYPE]


def the(bundle: dict[str, Any], title: str) -> dict[str, Any]:
    found = [o for o in engagements_in(bundle) if o["title"] == title]
    assert len(found) == 1, [o["title"] for o in engagements_in(bundle)]
    return found[0]


def snapshot() -> dict[str, Any]:
    """Every carried field of every engagement and of the mentions linking its reports."""
    return {
        row.title: {
            "fields": content(row),
            "organisation": row.organisation.name if row.organisation else None,
            "mentions": sorted(
                (mention_fields(m) for m in row.mentions.select_related("report")),
                key=lambda m: m["report"],
            ),
        }
        for row in Engagement.objects.select_related("organisation")
    }


def forget_everything() -> None:
    """A fresh instance: no engagements, no incident picture, a new instance identity."""
    Mention.objects.all().delete()
    Engagement.objects.all().delete()
    wipe()


# ----------------------------------------------------------------------------- export


def test_an_engagement_leaves_as_a_new_sdo_with_its_place_participants_and_reports(
    world: World,
) -> None:
    meeting: Meeting = build(world)
    bundle = export_bundle(OPERATOR, include_text=True)
    obj = the(bundle, meeting.main.title)

    assert obj["id"] == stix_ids.stix_id_for(meeting.main, TYPE)
    assert obj["extensions"] == {engagement_sdo.EXTENSION_ID: {"extension_type": "new-sdo"}}
    assert (obj["kind"], obj["date"], obj["date_precision"]) == ("meeting", "2026-11-04", "day")
    assert obj["participants"] == PARTICIPANTS
    assert obj["topics"] == ["intelligence_sharing", "protection_unit"]
    assert obj["place"]["name"] == "Islamabad" and obj["place"]["geo_precision"] == "town"
    assert obj["review"]["state"] == "confirmed" and obj["review"]["has_conflict"] is True
    assert obj["object_marking_refs"] == [stix_ids_marking(tlp.AMBER)]
    assert obj["has_personal_data"] is True
    # The extension-definition that defines the type travels in the bundle.
    definitions = [o for o in bundle["objects"] if o["type"] == "extension-definition"]
    assert engagement_sdo.definition() in definitions
    assert engagement_sdo.definition()["extension_types"] == ["new-sdo"]
    # Its place is a location, tied to it as an incident's is.
    located = [
        o for o in bundle["objects"] if o["type"] == "relationship" and o["source_ref"] == obj["id"]
    ]
    assert len(located) == 1 and located[0]["relationship_type"] == "located-at"
    place = next(o for o in bundle["objects"] if o["id"] == located[0]["target_ref"])
    assert (place["latitude"], place["longitude"], place["country"]) == (33.6844, 73.0479, "PK")
    # The reports behind it name it, and each report's description of it travels with it.
    reports = [
        o for o in bundle["objects"] if o["type"] == "report" and obj["id"] in o["object_refs"]
    ]
    assert {r["id"] for r in reports} == {
        stix_ids.stix_id_for(r, "report") for r in meeting.reports
    }
    assert {m["report"] for m in obj["mentions"]} == {r["id"] for r in reports}
    assert all("event" in m for m in obj["mentions"])


def stix_ids_marking(marking: str) -> str:
    from safepassage.sharing.stix_markings import marking_id

    return marking_id(marking)


def test_the_bundle_parses_with_stix2_without_custom_content(world: World) -> None:
    build(world)
    bundle = export_bundle(OPERATOR, include_text=True)
    parsed = stix2.parse(bundle, allow_custom=False)
    assert TYPE in {o.type for o in parsed.objects}
    for obj in engagements_in(bundle):
        assert engagement_sdo.validate(obj) == []


def test_a_partner_gets_no_amber_strict_or_red_engagement_and_no_names(world: World) -> None:
    meeting = build(world)
    bundle = export_bundle(
        PartnerReader(world.ministry_cn), partner=world.ministry_cn, include_text=True
    )
    titles = {o["title"] for o in engagements_in(bundle)}
    assert titles == {
        meeting.main.title,
        "Engagement clear",
        "Engagement green",
        "Engagement amber",
    }
    text = json.dumps(bundle)
    for marking in (tlp.AMBER_STRICT, tlp.RED):
        assert stix_ids.stix_id_for(meeting.by_marking[marking], TYPE) not in text
    # Personal data may not cross under this agreement: no names, no extracted events.
    obj = the(bundle, meeting.main.title)
    assert obj["has_personal_data"] is False
    assert obj["participants"] == [
        {k: v for k, v in p.items() if k != "name"} for p in PARTICIPANTS
    ]
    assert "Mohsin Naqvi" not in text and "Wang Xiaohong" not in text
    assert all("event" not in m for m in obj["mentions"])
    # One share record per engagement that crossed, on the export's channel.
    records = ShareRecord.objects.filter(partner=world.ministry_cn, object_type="engagement")
    assert records.count() == 4
    assert set(records.values_list("stix_id", flat=True)) == {
        o["id"] for o in engagements_in(bundle)
    }


def test_names_cross_when_the_agreement_allows_personal_data(world: World) -> None:
    meeting = build(world)
    SharingAgreement.objects.filter(partner=world.ministry_cn).update(personal_data=True)
    bundle = export_bundle(
        PartnerReader(world.ministry_cn), partner=world.ministry_cn, include_text=True
    )
    obj = the(bundle, meeting.main.title)
    assert obj["participants"] == PARTICIPANTS and obj["has_personal_data"] is True


def test_agreement_filters_apply_to_engagements(world: World) -> None:
    build(world)
    partner = PartnerReader(world.ministry_cn)
    agreement = SharingAgreement.objects.get(partner=world.ministry_cn)
    engagement(world, tlp.GREEN, title="Karachi port talks", admin1="Sindh", topics=["training"])

    def titles() -> set[str]:
        # TLP:CLEAR is public: it crosses whatever the filters say.
        shared = {o["title"] for o in engagements_in(collect(partner).bundle())}
        assert "Engagement clear" in shared
        return shared - {"Engagement clear"}

    everything = titles()
    assert "Karachi port talks" in everything
    # Kinds: an agreement for attacks only shares no engagement.
    agreement.kinds = ["attack"]
    agreement.save()
    assert titles() == set()
    agreement.kinds = ["meeting"]
    agreement.save()
    assert titles() == {t for t in everything if not t.startswith("Engagement")}
    # Provinces.
    agreement.kinds = []
    agreement.provinces = ["Sindh"]
    agreement.save()
    assert titles() == {"Karachi port talks"}
    # Topics: an engagement crosses when one of its topics is named; attack types name none.
    agreement.provinces = []
    agreement.topics = ["training", "bombing"]
    agreement.save()
    assert titles() == {"Karachi port talks"}
    agreement.topics = ["bombing"]
    agreement.save()
    assert titles() == set()


def test_nothing_that_came_from_a_partner_goes_back_to_it(world: World) -> None:
    meeting = build(world)
    stix_ids.remember(
        "safepassage-engagement--6c1f3b8e-7c1a-4a8e-9a41-2f0c4a1d9b11",
        meeting.by_marking[tlp.GREEN],
        origin=world.ministry_cn,
    )
    bundle = collect(PartnerReader(world.ministry_cn), exclude_origin=world.ministry_cn).bundle()
    assert "Engagement green" not in {o["title"] for o in engagements_in(bundle)}


def test_an_export_reads_engagements_in_a_constant_number_of_queries(world: World) -> None:
    build(world)
    reader = PartnerReader(world.ministry_cn)

    def cost() -> int:
        with CaptureQueriesContext(connection) as captured:
            collect(reader, include_text=True, exclude_origin=world.ministry_cn)
        return len(captured.captured_queries)

    few = cost()
    source = Report.objects.first().source  # type: ignore[union-attr]
    for number in range(12):
        row = engagement(world, tlp.GREEN, title=f"Talks {number}")
        text = f"Talks number {number} were held in Islamabad."
        article = engagement_data.report(world, source, f"Talks {number}", text)
        Mention.objects.create(
            report=article, index=0, kind="meeting", event={}, engagement=row, confidence=0.5
        )
    assert cost() == few


# ----------------------------------------------------------------------------- import


def test_an_engagement_comes_back_into_an_empty_instance_with_every_field(world: World) -> None:
    build(world)
    before = snapshot()
    bundle = export_bundle(OPERATOR, include_text=True)
    forget_everything()
    assert not Engagement.objects.exists()

    result = import_bundle(bundle, actor=OPERATOR)

    assert result.objects and all(
        result.objects[o["id"]] == "created" for o in engagements_in(bundle)
    )
    assert snapshot() == before
    main = Engagement.objects.get(title=MAIN_TITLE)
    assert main.mentions.count() == 2
    # Origin tracking: each engagement is held under the id it arrived with.
    for obj in engagements_in(bundle):
        entry = stix_ids.lookup(obj["id"])
        assert entry is not None and entry.model == "intel.engagement"
        assert entry.origin_instance == obj["instance"]


def test_a_second_import_changes_nothing_and_writes_no_audit_record(world: World) -> None:
    build(world)
    bundle = export_bundle(OPERATOR, include_text=True)
    forget_everything()
    import_bundle(bundle, actor=OPERATOR)
    audit, rows = AuditRecord.objects.count(), Engagement.objects.count()

    again = import_bundle(bundle, actor=OPERATOR)

    assert {again.objects[o["id"]] for o in engagements_in(bundle)} == {"unchanged"}
    assert (AuditRecord.objects.count(), Engagement.objects.count()) == (audit, rows)


def test_a_newer_version_updates_the_engagement_in_place_and_is_audited(world: World) -> None:
    meeting = build(world)
    bundle = export_bundle(OPERATOR, include_text=True)
    forget_everything()
    import_bundle(bundle, actor=OPERATOR)
    newer = copy.deepcopy(bundle)
    obj = the(newer, meeting.main.title)
    obj["modified"] = "2030-01-01T00:00:00.000Z"
    obj["topics"] = ["joint_exercise"]
    audit = AuditRecord.objects.count()

    result = import_bundle(newer, actor=OPERATOR)

    assert result.objects[obj["id"]] == "updated"
    row = stix_ids.resolve(obj["id"])
    assert isinstance(row, Engagement) and row.topics == ["joint_exercise"]
    assert Engagement.objects.filter(title=meeting.main.title).count() == 1
    assert AuditRecord.objects.count() > audit


def test_an_engagement_made_here_that_comes_back_is_left_alone(world: World) -> None:
    meeting = build(world)
    bundle = export_bundle(OPERATOR, include_text=True)
    the(bundle, meeting.main.title)["title"] = "Changed elsewhere"
    result = import_bundle(bundle, actor=OPERATOR)
    assert result.objects[stix_ids.stix_id_for(meeting.main, TYPE)] == "skipped"
    meeting.main.refresh_from_db()
    assert meeting.main.title != "Changed elsewhere"


def test_an_import_from_a_partner_remembers_it_and_records_what_arrived(world: World) -> None:
    build(world)
    bundle = export_bundle(OPERATOR)
    forget_everything()
    import_bundle(bundle, actor=OPERATOR, origin=world.ministry_cn, channel="sync_in")
    for row in Engagement.objects.all():
        assert stix_ids.came_from(row, world.ministry_cn)
    records = ShareRecord.objects.filter(partner=world.ministry_cn, object_type="engagement")
    assert records.count() == Engagement.objects.count()
    # No names crossed: participants arrive as title, organisation and country.
    main = Engagement.objects.get(title=MAIN_TITLE)
    assert all("name" not in p for p in main.participants)


# ------------------------------------------------------------------ hostile input


def _mutate(obj: dict[str, Any], change: str) -> None:
    if change == "no marking":
        obj.pop("object_marking_refs")
    elif change == "no extension":
        obj.pop("extensions")
    elif change == "extension of another type":
        obj["extensions"] = {engagement_sdo.EXTENSION_ID: {"extension_type": "new-sco"}}
    elif change == "unknown kind":
        obj["kind"] = "attack"
    elif change == "unknown property":
        obj["x_note"] = "hello"
    elif change == "too many participants":
        obj["participants"] = [{"title": "Officer"}] * 201
    elif change == "participant with an unknown key":
        obj["participants"] = [{"name": "A", "ssn": "123"}]
    elif change == "participant name too long":
        obj["participants"] = [{"name": "A" * 201}]
    elif change == "latitude without longitude":
        obj["place"]["lon"] = None
    elif change == "latitude out of range":
        obj["place"]["lat"] = 123.0
    elif change == "not a day":
        obj["date"] = "2026-02-30"
    elif change == "mention of an unknown report":
        obj["mentions"][0]["report"] = "report--00000000-0000-4000-8000-000000000000"
    elif change == "mention of a non-report":
        obj["mentions"][0]["report"] = obj["id"]
    elif change == "two mentions of one event":
        obj["mentions"].append(copy.deepcopy(obj["mentions"][0]))
    elif change == "confidence above one":
        obj["review"]["confidence"] = 3
    elif change == "topic too long":
        obj["topics"] = ["x" * 101]
    elif change == "no review":
        obj.pop("review")
    elif change == "personal data flag not a boolean":
        obj["has_personal_data"] = "yes"
    elif change == "place with an extra key":
        obj["place"]["street"] = "Constitution Avenue"
    else:
        raise AssertionError(change)


CHANGES = [
    "no marking",
    "no extension",
    "extension of another type",
    "unknown kind",
    "unknown property",
    "too many participants",
    "participant with an unknown key",
    "participant name too long",
    "latitude without longitude",
    "latitude out of range",
    "not a day",
    "mention of an unknown report",
    "mention of a non-report",
    "two mentions of one event",
    "confidence above one",
    "topic too long",
    "no review",
    "personal data flag not a boolean",
    "place with an extra key",
]


@pytest.mark.parametrize("change", CHANGES)
def test_a_malformed_engagement_refuses_the_whole_bundle_and_writes_nothing(
    world: World, change: str
) -> None:
    meeting = build(world)
    bundle = export_bundle(OPERATOR, include_text=True)
    forget_everything()
    obj = the(bundle, meeting.main.title)
    _mutate(obj, change)
    state = (AuditRecord.objects.count(), Engagement.objects.count(), Report.objects.count())

    with pytest.raises(BundleRejected) as refused:
        import_bundle(bundle, actor=OPERATOR)

    assert any(obj["id"] in error for error in refused.value.errors), refused.value.errors
    assert all(error and "\n" not in error for error in refused.value.errors)
    assert (
        AuditRecord.objects.count(),
        Engagement.objects.count(),
        Report.objects.count(),
    ) == state
    assert not ExternalObject.objects.filter(stix_type=TYPE).exists()


def test_an_oversized_bundle_of_engagements_is_refused_before_it_is_parsed(world: World) -> None:
    build(world)
    bundle = export_bundle(OPERATOR, include_text=True)
    obj = engagements_in(bundle)[0]
    obj["title"] = "x" * 600_000
    with pytest.raises(BundleRejected) as refused:
        import_bundle(bundle, actor=OPERATOR)
    assert "600,000 characters" in " ".join(refused.value.errors)


def test_an_amber_strict_engagement_needs_no_partner_to_be_kept_home(world: World) -> None:
    """An operator's import keeps AMBER+STRICT with the organisation that holds it."""
    meeting = build(world)
    bundle = export_bundle(OPERATOR, include_text=True)
    forget_everything()
    import_bundle(bundle, actor=OPERATOR)
    strict = stix_ids.resolve(stix_ids_of(bundle, meeting.by_marking[tlp.AMBER_STRICT].title))
    assert isinstance(strict, Engagement) and strict.tlp == tlp.AMBER_STRICT
    assert strict.organisation == world.spu_kp
    shared = engagements_in(collect(PartnerReader(world.ministry_cn)).bundle())
    assert strict.title not in {o["title"] for o in shared}


def stix_ids_of(bundle: dict[str, Any], title: str) -> str:
    return str(the(bundle, title)["id"])


def test_a_date_and_precision_round_trip_when_the_engagement_is_undated(world: World) -> None:
    engagement(world, tlp.GREEN, title="Undated talks", date=None, date_precision="")
    bundle = export_bundle(OPERATOR)
    assert "date" not in the(bundle, "Undated talks")
    forget_everything()
    import_bundle(bundle, actor=OPERATOR)
    row = Engagement.objects.get(title="Undated talks")
    assert (row.date, row.date_precision) == (None, "")
    assert row.created.date() <= datetime.date.today()

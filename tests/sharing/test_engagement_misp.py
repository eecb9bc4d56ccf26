"""Engagements as MISP events: the template, export through the gate, import all or nothing."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from safepassage.audit.models import AuditRecord
from safepassage.intel.models import Engagement, Mention
from safepassage.sharing import misp, misp_engagements, stix_ids, tlp
from safepassage.sharing.engagement_sdo import TYPE
from safepassage.sharing.models import (
    ExternalObject,
    InstanceIdentity,
    ShareRecord,
    SharingAgreement,
)
from safepassage.sharing.services import PartnerReader
from tests.conftest import World
from tests.sharing.engagement_data import MAIN_TITLE, PARTICIPANTS, Meeting, build

pytestmark = pytest.mark.django_db


def exported(reader: Any, **kwargs: Any) -> dict[str, Any]:
    return json.loads(misp.dumps(misp.collect(reader, **kwargs)))


def engagement_events(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The engagement events of an export, by their info line."""
    out = {}
    for item in document["response"]:
        event = item["Event"]
        if any(o["name"] == misp_engagements.OBJECT for o in event.get("Object", [])):
            out[event["info"]] = copy.deepcopy(item)
    return out


def the_object(item: dict[str, Any]) -> dict[str, Any]:
    (obj,) = [o for o in item["Event"]["Object"] if o["name"] == misp_engagements.OBJECT]
    return obj


def values(obj: dict[str, Any], relation: str) -> list[Any]:
    return [a["value"] for a in obj["Attribute"] if a["object_relation"] == relation]


def shared(row: Engagement) -> dict[str, Any]:
    return {name: getattr(row, name) for name in (*misp_engagements.SHARED_FIELDS, "tlp")}


def forget_instance() -> None:
    """Make this database a fresh instance: no engagements, no identity map, a new identity."""
    Mention.objects.filter(engagement__isnull=False).delete()
    Engagement.objects.all().delete()
    ExternalObject.objects.all().delete()
    InstanceIdentity.objects.all().delete()


def test_the_template_is_well_formed_and_names_every_relation_carried() -> None:
    definition = misp.load_template(misp_engagements.OBJECT)
    assert definition["name"] == misp_engagements.OBJECT
    assert definition["required"] == ["event-kind"]
    for relation, spec in definition["attributes"].items():
        assert spec["misp-attribute"] in {"text", "counter", "float", "datetime"}, relation
        assert spec["description"].endswith("."), relation
    carried = {r for r, _, _ in misp_engagements._SCALARS} | {
        r for r, _, _ in misp_engagements._LISTS
    }
    assert carried == set(definition["attributes"])


def test_an_engagement_leaves_as_one_event_under_its_stix_uuid(world: World) -> None:
    meeting: Meeting = build(world)
    events = engagement_events(exported(world.user("analyst")))
    item = events[MAIN_TITLE]
    event = item["Event"]
    assert event["uuid"] == str(stix_ids.uuid_for(meeting.main, TYPE))
    assert [t["name"] for t in event["Tag"]] == ["tlp:amber"]
    assert int(event["distribution"]) == misp.DISTRIBUTION_OF[tlp.AMBER]
    obj = the_object(item)
    assert values(obj, "event-kind") == ["meeting"]
    assert [json.loads(v) for v in values(obj, "participant")] == PARTICIPANTS
    assert values(obj, "topic") == ["intelligence_sharing", "protection_unit"]


def test_a_partner_export_holds_no_amber_strict_or_red_engagement_and_no_names(
    world: World,
) -> None:
    build(world)
    partner = PartnerReader(world.ministry_cn)
    result = misp.export_events(partner, partner=world.ministry_cn)
    document = json.loads(misp.dumps(result))
    titles = set(engagement_events(document))
    assert titles == {MAIN_TITLE, "Engagement clear", "Engagement green", "Engagement amber"}
    text = json.dumps(document)
    assert "Mohsin Naqvi" not in text and "Wang Xiaohong" not in text
    people = [
        json.loads(v)
        for v in values(the_object(engagement_events(document)[MAIN_TITLE]), "participant")
    ]
    assert people == [{k: v for k, v in p.items() if k != "name"} for p in PARTICIPANTS]
    records = ShareRecord.objects.filter(partner=world.ministry_cn, object_type="engagement")
    assert records.filter(channel="misp").count() == 4
    # With personal data agreed, the names cross.
    SharingAgreement.objects.filter(partner=world.ministry_cn).update(personal_data=True)
    assert "Mohsin Naqvi" in misp.dumps(misp.collect(partner))


def test_an_engagement_that_goes_out_and_comes_back_is_unchanged(world: World) -> None:
    build(world)
    admin = world.user("admin")
    before = {row.title: shared(row) for row in Engagement.objects.all()}
    data = misp.dumps(misp.collect(admin))
    forget_instance()

    result = misp.import_events(data, actor=admin)

    after = {row.title: shared(row) for row in Engagement.objects.all()}
    assert result.created == len(after) >= 4
    for title, fields in after.items():
        assert fields == before[title], title
    assert all(stix_ids.origin_of(row) is not None for row in Engagement.objects.all())


def test_importing_again_changes_nothing_and_a_newer_event_updates(world: World) -> None:
    build(world)
    admin = world.user("admin")
    document = exported(admin)
    forget_instance()
    misp.import_events(document, actor=admin)
    audit = AuditRecord.objects.count()

    again = misp.import_events(document, actor=admin)
    assert again.created == again.updated == 0 and again.unchanged == len(document["response"])
    assert AuditRecord.objects.count() == audit

    item = engagement_events(document)[MAIN_TITLE]
    item["Event"]["timestamp"] = str(int(item["Event"]["timestamp"]) + 60)
    for attribute in the_object(item)["Attribute"]:
        if attribute["object_relation"] == "title":
            attribute["value"] = "Ministers meet again"
    result = misp.import_events(item, actor=admin)
    assert result.updated == 1
    assert Engagement.objects.filter(title="Ministers meet again").count() == 1
    assert not Engagement.objects.filter(title=MAIN_TITLE).exists()


def test_an_event_made_here_is_not_taken_back(world: World) -> None:
    build(world)
    admin = world.user("admin")
    document = exported(admin)
    count = Engagement.objects.count()
    result = misp.import_events(document, actor=admin)
    assert result.skipped == len(document["response"])
    assert Engagement.objects.count() == count


def test_an_import_from_a_partner_remembers_it(world: World) -> None:
    build(world)
    admin = world.user("admin")
    document = exported(admin)
    forget_instance()
    misp.import_events(document, actor=admin, origin=world.ministry_cn)
    for row in Engagement.objects.all():
        assert stix_ids.came_from(row, world.ministry_cn)
    assert (
        ShareRecord.objects.filter(
            partner=world.ministry_cn, object_type="engagement", channel="misp"
        ).count()
        == Engagement.objects.count()
    )
    # ... and it is never exported back to that partner.
    back = misp.collect(PartnerReader(world.ministry_cn), exclude_origin=world.ministry_cn)
    assert back.engagements == []


def _attribute(item: dict[str, Any], relation: str, value: Any) -> None:
    obj = the_object(item)
    obj["Attribute"].append(
        {"type": "text", "object_relation": relation, "value": value, "category": "Other"}
    )


def _set(item: dict[str, Any], relation: str, value: Any) -> None:
    obj = the_object(item)
    obj["Attribute"] = [a for a in obj["Attribute"] if a["object_relation"] != relation]
    _attribute(item, relation, value)


MALFORMED = {
    "an unknown kind": (lambda i: _set(i, "event-kind", "attack"), "event-kind must be one of"),
    "no kind": (
        lambda i: the_object(i).update(
            Attribute=[
                a for a in the_object(i)["Attribute"] if a["object_relation"] != "event-kind"
            ]
        ),
        "event-kind is required",
    ),
    "an unknown relation": (lambda i: _attribute(i, "home-address", "x"), "unknown attribute"),
    "a participant that is not JSON": (
        lambda i: _attribute(i, "participant", "Mohsin Naqvi"),
        "participant must be JSON",
    ),
    "a participant with an unknown key": (
        lambda i: _attribute(i, "participant", json.dumps({"name": "A", "passport": "X1"})),
        "participant must be a JSON object",
    ),
    "a participant whose title is a number": (
        lambda i: _attribute(i, "participant", json.dumps({"title": 7})),
        "participant title must be text",
    ),
    "too many participants": (
        lambda i: [_attribute(i, "participant", json.dumps({"title": "Aide"})) for _ in range(201)],
        "participant is given 203 times",
    ),
    "a latitude without a longitude": (
        lambda i: the_object(i).update(
            Attribute=[a for a in the_object(i)["Attribute"] if a["object_relation"] != "longitude"]
        ),
        "latitude and longitude come together",
    ),
    "a control character in the title": (
        lambda i: _set(i, "title", "Talks\x07"),
        "title contains control characters",
    ),
    "a topic too long": (lambda i: _attribute(i, "topic", "t" * 101), "topic is longer than 100"),
    "two titles": (lambda i: _attribute(i, "title", "Second"), "title is given 2 times"),
    "a date out of range": (lambda i: _set(i, "date", "1700-01-01"), "date is out of range"),
    "two engagement objects": (
        lambda i: i["Event"]["Object"].append(copy.deepcopy(the_object(i))),
        "exactly one safepassage-engagement object",
    ),
    "an unknown tlp tag": (
        lambda i: i["Event"]["Tag"].append({"name": "tlp:purple"}),
        "is not a TLP 2.0 marking",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_engagement_event_is_refused_with_a_clear_error(
    world: World, case: str
) -> None:
    build(world)
    admin = world.user("admin")
    item = engagement_events(exported(admin))[MAIN_TITLE]
    forget_instance()
    change, message = MALFORMED[case]
    change(item)
    audit = AuditRecord.objects.count()

    with pytest.raises(misp.MispRejected) as refused:
        misp.import_events({"response": [item]}, actor=admin)

    assert any(message in error for error in refused.value.errors), refused.value.errors
    assert AuditRecord.objects.count() == audit
    assert not Engagement.objects.exists()


def test_one_bad_engagement_event_means_nothing_of_the_file_is_imported(world: World) -> None:
    build(world)
    admin = world.user("admin")
    document = exported(admin)
    forget_instance()
    events = engagement_events(document)
    _set(events[MAIN_TITLE], "event-kind", "riot")
    items = list(events.values())
    assert len(items) >= 4
    with pytest.raises(misp.MispRejected):
        misp.import_events({"response": items}, actor=admin)
    assert not Engagement.objects.exists()

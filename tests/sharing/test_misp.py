"""MISP events: export through the gate, import all or nothing, and the round trip."""

from __future__ import annotations

import copy
import datetime
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from safepassage.access.principals import SystemActor
from safepassage.audit.models import AuditRecord
from safepassage.intel.models import Claim, Incident, Report, Source
from safepassage.sharing import misp, stix_ids, tlp
from safepassage.sharing.models import (
    ExternalObject,
    InstanceIdentity,
    ShareRecord,
    SharingAgreement,
)
from safepassage.sharing.services import PartnerReader
from tests.conftest import World
from tests.sharing.misp_data import full_incident as make

pytestmark = pytest.mark.django_db

SYSTEM = SystemActor("test")


def exported(reader: Any, **kwargs: Any) -> dict[str, Any]:
    return json.loads(misp.dumps(misp.collect(reader, **kwargs)))


def incident_object(event: dict[str, Any]) -> dict[str, Any]:
    (obj,) = [o for o in event["Object"] if o["name"] == misp.INCIDENT_OBJECT]
    return obj


def values(obj: dict[str, Any], relation: str) -> list[Any]:
    return [a["value"] for a in obj["Attribute"] if a["object_relation"] == relation]


def shared_fields(incident: Incident) -> dict[str, Any]:
    incident.refresh_from_db()
    return {name: getattr(incident, name) for name in (*misp.SHARED_FIELDS, "tlp")}


def forget_instance() -> None:
    """Make this database a fresh instance: no incidents, no identity map, a new identity."""
    Claim.objects.all().delete()
    Incident.objects.all().delete()
    ExternalObject.objects.all().delete()
    InstanceIdentity.objects.all().delete()


def one_event(document: dict[str, Any]) -> dict[str, Any]:
    (item,) = document["response"]
    return copy.deepcopy(item)


# --- templates ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [misp.INCIDENT_OBJECT, misp.CLAIM_OBJECT])
def test_the_committed_templates_are_well_formed_misp_object_templates(name: str) -> None:
    definition = misp.load_template(name)
    assert definition["name"] == name
    assert isinstance(definition["version"], int)
    assert definition["meta-category"] == "misc"
    assert set(definition["required"]) <= set(definition["attributes"])
    for relation, spec in definition["attributes"].items():
        assert spec["misp-attribute"] in {"text", "counter", "float", "datetime", "link"}, relation
        assert spec["description"].endswith("."), relation
        assert isinstance(spec["ui-priority"], int), relation


def test_every_incident_field_the_object_carries_is_in_its_template() -> None:
    relations = set(misp.load_template(misp.INCIDENT_OBJECT)["attributes"])
    carried = {r for r, _, _ in misp._SCALARS} | {r for r, _, _ in misp._LISTS}
    assert carried == relations


# --- export ---------------------------------------------------------------------------------


def test_an_incident_leaves_as_one_event_with_its_object_tag_and_distribution(
    world: World,
) -> None:
    incident = make(world, tlp.GREEN)
    (item,) = exported(world.user("analyst"))["response"]
    event = item["Event"]
    assert event["uuid"] == str(stix_ids.uuid_for(incident, "incident"))
    assert [t["name"] for t in event["Tag"]] == ["tlp:green"]
    assert event["distribution"] == "2"
    assert event["threat_level_id"] == "2"
    assert event["analysis"] == "2"
    assert event["date"] == "2026-03-26"
    assert event["Orgc"]["uuid"] == str(stix_ids.instance_identity().uuid)
    obj = incident_object(event)
    template = misp.load_template(misp.INCIDENT_OBJECT)
    assert obj["template_uuid"] == template["uuid"]
    for attribute in obj["Attribute"]:
        spec = template["attributes"][attribute["object_relation"]]
        assert attribute["type"] == spec["misp-attribute"]
    assert values(obj, "attack-type") == ["suicide_bombing"]
    assert values(obj, "victim-nationality") == ["CN", "PK"]
    assert json.loads(values(obj, "deaths-by-nationality")[0]) == {"CN": 5, "PK": 1}


@pytest.mark.parametrize(
    ("marking", "distribution"),
    [
        (tlp.CLEAR, "3"),
        (tlp.GREEN, "2"),
        (tlp.AMBER, "1"),
        (tlp.AMBER_STRICT, "0"),
    ],
)
def test_the_distribution_level_follows_the_marking(
    world: World, marking: str, distribution: str
) -> None:
    make(world, marking)
    event = exported(world.user("analyst"))["response"][0]["Event"]
    assert event["distribution"] == distribution
    assert event["Tag"] == [{"name": f"tlp:{marking}"}]


def test_exporting_an_unchanged_incident_twice_gives_the_same_json(world: World) -> None:
    incident = make(world)
    _claim_with_report(world, incident, tlp.GREEN)
    first = exported(world.user("analyst"))
    assert len(first["response"][0]["Event"]["Object"]) == 2
    assert first == exported(world.user("analyst"))


def test_merged_and_rejected_incidents_do_not_leave(world: World) -> None:
    kept = make(world)
    make(world, merged_into=kept)
    make(world, review_state="rejected")
    events = exported(world.user("analyst"))["response"]
    assert [e["Event"]["uuid"] for e in events] == [str(stix_ids.uuid_for(kept, "incident"))]


def test_an_amber_strict_or_red_incident_never_reaches_a_partner_export(world: World) -> None:
    shared = make(world, tlp.AMBER)
    make(world, tlp.AMBER_STRICT)
    make(world, tlp.RED)
    reader = PartnerReader(world.ministry_cn)
    result = misp.export_events(reader, partner=world.ministry_cn, actor=world.user("admin"))
    assert [i.pk for i, _ in result.rows] == [shared.pk]
    assert result.marking == tlp.AMBER
    records = ShareRecord.objects.filter(partner=world.ministry_cn, channel="misp")
    assert list(records.values_list("object_id", "tlp")) == [(shared.pk, tlp.AMBER)]
    assert records.get().stix_id == stix_ids.stix_id_for(shared, "incident")


def test_a_partner_export_leaves_out_what_came_from_that_partner(world: World) -> None:
    theirs = make(world, tlp.GREEN)
    ours = make(world, tlp.GREEN, place_name="Dasu")
    stix_ids.remember(
        "incident--2d1f3a4e-2b1c-4d9e-8f7a-0b1c2d3e4f54", theirs, origin=world.ministry_cn
    )
    reader = PartnerReader(world.ministry_cn)
    result = misp.export_events(reader, partner=world.ministry_cn)
    assert [i.pk for i, _ in result.rows] == [ours.pk]


def test_a_partner_export_keeps_to_the_agreements_provinces_and_topics(world: World) -> None:
    SharingAgreement.objects.filter(partner=world.ministry_cn).update(
        provinces=["Sindh"], topics=["bombing"]
    )
    inside = make(world, admin1="Sindh", attack_type="bombing")
    make(world, admin1="Sindh", attack_type="kidnapping")
    make(world, admin1="Khyber Pakhtunkhwa", attack_type="bombing")
    result = misp.collect(PartnerReader(world.ministry_cn))
    assert [i.pk for i, _ in result.rows] == [inside.pk]


def test_an_analyst_sees_their_own_organisations_amber_strict_incident_in_an_export(
    world: World,
) -> None:
    own = make(world, tlp.AMBER_STRICT, organisation=world.spu_kp)
    make(world, tlp.AMBER_STRICT, organisation=world.hydro)
    result = misp.collect(world.user("analyst"))
    assert [i.pk for i, _ in result.rows] == [own.pk]


def _claim_with_report(world: World, incident: Incident, marking: str) -> Claim:
    source = Source.objects.get_or_create(
        name="Wire", defaults={"organisation": world.spu_kp, "kind": "api"}
    )[0]
    text = "Six people were killed when a car hit the convoy near Besham."
    report = Report.objects.create(
        source=source,
        organisation=world.spu_kp,
        url=f"https://news.example/{marking}",
        content_hash=f"hash-{marking}",
        title=f"Convoy attacked ({marking})",
        text=text,
        published=datetime.date(2026, 3, 27),
        tlp=marking,
    )
    return Claim.objects.create(
        incident=incident, field="deaths", value={"total": 6}, report=report, start=0, end=3
    )


def test_claims_travel_with_their_report_but_quotes_only_where_personal_data_may(
    world: World,
) -> None:
    incident = make(world, tlp.AMBER)
    _claim_with_report(world, incident, tlp.GREEN)
    _claim_with_report(world, incident, tlp.AMBER_STRICT)

    def claim_objects(reader: Any) -> list[dict[str, Any]]:
        event = exported(reader)["response"][0]["Event"]
        return [o for o in event["Object"] if o["name"] == misp.CLAIM_OBJECT]

    partner = claim_objects(PartnerReader(world.ministry_cn))
    # The AMBER+STRICT report's claim stays home; the GREEN one crosses without its text.
    assert len(partner) == 1
    assert values(partner[0], "report-url") == ["https://news.example/green"]
    assert values(partner[0], "quote") == []
    assert json.loads(values(partner[0], "value")[0]) == {"total": 6}
    assert partner[0]["ObjectReference"][0]["relationship_type"] == "annotates"

    SharingAgreement.objects.filter(partner=world.ministry_cn).update(personal_data=True)
    partner = claim_objects(PartnerReader(world.ministry_cn))
    assert values(partner[0], "quote") == ["Six"]
    assert len(claim_objects(world.user("analyst"))) == 2


# --- round trip -----------------------------------------------------------------------------


@pytest.mark.parametrize("marking", [tlp.CLEAR, tlp.GREEN, tlp.AMBER, tlp.AMBER_STRICT])
def test_an_incident_that_goes_out_and_comes_back_is_unchanged(world: World, marking: str) -> None:
    incident = make(world, marking)
    before = shared_fields(incident)
    analyst = world.user("analyst")
    document = exported(analyst)
    event_uuid = document["response"][0]["Event"]["uuid"]
    forget_instance()

    result = misp.import_events(json.dumps(document), actor=analyst)

    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    (imported,) = Incident.objects.all()
    assert shared_fields(imported) == before
    assert imported.organisation_id == world.spu_kp.pk
    assert imported.h3_r5 != ""
    assert stix_ids.stix_id_for(imported, "incident") == f"incident--{event_uuid}"
    # Exported again from the new instance, it is the same event.
    again = exported(analyst)["response"][0]["Event"]
    assert again["uuid"] == event_uuid
    assert (
        incident_object(again)["Attribute"]
        == incident_object(document["response"][0]["Event"])["Attribute"]
    )


def test_a_sparse_incident_round_trips_with_its_empty_fields(world: World) -> None:
    incident = Incident.objects.create(kind="security_operation", tlp=tlp.GREEN)
    before = shared_fields(incident)
    document = exported(world.user("admin"))
    forget_instance()
    misp.import_events(document, actor=world.user("admin"))
    assert shared_fields(Incident.objects.get()) == before


def test_a_red_incident_comes_back_to_its_importer_only(world: World) -> None:
    incident = make(world, tlp.RED)
    analyst = world.user("analyst")
    incident.recipients.add(analyst)
    document = exported(analyst)
    forget_instance()
    misp.import_events(document, actor=analyst)
    imported = Incident.objects.get()
    assert imported.tlp == tlp.RED
    assert list(imported.recipients.all()) == [analyst]


def test_importing_the_same_events_again_changes_nothing(world: World) -> None:
    make(world)
    make(world, tlp.GREEN, place_name="Dasu")
    document = exported(world.user("analyst"))
    forget_instance()
    analyst = world.user("analyst")
    misp.import_events(document, actor=analyst, origin=world.ministry_cn)
    audit_count = AuditRecord.objects.count()
    rows = (Incident.objects.count(), ExternalObject.objects.count(), ShareRecord.objects.count())

    result = misp.import_events(document, actor=analyst, origin=world.ministry_cn)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert AuditRecord.objects.count() == audit_count
    assert (
        Incident.objects.count(),
        ExternalObject.objects.count(),
        ShareRecord.objects.count(),
    ) == rows


def test_a_newer_event_updates_the_incident_and_an_older_one_does_not(world: World) -> None:
    analyst = world.user("analyst")
    make(world)
    item = one_event(exported(analyst))
    forget_instance()
    misp.import_events(item, actor=analyst)
    newer = copy.deepcopy(item)
    newer["Event"]["timestamp"] = str(int(newer["Event"]["timestamp"]) + 60)
    for attribute in incident_object(newer["Event"])["Attribute"]:
        if attribute["object_relation"] == "deaths":
            attribute["value"] = "7"

    assert misp.import_events(newer, actor=analyst).updated == 1
    assert Incident.objects.get().deaths == 7
    assert misp.import_events(item, actor=analyst).unchanged == 1
    assert Incident.objects.get().deaths == 7
    # A second change within the same second still arrives: the values decide.
    same_second = copy.deepcopy(newer)
    for attribute in incident_object(same_second["Event"])["Attribute"]:
        if attribute["object_relation"] == "deaths":
            attribute["value"] = "8"
    assert misp.import_events(same_second, actor=analyst).updated == 1
    assert Incident.objects.get().deaths == 8


def test_an_event_this_instance_made_is_not_taken_back(world: World) -> None:
    incident = make(world)
    document = exported(world.user("analyst"))
    result = misp.import_events(document, actor=world.user("analyst"))
    assert result.skipped == 1
    assert list(Incident.objects.all()) == [incident]
    assert not ExternalObject.objects.exists()


def test_an_event_carrying_the_id_of_a_local_incident_under_another_creator_is_skipped(
    world: World,
) -> None:
    incident = make(world)
    item = one_event(exported(world.user("analyst")))
    item["Event"]["Orgc"] = {"name": "Someone else", "uuid": "9b2f7c1e-0a4d-4e5f-8a6b-7c8d9e0f1a2b"}
    for attribute in incident_object(item["Event"])["Attribute"]:
        if attribute["object_relation"] == "deaths":
            attribute["value"] = "60"
    result = misp.import_events(item, actor=world.user("analyst"))
    assert result.skipped == 1
    assert list(Incident.objects.all()) == [incident]
    incident.refresh_from_db()
    assert incident.deaths == 6
    assert not ExternalObject.objects.exists()


def test_imports_from_a_partner_remember_their_origin_so_sync_never_echoes_them(
    world: World,
) -> None:
    make(world)
    document = exported(world.user("analyst"))
    forget_instance()
    misp.import_events(document, actor=world.user("analyst"), origin=world.ministry_cn)
    imported = Incident.objects.get()
    assert stix_ids.came_from(imported, world.ministry_cn)
    assert ShareRecord.objects.filter(partner=world.ministry_cn, channel="misp").count() == 1
    assert misp.collect(SYSTEM, exclude_origin=world.ministry_cn).rows == []


# --- markings on import ---------------------------------------------------------------------


def _event(marking_tags: list[str], distribution: int | None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "uuid": "5d1f3a4e-2b1c-4d9e-8f7a-0b1c2d3e4f50",
        "info": "Armed assault near Gwadar",
        "timestamp": "1770000000",
        "Tag": [{"name": name} for name in marking_tags],
        "Object": [
            {
                "name": misp.INCIDENT_OBJECT,
                "Attribute": [
                    {"type": "text", "object_relation": "event-kind", "value": "attack"},
                    {"type": "text", "object_relation": "province", "value": "Balochistan"},
                ],
            }
        ],
    }
    if distribution is not None:
        event["distribution"] = distribution
    return {"Event": event}


@pytest.mark.parametrize(
    ("tags", "distribution", "expected"),
    [
        (["tlp:green"], None, tlp.GREEN),
        (["TLP:WHITE"], 3, tlp.CLEAR),
        (["tlp:clear", "tlp:amber"], 3, tlp.AMBER),
        (["tlp:green"], 0, tlp.AMBER_STRICT),
        (["tlp:green"], 4, tlp.AMBER_STRICT),
        ([], 2, tlp.GREEN),
        ([], None, tlp.AMBER),
        (["tlp:red"], 3, tlp.RED),
    ],
)
def test_the_imported_marking_is_the_most_restrictive_of_tags_and_distribution(
    world: World, tags: list[str], distribution: int | None, expected: str
) -> None:
    misp.import_events(_event(tags, distribution), actor=world.user("analyst"))
    assert Incident.objects.get().tlp == expected


def test_an_amber_strict_import_stays_inside_the_importers_organisation(world: World) -> None:
    misp.import_events(_event(["tlp:amber+strict"], None), actor=world.user("analyst"))
    incident = Incident.objects.get()
    assert incident.organisation_id == world.spu_kp.pk
    assert incident.tlp == tlp.AMBER_STRICT


def test_the_operator_must_name_an_owner_for_amber_strict_and_cannot_import_red(
    world: World,
) -> None:
    with pytest.raises(misp.MispRejected, match="AMBER\\+STRICT needs an owning organisation"):
        misp.import_events(_event(["tlp:amber+strict"], None), actor=SYSTEM)
    with pytest.raises(misp.MispRejected, match="RED reaches named people only"):
        misp.import_events(_event(["tlp:red"], None), actor=SYSTEM)
    misp.import_events(_event(["tlp:amber+strict"], None), actor=SYSTEM, owner=world.hydro)
    assert Incident.objects.get().organisation_id == world.hydro.pk


def test_a_role_that_may_not_add_incidents_cannot_import(world: World) -> None:
    with pytest.raises(PermissionDenied):
        misp.import_events(_event(["tlp:green"], None), actor=world.user("viewer"))
    assert not Incident.objects.exists()


# --- refused input --------------------------------------------------------------------------


def _with(change: Any) -> dict[str, Any]:
    document = _event(["tlp:green"], None)
    change(document["Event"])
    return document


def _set_attribute(relation: str, value: Any, kind: str = "text") -> Any:
    def change(event: dict[str, Any]) -> None:
        event["Object"][0]["Attribute"].append(
            {"type": kind, "object_relation": relation, "value": value}
        )

    return change


BAD_INPUTS: list[tuple[str, Any, str]] = [
    ("not json", b"{not json", "not valid JSON"),
    ("not utf-8", b"\xff\xfe{}", "not UTF-8"),
    ("a number", b"42", "must be a JSON object or a list"),
    ("no events", b"[]", "holds no event"),
    ("response not a list", {"response": {"Event": {}}}, '"response" must be a list'),
    ("NaN", b'{"Event": {"info": "x", "distribution": NaN}}', "not valid JSON"),
    ("deep nesting", b"[" * 50 + b"]" * 50, "nests deeper than"),
    ("very deep nesting", b"[" * 100_000 + b"]" * 100_000, "nest"),
    ("no info", _with(lambda e: e.pop("info")), 'no "info" text'),
    ("bad uuid", _with(lambda e: e.update(uuid="not-a-uuid")), 'no valid "uuid"'),
    ("bad distribution", _with(lambda e: e.update(distribution=9)), "PyMISP cannot read it"),
    ("text distribution", _with(lambda e: e.update(distribution="all")), "small whole number"),
    ("object list", _with(lambda e: e.update(Object={"a": 1})), '"Object" is not a list'),
    ("empty member name", _with(lambda e: e.update(Orgc={"": False})), "not a MISP field name"),
    (
        "private member name",
        _with(lambda e: e.update(_AbstractMISP__edited=True)),
        "not a MISP field name",
    ),
    ("no object", _with(lambda e: e.update(Object=[])), "exactly one safepassage-physical"),
    (
        "two objects",
        _with(lambda e: e["Object"].append(copy.deepcopy(e["Object"][0]))),
        "exactly one safepassage-physical",
    ),
    ("unknown tlp", _with(lambda e: e["Tag"].append({"name": "tlp:ex:chr"})), "not a TLP 2.0"),
    ("tag shape", _with(lambda e: e["Tag"].append("tlp:red")), "tag without a name"),
    ("no kind", _with(lambda e: e["Object"][0]["Attribute"].pop(0)), "event-kind is required"),
    ("bad kind", _set_attribute("attack-type", "arson"), "attack-type must be one of"),
    ("latitude", _set_attribute("latitude", 123.0, "float"), "latitude must be a number"),
    ("lonely latitude", _set_attribute("latitude", 12.0, "float"), "come together"),
    ("negative count", _set_attribute("deaths", "-3", "counter"), "whole number"),
    ("huge count", _set_attribute("deaths", "99999999999", "counter"), "whole number"),
    ("fractional count", _set_attribute("deaths", 2.5, "counter"), "whole number"),
    ("superscript count", _set_attribute("deaths", "\u00b2", "counter"), "whole number"),
    ("superscript timestamp", _with(lambda e: e.update(timestamp="\u00b9")), "not a Unix time"),
    ("bad date", _set_attribute("date", "yesterday", "text"), "ISO 8601 date"),
    ("old date", _set_attribute("date", "1066-10-14", "text"), "out of range"),
    ("country", _set_attribute("country", "Pakistan"), "two-letter country code"),
    ("control characters", _set_attribute("place-name", "Bes\x00ham"), "control characters"),
    ("long text", _set_attribute("place-name", "x" * 5000), "longer than"),
    ("unknown relation", _set_attribute("payload", "x"), "unknown attribute 'payload'"),
    ("twice", _set_attribute("province", "Sindh"), "given 2 times"),
    ("perpetrator json", _set_attribute("perpetrator", "TTP"), "perpetrator must be JSON"),
    (
        "perpetrator relation",
        _set_attribute("perpetrator", '{"name": "TTP", "relation": "rumoured"}'),
        "relation must be one of",
    ),
    (
        "nationality counts",
        _set_attribute("deaths-by-nationality", '{"China": 2}'),
        "two-letter country code",
    ),
    ("target keys", _set_attribute("target", '{"weapon": "gun"}'), "target must be a JSON object"),
    ("value type", _set_attribute("place-name", {"a": 1}), "not text or a number"),
    (
        "range",
        lambda e: (
            _set_attribute("deaths-min", "5", "counter")(e),
            _set_attribute("deaths-max", "2", "counter")(e),
        ),
        "deaths-min is above deaths-max",
    ),
]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (change if not callable(change) else _with(change), message)
        for _, change, message in BAD_INPUTS
    ],
    ids=[name for name, _, _ in BAD_INPUTS],
)
def test_malformed_or_hostile_input_is_refused_with_a_clear_error(
    world: World, data: Any, message: str
) -> None:
    with pytest.raises(misp.MispRejected) as refused:
        misp.import_events(data, actor=world.user("analyst"))
    assert any(message in error for error in refused.value.errors), refused.value.errors
    assert not Incident.objects.exists()


def test_an_oversized_input_is_refused_before_it_is_parsed(world: World) -> None:
    data = b" " * (misp.MAX_BYTES + 1)
    with pytest.raises(misp.MispRejected, match="the limit is"):
        misp.import_events(data, actor=world.user("analyst"))


def test_too_many_events_are_refused(world: World) -> None:
    with pytest.raises(misp.MispRejected, match="the limit is 1000"):
        misp.import_events([{}] * (misp.MAX_EVENTS + 1), actor=world.user("analyst"))


def test_one_bad_event_means_nothing_is_imported_and_each_problem_is_named(world: World) -> None:
    good = _event(["tlp:green"], None)
    bad = copy.deepcopy(good)
    bad["Event"]["uuid"] = "0d1f3a4e-2b1c-4d9e-8f7a-0b1c2d3e4f51"
    _set_attribute("latitude", 500.0, "float")(bad["Event"])
    _set_attribute("country", "XXX")(bad["Event"])
    with pytest.raises(misp.MispRejected) as refused:
        misp.import_events([good, bad], actor=world.user("analyst"))
    (error,) = refused.value.errors
    assert error.startswith("Event 2 (0d1f3a4e-2b1c-4d9e-8f7a-0b1c2d3e4f51):")
    assert "latitude" in error and "country" in error
    assert not Incident.objects.exists()
    assert not ExternalObject.objects.exists()


def test_the_same_event_twice_in_one_file_is_refused(world: World) -> None:
    event = _event(["tlp:green"], None)
    with pytest.raises(misp.MispRejected, match="appears twice"):
        misp.import_events([event, copy.deepcopy(event)], actor=world.user("analyst"))


def test_a_write_refused_halfway_rolls_back_the_events_before_it(world: World) -> None:
    # The second event updates an AMBER+STRICT incident of another organisation, which the
    # analyst may not read: the first event's incident must not stay behind.
    foreign = make(world, tlp.AMBER_STRICT, organisation=world.hydro)
    second = _event(["tlp:green"], None)
    second["Event"]["uuid"] = "1d1f3a4e-2b1c-4d9e-8f7a-0b1c2d3e4f52"
    stix_ids.remember(
        "incident--1d1f3a4e-2b1c-4d9e-8f7a-0b1c2d3e4f52",
        foreign,
        modified=timezone.now() - datetime.timedelta(days=3650),
    )
    stix_ids.instance_identity()  # made once, on first use, outside any import
    before = AuditRecord.objects.count()
    with pytest.raises(misp.MispRejected, match="Nothing was imported"):
        misp.import_events([_event(["tlp:green"], None), second], actor=world.user("analyst"))
    assert list(Incident.objects.all()) == [foreign]
    assert AuditRecord.objects.count() == before

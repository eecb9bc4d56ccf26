"""An incident that goes out as STIX and comes back into an empty instance is unchanged."""

from __future__ import annotations

from typing import Any

import pytest
import stix2

from safepassage.access.principals import SystemActor
from safepassage.intel.models import Claim, Engagement, Incident, Mention, Report, Source
from safepassage.sharing import stix_ids, tlp
from safepassage.sharing.extension import EXTENSION_ID
from safepassage.sharing.models import ExternalObject, InstanceIdentity
from safepassage.sharing.stix import collect, export_bundle
from safepassage.sharing.stix_import import import_bundle
from tests.conftest import World
from tests.sharing.stix_data import Picture, build, content

pytestmark = pytest.mark.django_db

OPERATOR = SystemActor("stix-test")
REPORT_LOCAL = {"id", "received_at", "processed_at", "source", "organisation", "submitted_by"}
REPORT_LOCAL |= {"near_duplicate_of", "extraction", "structured", "error"}


def report_content(row: Report) -> dict[str, Any]:
    values = {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.name not in REPORT_LOCAL
    }
    values["source"] = (row.source.name, row.source.kind, row.source.reliability)
    values["organisation"] = row.organisation.name
    return values


def mention_fields(row: Mention) -> dict[str, Any]:
    """What a mention carries of how its report describes the event (incident or engagement)."""
    return {
        "report": row.report.content_hash,
        "index": row.index,
        "kind": row.kind,
        "background": row.background,
        "confidence": row.confidence,
        "event": row.event,
        "link_score": row.link_score,
        "link_reasons": row.link_reasons,
    }


def mention_content(row: Mention) -> dict[str, Any]:
    return {
        **mention_fields(row),
        "incident": content(row.incident) if row.incident else None,
    }


def claim_content(row: Claim) -> tuple[Any, ...]:
    return (
        row.field,
        repr(row.value),
        row.report.content_hash if row.report else None,
        (row.mention.report.content_hash, row.mention.index) if row.mention else None,
        row.start,
        row.end,
    )


def snapshot(ids: dict[str, str]) -> dict[str, Any]:
    """Every carried field of every incident, report, mention and claim, keyed by STIX id."""
    out: dict[str, Any] = {}
    for stix_id, kind in ids.items():
        row = stix_ids.resolve(stix_id) if ExternalObject.objects.exists() else None
        if row is None:
            row = _local(stix_id, kind)
        if isinstance(row, Incident):
            out[stix_id] = {
                "fields": content(row),
                "organisation": row.organisation.name if row.organisation else None,
                "merged_into": content(row.merged_into) if row.merged_into else None,
                "claims": sorted(claim_content(c) for c in row.claims.all()),
            }
        elif isinstance(row, Report):
            out[stix_id] = report_content(row)
        elif isinstance(row, Mention):
            out[stix_id] = mention_content(row)
    return out


def _local(stix_id: str, kind: str) -> Any:
    model = {"incident": Incident, "report": Report, "sighting": Mention}[kind]
    for row in model.objects.all():
        if stix_ids.stix_id_for(row, kind) == stix_id:
            return row
    raise AssertionError(f"{stix_id} is not here")


def wipe() -> None:
    """Empty the incident knowledge base (engagements too) and the sharing identity."""
    Claim.objects.all().delete()
    Mention.objects.all().delete()
    Engagement.objects.all().delete()
    Incident.objects.update(merged_into=None)
    Incident.objects.all().delete()
    Report.objects.all().delete()
    Source.objects.all().delete()
    ExternalObject.objects.all().delete()
    InstanceIdentity.objects.all().delete()
    # A new instance has its own identity from its first migration.
    stix_ids.instance_identity()


def exported_ids(bundle: dict[str, Any]) -> dict[str, str]:
    kinds = ("incident", "report", "sighting")
    return {o["id"]: o["type"] for o in bundle["objects"] if o["type"] in kinds}


def test_it_brings_back_every_field_of_every_incident_report_sighting_and_claim(
    world: World,
) -> None:
    picture: Picture = build(world)
    bundle = export_bundle(OPERATOR, include_text=True)
    ids = exported_ids(bundle)
    before = snapshot(ids)
    assert len([k for k in ids.values() if k == "incident"]) == 2 + len(tlp.ORDER)
    assert len(before) == len(ids)
    first_instance = stix_ids.instance_stix_id()

    wipe()
    assert not Incident.objects.exists()
    result = import_bundle(bundle, actor=OPERATOR)

    assert stix_ids.instance_stix_id() != first_instance
    assert result.created == len(ids)
    assert result.mapped == 1  # the organisation that holds them, known here by name
    after = snapshot(ids)
    assert set(after) == set(before)
    for stix_id in before:
        assert after[stix_id] == before[stix_id], stix_id
    main = stix_ids.resolve(stix_ids_of(bundle, picture.main))
    assert isinstance(main, Incident)
    assert main.claims.count() == 4
    assert main.merged_from.count() == 1
    assert main.organisation == world.spu_kp


def test_it_keeps_the_ids_and_the_markings_when_the_import_is_exported_again(
    world: World,
) -> None:
    build(world)
    first = export_bundle(OPERATOR, include_text=True)
    wipe()
    import_bundle(first, actor=OPERATOR)
    second = export_bundle(OPERATOR, include_text=True)

    def essentials(bundle: dict[str, Any]) -> dict[str, Any]:
        return {
            o["id"]: (o.get("object_marking_refs"), o.get("extensions", {}).get(EXTENSION_ID))
            for o in bundle["objects"]
            if o["type"] in ("incident", "report", "sighting")
        }

    assert essentials(second) == essentials(first)


def stix_ids_of(bundle: dict[str, Any], row: Incident) -> str:
    """The id an incident of the exporting instance had in ``bundle`` (by its place and date)."""
    ext = [o for o in bundle["objects"] if o["type"] == "incident"]
    found = [
        o["id"]
        for o in ext
        if o["extensions"][EXTENSION_ID]["casualties"]["deaths"]["count"] == row.deaths
        and o["extensions"][EXTENSION_ID]["claims"]
    ]
    assert len(found) == 1
    return str(found[0])


def test_the_bundle_parses_with_stix2_without_custom_content(world: World) -> None:
    build(world)
    bundle = export_bundle(OPERATOR)
    parsed = stix2.parse(bundle, allow_custom=False)
    types = {o.type for o in parsed.objects}
    assert {"incident", "report", "sighting", "location", "identity", "relationship"} <= types
    assert {"marking-definition", "extension-definition"} <= types


def test_every_object_carries_a_tlp_marking(world: World) -> None:
    build(world)
    bundle = export_bundle(OPERATOR)
    markings = {o["id"] for o in bundle["objects"] if o["type"] == "marking-definition"}
    for obj in bundle["objects"]:
        if obj["type"] in ("marking-definition", "extension-definition"):
            continue
        if obj["id"] == "identity--7a4f6d1b-6160-43c5-97ea-4cf3c43891f9":
            continue
        assert obj["object_marking_refs"], obj["id"]
        assert set(obj["object_marking_refs"]) <= markings


def test_the_export_takes_the_most_restrictive_marking_of_what_it_holds(world: World) -> None:
    build(world)
    assert collect(OPERATOR).marking == tlp.RED
    assert collect(world.user("viewer")).marking == tlp.AMBER

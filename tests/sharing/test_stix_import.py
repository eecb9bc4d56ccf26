"""The STIX importer refuses bad bundles whole, and imports good ones once."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from safepassage.access.principals import SystemActor
from safepassage.audit.models import AuditRecord
from safepassage.intel.models import Claim, Incident, Mention, Report, Source
from safepassage.registry.models import Organisation
from safepassage.sharing import stix_ids, stix_import, tlp
from safepassage.sharing.extension import EXTENSION_ID
from safepassage.sharing.models import ExternalObject, ShareRecord
from safepassage.sharing.stix import export_bundle
from safepassage.sharing.stix_import import BundleRejected, import_bundle, import_upload
from safepassage.sharing.stix_markings import TLP2_IDS
from tests.conftest import World
from tests.sharing.stix_data import build
from tests.sharing.test_stix_roundtrip import wipe

pytestmark = pytest.mark.django_db

OPERATOR = SystemActor("stix-test")


@pytest.fixture
def foreign_bundle(world: World) -> dict[str, Any]:
    """A bundle another instance made: exported here, then this instance's identity reset."""
    build(world)
    bundle = export_bundle(OPERATOR, include_text=True)
    wipe()
    return bundle


def counts() -> tuple[int, ...]:
    models = (Incident, Report, Mention, Claim, Source, ExternalObject, ShareRecord, Organisation)
    return tuple(m.objects.count() for m in models)


def first(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(o for o in bundle["objects"] if o["type"] == kind)


def refused(data: Any, *fragments: str) -> list[str]:
    """Import ``data``; it must be refused, nothing written, with errors naming ``fragments``."""
    before = counts()
    audit = AuditRecord.objects.count()
    with pytest.raises(BundleRejected) as caught:
        import_bundle(data, actor=OPERATOR)
    assert counts() == before
    assert AuditRecord.objects.count() == audit
    text = " ".join(caught.value.errors)
    for fragment in fragments:
        assert fragment in text, text
    return caught.value.errors


def test_it_imports_a_bundle_once_and_a_second_import_changes_nothing(
    foreign_bundle: dict[str, Any],
) -> None:
    first_result = import_bundle(foreign_bundle, actor=OPERATOR)
    assert first_result.created > 0
    after_first = counts()
    audit = AuditRecord.objects.count()
    again = import_bundle(json.dumps(foreign_bundle), actor=OPERATOR)
    assert again.created == again.updated == 0
    assert again.unchanged == first_result.created + first_result.mapped
    assert counts() == after_first
    assert AuditRecord.objects.count() == audit


def test_a_newer_version_updates_the_incident_in_place(foreign_bundle: dict[str, Any]) -> None:
    import_bundle(foreign_bundle, actor=OPERATOR)
    newer = copy.deepcopy(foreign_bundle)
    obj = next(
        o
        for o in newer["objects"]
        if o["type"] == "incident" and o["extensions"][EXTENSION_ID]["claims"]
    )
    obj["modified"] = "2099-01-01T00:00:00.000Z"
    obj["extensions"][EXTENSION_ID]["casualties"]["deaths"]["count"] = 7
    incidents = Incident.objects.count()
    result = import_bundle(newer, actor=OPERATOR)
    assert result.updated == 1 and result.objects[obj["id"]] == "updated"
    assert Incident.objects.count() == incidents
    row = stix_ids.resolve(obj["id"])
    assert isinstance(row, Incident) and row.deaths == 7
    assert row.claims.count() == 4


def test_it_records_what_arrived_from_a_partner_and_remembers_the_origin(
    world: World, foreign_bundle: dict[str, Any]
) -> None:
    import_bundle(foreign_bundle, actor=OPERATOR, origin=world.ministry_cn)
    incident = Incident.objects.first()
    assert incident is not None
    assert stix_ids.came_from(incident, world.ministry_cn)
    # The bundle names an organisation of this instance as owner: the partner holds it instead.
    assert set(Incident.objects.values_list("organisation", flat=True)) == {world.ministry_cn.pk}
    assert ShareRecord.objects.filter(partner=world.ministry_cn, object_type="incident").exists()
    # Exported for that partner again, nothing goes back to where it came from.
    echo = export_bundle(OPERATOR, exclude_origin=world.ministry_cn)
    assert not [o for o in echo["objects"] if o["type"] == "incident"]


def test_an_object_this_instance_made_is_left_alone_when_it_comes_back(world: World) -> None:
    picture = build(world)
    bundle = export_bundle(OPERATOR)
    obj = next(
        o for o in bundle["objects"] if o["id"] == stix_ids.stix_id_for(picture.main, "incident")
    )
    obj["modified"] = "2099-01-01T00:00:00.000Z"
    obj["extensions"][EXTENSION_ID]["casualties"]["deaths"]["count"] = 99
    result = import_bundle(bundle, actor=OPERATOR)
    assert result.created == 0
    picture.main.refresh_from_db()
    assert picture.main.deaths == 6


def test_a_red_incident_from_outside_reaches_the_administrator_who_imported_it(
    world: World, foreign_bundle: dict[str, Any]
) -> None:
    admin = world.user("admin")
    import_bundle(foreign_bundle, actor=admin)
    red = Incident.objects.get(tlp=tlp.RED)
    assert list(red.recipients.all()) == [admin]


def test_only_administrators_may_import(world: World, foreign_bundle: dict[str, Any]) -> None:
    for persona in ("analyst", "liaison", "coordinator"):
        with pytest.raises(PermissionDenied):
            import_bundle(foreign_bundle, actor=world.user(persona))
    assert not Incident.objects.exists()


def test_one_bad_object_refuses_the_whole_bundle(foreign_bundle: dict[str, Any]) -> None:
    bad = copy.deepcopy(foreign_bundle)
    incidents = [o for o in bad["objects"] if o["type"] == "incident"]
    incidents[-1]["extensions"][EXTENSION_ID]["casualties"]["deaths"]["count"] = -3
    refused(bad, incidents[-1]["id"], "deaths/count")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda b: b.update(type="report"), "type 'bundle'"),
        (lambda b: b.update(spec_version="2.0"), "STIX 2.0"),
        (lambda b: b.update(objects={"a": 1}), "must be a list"),
        (lambda b: b["objects"].append(42), "not a JSON object"),
        (lambda b: b["objects"].append(copy.deepcopy(b["objects"][-1])), "more than once"),
        (lambda b: first(b, "incident").update(spec_version="2.0"), "only 2.1"),
        (lambda b: first(b, "incident").update(id="incident--not-a-uuid"), "malformed"),
        (lambda b: first(b, "incident").update(id=f"report--{uuid.uuid4()}"), "type"),
        (lambda b: first(b, "incident").update(x_evil="<script>"), "x_evil"),
        (
            lambda b: b["objects"].append(
                {"type": "x-weapon", "spec_version": "2.1", "id": f"x-weapon--{uuid.uuid4()}"}
            ),
            "x-weapon",
        ),
        (lambda b: first(b, "incident").pop("object_marking_refs"), "no TLP marking"),
        (lambda b: first(b, "incident")["extensions"][EXTENSION_ID].update(kind="picnic"), "kind"),
        (
            lambda b: first(b, "incident")["extensions"][EXTENSION_ID]["place"].update(lat=123.0),
            "place/lat",
        ),
        (
            lambda b: first(b, "incident")["extensions"][EXTENSION_ID].update(date="2026-02-30"),
            "not a real day",
        ),
        (
            lambda b: first(b, "incident")["extensions"][EXTENSION_ID].update(
                merged_into=f"incident--{uuid.uuid4()}"
            ),
            "neither here nor held",
        ),
        (
            lambda b: first(b, "sighting").update(sighting_of_ref=f"incident--{uuid.uuid4()}"),
            "neither here nor held",
        ),
        (
            lambda b: first(b, "report")["extensions"][EXTENSION_ID].update(content_hash="zz"),
            "content_hash",
        ),
        (
            lambda b: first(b, "marking-definition")["extensions"][
                "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
            ].update(tlp_2_0="red"),
            "claims to be",
        ),
        (lambda b: first(b, "incident").update(name="x" * 600_000), "characters"),
        (lambda b: first(b, "incident").update(name="nul\x00byte"), "NUL"),
    ],
)
def test_it_refuses_malformed_and_hostile_bundles_with_a_clear_error(
    foreign_bundle: dict[str, Any], change: Any, fragment: str
) -> None:
    bad = copy.deepcopy(foreign_bundle)
    change(bad)
    errors = refused(bad, fragment)
    assert all(isinstance(e, str) and len(e) < 2000 for e in errors)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "not valid JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[1, 2, 3]", "JSON object of type 'bundle'"),
        (b'{"type": "bundle", "type": "bundle"}', "appears twice"),
        (b'{"type": "bundle", "id": NaN}', "NaN"),
        (b'{"type": "bundle", "objects": [' + b"[" * 5000 + b"]" * 5000 + b"]}", "deeper"),
        ('{"type": "bundle", "objects": [' + "[" * 50 + "]" * 50 + "]}", "deeper"),
    ],
)
def test_it_refuses_what_is_not_strict_json(world: World, data: Any, fragment: str) -> None:
    refused(data, fragment)


def test_it_refuses_an_oversized_bundle_before_reading_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stix_import, "MAX_BYTES", 1000)
    refused(b"{" + b" " * 2000 + b"}", "2,002 bytes", "limit is 1,000")


def test_it_refuses_a_bundle_with_too_many_objects(
    foreign_bundle: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stix_import, "MAX_OBJECTS", 5)
    refused(foreign_bundle, "objects; the limit is 5")


def test_objects_it_does_not_map_are_passed_over_and_said_so(world: World) -> None:
    bundle = {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid4()}",
        "objects": [
            {
                "type": "malware",
                "spec_version": "2.1",
                "id": f"malware--{uuid.uuid4()}",
                "created": "2026-01-01T00:00:00.000Z",
                "modified": "2026-01-01T00:00:00.000Z",
                "name": "Not ours",
                "is_family": False,
            },
            {
                "type": "incident",
                "spec_version": "2.1",
                "id": f"incident--{uuid.uuid4()}",
                "created": "2026-01-01T00:00:00.000Z",
                "modified": "2026-01-01T00:00:00.000Z",
                "name": "An incident without our extension",
            },
        ],
    }
    result = import_bundle(bundle, actor=OPERATOR)
    assert result.skipped == 2 and result.created == 0
    assert any("malware" in note for note in result.notes)
    assert not Incident.objects.exists()


def test_the_api_imports_for_administrators_and_answers_every_error(
    world: World, client: Client, foreign_bundle: dict[str, Any]
) -> None:
    client.force_login(world.user("admin"))
    bad = copy.deepcopy(foreign_bundle)
    first(bad, "incident").update(spec_version="2.0")
    answer = client.post("/api/sharing/stix/import", json.dumps(bad), "application/json")
    assert answer.status_code == 422
    body = answer.json()
    assert "nothing was imported" in body["detail"]
    assert any("only 2.1" in e for e in body["errors"]["bundle"])
    assert not Incident.objects.exists()

    answer = client.post(
        f"/api/sharing/stix/import?origin={world.ministry_cn.pk}",
        json.dumps(foreign_bundle),
        "application/json",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["created"] > 0
    again = client.post("/api/sharing/stix/import", json.dumps(foreign_bundle), "application/json")
    assert again.status_code == 200 and again.json()["created"] == 0


def test_the_api_refuses_imports_from_other_roles_and_garbage(world: World, client: Client) -> None:
    client.force_login(world.user("analyst"))
    answer = client.post("/api/sharing/stix/import", b"{}", "application/json")
    assert answer.status_code == 403
    client.force_login(world.user("admin"))
    answer = client.post("/api/sharing/stix/import", b"{not json", "application/json")
    assert answer.status_code == 422
    assert "not valid JSON" in answer.json()["errors"]["bundle"][0]


def test_a_report_held_is_never_rewritten_only_marked_stricter(
    foreign_bundle: dict[str, Any],
) -> None:
    import_bundle(foreign_bundle, actor=OPERATOR)
    newer = copy.deepcopy(foreign_bundle)
    obj = first(newer, "report")
    held = stix_ids.resolve(obj["id"])
    assert isinstance(held, Report) and held.text
    obj["modified"] = "2099-01-01T00:00:00.000Z"
    obj["extensions"][EXTENSION_ID].update(title="Rewritten", has_text=False)
    obj["object_marking_refs"] = [TLP2_IDS[tlp.CLEAR]]
    assert import_bundle(newer, actor=OPERATOR).objects[obj["id"]] == "unchanged"
    obj["object_marking_refs"] = [TLP2_IDS[tlp.AMBER_STRICT]]
    assert import_bundle(newer, actor=OPERATOR).objects[obj["id"]] == "updated"
    after = Report.objects.get(pk=held.pk)
    assert (after.title, after.text, after.tlp) == (held.title, held.text, tlp.AMBER_STRICT)


def test_an_article_already_held_is_mapped_not_copied(
    world: World, foreign_bundle: dict[str, Any]
) -> None:
    obj = first(foreign_bundle, "report")
    source = Source.objects.create(organisation=world.hydro, name="Own feed", kind="api")
    local = Report.objects.create(
        source=source,
        organisation=world.hydro,
        content_hash=obj["extensions"][EXTENSION_ID]["content_hash"],
        text="Read here first.",
    )
    result = import_bundle(foreign_bundle, actor=OPERATOR)
    assert result.objects[obj["id"]] == "mapped"
    assert stix_ids.resolve(obj["id"]) == local
    local.refresh_from_db()
    assert local.text == "Read here first."


def test_two_reports_with_one_content_hash_are_refused(foreign_bundle: dict[str, Any]) -> None:
    bad = copy.deepcopy(foreign_bundle)
    reports = [o for o in bad["objects"] if o["type"] == "report"]
    digest = reports[0]["extensions"][EXTENSION_ID]["content_hash"]
    reports[1]["extensions"][EXTENSION_ID]["content_hash"] = digest
    refused(bad, "same content hash")


def test_an_uploaded_file_imports_and_an_oversized_one_is_refused_unread(
    foreign_bundle: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = SimpleUploadedFile("bundle.json", json.dumps(foreign_bundle).encode())
    assert import_upload(upload, actor=OPERATOR).created > 0
    monkeypatch.setattr(stix_import, "MAX_BYTES", 100)
    with pytest.raises(BundleRejected, match="limit is 100 bytes"):
        import_upload(SimpleUploadedFile("big.json", b" " * 10_000), actor=OPERATOR)

"""What a STIX bundle holds depends on who reads it: markings and agreements apply."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from safepassage.access import gate
from safepassage.accounts.models import ApiToken
from safepassage.intel.models import Incident, Report
from safepassage.sharing import tlp
from safepassage.sharing.extension import EXTENSION_ID
from safepassage.sharing.models import ExternalObject, ShareRecord, SharingAgreement
from safepassage.sharing.services import PartnerReader
from safepassage.sharing.stix import bundle_download, collect, export_bundle
from safepassage.sharing.stix_ids import stix_id_for
from tests.conftest import World
from tests.sharing.stix_data import Picture, build
from tests.sharing.test_stix_roundtrip import wipe

pytestmark = pytest.mark.django_db


def incident_ids(bundle: dict[str, Any]) -> set[str]:
    return {o["id"] for o in bundle["objects"] if o["type"] == "incident"}


def marked(picture: Picture, *markings: str) -> set[str]:
    return {stix_id_for(picture.by_marking[m], "incident") for m in markings}


def all_text(bundle: dict[str, Any]) -> str:
    return json.dumps(bundle)


def test_an_amber_strict_incident_is_never_in_a_bundle_exported_for_a_partner(
    world: World,
) -> None:
    picture = build(world)
    strict = picture.by_marking[tlp.AMBER_STRICT]
    strict_id = stix_id_for(strict, "incident")
    # Even the widest agreement there is: highest marking AMBER, no filters, personal data.
    SharingAgreement.objects.filter(partner=world.ministry_cn).update(
        max_tlp=tlp.AMBER, personal_data=True
    )
    bundle = export_bundle(
        PartnerReader(world.ministry_cn), partner=world.ministry_cn, include_text=True
    )
    assert strict_id not in all_text(bundle)
    assert "Place amber+strict" not in all_text(bundle)
    assert marked(picture, tlp.CLEAR, tlp.GREEN, tlp.AMBER) <= incident_ids(bundle)
    assert not marked(picture, tlp.AMBER_STRICT, tlp.RED) & incident_ids(bundle)
    marking_ids = {o["id"] for o in bundle["objects"] if o["type"] == "marking-definition"}
    assert "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003" not in marking_ids
    recorded = set(ShareRecord.objects.values_list("tlp", flat=True))
    assert recorded <= {tlp.CLEAR, tlp.GREEN, tlp.AMBER}
    assert not ShareRecord.objects.filter(object_type="incident", object_id=strict.pk).exists()


def test_an_amber_strict_incident_stays_out_of_the_api_bundle_of_a_partner_token(
    world: World, client: Client
) -> None:
    picture = build(world)
    token, secret = ApiToken.issue(world.user("liaison"), name="ministry tools")
    token.save()
    answer = client.get("/api/sharing/stix/bundle", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert answer.status_code == 200, answer.content
    bundle = answer.json()
    assert not marked(picture, tlp.AMBER_STRICT, tlp.RED) & incident_ids(bundle)
    assert marked(picture, tlp.CLEAR, tlp.GREEN, tlp.AMBER) <= incident_ids(bundle)
    assert answer["X-TLP"] == "TLP:AMBER"
    partners = set(ShareRecord.objects.values_list("partner_id", flat=True))
    assert partners == {world.ministry_cn.pk}


def test_a_partner_bundle_follows_the_agreements_filters(world: World) -> None:
    picture = build(world)
    SharingAgreement.objects.filter(partner=world.ministry_cn).update(
        max_tlp=tlp.GREEN, provinces=["Sindh"]
    )
    sindh = Incident.objects.create(
        kind="attack", attack_type="armed_assault", admin1="Sindh", tlp=tlp.GREEN
    )
    got = incident_ids(export_bundle(PartnerReader(world.ministry_cn)))
    assert got == {stix_id_for(sindh, "incident")} | marked(picture, tlp.CLEAR)


def test_a_partner_without_an_agreement_gets_only_clear(world: World) -> None:
    picture = build(world)
    SharingAgreement.objects.all().delete()
    got = incident_ids(export_bundle(PartnerReader(world.ministry_cn)))
    assert got == marked(picture, tlp.CLEAR)


def test_article_text_crosses_only_when_the_agreement_allows_personal_data(
    world: World,
) -> None:
    picture = build(world)
    words = "five of them foreign engineers"
    assert words in picture.reports[0].text
    partner = PartnerReader(world.ministry_cn)
    asked = export_bundle(partner, partner=world.ministry_cn, include_text=True)
    assert words not in all_text(asked)
    assert "convoy bombing" not in all_text(asked)  # the extracted event stays home too
    SharingAgreement.objects.filter(partner=world.ministry_cn).update(personal_data=True)
    allowed = export_bundle(partner, partner=world.ministry_cn, include_text=True)
    assert words in all_text(allowed)


def test_amber_strict_reaches_the_owning_organisation_and_red_its_recipients(
    world: World,
) -> None:
    picture = build(world)
    analyst = incident_ids(collect(world.user("analyst")).bundle())  # of the owner
    viewer = incident_ids(collect(world.user("viewer")).bundle())  # another organisation
    coordinator = incident_ids(collect(world.user("coordinator")).bundle())  # RED recipient
    assert marked(picture, tlp.AMBER_STRICT) <= analyst
    assert not marked(picture, tlp.AMBER_STRICT) & viewer
    assert marked(picture, tlp.RED) <= coordinator
    assert not marked(picture, tlp.RED) & analyst


def test_it_filters_by_time_and_by_id(world: World) -> None:
    picture = build(world)
    wanted = stix_id_for(picture.main, "incident")
    assert incident_ids(export_bundle(world.user("analyst"), ids=[wanted])) == {wanted}
    later = max(Incident.objects.values_list("updated", flat=True))
    Incident.objects.filter(pk=picture.main.pk).update(updated=later)
    readable = gate.restrict(Incident.objects.filter(updated__gte=later), world.user("analyst"))
    latest = {stix_id_for(i, "incident") for i in readable}
    assert stix_id_for(picture.main, "incident") in latest and len(latest) < 5
    assert incident_ids(export_bundle(world.user("analyst"), since=later)) == latest


def test_the_extension_carries_casualties_attribution_and_claims(world: World) -> None:
    picture = build(world)
    bundle = export_bundle(world.user("analyst"), ids=[stix_id_for(picture.main, "incident")])
    (obj,) = [o for o in bundle["objects"] if o["type"] == "incident"]
    ext = obj["extensions"][EXTENSION_ID]
    assert ext["casualties"]["deaths"] == {"count": 6, "min": 5, "max": 6}
    assert ext["casualties"]["deaths_by_nationality"] == {"CN": 5, "PK": 1}
    assert ext["casualties"]["perpetrators_killed"] == 1
    assert {"group": "Group C", "relation": "attributed", "source": "Provincial police"} in ext[
        "attribution"
    ]
    assert ext["place"]["geo_precision"] == "town"
    spans = sorted(c["span"] for c in ext["claims"] if c["span"])
    assert spans == [[21, 45], [60, 79], [100, 140]]
    assert all(c["report"] for c in ext["claims"] if c["span"])


def test_the_cli_exports_for_a_partner_and_imports_back(world: World, tmp_path: Path) -> None:
    picture = build(world)
    out = tmp_path / "bundle.json"
    err = io.StringIO()
    call_command("stix", "export", "--for", world.ministry_cn.name, "-o", str(out), stderr=err)
    bundle = json.loads(out.read_text())
    assert not marked(picture, tlp.AMBER_STRICT, tlp.RED) & incident_ids(bundle)
    assert "marked TLP:AMBER" in err.getvalue()
    assert ShareRecord.objects.filter(channel="export", partner=world.ministry_cn).exists()
    stdout = io.StringIO()
    call_command("stix", "import", str(out), stdout=stdout, stderr=io.StringIO())
    result = json.loads(stdout.getvalue())
    # Everything in it was made here: nothing changes, nothing is even remembered.
    assert result["created"] == 0 and result["updated"] == 0
    assert not ExternalObject.objects.exists()


def test_the_api_bundle_takes_since_and_ids_and_refuses_bad_values(
    world: World, client: Client
) -> None:
    picture = build(world)
    client.force_login(world.user("analyst"))
    wanted = stix_id_for(picture.main, "incident")
    answer = client.get("/api/sharing/stix/bundle", {"ids": [wanted]})
    assert answer.status_code == 200
    assert incident_ids(answer.json()) == {wanted}
    assert answer["X-TLP"] == "TLP:AMBER"
    future = client.get("/api/sharing/stix/bundle", {"since": "2999-01-01T00:00:00Z"})
    assert future.status_code == 200 and incident_ids(future.json()) == set()
    bad = client.get("/api/sharing/stix/bundle", {"since": "yesterday"})
    assert bad.status_code == 422
    assert ShareRecord.objects.count() == 0  # a member's own reading is not a share


def test_a_bundle_fetched_over_the_api_imports_over_the_api(world: World, client: Client) -> None:
    build(world)
    client.force_login(world.user("admin"))
    bundle = client.get("/api/sharing/stix/bundle", {"text": "true"}).json()
    count = len(incident_ids(bundle))
    wipe()
    answer = client.post("/api/sharing/stix/import", json.dumps(bundle), "application/json")
    assert answer.status_code == 201, answer.content
    assert Incident.objects.count() == count


def test_the_download_for_a_partner_is_named_by_its_marking_and_recorded(world: World) -> None:
    picture = build(world)
    response = bundle_download(
        PartnerReader(world.ministry_cn), partner=world.ministry_cn, actor=world.user("admin")
    )
    assert response["X-TLP"] == "TLP:AMBER"
    assert "tlp-amber.json" in response["Content-Disposition"]
    bundle = json.loads(response.content)
    assert not marked(picture, tlp.AMBER_STRICT, tlp.RED) & incident_ids(bundle)
    assert ShareRecord.objects.filter(channel="export", actor=world.user("admin")).exists()


def test_an_amber_strict_report_behind_a_shared_incident_stays_home_with_its_claims(
    world: World,
) -> None:
    picture = build(world)
    strict, shared = picture.reports
    Report.objects.filter(pk=strict.pk).update(tlp=tlp.AMBER_STRICT)
    bundle = export_bundle(PartnerReader(world.ministry_cn), partner=world.ministry_cn)
    reports = {o["id"] for o in bundle["objects"] if o["type"] == "report"}
    assert reports == {stix_id_for(shared, "report")}
    assert strict.content_hash not in all_text(bundle)
    (main,) = [o for o in bundle["objects"] if o["id"] == stix_id_for(picture.main, "incident")]
    claims = main["extensions"][EXTENSION_ID]["claims"]
    assert {c["report"] for c in claims} == {stix_id_for(shared, "report"), None}
    sightings = [o for o in bundle["objects"] if o["type"] == "sighting"]
    assert len(sightings) == 1

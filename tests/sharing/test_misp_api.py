"""MISP over the JSON API and the command line."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from safepassage.accounts.models import ApiToken, User
from safepassage.intel.models import Incident
from safepassage.sharing import stix_ids, tlp
from safepassage.sharing.models import ExternalObject, InstanceIdentity, ShareRecord
from tests.conftest import World

pytestmark = pytest.mark.django_db


def bearer(user: User) -> dict[str, str]:
    token, secret = ApiToken.issue(user, "misp", access=ApiToken.Access.READ_WRITE)
    token.save()
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def make(world: World, marking: str, **extra: Any) -> Incident:
    fields: dict[str, Any] = {
        "kind": "attack",
        "attack_type": "kidnapping",
        "date": datetime.date(2026, 8, 2),
        "place_name": "Chilas",
        "admin1": "Gilgit-Baltistan",
        "tlp": marking,
        "organisation": world.spu_kp,
    }
    return Incident.objects.create(**(fields | extra))


def event_uuids(data: dict[str, Any]) -> set[str]:
    return {item["Event"]["uuid"] for item in data["response"]}


def uuid_of(incident: Incident) -> str:
    return str(stix_ids.uuid_for(incident, "incident"))


def test_a_partner_token_gets_only_what_its_agreement_allows_and_it_is_recorded(
    world: World, client: Client
) -> None:
    amber = make(world, tlp.AMBER)
    make(world, tlp.AMBER_STRICT)
    make(world, tlp.RED).recipients.add(world.user("analyst"))
    response = client.get("/api/sharing/misp/events", **bearer(world.user("liaison")))
    assert response.status_code == 200
    assert event_uuids(response.json()) == {uuid_of(amber)}
    assert response["X-TLP"] == "TLP:AMBER"
    record = ShareRecord.objects.get(channel="misp")
    assert (record.partner_id, record.object_id) == (world.ministry_cn.pk, amber.pk)


def test_an_analyst_exports_with_filters(world: World, client: Client) -> None:
    one = make(world, tlp.GREEN)
    strict = make(world, tlp.AMBER_STRICT)
    headers = bearer(world.user("analyst"))
    everything = client.get("/api/sharing/misp/events", **headers).json()
    assert event_uuids(everything) == {uuid_of(one), uuid_of(strict)}
    only = client.get(f"/api/sharing/misp/events?ids={uuid_of(one)}", **headers)
    assert event_uuids(only.json()) == {uuid_of(one)}
    assert only["X-TLP"] == "TLP:GREEN"
    later = client.get("/api/sharing/misp/events?since=2999-01-01T00:00:00", **headers)
    assert later.json() == {"response": []}
    for extreme in ("0001-01-01T00:00:00%2B14:00", "9999-12-31T23:59:59-14:00"):
        refused = client.get(f"/api/sharing/misp/events?since={extreme}", **headers)
        assert refused.status_code == 422, refused.content
    assert not ShareRecord.objects.exists()


def test_administrators_import_through_the_api_and_errors_come_back_as_422(
    world: World, client: Client
) -> None:
    make(world, tlp.GREEN)
    headers = bearer(world.user("admin"))
    document = client.get("/api/sharing/misp/events", **headers).json()
    Incident.objects.all().delete()
    InstanceIdentity.objects.all().delete()
    created = client.post(
        f"/api/sharing/misp/import?origin={world.ministry_cn.pk}",
        json.dumps(document),
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    assert created.json()["created"] == 1
    again = client.post(
        "/api/sharing/misp/import", json.dumps(document), content_type="application/json", **headers
    )
    assert again.status_code == 200
    assert again.json()["unchanged"] == 1

    document["response"][0]["Event"]["Object"][0]["Attribute"].append(
        {"type": "float", "object_relation": "latitude", "value": 720.0}
    )
    document["response"][0]["Event"]["timestamp"] = "4102444800"
    refused = client.post(
        "/api/sharing/misp/import", json.dumps(document), content_type="application/json", **headers
    )
    assert refused.status_code == 422
    body = refused.json()
    assert body["detail"] == "The MISP events were refused; nothing was imported."
    assert any("latitude" in e for e in body["errors"]["events"])
    assert Incident.objects.count() == 1


def test_other_roles_may_not_import_and_garbage_is_refused(world: World, client: Client) -> None:
    for persona in ("analyst", "liaison"):
        response = client.post(
            "/api/sharing/misp/import",
            "{}",
            content_type="application/json",
            **bearer(world.user(persona)),
        )
        assert response.status_code == 403
    headers = bearer(world.user("admin"))
    garbage = client.post(
        "/api/sharing/misp/import", b"\x00\xff", content_type="application/json", **headers
    )
    assert garbage.status_code == 422
    big = client.post(
        "/api/sharing/misp/import",
        b"[" + b" " * (3 * 1024 * 1024) + b"]",
        content_type="application/json",
        **headers,
    )
    assert big.status_code == 413
    unknown = client.post(
        "/api/sharing/misp/import?origin=999999",
        "{}",
        content_type="application/json",
        **headers,
    )
    assert unknown.status_code == 422
    assert not Incident.objects.exists()


def test_the_command_line_exports_for_a_partner_and_imports_all_or_nothing(
    world: World, tmp_path: Path
) -> None:
    shared = make(world, tlp.GREEN)
    make(world, tlp.AMBER_STRICT)
    out = tmp_path / "events.json"
    err = io.StringIO()
    call_command("misp", "export", "--for", world.ministry_cn.name, "-o", str(out), stderr=err)
    assert "1 events, marked TLP:GREEN" in err.getvalue()
    assert event_uuids(json.loads(out.read_text())) == {uuid_of(shared)}
    assert ShareRecord.objects.filter(channel="misp").count() == 1

    Incident.objects.all().delete()
    InstanceIdentity.objects.all().delete()
    stdout = io.StringIO()
    call_command("misp", "import", str(out), stdout=stdout, stderr=io.StringIO())
    assert "created" in stdout.getvalue()
    assert ExternalObject.objects.get().channel == "misp"

    broken = tmp_path / "broken.json"
    broken.write_text('{"Event": {"info": "x"}}')
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("misp", "import", str(broken), stderr=io.StringIO())
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("misp", "import", str(tmp_path / "missing.json"))
    assert Incident.objects.count() == 1

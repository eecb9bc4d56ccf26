"""API writes are audited with source "api" and the token's owner; administrators search them."""

from __future__ import annotations

from typing import Any

from django.db import connection

from safepassage.audit.models import AuditRecord
from tests.api.conftest import World

R = "/api/registry"


def records_of(response: Any) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(correlation_id=response["X-Request-ID"]).order_by("seq"))


def test_a_create_through_the_api_is_audited_as_the_tokens_owner(
    api_world: World, coordinator: Any
) -> None:
    response = coordinator.post(
        f"{R}/projects/",
        {
            "organisation": api_world.org_a.pk,
            "code": "alpha-tunnel",
            "name": "Tunnel",
            "province": "KP",
        },
    )
    assert response.status_code == 201
    [record] = records_of(response)
    user = api_world.users["coordinator"]
    assert record.source == "api"
    assert record.action == "create"
    assert (record.actor_id, record.actor_label) == (user.pk, "coordinator")
    assert record.organisation_id == api_world.org_a.pk
    assert (record.object_type, record.object_id) == (
        "registry.project",
        str(response.json()["id"]),
    )
    assert record.changes["code"] == [None, "alpha-tunnel"]


def test_an_update_through_the_api_records_the_before_and_after(
    api_world: World, commander: Any
) -> None:
    response = commander.patch(f"{R}/units/{api_world.unit.pk}", {"available_strength": 42})
    assert response.status_code == 200
    [record] = records_of(response)
    assert (record.source, record.action, record.actor_label) == ("api", "update", "commander")
    assert record.changes == {"available_strength": [60, 42]}


def test_a_delete_through_the_api_is_audited(api_world: World, commander: Any) -> None:
    response = commander.delete(f"{R}/vehicles/{api_world.vehicle.pk}")
    assert response.status_code == 204
    [record] = records_of(response)
    assert (record.source, record.action, record.actor_label) == ("api", "delete", "commander")
    assert record.object_id == str(api_world.vehicle.pk)
    assert record.changes["registration"] == ["KP-1001", None]


def test_a_session_write_through_the_api_is_audited_as_the_signed_in_user(
    api_world: World, as_session: Any
) -> None:
    response = as_session("coordinator").patch(
        f"{R}/sites/{api_world.site_a.pk}", {"notes": "Gate moved."}
    )
    [record] = records_of(response)
    assert (record.source, record.actor_label) == ("api", "coordinator")


def test_revoking_a_token_is_audited_without_its_digest(api_world: World, viewer: Any) -> None:
    token = api_world.tokens["viewer"]
    response = viewer.post(f"/api/accounts/tokens/{token.pk}/revoke")
    [record] = records_of(response)
    assert (record.source, record.actor_label, record.object_type) == (
        "api",
        "viewer",
        "accounts.apitoken",
    )
    assert set(record.changes) == {"revoked_at"}
    assert token.digest not in str(record.changes)


def test_the_administrator_searches_api_records_by_source_actor_and_object(
    api_world: World, coordinator: Any, admin: Any
) -> None:
    site = api_world.site_a.pk
    write = coordinator.patch(f"{R}/sites/{site}", {"notes": "Checked."})
    response = admin.get(
        "/api/audit/records",
        source="api",
        actor="coordinator",
        object_type="registry.site",
        object_id=str(site),
        action="update",
        correlation_id=write["X-Request-ID"],
    )
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 1
    [item] = page["items"]
    assert item["changes"] == {"notes": ["", "Checked."]}
    assert item["hash"] and item["prev_hash"]


def test_audit_records_are_paginated_newest_first(api_world: World, admin: Any) -> None:
    total = AuditRecord.objects.count()
    first = admin.get("/api/audit/records", limit="5").json()
    second = admin.get("/api/audit/records", limit="5", offset="5").json()
    assert first["count"] == second["count"] == total
    seqs = [r["seq"] for r in first["items"] + second["items"]]
    assert seqs == sorted(seqs, reverse=True)
    assert len(set(seqs)) == 10


def test_audit_date_filters_are_validated(api_world: World, admin: Any) -> None:
    assert admin.get("/api/audit/records", since="yesterday").status_code == 422
    assert admin.get("/api/audit/records", source="telepathy").status_code == 422
    assert (
        admin.get("/api/audit/records", since="2000-01-01", until="2000-01-02").json()["count"] == 0
    )


def test_the_audit_log_through_the_api_never_shows_a_protected_persons_name(
    api_world: World, coordinator: Any, admin: Any
) -> None:
    response = coordinator.patch(
        f"{R}/people/{api_world.person_a.pk}", {"full_name": "Chen Ming Jr"}
    )
    assert response.status_code == 200
    log = admin.get("/api/audit/records", object_type="registry.protectedperson", limit="200")
    assert log.json()["count"] >= 1
    assert "Chen Ming" not in log.content.decode()


def test_verify_reports_an_intact_chain(api_world: World, admin: Any) -> None:
    result = admin.get("/api/audit/verify").json()
    assert result == {"ok": True, "checked": AuditRecord.objects.count(), "problem": None}


def test_verify_names_the_record_altered_behind_the_applications_back(
    api_world: World, admin: Any
) -> None:
    target = AuditRecord.objects.order_by("seq")[2]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The append-only trigger refuses updates; an attacker with DDL rights is assumed.
            cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER audit_record_append_only")
        cursor.execute(
            "UPDATE audit_auditrecord SET actor_label = %s WHERE id = %s", ["mallory", target.pk]
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER audit_record_append_only")
    result = admin.get("/api/audit/verify").json()
    assert result["ok"] is False
    assert result["problem"]["seq"] == target.seq
    assert "altered" in result["problem"]["reason"]

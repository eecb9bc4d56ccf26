"""API tokens narrow their owner's rights; dead tokens and bad credentials get 401."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from safepassage.accounts.models import ApiToken
from safepassage.registry import models as m
from tests.api.conftest import JsonClient, World, issue_token

R = "/api/registry"


def client_for(secret: str) -> JsonClient:
    return JsonClient(Client(), secret)


def test_a_read_only_token_may_read_but_gets_403_on_every_write(api_world: World) -> None:
    _token, secret = issue_token(api_world.users["admin"], access=ApiToken.Access.READ)
    api = client_for(secret)
    site = api_world.site_a.pk
    assert api.get(f"{R}/sites/").status_code == 200
    assert api.get(f"{R}/sites/{site}").status_code == 200
    create = api.post(f"{R}/sites/", {"name": "x"})
    assert create.status_code == 403
    assert "detail" in create.json()
    assert api.patch(f"{R}/sites/{site}", {"notes": "x"}).status_code == 403
    assert api.delete(f"{R}/sites/{site}").status_code == 403
    assert m.Site.objects.filter(pk=site, notes="").exists()


def test_a_token_limited_to_sites_gets_403_on_people(api_world: World) -> None:
    _token, secret = issue_token(
        api_world.users["coordinator"], access=ApiToken.Access.READ_WRITE, resources=["site"]
    )
    api = client_for(secret)
    assert api.get(f"{R}/sites/").status_code == 200
    assert api.patch(f"{R}/sites/{api_world.site_a.pk}", {"notes": "checked"}).status_code == 200
    assert api.get(f"{R}/people/").status_code == 403
    assert api.get(f"{R}/people/{api_world.person_a.pk}").status_code == 403
    assert api.delete(f"{R}/people/{api_world.person_a.pk}").status_code == 403


def test_a_token_never_widens_its_owners_role(api_world: World) -> None:
    _token, secret = issue_token(
        api_world.users["viewer"], access=ApiToken.Access.READ_WRITE, resources=["person"]
    )
    assert client_for(secret).get(f"{R}/people/").status_code == 403


@pytest.mark.parametrize(
    "kill",
    [
        pytest.param(lambda t: setattr(t, "revoked_at", timezone.now()), id="revoked"),
        pytest.param(
            lambda t: setattr(t, "expires_at", timezone.now() - datetime.timedelta(seconds=1)),
            id="expired",
        ),
    ],
)
def test_a_dead_token_gets_401(api_world: World, kill: Any) -> None:
    token, secret = issue_token(api_world.users["admin"], access=ApiToken.Access.READ_WRITE)
    api = client_for(secret)
    assert api.get("/api/accounts/me").status_code == 200
    kill(token)
    token.save()
    response = api.get("/api/accounts/me")
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_of_a_deactivated_user_gets_401(api_world: World) -> None:
    user = api_world.users["officer"]
    user.is_active = False
    user.save()
    assert client_for(api_world.secrets["officer"]).get(f"{R}/sites/").status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Bearer sp_not-a-real-token",
        "Bearer ",
        "Bearer " + "sp_" + "x" * 5000,
        "Basic YWRtaW46YWRtaW4=",
        "Bearer \x00\x01",
    ],
    ids=["unknown", "empty", "oversized", "basic", "control-characters"],
)
def test_malformed_credentials_get_401(api_world: World, header: str) -> None:
    response = Client().get(f"{R}/sites/", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["detail"]


def test_the_token_list_shows_only_my_tokens_and_never_a_digest_or_secret(
    api_world: World, coordinator: Any
) -> None:
    extra, secret = issue_token(api_world.users["coordinator"], name="ops room")
    response = coordinator.get("/api/accounts/tokens")
    assert response.status_code == 200
    listed = response.json()
    assert {t["id"] for t in listed} == {api_world.tokens["coordinator"].pk, extra.pk}
    body = response.content.decode()
    assert extra.digest not in body
    assert secret not in body
    assert "digest" not in body
    assert all(set(t) >= {"prefix", "access", "resources", "is_live"} for t in listed)


def test_revoking_a_token_ends_it_at_once(api_world: World, coordinator: Any) -> None:
    token, secret = issue_token(api_world.users["coordinator"], name="script")
    other = client_for(secret)
    assert other.get("/api/accounts/me").status_code == 200
    response = coordinator.post(f"/api/accounts/tokens/{token.pk}/revoke")
    assert response.status_code == 200
    assert response.json()["is_live"] is False
    assert response.json()["revoked_at"]
    assert other.get("/api/accounts/me").status_code == 401
    # Revoking again is harmless and keeps the first revocation time.
    again = coordinator.post(f"/api/accounts/tokens/{token.pk}/revoke")
    assert again.json()["revoked_at"] == response.json()["revoked_at"]


def test_a_user_cannot_revoke_someone_elses_token(api_world: World, coordinator: Any) -> None:
    target = api_world.tokens["viewer"]
    response = coordinator.post(f"/api/accounts/tokens/{target.pk}/revoke")
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=target.pk).revoked_at is None


def test_an_administrator_may_revoke_anyones_token_but_lists_only_their_own(
    api_world: World, admin: Any
) -> None:
    target = api_world.tokens["coordinator"]
    assert {t["id"] for t in admin.get("/api/accounts/tokens").json()} == {
        api_world.tokens["admin"].pk
    }
    response = admin.post(f"/api/accounts/tokens/{target.pk}/revoke")
    assert response.status_code == 200
    assert ApiToken.objects.get(pk=target.pk).revoked_at is not None


def test_a_read_only_token_cannot_revoke(api_world: World) -> None:
    token, secret = issue_token(api_world.users["viewer"], access=ApiToken.Access.READ)
    response = client_for(secret).post(f"/api/accounts/tokens/{token.pk}/revoke")
    assert response.status_code == 403
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_me_describes_the_role_and_scope(api_world: World, commander: Any) -> None:
    me = commander.get("/api/accounts/me").json()
    assert me["username"] == "commander"
    assert me["role"] == "unit_commander"
    assert me["organisation"] == {"id": api_world.police.pk, "name": api_world.police.name}
    assert me["provinces"] == ["KP"]
    assert me["units"] == [{"id": api_world.unit.pk, "name": api_world.unit.name}]
    assert me["token"]["id"] == api_world.tokens["commander"].pk
    assert "digest" not in me["token"]


def test_session_writes_need_a_csrf_token(api_world: World, as_session: Any) -> None:
    api = as_session("coordinator", csrf=True)
    site = api_world.site_a.pk
    refused = api.patch(f"{R}/sites/{site}", {"notes": "no csrf"})
    assert refused.status_code == 403
    assert m.Site.objects.get(pk=site).notes == ""
    # Reads need none.
    assert api.get(f"{R}/sites/{site}").status_code == 200


def test_session_writes_succeed_with_the_csrf_token(api_world: World, as_session: Any) -> None:
    api = as_session("coordinator", csrf=True)
    # What a browser holds after any page: the CSRF cookie, echoed in a header.
    csrf = secrets.token_hex(16)
    api.client.cookies["csrftoken"] = csrf
    api.headers["X-CSRFToken"] = csrf
    response = api.patch(f"{R}/sites/{api_world.site_a.pk}", {"notes": "with csrf"})
    assert response.status_code == 200, response.content
    assert response.json()["notes"] == "with csrf"


def test_bearer_requests_need_no_csrf_token(api_world: World) -> None:
    api = JsonClient(Client(enforce_csrf_checks=True), api_world.secrets["coordinator"])
    response = api.patch(f"{R}/sites/{api_world.site_a.pk}", {"notes": "scripted"})
    assert response.status_code == 200

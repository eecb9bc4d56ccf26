"""Signing in: argon2 hashes, lockout after repeated failures, tokens on the account page."""

from __future__ import annotations

import re

from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from safepassage.accounts.models import ApiToken
from safepassage.audit.models import AuditRecord
from tests.conftest import PASSWORD, World


def test_production_settings_hash_passwords_with_argon2() -> None:
    from safepassage import settings as product

    assert product.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_it_signs_in_with_the_right_password(world: World, client) -> None:
    response = client.post(reverse("accounts:login"), {"username": "officer", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200


def test_it_refuses_a_wrong_password_with_a_clear_message(world: World, client) -> None:
    response = client.post(reverse("accounts:login"), {"username": "officer", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_it_locks_the_account_out_after_repeated_failures(world: World, client) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "officer", "password": "wrong"})
    locked = client.post(reverse("accounts:login"), {"username": "officer", "password": PASSWORD})
    assert locked.status_code == 429
    assert "locked" in locked.content.decode().lower()
    assert client.get(reverse("core:home")).status_code == 302  # still signed out


def test_a_lockout_for_one_user_does_not_lock_another(world: World, client) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "officer", "password": "wrong"})
    ok = client.post(reverse("accounts:login"), {"username": "analyst", "password": PASSWORD})
    assert ok.status_code == 302


def test_an_inactive_user_cannot_sign_in(world: World, client) -> None:
    user = world.user("viewer")
    user.is_active = False
    user.save()
    response = client.post(reverse("accounts:login"), {"username": "viewer", "password": PASSWORD})
    assert response.status_code == 200
    assert client.get(reverse("core:home")).status_code == 302


def test_a_hostile_username_is_just_a_failed_login(world: World, client) -> None:
    for username in ["' OR 1=1 --", "x" * 5000, "\x00admin", "<script>alert(1)</script>"]:
        response = client.post(reverse("accounts:login"), {"username": username, "password": "x"})
        assert response.status_code in (200, 429)
        assert "<script>alert(1)</script>" not in response.content.decode()


def test_the_account_page_issues_a_token_once_and_stores_only_its_digest(
    world: World, login
) -> None:
    client = login("officer")
    response = client.post(
        reverse("accounts:token-issue"),
        {"name": "patrol phone", "access": "read", "expires_in_days": 30},
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="patrol phone")
    secret = re.search(r"sp_[A-Za-z0-9_-]{40,}", response.content.decode()).group(0)
    assert ApiToken.authenticate(secret) == token
    assert secret not in str(list(ApiToken.objects.values()))
    record = AuditRecord.objects.filter(object_type="accounts.apitoken").latest("seq")
    assert record.source == "web" and record.changes["digest"] == [None, "[redacted]"]


def test_a_revoked_token_no_longer_authenticates(world: World, login) -> None:
    token, secret = ApiToken.issue(world.user("officer"), "old")
    token.save()
    assert ApiToken.authenticate(secret) == token
    login("officer").post(reverse("accounts:token-revoke", args=[token.pk]))
    assert ApiToken.authenticate(secret) is None


def test_nobody_can_revoke_another_users_token(world: World, login) -> None:
    token, secret = ApiToken.issue(world.user("officer"), "mine")
    token.save()
    response = login("commander").post(reverse("accounts:token-revoke", args=[token.pk]))
    assert response.status_code == 404
    assert ApiToken.authenticate(secret) == token


@override_settings(AXES_FAILURE_LIMIT=2)
def test_the_failure_limit_is_a_setting(world: World, client) -> None:
    for _ in range(2):
        client.post(reverse("accounts:login"), {"username": "analyst", "password": "wrong"})
    locked = client.post(reverse("accounts:login"), {"username": "analyst", "password": PASSWORD})
    assert locked.status_code == 429

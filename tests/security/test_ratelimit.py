"""The API and sign-in are rate limited: 429 with Retry-After, per credential and per address."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from safepassage.accounts.models import ApiToken
from safepassage.security.ratelimit import WINDOW_SECONDS, hit


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def _token(world, persona: str, name: str) -> str:  # type: ignore[no-untyped-def]
    token, secret = ApiToken.issue(world.user(persona), name)
    token.save()
    return secret


@override_settings(API_RATE_PER_CREDENTIAL=3, API_RATE_PER_ADDRESS=0)
def test_it_answers_429_with_retry_after_once_a_token_passes_its_limit(world) -> None:  # type: ignore[no-untyped-def]
    first, second = _token(world, "analyst", "one"), _token(world, "analyst", "two")
    client = Client()
    statuses = [
        client.get("/api/intel/incidents", HTTP_AUTHORIZATION=f"Bearer {first}").status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/intel/incidents", HTTP_AUTHORIZATION=f"Bearer {first}")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= WINDOW_SECONDS
    assert "Too many requests" in json.loads(refused.content)["detail"]
    # Another token from the same address has its own budget.
    other = client.get("/api/intel/incidents", HTTP_AUTHORIZATION=f"Bearer {second}")
    assert other.status_code == 200


@override_settings(API_RATE_PER_CREDENTIAL=0, API_RATE_PER_ADDRESS=5)
def test_it_limits_an_address_that_rotates_made_up_tokens(db) -> None:  # type: ignore[no-untyped-def]
    client = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [
        client.get("/api/intel/incidents", HTTP_AUTHORIZATION=f"Bearer sp_guess{n}").status_code
        for n in range(7)
    ]
    assert statuses == [401] * 5 + [429] * 2
    # A different address is not affected.
    elsewhere = Client(REMOTE_ADDR="203.0.113.8").get("/api/intel/incidents")
    assert elsewhere.status_code == 401


@override_settings(API_RATE_PER_CREDENTIAL=2, API_RATE_PER_ADDRESS=0)
def test_it_limits_a_browser_session_on_the_api(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login("analyst")
    statuses = [client.get("/api/intel/incidents").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    # Pages are not API calls and stay reachable.
    assert client.get("/").status_code == 200


@override_settings(LOGIN_RATE_PER_ADDRESS=3)
def test_it_limits_sign_in_attempts_from_one_address_across_usernames(world) -> None:  # type: ignore[no-untyped-def]
    client = Client(REMOTE_ADDR="198.51.100.4")
    statuses = [
        client.post(
            "/accounts/login/", {"username": f"user{n}", "password": "wrong password"}
        ).status_code
        for n in range(4)
    ]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429
    refused = client.post("/accounts/login/", {"username": "admin", "password": "x"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    # Showing the sign-in page is not an attempt.
    assert client.get("/accounts/login/").status_code == 200


@override_settings(API_RATE_PER_CREDENTIAL=0, API_RATE_PER_ADDRESS=0, LOGIN_RATE_PER_ADDRESS=0)
def test_it_does_not_limit_when_the_limits_are_zero(world) -> None:  # type: ignore[no-untyped-def]
    secret = _token(world, "analyst", "unlimited")
    client = Client()
    statuses = {
        client.get("/api/intel/incidents", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code
        for _ in range(30)
    }
    assert statuses == {200}


@pytest.mark.django_db
def test_it_starts_a_new_window_each_minute() -> None:
    start = 1_000_000 * WINDOW_SECONDS + 10.0
    assert hit("t", "k", 2, now=start).allowed
    assert hit("t", "k", 2, now=start + 1).allowed
    late = hit("t", "k", 2, now=start + 2)
    assert not late.allowed
    assert late.retry_after == WINDOW_SECONDS - 12
    assert hit("t", "k", 2, now=start + WINDOW_SECONDS).allowed


@override_settings(
    API_RATE_PER_CREDENTIAL=0,
    API_RATE_PER_ADDRESS=2,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)
def test_it_counts_the_address_the_own_proxy_saw_not_the_one_the_client_claims(db) -> None:  # type: ignore[no-untyped-def]
    client = Client(REMOTE_ADDR="10.0.0.2")
    # The client forges a first hop each time; the proxy's own (last) entry stays the same.
    statuses = [
        client.get(
            "/api/intel/incidents", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.50"
        ).status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 429]

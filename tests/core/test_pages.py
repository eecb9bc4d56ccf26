"""Pages that every deployment relies on: health, sign-in, security headers."""

from __future__ import annotations

from django.urls import reverse

from tests.conftest import World


def test_health_answers_without_signing_in(db, client) -> None:
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_login_page_is_served_with_security_headers(db, client) -> None:
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "csrfmiddlewaretoken" in response.content.decode()


def test_forms_refuse_posts_without_csrf(world: World) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("admin"))
    response = client.post(reverse("registry:organisation-create"), {"name": "x"})
    assert response.status_code == 403


def test_every_response_carries_a_request_id(world: World, login) -> None:
    response = login("viewer").get(reverse("core:home"))
    assert response["X-Request-ID"].startswith("req-")


def test_the_navigation_follows_the_role(world: World, login) -> None:
    html = login("analyst").get(reverse("core:home")).content.decode()
    assert "Sites" in html and "Protected people" not in html and "Audit log" not in html

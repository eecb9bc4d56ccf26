"""Every response carries the security headers, and no page needs an inline script to work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client, override_settings

from safepassage.accounts.models import ApiToken

ROOT = Path(__file__).resolve().parents[2] / "safepassage"
TEMPLATES = sorted(ROOT.rglob("templates/**/*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def _directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def _assert_hardened(response) -> None:  # type: ignore[no-untyped-def]
    csp = _directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_it_sends_the_security_headers_on_the_sign_in_page(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    _assert_hardened(response)


def test_it_sends_the_security_headers_on_pages_api_answers_and_errors(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login("analyst")
    page = client.get("/")
    assert page.status_code == 200
    _assert_hardened(page)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    _assert_hardened(missing)
    token, secret = ApiToken.issue(world.user("analyst"), "headers")
    token.save()
    api = Client().get("/api/intel/incidents", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200
    _assert_hardened(api)
    unauthenticated = Client().get("/api/intel/incidents")
    assert unauthenticated.status_code == 401
    _assert_hardened(unauthenticated)


@pytest.mark.django_db
def test_it_sends_hsts_only_over_https_when_https_is_configured(client: Client) -> None:
    with override_settings(SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True):
        secure = client.get("/accounts/login/", secure=True)
        plain = client.get("/accounts/login/")
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in plain


def test_it_finds_templates_to_check() -> None:
    # The scans below would pass vacuously if the glob found nothing.
    assert len(TEMPLATES) > 30


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_it_keeps_every_template_free_of_inline_scripts(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "inline <script> would be refused by the CSP"
    assert not EVENT_HANDLER.search(text), "inline event handler would be refused by the CSP"
    assert not JS_URL.search(text), "javascript: URL would be refused by the CSP"


def test_it_recognises_an_inline_script_and_an_event_handler() -> None:
    # The patterns themselves must catch what they are for.
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/a.js" defer></script>')
    assert EVENT_HANDLER.search('<form method="post" onsubmit="return confirm()">')
    assert not EVENT_HANDLER.search('<form method="post" data-confirm="Sure?">')
    assert JS_URL.search('<a href="javascript:void(0)">')

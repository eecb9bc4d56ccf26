"""Every form that posts carries the CSRF token, and a post without it is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from safepassage.registry.models import Organisation

ROOT = Path(__file__).resolve().parents[2] / "safepassage"
TEMPLATES = sorted(ROOT.rglob("templates/**/*.html"))
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.I | re.S)
POSTS = re.compile(r"""method\s*=\s*["']?post""", re.I)


def post_forms(text: str) -> list[str]:
    """The bodies of the forms in ``text`` that post."""
    return [body for attrs, body in FORM.findall(text) if POSTS.search(attrs)]


def test_it_finds_post_forms_to_check() -> None:
    found = sum(len(post_forms(t.read_text(encoding="utf-8"))) for t in TEMPLATES)
    assert found > 20


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_it_puts_the_csrf_token_in_every_post_form(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    for body in post_forms(text):
        assert "{% csrf_token %}" in body, f"a POST form without the CSRF token: {body[:200]!r}"


def test_it_recognises_a_post_form_without_a_token() -> None:
    bad = '<form method="post" action="/x/"><button>Go</button></form>'
    good = '<form method="POST">{% csrf_token %}<button>Go</button></form>'
    assert post_forms(bad) and "{% csrf_token %}" not in post_forms(bad)[0]
    assert "{% csrf_token %}" in post_forms(good)[0]
    assert post_forms('<form method="get"><input name="q"></form>') == []


def test_it_refuses_a_form_post_without_the_csrf_token(world) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("admin"))
    refused = client.post("/accounts/logout/")
    assert refused.status_code == 403
    # The same post with the token from a rendered page goes through.
    page = client.get("/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None
    accepted = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token.group(1)})
    assert accepted.status_code == 302


def test_it_refuses_an_api_write_with_a_session_but_no_csrf_token(world) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("admin"))
    response = client.post(
        "/api/registry/organisations/",
        data='{"name": "Forged", "kind": "company", "country": "PK"}',
        content_type="application/json",
    )
    assert response.status_code in (401, 403)
    assert not Organisation.objects.filter(name="Forged").exists()

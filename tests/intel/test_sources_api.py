"""The report push endpoint: POST /api/intel/reports."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from safepassage.accounts.models import ApiToken
from safepassage.audit.models import AuditRecord
from safepassage.intel.models import Report, Source

URL = "/api/intel/reports"
STORY = "Gunmen attacked a police post near Bisham in Shangla district on Tuesday night."


@pytest.fixture
def api_source(world: Any) -> Source:
    return Source.objects.create(
        organisation=world.spu_kp, name="Partner feed", kind="api", reliability="C"
    )


def token_for(user: Any, access: str = ApiToken.Access.READ_WRITE) -> str:
    token, secret = ApiToken.issue(user, "tests", access=access)
    token.save()
    return secret


def post(client: Client, secret: str | None, body: Any, **extra: Any) -> Any:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(
        URL, data=data, content_type=extra.pop("content_type", "application/json"), headers=headers
    )


def test_it_stores_a_pushed_report_and_answers_201(
    client: Client, world: Any, api_source: Source
) -> None:
    secret = token_for(world.user("officer"))
    response = post(
        client,
        secret,
        {
            "text": STORY,
            "title": "Post attacked",
            "url": "https://news.example.org/bisham",
            "published": "2024-03-26",
            "source": "Partner feed",
            "tlp": "green",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    report = Report.objects.get(pk=body["id"])
    assert body["created"] is True and body["source"] == "Partner feed"
    assert (report.source, report.tlp, str(report.published)) == (api_source, "green", "2024-03-26")
    assert AuditRecord.objects.filter(object_id=str(report.pk)).exists()
    api_source.refresh_from_db()
    assert api_source.last_status == "ok" and api_source.last_success_at is not None


def test_pushing_the_same_report_again_answers_200_with_the_same_id(
    client: Client, world: Any, api_source: Source
) -> None:
    secret = token_for(world.user("analyst"))
    first = post(client, secret, {"text": STORY, "source_id": api_source.pk}).json()
    again = post(client, secret, {"text": STORY, "source_id": api_source.pk})
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["created"] is False
    assert Report.objects.count() == 1


def test_it_uses_the_only_api_source_of_the_organisation_when_none_is_named(
    client: Client, world: Any, api_source: Source
) -> None:
    response = post(client, token_for(world.user("officer")), {"text": STORY})
    assert response.status_code == 201
    assert response.json()["source"] == api_source.name


def test_a_read_only_token_is_refused_with_403(
    client: Client, world: Any, api_source: Source
) -> None:
    secret = token_for(world.user("officer"), access=ApiToken.Access.READ)
    response = post(client, secret, {"text": STORY, "source": api_source.name})
    assert response.status_code == 403
    assert not Report.objects.exists()


@pytest.mark.parametrize("persona", ["viewer", "liaison", "coordinator"])
def test_roles_that_may_not_add_reports_are_refused(
    client: Client, world: Any, api_source: Source, persona: str
) -> None:
    response = post(client, token_for(world.user(persona)), {"text": STORY})
    assert response.status_code == 403


def test_an_anonymous_caller_gets_401(client: Client, api_source: Source) -> None:
    assert post(client, None, {"text": STORY}).status_code == 401


def test_another_organisations_source_is_refused_like_a_missing_one(
    client: Client, world: Any, api_source: Source
) -> None:
    Source.objects.create(organisation=world.spu_sd, name="Sindh client", kind="api")
    secret = token_for(world.user("officer"))
    theirs = post(client, secret, {"text": STORY, "source": "Sindh client"})
    missing = post(client, secret, {"text": STORY, "source": "No such source"})
    assert theirs.status_code == missing.status_code == 422
    assert theirs.json() == missing.json()
    assert not Report.objects.exists()


def test_a_source_that_is_not_an_api_source_is_refused(
    client: Client, world: Any, api_source: Source
) -> None:
    Source.objects.create(
        organisation=world.spu_kp, name="A feed", kind="feed", url="https://x.org/f"
    )
    response = post(client, token_for(world.user("officer")), {"text": STORY, "source": "A feed"})
    assert response.status_code == 422


def test_an_administrator_may_push_to_any_organisations_api_source(
    client: Client, world: Any, api_source: Source
) -> None:
    response = post(
        client, token_for(world.user("admin")), {"text": STORY, "source": api_source.name}
    )
    assert response.status_code == 201


def test_a_body_that_is_not_json_is_refused_with_400(
    client: Client, world: Any, api_source: Source
) -> None:
    response = post(client, token_for(world.user("officer")), "text=hello&source=x")
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "body",
    [
        {"title": "no text"},
        {"text": ""},
        {"text": STORY, "published": "2024-02-30"},
        {"text": STORY, "published": "yesterday"},
        {"text": STORY, "tlp": "purple"},
        {"text": STORY, "source_id": -1},
        {"text": STORY, "source": "Partner feed", "source_id": 1},
        {"text": STORY, "surprise": True},
        {"text": STORY, "url": "javascript:alert(1)"},
        {"text": ["not", "a", "string"]},
        [STORY],
    ],
)
def test_it_rejects_malformed_bodies_with_422(
    client: Client, world: Any, api_source: Source, body: Any
) -> None:
    response = post(client, token_for(world.user("officer")), body)
    assert response.status_code == 422, response.content
    assert "errors" in response.json()
    assert not Report.objects.exists()


def test_text_that_is_only_whitespace_or_binary_is_refused(
    client: Client, world: Any, api_source: Source
) -> None:
    secret = token_for(world.user("officer"))
    assert post(client, secret, {"text": "   \n  "}).status_code == 422
    binary = post(client, secret, {"text": "abc\u0000def"})
    assert binary.status_code == 422
    api_source.refresh_from_db()
    assert api_source.last_status == "error" and "binary" in api_source.last_error


def test_a_huge_body_is_refused_with_413(
    client: Client, world: Any, api_source: Source, settings: Any
) -> None:
    body = {"text": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)}
    response = post(client, token_for(world.user("officer")), body)
    assert response.status_code == 413
    assert not Report.objects.exists()


def test_text_over_the_report_limit_is_refused_with_413(
    client: Client, world: Any, api_source: Source, settings: Any
) -> None:
    settings.INTEL_MAX_TEXT_BYTES = 2048
    response = post(client, token_for(world.user("officer")), {"text": "word " * 1000})
    assert response.status_code == 413
    assert "larger than 2048 bytes" in json.dumps(response.json())

"""The two endpoints a peer instance calls to sync with this one (see ``sharing/sync.py``).

``GET /api/sharing/sync/pull?since=…`` answers what the caller's organisation may receive, as
a STIX bundle with a cursor; ``POST /api/sharing/sync/push`` imports a bundle pushed by the
caller's organisation's instance. Both answer only a partner account's token.

This module does not use ``from __future__ import annotations``: ninja reads the handlers'
annotations and needs real objects.
"""

from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from safepassage.api.errors import InvalidData
from safepassage.api.schemas import READ_ERRORS, WRITE_ERRORS
from safepassage.sharing import sync, tlp
from safepassage.sharing.stix_import import BundleRejected

router = Router(tags=["sharing"])


class PullQuery(Schema):
    since: str | None = Field(
        None,
        max_length=80,
        description=(
            "The cursor of the previous page (`<ISO 8601>|<id>`), or a time: only what changed "
            "after it."
        ),
    )
    limit: int | None = Field(
        None, ge=1, le=10_000, description="Incidents per page (capped by the server)."
    )


class PullOut(Schema):
    """A STIX 2.1 bundle of what the caller may receive, the cursor, and whether more follows."""

    cursor: str
    more: bool
    marking: str
    bundle: dict[str, Any]


class PushOut(Schema):
    created: int
    updated: int
    unchanged: int
    mapped: int
    skipped: int
    objects: dict[str, str]
    notes: list[str]


@router.get(
    "/sync/pull",
    response={200: PullOut, **READ_ERRORS},
    summary="Instance sync: what the caller's organisation may receive since a cursor",
)
def sync_pull(request: HttpRequest, params: Query[PullQuery]) -> Any:
    since = None
    if params.since:
        try:
            since = sync.Cursor.parse(params.since)
        except ValueError:
            raise InvalidData({"since": ["Not a cursor or an ISO 8601 time."]}) from None
    answer = sync.serve_pull(request.user, since, limit=params.limit)
    response = JsonResponse(answer)
    # A derived object takes the most restrictive marking of what it holds.
    response["X-TLP"] = tlp.label(answer["marking"])
    return response


@router.post(
    "/sync/push",
    response={200: PushOut, 201: PushOut, **WRITE_ERRORS},
    summary="Instance sync: import a bundle pushed by the caller's organisation's instance",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def sync_push(request: HttpRequest) -> Any:
    try:
        result = sync.accept_push(request.user, request.body)
    except BundleRejected as exc:
        raise InvalidData(
            {"bundle": exc.errors}, detail="The bundle was refused; nothing was imported."
        ) from None
    return Status(201 if result.created else 200, result.as_dict())

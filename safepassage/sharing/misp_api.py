"""MISP over the JSON API: the caller's incidents as MISP events, and MISP event import.

``GET /api/sharing/misp/events`` answers ``{"response": [{"Event": …}, …]}`` (MISP's search
result) for what the caller may read; a partner's token reads through the partner's
agreements and what crosses is recorded. ``POST /api/sharing/misp/import`` imports one event,
a list of events or a search result (administrators): all of it or, with a 422 listing every
error, none of it.

This module does not use ``from __future__ import annotations``: ninja reads the handlers'
annotations and needs real objects.
"""

import datetime
from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from safepassage.access import gate
from safepassage.access.marking import is_partner
from safepassage.access.policy import Action
from safepassage.api.errors import InvalidData
from safepassage.api.schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS, Moment
from safepassage.intel.models import Incident
from safepassage.sharing import misp, tlp
from safepassage.sharing.stix_api import import_origin

router = Router(tags=["sharing"])
MAX_IDS = 500


class EventsQuery(Schema):
    since: Moment | None = Field(
        None, description="Only incidents and engagements updated at or after this time (ISO 8601)."
    )
    ids: list[str] = Field(
        default_factory=list,
        max_length=MAX_IDS,
        description="Only these incidents or engagements, by event uuid or STIX id (repeat it).",
    )


class EventsOut(Schema):
    """MISP events, as a MISP search answers (see docs/SHARING.md, "MISP")."""

    response: list[dict[str, Any]]


class MispImportQuery(Schema):
    origin: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="The partner organisation the events came from (sync never sends them back).",
    )


class MispImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    skipped: int
    events: dict[str, str]


@router.get(
    "/misp/events",
    response={200: EventsOut, **READ_ERRORS},
    summary="The incidents and engagements the caller may read, as MISP events",
)
def misp_events(request: HttpRequest, params: Query[EventsQuery]) -> Any:
    user = request.user
    gate.require(user, Action.VIEW, Incident)
    since = params.since
    if since is not None:
        if since.tzinfo is None:
            since = since.replace(tzinfo=datetime.UTC)
        try:
            # Year 1 at UTC+14 (or 9999 at UTC-14) has no UTC time: refuse it, do not crash.
            since = since.astimezone(datetime.UTC)
        except OverflowError:
            raise InvalidData({"since": ["The time is out of range."]}) from None
    partner = user.organisation if is_partner(user) else None
    result = misp.export_events(
        user, partner=partner, actor=user, since=since, ids=params.ids or None
    )
    response = JsonResponse(result.as_dict())
    # A derived object takes the most restrictive marking of what it holds.
    response["X-TLP"] = tlp.label(result.marking)
    return response


@router.post(
    "/misp/import",
    response={200: MispImportOut, 201: MispImportOut, **WRITE_ERRORS},
    summary="Import MISP events: all of them, or none with every error",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def misp_import(request: HttpRequest, params: Query[MispImportQuery]) -> Any:
    user = request.user
    gate.require(user, Action.ADD, "sharing")
    origin = import_origin(user, params.origin)
    try:
        result = misp.import_events(request.body, actor=user, origin=origin)
    except misp.MispRejected as exc:
        raise InvalidData(
            {"events": exc.errors}, detail="The MISP events were refused; nothing was imported."
        ) from None
    return Status(201 if result.created else 200, result.as_dict())

"""STIX 2.1 over the JSON API: the caller's view as a bundle, and bundle import.

``GET /api/sharing/stix/bundle`` answers the bundle of what the caller may read (a partner's
token reads through the partner's agreements; what crosses to a partner is recorded).
``POST /api/sharing/stix/import`` imports a bundle (administrators): all of it or, with a 422
listing every error, none of it.

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
from safepassage.api.schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS, ErrorOut, Moment
from safepassage.intel.models import Incident
from safepassage.registry.models import Organisation
from safepassage.sharing import tlp
from safepassage.sharing.services import personal_data_allowed
from safepassage.sharing.stix import collect, record_export
from safepassage.sharing.stix_import import BundleRejected, import_bundle

router = Router(tags=["sharing"])
MAX_IDS = 500
STIX_CONTENT_TYPE = "application/stix+json;version=2.1"


class BundleQuery(Schema):
    since: Moment | None = Field(
        None, description="Only incidents and engagements updated at or after this time (ISO 8601)."
    )
    ids: list[str] = Field(
        default_factory=list,
        max_length=MAX_IDS,
        description="Only these incidents or engagements, by STIX id (repeat the parameter).",
    )
    text: bool = Field(
        False,
        description=(
            "Carry article text and extracted events (personal data). For a partner only "
            "when its agreement allows personal data."
        ),
    )


class ImportQuery(Schema):
    origin: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="The partner organisation the bundle came from (sync never sends it back).",
    )


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    mapped: int
    skipped: int
    objects: dict[str, str]
    notes: list[str]


class BundleOut(Schema):
    """A STIX 2.1 bundle (see docs/SHARING.md for the mapping)."""

    type: str
    id: str
    objects: list[dict[str, Any]]


@router.get(
    "/stix/bundle",
    # 400: a query string Django refuses to read (too many parameters).
    response={200: BundleOut, 400: ErrorOut, **READ_ERRORS},
    summary="The incidents and engagements the caller may read, as a STIX 2.1 bundle",
)
def stix_bundle(request: HttpRequest, params: Query[BundleQuery]) -> Any:
    user = request.user
    gate.require(user, Action.VIEW, Incident)
    since = params.since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=datetime.UTC)
    partner = user.organisation if is_partner(user) else None
    include_text = params.text and (partner is None or personal_data_allowed(partner))
    export = collect(user, since=since, ids=params.ids or None, include_text=include_text)
    bundle = export.bundle()
    if partner is not None:
        record_export(export, partner, channel="stix", actor=user)
    response = JsonResponse(bundle)
    # A derived object takes the most restrictive marking of what it holds.
    response["X-TLP"] = tlp.label(export.marking)
    return response


def import_origin(user: Any, pk: int | None) -> Organisation | None:
    """The partner organisation an import names as its origin, within the user's scope."""
    if pk is None:
        return None
    origin = gate.restrict(Organisation.objects.all(), user).filter(pk=pk).first()
    if origin is None:
        raise InvalidData({"origin": ["No such organisation."]})
    return origin


@router.post(
    "/stix/import",
    response={200: ImportOut, 201: ImportOut, **WRITE_ERRORS},
    summary="Import a STIX 2.1 bundle: all of it, or none of it with every error",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def stix_import(request: HttpRequest, params: Query[ImportQuery]) -> Any:
    user = request.user
    gate.require(user, Action.ADD, "sharing")
    origin = import_origin(user, params.origin)
    try:
        result = import_bundle(
            request.body, actor=user, origin=origin, channel="sync_in" if origin else "stix"
        )
    except BundleRejected as exc:
        raise InvalidData(
            {"bundle": exc.errors}, detail="The bundle was refused; nothing was imported."
        ) from None
    return Status(201 if result.created else 200, result.as_dict())

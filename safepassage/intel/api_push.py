"""The push endpoint: API clients (a partner's system, a scraper we do not run) send reports.

``POST /api/intel/reports`` with a JSON body. The caller authenticates like every API call
(bearer token or signed-in session), needs the right to add reports, and names an enabled
``api`` source of its own organisation (administrators may name any). The report goes through
``submit_report``, so sending the same article twice stores it once: the answer is 201 for a
new report and 200 for one already stored, with the stored report's id either way.

This module does not use ``from __future__ import annotations``: ninja reads the handler's
annotations and needs real objects.
"""

import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field, model_validator

from safepassage.access import gate
from safepassage.access.policy import Action, Reach
from safepassage.api.errors import InvalidData
from safepassage.api.schemas import MAX_ID, WRITE_ERRORS, StrictInput
from safepassage.intel.choices import TLP, SourceKind
from safepassage.intel.models import Report, Source

router = Router(tags=["intel"])

_URL = URLValidator(schemes=["http", "https"])
TLPValue = Literal[tuple(value for value, _label in TLP.choices)]  # type: ignore[valid-type]


class ReportIn(StrictInput):
    """A report pushed by an API client. Only ``text`` and a source are required."""

    text: str = Field(..., min_length=1, description="The article or report text (UTF-8).")
    title: str = Field("", max_length=500)
    url: str = Field("", max_length=2000, description="Where the report was published.")
    published: datetime.date | None = Field(None, description="Publication date, YYYY-MM-DD.")
    source: str | None = Field(
        None, max_length=200, description="Name of an API source of your organisation."
    )
    source_id: int | None = Field(None, ge=1, le=MAX_ID, description="Or the source's id.")
    tlp: TLPValue | None = Field(None, description="Sharing level; the source's default if unset.")

    @model_validator(mode="after")
    def _checks(self) -> "ReportIn":
        if self.source is not None and self.source_id is not None:
            raise ValueError("Give source or source_id, not both.")
        return self


class ReportPushOut(Schema):
    """The stored report: new (201) or already stored (200)."""

    id: int
    created: bool = Field(..., description="False when the same URL or text was already stored.")
    status: str = Field(..., description="Processing status of the stored report.")
    source: str
    near_duplicate_of: int | None = Field(
        ..., description="Id of an earlier report this one nearly repeats (wire copy), if any."
    )


def _invalid(field: str, message: str, status: int = 422) -> InvalidData:
    return InvalidData({field: [message]}, status=status)


def _source_for(user: Any, payload: ReportIn) -> Source:
    """The API source the caller names, within their organisation (any, for administrators)."""
    sources = Source.objects.filter(kind=SourceKind.API, enabled=True)
    if gate.reach(user, Action.ADD, Report) is not Reach.ALL:
        organisation_id = getattr(user, "organisation_id", None)
        if organisation_id is None:
            raise PermissionDenied(
                "Your account belongs to no organisation; it cannot push reports."
            )
        sources = sources.filter(organisation_id=organisation_id)
    if payload.source_id is not None:
        sources = sources.filter(pk=payload.source_id)
    elif payload.source is not None:
        sources = sources.filter(name=payload.source)
    found = list(sources[:2])
    if len(found) == 1:
        return found[0]
    # The same message whether the source is absent, disabled or another organisation's.
    if payload.source is None and payload.source_id is None:
        raise _invalid("source", "Name the API source this report comes from.")
    raise _invalid("source", "No enabled API source of your organisation has this name or id.")


def _record(source: Source, status: str, error: str = "") -> None:
    # Run bookkeeping, as for polled sources: not a configuration change, so not audited.
    now = timezone.now()
    fields: dict[str, Any] = {"last_run_at": now, "last_status": status, "last_error": error[:4000]}
    if status == "ok":
        fields.update(last_success_at=now, last_count=1)
    Source.objects.filter(pk=source.pk).update(**fields)


@router.post(
    "/reports",
    response={200: ReportPushOut, 201: ReportPushOut, **WRITE_ERRORS},
    summary="Push a report",
)
def push_report(request: HttpRequest, payload: ReportIn) -> Any:
    """Store one report from an API client (idempotent: the same URL or text is stored once).

    Answers 201 with the new report, or 200 with the report already stored. Needs a token
    (or session) allowed to add reports; read-only tokens get 403.
    """
    from safepassage.intel.services.ingest import submit_report

    user = request.user
    gate.require(user, Action.ADD, Report)
    source = _source_for(user, payload)
    if payload.url:
        try:
            _URL(payload.url)
        except ValidationError as exc:
            raise _invalid("url", "Give an http or https URL.") from exc
    try:
        result = submit_report(
            source=source,
            text=payload.text,
            title=payload.title,
            url=payload.url,
            published=payload.published,
            tlp=payload.tlp,
        )
    except ValidationError as exc:
        message = " ".join(exc.messages)
        _record(source, "error", f"A pushed report was refused: {message}")
        status = 413 if getattr(exc, "code", None) == "too_large" else 422
        raise _invalid("text", message, status=status) from exc
    _record(source, "ok")
    report = result.report
    body = ReportPushOut(
        id=report.pk,
        created=result.created,
        status=report.status,
        source=source.name,
        near_duplicate_of=result.near_duplicate_of.pk if result.near_duplicate_of else None,
    )
    return Status(201 if result.created else 200, body)

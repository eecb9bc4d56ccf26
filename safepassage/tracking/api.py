"""JSON API for tracking: a movement's check-ins (list, report), its expected check-ins,
escalations and their acknowledgement.

Handlers ask the gate like the web pages and write through ``services`` only. A movement
out of the caller's scope answers 404; a role that may not act answers 403; a movement that
is not under way, or bad data, answers 422 with a sentence saying why.
"""

import datetime
from typing import Any, Literal

from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest
from ninja import Path, Router, Schema, Status
from pydantic import Field

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.api.errors import InvalidData
from safepassage.api.schemas import (
    MAX_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    StrictInput,
    body_doc,
    parse_body,
)
from safepassage.movements.models import MovementRequest
from safepassage.tracking import services
from safepassage.tracking.models import MAX_NOTE, CheckIn, Escalation, ExpectedCheckIn

router = Router(tags=["tracking"])
ID = Path(..., ge=1, le=MAX_ID)


class CheckInIn(StrictInput):
    """A check-in: the status, the position (optional only for an SOS) and a short note."""

    status: Literal["ok", "delayed", "incident", "sos"]
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    note: str = Field("", max_length=MAX_NOTE)


class CheckInOut(Schema):
    id: int
    movement: int
    officer: str
    at: datetime.datetime
    lat: float | None = Field(..., description="Null once erased after the retention period.")
    lon: float | None
    status: str
    note: str
    expected: int | None = Field(..., description="The expected check-in this report met.")
    expected_name: str | None


class ExpectedOut(Schema):
    id: int
    seq: int
    name: str
    lat: float
    lon: float
    due_at: datetime.datetime
    interpolated: bool
    grace_minutes: int
    state: str
    escalation_level: int
    last_escalated_at: datetime.datetime | None


class EscalationOut(Schema):
    id: int
    movement: int
    expected: int | None
    level: str = Field(..., description="The ladder step (1, 2, ...) or 'sos'.")
    step_role: str
    notified: list[str]
    why: str
    created: datetime.datetime
    acknowledged_by: str | None
    acknowledged_at: datetime.datetime | None
    note: str


class AcknowledgeIn(StrictInput):
    note: str = Field(..., min_length=1, max_length=MAX_NOTE)


def checkin_data(c: CheckIn) -> dict[str, Any]:
    return {
        "id": c.pk,
        "movement": c.movement_id,
        "officer": c.officer.get_username(),
        "at": c.at,
        "lat": c.lat,
        "lon": c.lon,
        "status": c.status,
        "note": c.note,
        "expected": c.expected_id,
        "expected_name": c.expected.name if c.expected_id else None,
    }


def escalation_data(e: Escalation) -> dict[str, Any]:
    return {
        "id": e.pk,
        "movement": e.movement_id,
        "expected": e.expected_id,
        "level": e.level,
        "step_role": e.step_role,
        "notified": [u.get_username() for u in e.notified.all()],
        "why": e.why,
        "created": e.created,
        "acknowledged_by": e.acknowledged_by.get_username() if e.acknowledged_by_id else None,
        "acknowledged_at": e.acknowledged_at,
        "note": e.note,
    }


def _movement(request: HttpRequest, pk: int) -> MovementRequest:
    gate.require(request.user, Action.VIEW, CheckIn)
    return gate.get_object(request.user, Action.VIEW, MovementRequest, pk=pk)


def _unprocessable(exc: Exception) -> InvalidData:
    return InvalidData({NON_FIELD_ERRORS: [str(exc)]}, detail=str(exc))


@router.get(
    "/movements/{pk}/checkins",
    response={200: list[CheckInOut], **READ_ERRORS},
    operation_id="tracking_checkins_list",
    summary="A movement's check-ins",
)
def list_checkins(request: HttpRequest, pk: int = ID) -> Any:
    """The movement's check-ins, newest first."""
    movement = _movement(request, pk)
    rows = movement.checkins.select_related("officer", "expected").order_by("-at", "-pk")[:1000]
    return [checkin_data(c) for c in rows]


@router.post(
    "/movements/{pk}/checkins",
    response={201: CheckInOut, **WRITE_ERRORS},
    operation_id="tracking_checkins_create",
    summary="Check in on a movement",
    openapi_extra=body_doc(CheckInIn),
)
def create_checkin(request: HttpRequest, pk: int = ID) -> Any:
    """Report status and position; an SOS alerts every step of the ladder at once."""
    movement = _movement(request, pk)
    gate.require(request.user, Action.ADD, CheckIn)
    sent = parse_body(request, CheckInIn)
    try:
        checkin = services.record_checkin(
            request.user,
            movement,
            status=sent["status"],
            lat=sent.get("lat"),
            lon=sent.get("lon"),
            note=sent.get("note", ""),
        )
    except services.TrackingError as exc:
        raise _unprocessable(exc) from None
    return Status(201, checkin_data(checkin))


@router.get(
    "/movements/{pk}/expected",
    response={200: list[ExpectedOut], **READ_ERRORS},
    operation_id="tracking_expected_list",
    summary="A movement's expected check-ins",
)
def list_expected(request: HttpRequest, pk: int = ID) -> Any:
    movement = _movement(request, pk)
    fields = tuple(ExpectedOut.model_fields)
    rows: list[ExpectedCheckIn] = list(movement.expected_checkins.order_by("seq"))
    return [{name: getattr(x, name) for name in fields} for x in rows]


@router.get(
    "/movements/{pk}/escalations",
    response={200: list[EscalationOut], **READ_ERRORS},
    operation_id="tracking_movement_escalations",
    summary="A movement's escalations",
)
def movement_escalations(request: HttpRequest, pk: int = ID) -> Any:
    movement = _movement(request, pk)
    rows = movement.escalations.select_related("acknowledged_by").prefetch_related("notified")
    return [escalation_data(e) for e in rows]


@router.get(
    "/escalations",
    response={200: list[EscalationOut], **READ_ERRORS},
    operation_id="tracking_escalations_open",
    summary="Open escalations",
)
def open_escalations(request: HttpRequest) -> Any:
    """Unacknowledged escalations in the caller's scope, newest first."""
    gate.require(request.user, Action.VIEW, Escalation)
    rows = services.open_escalations(request.user).prefetch_related("notified")[:500]
    return [escalation_data(e) for e in rows]


@router.post(
    "/escalations/{pk}/acknowledge",
    response={200: EscalationOut, **WRITE_ERRORS},
    operation_id="tracking_escalation_acknowledge",
    summary="Acknowledge an escalation",
    openapi_extra=body_doc(AcknowledgeIn),
)
def acknowledge(request: HttpRequest, pk: int = ID) -> Any:
    """Acknowledge with a note: for a missed check-in, the ladder stops here."""
    gate.require(request.user, Action.VIEW, Escalation)
    escalation = gate.get_object(request.user, Action.VIEW, Escalation, pk=pk)
    sent = parse_body(request, AcknowledgeIn)
    try:
        services.acknowledge(request.user, escalation, sent["note"])
    except services.TrackingError as exc:
        raise _unprocessable(exc) from None
    return escalation_data(Escalation.objects.get(pk=escalation.pk))

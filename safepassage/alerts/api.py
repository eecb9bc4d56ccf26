"""JSON API of the alerts: a person's own alerts, read one, mark read.

Every handler asks the gate for the caller's alerts (reach SELF: only their own; an
administrator reaches all), so one person's alert is a 404 to everyone else.
"""

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.alerts.decide import Severity
from safepassage.alerts.models import Alert
from safepassage.alerts.services import UNREAD_FIRST, mark_read
from safepassage.api.schemas import MAX_ID, READ_ERRORS, WRITE_ERRORS, PageParams

router = Router(tags=["alerts"])
ID = Path(..., ge=1, le=MAX_ID, description="Id of the alert.")  # type: ignore[type-arg]


class AlertOut(Schema):
    """One alert with why its recipient got it."""

    id: int
    kind: str
    severity: Literal["low", "medium", "high", "critical"]
    state: Literal["delivered", "grouped", "held"]
    title: str
    why: str = Field(..., description="Why you got this: the rule, the subject, the distance.")
    held_reason: str
    subject_type: str
    subject_id: int | None
    subject_label: str
    incident_id: int | None
    distance_km: float | None
    link: str
    created: datetime.datetime
    read_at: datetime.datetime | None


class AlertPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AlertOut]


class AlertQuery(PageParams):
    """Which of your alerts to list."""

    unread: bool | None = Field(None, description="Only unread (true) or only read (false).")
    state: Literal["delivered", "grouped", "held"] | None = Field(
        None, description="Only alerts in this state; held ones are listed only when asked."
    )


class MarkedOut(Schema):
    marked: int


def alert_data(alert: Alert) -> dict[str, Any]:
    """The API form of an alert."""
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "severity": Severity(alert.severity).label,
        "state": alert.state,
        "title": alert.title,
        "why": alert.why,
        "held_reason": alert.held_reason,
        "subject_type": alert.subject_type,
        "subject_id": alert.subject_id,
        "subject_label": alert.subject_label,
        "incident_id": alert.incident_id,
        "distance_km": alert.distance_km,
        "link": alert.link,
        "created": alert.created,
        "read_at": alert.read_at,
    }


def _own(request: HttpRequest, action: str = Action.VIEW) -> Any:
    gate.require(request.user, action, Alert)
    return gate.restrict(Alert.objects.all(), request.user, action)


@router.get(
    "/",
    response={200: AlertPage, **READ_ERRORS},
    operation_id="alerts_list",
    summary="List your alerts",
    url_name="alerts-list",
)
def list_alerts(request: HttpRequest, filters: Query[AlertQuery]) -> Any:  # type: ignore[type-arg]
    """Your alerts, unread first, then newest first. Held alerts only with ``state=held``."""
    queryset = _own(request).filter(recipient_id=request.user.pk)
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    else:
        queryset = queryset.exclude(state="held")
    if filters.unread is not None:
        queryset = queryset.filter(read_at__isnull=filters.unread)
    queryset = queryset.alias(unread_first=UNREAD_FIRST).order_by(
        "-unread_first", "-created", "-pk"
    )
    window = list(queryset[filters.offset : filters.offset + filters.limit])
    return {
        "count": queryset.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [alert_data(a) for a in window],
    }


@router.get(
    "/{pk}",
    response={200: AlertOut, **READ_ERRORS},
    operation_id="alerts_get",
    summary="Read one of your alerts",
    url_name="alerts-detail",
)
def get_alert(request: HttpRequest, pk: int = ID) -> Any:
    """One alert; another person's alert answers 404."""
    return alert_data(gate.get_object(request.user, Action.VIEW, _own(request), pk=pk))


@router.post(
    "/{pk}/read",
    response={200: MarkedOut, **WRITE_ERRORS},
    operation_id="alerts_mark_read",
    summary="Mark one of your alerts read",
    url_name="alerts-mark-read",
)
def read_alert(request: HttpRequest, pk: int = ID) -> Any:
    """Mark the alert read (acknowledged); marking it again changes nothing."""
    alert = gate.get_object(request.user, Action.CHANGE, _own(request, Action.CHANGE), pk=pk)
    return {"marked": mark_read([alert])}

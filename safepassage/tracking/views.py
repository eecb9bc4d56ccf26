"""Tracking pages: the phone check-in page, the movement tracking page, the escalations list
and the acknowledge action.

Every view asks the gate first; writes go through ``services`` (gate.save, audited).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.audit.models import AuditRecord
from safepassage.movements.models import MovementRequest
from safepassage.tracking import services
from safepassage.tracking.models import MAX_NOTE, CheckIn, CheckInStatus, Escalation

app_name = "tracking"


def _movement(request: HttpRequest, pk: int) -> MovementRequest:
    """The movement, if the user may see both it and its tracking records (else 404)."""
    gate.require(request.user, Action.VIEW, CheckIn)
    return gate.get_object(request.user, Action.VIEW, MovementRequest, pk=pk)


def _history(movement: MovementRequest, user: Any) -> list[AuditRecord]:
    """Audit records of the movement's escalations, for those who may read the audit log."""
    if not gate.can(user, Action.VIEW, AuditRecord):
        return []
    ids = [str(pk) for pk in movement.escalations.values_list("pk", flat=True)]
    return list(
        gate.restrict(AuditRecord.objects.all(), user)
        .filter(object_type="tracking.escalation", object_id__in=ids)
        .order_by("seq")[:200]
    )


@login_required
def escalations(request: HttpRequest) -> HttpResponse:
    """Movements under way (with a check-in link for their escort), open escalations in the
    user's scope, SOS first, and the last acknowledged ones."""
    gate.require(request.user, Action.VIEW, Escalation)
    visible = gate.restrict(Escalation.objects.all(), request.user).select_related(
        "movement", "expected", "acknowledged_by"
    )
    open_rows = sorted(
        visible.filter(acknowledged_at__isnull=True)[:200],
        key=lambda e: (not e.is_sos, -e.created.timestamp()),
    )
    done = visible.filter(acknowledged_at__isnull=False).order_by("-acknowledged_at")[:50]
    moving = gate.restrict(
        MovementRequest.objects.filter(state=services.UNDER_WAY), request.user
    ).order_by("depart_at")[:100]
    return render(
        request,
        "tracking/escalations.html",
        {
            "open_rows": open_rows,
            "done": done,
            "under_way": [(m, services.may_check_in(request.user, m)) for m in moving],
            "acknowledgeable": {
                e.pk for e in open_rows if services.may_acknowledge(request.user, e)
            },
        },
    )


@login_required
def movement(request: HttpRequest, pk: int) -> HttpResponse:
    """The tracking page: expected check-ins, check-ins, escalations, SOS and history."""
    moving = _movement(request, pk)
    rows = list(moving.escalations.select_related("expected", "checkin", "acknowledged_by"))
    sos = [e for e in rows if e.is_sos and e.open]
    return render(
        request,
        "tracking/movement.html",
        {
            "object": moving,
            "expected": moving.expected_checkins.all(),
            "checkins": moving.checkins.select_related("officer", "expected").order_by("-at"),
            "escalations": rows,
            "sos": sos,
            "acknowledgeable": {e.pk for e in rows if services.may_acknowledge(request.user, e)},
            "can_check_in": services.may_check_in(request.user, moving),
            "history": _history(moving, request.user),
            "max_note": MAX_NOTE,
        },
    )


@login_required
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone page: big status buttons, position from the browser or typed in."""
    moving = _movement(request, pk)
    if not services.may_check_in(request.user, moving):
        raise PermissionDenied("Only field officers and commanders of the escort may check in.")
    status = 200
    error = ""
    values = {"lat": "", "lon": "", "note": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "")[: MAX_NOTE + 1] for k in values}
        try:
            checkin = services.record_checkin(
                request.user,
                moving,
                status=request.POST.get("status", ""),
                lat=values["lat"],
                lon=values["lon"],
                note=values["note"],
            )
        except services.TrackingError as exc:
            error, status = str(exc), 422
        else:
            text = f"Check-in recorded: {checkin.get_status_display()}"
            if checkin.expected_id:
                text += f", meets {checkin.expected}"
            if checkin.status == CheckInStatus.SOS:
                text = "SOS sent to everyone on the escalation ladder."
            messages.success(request, text + ".")
            return redirect("tracking:check-in", pk=moving.pk)
    upcoming = moving.expected_checkins.filter(state="pending").order_by("due_at").first()
    response = render(
        request,
        "tracking/check_in.html",
        {
            "object": moving,
            "error": error,
            "values": values,
            "upcoming": upcoming,
            "statuses": CheckInStatus.choices,
            "max_note": MAX_NOTE,
        },
        status=status,
    )
    return response


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge an escalation with a note; back to the movement's tracking page."""
    gate.require(request.user, Action.VIEW, Escalation)
    escalation = gate.get_object(request.user, Action.VIEW, Escalation, pk=pk)
    try:
        services.acknowledge(request.user, escalation, request.POST.get("note", "")[:10_000])
    except services.TrackingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Acknowledged: {escalation}.")
    return redirect("tracking:movement", pk=escalation.movement_id)


urlpatterns = [
    path("", escalations, name="escalations"),
    path("movements/<int:pk>/", movement, name="movement"),
    path("movements/<int:pk>/check-in/", check_in, name="check-in"),
    path("escalations/<int:pk>/acknowledge/", acknowledge, name="acknowledge"),
]

"""Movement pages: the board, the request form with live rule results, the movement page,
the approval page, and the JSON evaluation the request form calls as it is filled in.

Every view asks the gate first; state changes go through ``services.transition`` only.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.movements import services
from safepassage.movements.choices import TRANSITIONS, MovementState
from safepassage.movements.forms import ApprovalForm, MovementForm
from safepassage.movements.models import MovementRequest
from safepassage.registry.models import ProtectionUnit
from safepassage.risk.services import rows_for_reader

app_name = "movements"
DECISIONS = {MovementState.APPROVED, MovementState.REJECTED}


def outcome_of(rule_results: list[dict[str, Any]]) -> str:
    """The overall outcome of stored rule results: fail, warn, pass, or '' if none."""
    outcomes = {r.get("outcome") for r in rule_results or []}
    for worst in ("fail", "warn", "pass"):
        if worst in outcomes:
            return worst
    return ""


def incident_url(incident_id: Any) -> str:
    """The incident page, or '' when the intel pages are not there."""
    try:
        return reverse("intel:incident-detail", args=[int(incident_id)])
    except (NoReverseMatch, TypeError, ValueError):
        return ""


def risk_rows(risk: dict[str, Any], user: Any) -> list[dict[str, Any]]:
    """The risk breakdown's contributions with a link to each incident ``user`` may read."""
    rows = rows_for_reader((risk or {}).get("contributions", []), user)
    return [{**c, "url": incident_url(c["incident_id"]) if c["incident_id"] else ""} for c in rows]


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """Movements of today and tomorrow in the user's scope, by state."""
    gate.require(request.user, Action.VIEW, MovementRequest)
    today = timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    end = start + datetime.timedelta(days=2)
    movements = gate.restrict(
        MovementRequest.objects.filter(depart_at__lt=end, arrive_by__gt=start).select_related(
            "organisation"
        ),
        request.user,
    )
    columns: dict[str, list[dict[str, Any]]] = {s.value: [] for s in MovementState}
    for movement in movements:
        columns[movement.state].append(
            {
                "movement": movement,
                "outcome": outcome_of(movement.rule_results),
                "band": (movement.risk or {}).get("worst_band")
                or (movement.risk or {}).get("band", ""),
            }
        )
    states = [(s.value, s.label, columns[s.value]) for s in MovementState]
    return render(
        request,
        "movements/board.html",
        {
            "states": states,
            "today": today,
            "tomorrow": today + datetime.timedelta(days=1),
            "can_add": gate.can(request.user, Action.ADD, MovementRequest),
        },
    )


def _evaluate_form(form: MovementForm) -> services.Evaluation:
    return services.evaluate_plan(form.plan(), proposals=False)


def _request_form(request: HttpRequest, movement: MovementRequest | None) -> HttpResponse:
    form = MovementForm(request.POST or None, user=request.user, instance=movement)
    evaluation = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            evaluation = _evaluate_form(form)
            if "save" in request.POST:
                saved = _save_request(request, form, movement)
                if saved is not None:
                    messages.success(request, f"Movement {saved.reference} saved as a draft.")
                    return redirect(saved.get_absolute_url())
        else:
            status = 400
    return render(
        request,
        "movements/request_form.html",
        {
            "form": form,
            "object": movement,
            "evaluation": evaluation.as_dict() if evaluation else None,
            "risk_rows": risk_rows(evaluation.risk, request.user) if evaluation else [],
        },
        status=status,
    )


def _save_request(
    request: HttpRequest, form: MovementForm, movement: MovementRequest | None
) -> MovementRequest | None:
    action = Action.CHANGE if movement else Action.ADD
    user: Any = request.user
    try:
        with transaction.atomic():
            if movement is None:
                movement = MovementRequest(
                    organisation_id=user.organisation_id,
                    reference=services.next_reference(),
                    created_by=user,
                )
            form.apply(movement)
            if movement.organisation_id is None:
                raise PermissionDenied("Your account belongs to no organisation to request for.")
            gate.save(user, movement, action=action)
            form.save_m2m(movement)
            services.evaluate(movement)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return None
    return movement


@login_required
def create(request: HttpRequest) -> HttpResponse:
    """A new request: 'Check' evaluates without saving, 'Save draft' saves."""
    gate.require(request.user, Action.ADD, MovementRequest)
    return _request_form(request, None)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a draft."""
    movement = gate.get_object(request.user, Action.CHANGE, MovementRequest, pk=pk)
    if movement.state != MovementState.DRAFT:
        messages.error(request, "Only a draft can be edited; send it back to draft first.")
        return redirect(movement.get_absolute_url())
    return _request_form(request, movement)


@login_required
@require_POST
def evaluate_json(request: HttpRequest) -> JsonResponse:
    """Evaluate the unsaved request form: the rules, the route risk and its breakdown."""
    if not (
        gate.can(request.user, Action.ADD, MovementRequest)
        or gate.can(request.user, Action.CHANGE, MovementRequest)
    ):
        return JsonResponse({"detail": "Your role may not plan movements."}, status=403)
    movement = None
    pk = request.POST.get("movement")
    if pk and pk.isdigit():
        movement = (
            gate.restrict(MovementRequest.objects.all(), request.user, Action.CHANGE)
            .filter(pk=int(pk))
            .first()
        )
    form = MovementForm(request.POST, user=request.user, instance=movement)
    if not form.is_valid():
        return JsonResponse(
            {"detail": "The form is not complete.", "errors": form.errors}, status=422
        )
    evaluation = _evaluate_form(form)
    data = evaluation.as_dict()
    data["risk"] = {**data["risk"], "contributions": risk_rows(evaluation.risk, request.user)}
    return JsonResponse(data)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The movement: rules, risk breakdown with incident links, escorts, history."""
    movement = gate.get_object(request.user, Action.VIEW, MovementRequest, pk=pk)
    can_change = gate.in_scope(request.user, Action.CHANGE, movement)
    allowed = []
    if can_change:
        for state in sorted(TRANSITIONS.get(movement.state, set())):
            if state in DECISIONS:
                continue
            allowed.append((state, MovementState(state).label))
    return render(
        request,
        "movements/detail.html",
        {
            "object": movement,
            "evaluation": {
                "outcome": outcome_of(movement.rule_results),
                "band": (movement.risk or {}).get("worst_band", ""),
                "rules": movement.rule_results,
                "risk": movement.risk or {},
            },
            "risk_rows": risk_rows(movement.risk, request.user),
            "assignments": movement.assignments.select_related("unit", "vehicle", "person"),
            "transitions": movement.transitions.select_related("actor"),
            "people": gate.restrict(movement.people.all(), request.user, Action.VIEW),
            "vehicles": movement.vehicles.all(),
            "allowed": allowed,
            "can_edit": can_change and movement.state == MovementState.DRAFT,
            "can_decide": services.can_approve(request.user)
            and movement.state == MovementState.SUBMITTED
            and can_change,
        },
    )


@login_required
@require_POST
def transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit, send back, start, complete or abort a movement (decisions: approval page)."""
    movement = gate.get_object(request.user, Action.CHANGE, MovementRequest, pk=pk)
    to_state = request.POST.get("to_state", "")
    if to_state in DECISIONS:
        return redirect("movements:movement-approve", pk=pk)
    try:
        services.transition(request.user, movement, to_state, request.POST.get("reason", ""))
    except (services.TransitionError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{movement.reference} is now {movement.get_state_display().lower()}."
        )
    return redirect(movement.get_absolute_url())


@login_required
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The commander's page: proposals, escort and vehicles, approve or reject."""
    movement = gate.get_object(request.user, Action.CHANGE, MovementRequest, pk=pk)
    if not services.can_approve(request.user):
        raise PermissionDenied("Only a unit commander or an administrator decides requests.")
    evaluation = services.evaluate(movement, save=False)
    chosen = {u.pk: n for u, n in services.escort_units(movement.escorts)}
    units = [p.unit for p in evaluation.proposals]
    units += [u for u in ProtectionUnit.objects.filter(pk__in=chosen) if u not in units]
    initial: dict[str, Any] = {"vehicles": list(movement.vehicles.values_list("pk", flat=True))}
    initial |= {f"officers_{pk}": n for pk, n in chosen.items()}
    form = ApprovalForm(request.POST or None, user=request.user, units=units, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid() and movement.state == MovementState.SUBMITTED:
            movement.escorts = form.escorts()
            with transaction.atomic():
                gate.save(request.user, movement, action=Action.CHANGE)
                movement.vehicles.set(form.cleaned_data["vehicles"])
            decision = request.POST.get("decision", "check")
            if decision in ("approve", "reject"):
                to_state = (
                    MovementState.APPROVED if decision == "approve" else MovementState.REJECTED
                )
                try:
                    services.transition(
                        request.user,
                        movement,
                        to_state,
                        form.cleaned_data["reason"],
                        override_reason=form.cleaned_data["override_reason"],
                    )
                except (services.TransitionError, PermissionDenied) as exc:
                    form.add_error(None, str(exc))
                    status = 409
                else:
                    messages.success(request, f"{movement.reference} {to_state}.")
                    return redirect(movement.get_absolute_url())
            evaluation = services.evaluate(movement)
        else:
            status = 400
            if movement.state != MovementState.SUBMITTED:
                form.add_error(None, "Only a submitted movement can be decided.")
    return render(
        request,
        "movements/approve.html",
        {
            "object": movement,
            "form": form,
            "evaluation": evaluation.as_dict(),
            "risk_rows": risk_rows(evaluation.risk, request.user),
            "unit_fields": [form[f"officers_{u.pk}"] for u in units],
            "proposals": evaluation.proposals,
            "can_override": services.can_override(request.user),
        },
        status=status,
    )


urlpatterns = [
    path("", board, name="board"),
    path("new/", create, name="movement-create"),
    path("evaluate/", evaluate_json, name="movement-evaluate"),
    path("<int:pk>/", detail, name="movement-detail"),
    path("<int:pk>/edit/", edit, name="movement-edit"),
    path("<int:pk>/transition/", transition_view, name="movement-transition"),
    path("<int:pk>/approve/", approve, name="movement-approve"),
]

"""Alert pages: the inbox, one alert, held alerts, channel preferences and the rule editor.

Each view is a scoped lookup through the gate, one service call, a response. People see only
their own alerts (reach SELF); administrators reach every alert and manage the rules.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from safepassage.access import gate
from safepassage.access.policy import Action, Reach
from safepassage.alerts.forms import AlertRuleForm, PreferenceForm
from safepassage.alerts.models import Alert, AlertRule, AlertState, ChannelPreference
from safepassage.alerts.services import UNREAD_FIRST, mark_read
from safepassage.api.schemas import MAX_ID

_FILTERS = {"all": None, "unread": True, "read": False}


def _checked(pk: int) -> int:
    # A path id beyond what the database stores is simply not found (not a server error).
    if not 1 <= pk <= MAX_ID:
        raise Http404("No such alert.")
    return pk


def _alerts(request: HttpRequest, action: str = Action.VIEW) -> Any:
    gate.require(request.user, action, Alert)
    return gate.restrict(Alert.objects.select_related("rule", "recipient"), request.user, action)


def _require_rule_admin(request: HttpRequest) -> None:
    """Rules change what everyone hears: only a reach over all alerts may edit them."""
    if gate.reach(request.user, Action.CHANGE, AlertRule) is not Reach.ALL:
        raise PermissionDenied("Only administrators manage alert rules.")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Your alerts, unread first, with why you got each."""
    show = request.GET.get("show", "all")
    if show not in _FILTERS:
        show = "all"
    # The inbox is personal, administrators included: their wider reach is for the held page
    # and for opening any alert.
    mine = _alerts(request).filter(recipient_id=request.user.pk)
    queryset = mine.exclude(state=AlertState.HELD)
    if _FILTERS[show] is not None:
        queryset = queryset.filter(read_at__isnull=_FILTERS[show])
    queryset = queryset.alias(unread_first=UNREAD_FIRST).order_by(
        "-unread_first", "-created", "-pk"
    )
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    unread = mine.exclude(state=AlertState.HELD).filter(read_at=None).count()
    held = mine.filter(state=AlertState.HELD).count()
    return render(
        request,
        "alerts/inbox.html",
        {"page": page, "show": show, "unread": unread, "held": held},
    )


@login_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One alert: the why text, links to what it concerns, and how it was delivered."""
    alert = gate.get_object(request.user, Action.VIEW, _alerts(request), pk=_checked(pk))
    deliveries = list(alert.deliveries.order_by("created", "pk"))
    if alert.digest_id:
        deliveries += list(alert.digest.deliveries.order_by("created", "pk"))  # type: ignore[union-attr]
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "deliveries": deliveries,
            "can_change": gate.in_scope(request.user, Action.CHANGE, alert),
        },
    )


def _next(request: HttpRequest, default: str) -> str:
    # Only our own paths: an open redirect would let a link send people anywhere.
    target = request.POST.get("next", "")
    return target if target.startswith("/alerts/") and "//" not in target else default


@login_required
@require_POST
def alert_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one alert read (acknowledge it)."""
    alert = gate.get_object(
        request.user, Action.CHANGE, _alerts(request, Action.CHANGE), pk=_checked(pk)
    )
    mark_read([alert])
    messages.success(request, "Alert acknowledged.")
    return redirect(_next(request, reverse("alerts:inbox")))


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    """Mark every unread alert in the inbox read."""
    own = (
        _alerts(request, Action.CHANGE)
        .filter(recipient_id=request.user.pk)
        .exclude(state=AlertState.HELD)
        .filter(read_at=None)
    )
    changed = mark_read(list(own.only("pk")))
    messages.success(request, f"{changed} alerts marked read.")
    return redirect("alerts:inbox")


@login_required
def held(request: HttpRequest) -> HttpResponse:
    """Alerts the rules held back, with the reason for each."""
    queryset = _alerts(request).filter(state=AlertState.HELD).order_by("-created", "-pk")
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(request, "alerts/held.html", {"page": page})


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Your choice of outside channels; the inbox always receives your alerts."""
    gate.require(request.user, Action.CHANGE, ChannelPreference)
    preference = ChannelPreference.objects.filter(user=request.user).first()
    form = PreferenceForm(
        request.POST or None, instance=preference or ChannelPreference(user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.user = request.user
        gate.save(request.user, obj, action=Action.CHANGE)
        messages.success(request, "Alert channels saved.")
        return redirect("alerts:preferences")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "alerts/preferences.html",
        {"form": form, "has_email": bool(getattr(request.user, "email", ""))},
        status=status,
    )


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """Every alert rule (administrators)."""
    _require_rule_admin(request)
    rows = gate.restrict(AlertRule.objects.all(), request.user)
    return render(request, "alerts/rules.html", {"rules": rows})


@login_required
def rule_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit an alert rule (administrators)."""
    _require_rule_admin(request)
    rule = None
    if pk is not None:
        rule = gate.get_object(request.user, Action.CHANGE, AlertRule, pk=_checked(pk))
    form = AlertRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        try:
            gate.save(request.user, obj, action=Action.CHANGE if rule else Action.ADD)
        except IntegrityError:
            form.add_error("name", "Another rule has this name.")
        else:
            messages.success(request, f"Alert rule “{obj}” saved.")
            return redirect("alerts:rules")
    status = 400 if request.method == "POST" else 200
    return render(request, "alerts/rule_form.html", {"form": form, "rule": rule}, status=status)

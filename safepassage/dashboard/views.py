"""Dashboard pages: the persona dashboard, the charts and their JSON, the engagements timeline.

Every view reads through the gate: the dashboard's panels (``panels``), the charts
(computed in ``charts`` from the incidents the gate lets the reader see) and the timeline
(``timeline``, over the engagements the gate lets them see). Malformed query parameters
answer 400 with a sentence per parameter, on the pages and in the JSON alike.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Min, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.core.navigation import visible_sections
from safepassage.dashboard import charts, panels, timeline
from safepassage.intel.filters import NEWEST_FIRST, EngagementFilter, visible_incidents
from safepassage.intel.models import Engagement, Incident
from safepassage.sharing import tlp

TIMELINE_PAGE = 100
TIMELINE_JSON_MAX = 500
# Facets are counted over at most this many engagements (the newest), to bound the work.
FACET_MAX = 2000


def _sections(user: Any) -> list[dict[str, Any]]:
    """Every section the navigation offers the user, with a count in their scope."""
    out = []
    for section in visible_sections(user):
        count = None
        if section.model is not None:
            count = gate.restrict(section.model.objects.all(), user).count()
        out.append({"section": section, "count": count})
    return out


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The reader's dashboard: their role's panels, then every section they may open."""
    user = request.user
    return render(
        request,
        "dashboard/home.html",
        {
            "panels": panels.panels_for(user),
            "sections": _sections(user),
            "can_chart": gate.can(user, Action.VIEW, Incident),
            "can_timeline": gate.can(user, Action.VIEW, Engagement),
        },
    )


# --- charts ---------------------------------------------------------------------------------


def _incidents(user: Any) -> QuerySet[Incident]:
    gate.require(user, Action.VIEW, Incident)
    return gate.restrict(visible_incidents(), user)


def _query(request: HttpRequest, incidents: QuerySet[Incident], interval: str) -> charts.ChartQuery:
    earliest = Incident.objects.filter(pk__in=incidents.values("pk")).aggregate(Min("date"))
    return charts.parse_query(
        request.GET,
        today=timezone.localdate(),
        earliest=earliest["date__min"],
        default_interval=interval,
    )


def _marking(incidents: QuerySet[Incident], query: charts.ChartQuery) -> str:
    """The most restrictive TLP of the incidents a chart counts (a chart is derived data)."""
    counted = charts.in_range(incidents, query).values_list("tlp", flat=True).distinct()
    return tlp.label(tlp.most_restrictive(v for v in counted if v in tlp.RANK))


def _risk_rows(user: Any, incidents: QuerySet[Incident]) -> list[tuple[str, str, float, int]]:
    """The stored risk contributions of the incidents the reader may see."""
    from safepassage.risk.models import IncidentRisk

    gate.require(user, Action.VIEW, IncidentRisk)
    stored = gate.restrict(
        IncidentRisk.objects.filter(incident_id__in=incidents.values("pk")), user
    )
    return list(stored.values_list("admin1", "admin2", "value", "day"))


def incidents_data(user: Any, query: charts.ChartQuery) -> dict[str, Any]:
    incidents = _incidents(user)
    return {**charts.incidents_per_period(incidents, query), "tlp": _marking(incidents, query)}


def deaths_data(user: Any, query: charts.ChartQuery) -> dict[str, Any]:
    incidents = _incidents(user)
    return {**charts.deaths_by_nationality(incidents, query), "tlp": _marking(incidents, query)}


def risk_data(user: Any, query: charts.ChartQuery) -> dict[str, Any]:
    from safepassage.risk.aggregates import params

    incidents = _incidents(user)
    data = charts.risk_band_trend(
        _risk_rows(user, incidents), query, today=timezone.localdate(), params=params()
    )
    return {**data, "tlp": _marking(incidents, query)}


ChartFn = Callable[[Any, charts.ChartQuery], dict[str, Any]]
CHARTS: dict[str, tuple[ChartFn, str]] = {
    "incidents": (incidents_data, "month"),
    "deaths": (deaths_data, "year"),
    "risk": (risk_data, "month"),
}


def json_login_required(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    """Like ``login_required``, but a signed-out caller of a JSON endpoint gets 401 JSON, not
    a redirect to the login page that a script would parse as data."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        if not request.user.is_authenticated:
            return JsonResponse({"error": "Sign in to see this data."}, status=401)
        return view(request, *args, **kwargs)

    return wrapped


def _error_json(errors: dict[str, str], status: int = 400) -> JsonResponse:
    return JsonResponse(
        {"error": "The chart parameters are not valid.", "fields": errors}, status=status
    )


def _chart_json(request: HttpRequest, name: str) -> JsonResponse:
    compute, interval = CHARTS[name]
    user = request.user
    try:
        query = _query(request, _incidents(user), interval)
        data = compute(user, query)
    except charts.ChartQueryError as exc:
        return _error_json(exc.errors)
    except PermissionDenied as exc:
        return JsonResponse({"error": str(exc) or "Not allowed."}, status=403)
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


@json_login_required
@require_safe
def chart_incidents(request: HttpRequest) -> JsonResponse:
    """Incidents per month (or year) and province, as JSON."""
    return _chart_json(request, "incidents")


@json_login_required
@require_safe
def chart_deaths(request: HttpRequest) -> JsonResponse:
    """Deaths by nationality per year (or month), as JSON."""
    return _chart_json(request, "deaths")


@json_login_required
@require_safe
def chart_risk(request: HttpRequest) -> JsonResponse:
    """Province risk scores and districts per band at the end of each period, as JSON."""
    return _chart_json(request, "risk")


def _provinces(incidents: QuerySet[Incident]) -> list[str]:
    names = (
        Incident.objects.filter(pk__in=incidents.values("pk"))
        .exclude(admin1="")
        .values_list("admin1", flat=True)
        .distinct()
    )
    return sorted(set(names))


@login_required
@require_safe
def charts_page(request: HttpRequest) -> HttpResponse:
    """The three charts, drawn from the JSON endpoints, with their numbers as tables."""
    user = request.user
    incidents = _incidents(user)
    can_risk = gate.can(user, Action.VIEW, "risk")
    context: dict[str, Any] = {
        "provinces": _provinces(incidents),
        "intervals": charts.INTERVALS,
        "params": {
            k: request.GET.get(k, "")[: charts.MAX_PARAM]
            for k in ("from", "to", "interval", "province")
        },
        "can_risk": can_risk,
        "errors": {},
        "sections": [],
    }
    specs = [
        ("incidents", "Incidents per period and province", "dashboard:chart-incidents", "bar"),
        ("deaths", "Deaths by nationality over time", "dashboard:chart-deaths", "bar"),
    ]
    if can_risk:
        specs.append(("risk", "Trend of risk bands", "dashboard:chart-risk", "line"))
    try:
        for name, title, url_name, kind in specs:
            compute, interval = CHARTS[name]
            query = _query(request, incidents, interval)
            data = compute(user, query)
            context["sections"].append(
                {
                    "name": name,
                    "title": title,
                    "kind": kind,
                    "url": reverse(url_name),
                    "data": data,
                    "rows": charts.transpose(data, "provinces" if name == "risk" else "series"),
                    "series": data.get("provinces" if name == "risk" else "series") or [],
                    "band_rows": charts.transpose(data, "bands") if name == "risk" else [],
                }
            )
    except charts.ChartQueryError as exc:
        context["errors"] = exc.errors
        context["sections"] = []
        return render(request, "dashboard/charts.html", context, status=400)
    return render(request, "dashboard/charts.html", context)


# --- engagements timeline -------------------------------------------------------------------


def _engagements(request: HttpRequest) -> tuple[EngagementFilter, QuerySet[Engagement]]:
    user = request.user
    gate.require(user, Action.VIEW, Engagement)
    scoped = gate.restrict(Engagement.objects.all(), user)
    filterset = EngagementFilter(request.GET, queryset=scoped)
    found = filterset.qs if filterset.is_valid() else scoped.none()
    return filterset, found.order_by(*NEWEST_FIRST)


def _filter_errors(filterset: EngagementFilter) -> dict[str, str]:
    return {name: " ".join(str(e) for e in errors) for name, errors in filterset.errors.items()}


@login_required
@require_safe
def timeline_page(request: HttpRequest) -> HttpResponse:
    """Meetings, agreements and announcements by month, with participants and topics."""
    filterset, found = _engagements(request)
    page = Paginator(found, TIMELINE_PAGE).get_page(request.GET.get("page"))
    entries = [timeline.entry_of(e) for e in page]
    facet_entries = [timeline.entry_of(e) for e in found[:FACET_MAX]]
    query = request.GET.copy()
    query.pop("page", None)
    valid = filterset.is_valid()
    return render(
        request,
        "dashboard/timeline.html",
        {
            "filter": filterset,
            "page": page,
            "groups": timeline.group_by_month(entries),
            "facets": timeline.facets(facet_entries),
            "query": query.urlencode(),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "marking": tlp.label(tlp.most_restrictive(e.tlp for e in page if e.tlp in tlp.RANK)),
        },
        status=200 if valid else 400,
    )


@json_login_required
@require_safe
def timeline_json(request: HttpRequest) -> JsonResponse:
    """The timeline's engagements (newest first, at most 500) as JSON, with the same filters."""
    filterset, found = _engagements(request)
    if not filterset.is_valid():
        return JsonResponse(
            {"error": "The filters are not valid.", "fields": _filter_errors(filterset)},
            status=400,
        )
    rows = list(found[:TIMELINE_JSON_MAX])
    entries = [timeline.entry_of(e) for e in rows]
    response = JsonResponse(
        {
            "count": found.count(),
            "shown": len(entries),
            "tlp": tlp.label(tlp.most_restrictive(e.tlp for e in rows if e.tlp in tlp.RANK)),
            "engagements": [e.as_dict() for e in entries],
        }
    )
    response["Cache-Control"] = "no-store"
    return response

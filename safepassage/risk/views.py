"""Risk pages: the overview by province and district, a district's breakdown, site risk.

Every page needs the 'risk' view right; the site pages also pass the site through the gate,
so a user sees the risk only at sites within their own site scope.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.registry.models import Site
from safepassage.risk import services
from safepassage.riskmodel.geometry import MAX_BUFFER_KM, GeometryError, check_radius
from safepassage.riskmodel.model import BANDS

_MAX_DISTRICTS_SHOWN = 300
_SITES_PER_PAGE = 25
_BREAKDOWN_SHOWN = 200


def _bands_context(user: Any) -> dict[str, Any]:
    p = services.params()
    lower = (0.0, *p.thresholds)
    return {
        "bands": [{"name": name, "from": low} for name, low in zip(BANDS, lower, strict=True)],
        "can_view_incidents": gate.can(user, Action.VIEW, "incident"),
    }


def _plausible_name(name: str) -> bool:
    """A stored province or district name could be this (PostgreSQL refuses NUL outright)."""
    return 0 < len(name) <= 100 and name.isprintable()


def _radius(request: HttpRequest) -> tuple[float, str]:
    """The radius asked for in ?radius_km=, or the default; with an error sentence if bad."""
    raw = request.GET.get("radius_km", "").strip()
    default = services.site_radius_km()
    if not raw:
        return default, ""
    try:
        return check_radius(float(raw[:32])), ""
    except (ValueError, GeometryError):
        return default, (
            f"The radius must be a number of kilometres above 0 and at most {MAX_BUFFER_KM:.0f}; "
            f"showing {default:g} km."
        )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    gate.require(request.user, Action.VIEW, "risk")
    districts = services.district_scores()
    return render(
        request,
        "risk/overview.html",
        {
            "provinces": services.province_scores(),
            "districts": districts[:_MAX_DISTRICTS_SHOWN],
            "district_count": len(districts),
            "can_view_sites": gate.can(request.user, Action.VIEW, Site),
            **_bands_context(request.user),
        },
    )


@login_required
def district(request: HttpRequest) -> HttpResponse:
    # Names travel as query parameters: a district may contain any character, even "/".
    gate.require(request.user, Action.VIEW, "risk")
    admin1 = request.GET.get("province", "")
    admin2 = request.GET.get("district", "")
    if not _plausible_name(admin1) or not _plausible_name(admin2):
        raise Http404("No such district.")
    result = services.for_reader(services.district_breakdown(admin1, admin2), request.user)
    if not result.contributions and result.score == 0:
        raise Http404("No incidents are recorded in this district.")
    return render(
        request,
        "risk/district.html",
        {
            "admin1": admin1,
            "admin2": admin2,
            "result": result,
            "contributions": result.contributions[:_BREAKDOWN_SHOWN],
            **_bands_context(request.user),
        },
    )


@login_required
def site_list(request: HttpRequest) -> HttpResponse:
    gate.require(request.user, Action.VIEW, "risk")
    radius, error = _radius(request)
    sites = gate.restrict(Site.objects.order_by("name", "pk"), request.user, Action.VIEW)
    page = Paginator(sites, _SITES_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(site, services.site_risk(site, radius)) for site in page]
    return render(
        request,
        "risk/site_list.html",
        {
            "page": page,
            "rows": rows,
            "radius": radius,
            "error": error,
            **_bands_context(request.user),
        },
        status=400 if error else 200,
    )


@login_required
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    gate.require(request.user, Action.VIEW, "risk")
    site = gate.get_object(request.user, Action.VIEW, Site, pk=pk)
    radius, error = _radius(request)
    result = services.for_reader(services.site_risk(site, radius), request.user)
    return render(
        request,
        "risk/site_detail.html",
        {
            "site": site,
            "radius": radius,
            "error": error,
            "result": result,
            "contributions": result.contributions[:_BREAKDOWN_SHOWN],
            **_bands_context(request.user),
        },
        status=400 if error else 200,
    )

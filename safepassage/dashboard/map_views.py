"""The offline map page and the gated JSON endpoints that feed its layers.

The page is Leaflet with no tile layer: its background is the basemap built by
``scripts/assets.sh`` and every script, stylesheet and image comes from the app's own static
files, so it makes no request outside the app. Each layer is fetched from an endpoint here;
each endpoint asks ``map_data`` for what the signed-in user may see (through the gate).

JSON errors are JSON too: 401 signed out, 403 when the role has no access to the layer at
all, 404 for an incident outside the reader's scope, 400 with ``errors`` per parameter for bad
filters.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from safepassage.dashboard import map_data

JsonView = Callable[..., dict[str, Any]]


def _error(status: int, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def json_endpoint(view: JsonView) -> Callable[..., HttpResponse]:
    """GET only, never cached, signed-in users only; gate refusals become JSON errors."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return _error(401, "Sign in to see the map.")
        try:
            return JsonResponse(view(request, *args, **kwargs))
        except map_data.MapFilterError as exc:
            return _error(400, "Some filters are not valid.", errors=exc.errors)
        except PermissionDenied:
            return _error(403, "Your role has no access to this layer.")
        except Http404:
            return _error(404, "No such incident, or not one you may see.")

    return require_GET(never_cache(wrapper))


@json_endpoint
def incidents_json(request: HttpRequest) -> dict[str, Any]:
    """Incidents matching the filters, as GeoJSON points."""
    filters = map_data.parse_filters(request.GET)
    return map_data.incident_features(request.user, filters)


@json_endpoint
def incident_json(request: HttpRequest, pk: int) -> dict[str, Any]:
    """One incident's sources and claims for the side panel."""
    return map_data.incident_detail(request.user, pk)


@json_endpoint
def sites_json(request: HttpRequest) -> dict[str, Any]:
    """Sites with their security posture (the province filter applies)."""
    filters = map_data.parse_filters(request.GET)
    return map_data.site_features(request.user, filters.province)


@json_endpoint
def hexagons_json(request: HttpRequest) -> dict[str, Any]:
    """Risk per H3 cell at the resolution asked for."""
    raw = request.GET.get("resolution")
    if raw is not None and len(raw) > map_data.MAX_VALUE_LENGTH:
        raise map_data.MapFilterError({"resolution": ["Too long."]})
    try:
        resolution = map_data.parse_resolution(raw)
    except ValueError as exc:
        raise map_data.MapFilterError({"resolution": [str(exc).capitalize() + "."]}) from exc
    return map_data.hexagon_features(request.user, resolution)


@json_endpoint
def movements_json(request: HttpRequest) -> dict[str, Any]:
    """Movements under way with their last check-in, and planned routes."""
    return map_data.movement_features(request.user)


@login_required
@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    """The map: layers the user may see, filters, time slider and the incident side panel."""
    layers = map_data.layers_for(request.user)
    try:
        filters = map_data.parse_filters(request.GET)
        errors: dict[str, list[str]] = {}
    except map_data.MapFilterError as exc:
        # The page still opens; the form shows what was wrong and the layers load unfiltered.
        filters, errors = map_data.MapFilters(), exc.errors
    context = {
        "layers": layers,
        "filters": filters,
        "filter_errors": errors,
        # Empty dates mean the whole record; the time slider then spans the incidents found.
        "date_from": filters.date_from.isoformat() if filters.date_from else "",
        "date_to": filters.date_to.isoformat() if filters.date_to else "",
        "kinds": map_data.INCIDENT_KIND_CHOICES,
        "provinces": map_data.PROVINCE_NAMES,
        "endpoints": {
            "incidents": reverse("dashboard:map-incidents"),
            "sites": reverse("dashboard:map-sites"),
            "hexagons": reverse("dashboard:map-hexagons"),
            "movements": reverse("dashboard:map-movements"),
        },
    }
    return render(request, "dashboard/map.html", context, status=400 if errors else 200)


map_patterns = [
    path("map/", map_page, name="map"),
    path("map/incidents.json", incidents_json, name="map-incidents"),
    path("map/incidents/<int:pk>.json", incident_json, name="map-incident"),
    path("map/sites.json", sites_json, name="map-sites"),
    path("map/hexagons.json", hexagons_json, name="map-hexagons"),
    path("map/movements.json", movements_json, name="map-movements"),
]

"""The movement request form and the approval form.

The request form resolves origin, destination and waypoints (registry sites or gazetteer
places, or "lat, lon"), so the same validated data serves saving a draft, the live
evaluation of an unsaved request and the API.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

from django import forms
from django.utils import timezone

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.geo.gazetteer import Gazetteer
from safepassage.movements.models import MovementRequest
from safepassage.movements.services import ROUTE_BUFFER_KM, Plan
from safepassage.registry.models import ProtectedPerson, ProtectionUnit, Site, Vehicle
from safepassage.riskmodel.geometry import check_route

MAX_WAYPOINTS = 20
MAX_PEOPLE = 200
COORDS = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[, ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
# Longest movement window the form accepts; the guidelines judge shorter ones.
MAX_WINDOW = datetime.timedelta(days=7)


def resolve_place(text: str) -> tuple[str, float, float]:
    """A place name from the gazetteer, or "lat, lon" (optionally "name; lat, lon")."""
    text = text.strip()[:200]
    name, _, tail = text.rpartition(";")
    match = COORDS.match(tail if name else text)
    if match:
        lat, lon = float(match.group(1)), float(match.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not all(map(math.isfinite, (lat, lon))):
            raise forms.ValidationError(f"“{text}”: coordinates out of range.")
        return (name.strip() or f"{lat:.4f}, {lon:.4f}"), lat, lon
    place = Gazetteer.default().resolve(text)
    if place is None:
        raise forms.ValidationError(f"“{text}” is not a known place; give “lat, lon” instead.")
    return place.name, place.lat, place.lon


class MovementForm(forms.Form):
    """Who moves, from where to where, by which waypoints, when, in what, and why."""

    purpose = forms.CharField(max_length=300)
    origin_site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False)
    origin_place = forms.CharField(
        max_length=200, required=False, help_text="Or a place name, or “lat, lon”."
    )
    destination_site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False)
    destination_place = forms.CharField(
        max_length=200, required=False, help_text="Or a place name, or “lat, lon”."
    )
    waypoints = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
        help_text="One per line, in order: a place name or “lat, lon”. None: a straight line.",
    )
    depart_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    arrive_by = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    people = forms.ModelMultipleChoiceField(queryset=ProtectedPerson.objects.none())
    vehicles = forms.ModelMultipleChoiceField(queryset=Vehicle.objects.none(), required=False)

    def __init__(self, *args: Any, user: Any, instance: MovementRequest | None = None, **kw: Any):
        if instance is not None and "initial" not in kw:
            kw["initial"] = initial_of(instance)
        super().__init__(*args, **kw)
        self.user = user
        self.instance = instance
        sites = gate.restrict(Site.objects.all(), user, Action.VIEW)
        self.fields["origin_site"].queryset = sites  # type: ignore[attr-defined]
        self.fields["destination_site"].queryset = sites  # type: ignore[attr-defined]
        self.fields["people"].queryset = gate.restrict(  # type: ignore[attr-defined]
            ProtectedPerson.objects.all(), user, Action.VIEW
        )
        self.fields["vehicles"].queryset = gate.restrict(  # type: ignore[attr-defined]
            Vehicle.objects.select_related("unit"), user, Action.VIEW
        )

    def _end(self, which: str) -> tuple[Site | None, str, float, float] | None:
        site = self.cleaned_data.get(f"{which}_site")
        text = (self.cleaned_data.get(f"{which}_place") or "").strip()
        if site is not None:
            return site, site.name, site.lat, site.lon
        if not text:
            self.add_error(f"{which}_place", "Choose a site or give a place.")
            return None
        try:
            name, lat, lon = resolve_place(text)
        except forms.ValidationError as exc:
            self.add_error(f"{which}_place", exc)
            return None
        return None, name, lat, lon

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["origin"] = self._end("origin")
        data["destination"] = self._end("destination")
        points = []
        lines = [ln for ln in (data.get("waypoints") or "").splitlines() if ln.strip()]
        if len(lines) > MAX_WAYPOINTS:
            self.add_error("waypoints", f"At most {MAX_WAYPOINTS} waypoints.")
            lines = []
        for line in lines:
            try:
                name, lat, lon = resolve_place(line)
            except forms.ValidationError as exc:
                self.add_error("waypoints", exc)
                continue
            points.append({"name": name, "lat": lat, "lon": lon, "eta": None})
        data["waypoint_list"] = points
        if data["origin"] and data["destination"] and not self.errors.get("waypoints"):
            route = [
                (data["origin"][2], data["origin"][3]),
                *((w["lat"], w["lon"]) for w in points),
                (data["destination"][2], data["destination"][3]),
            ]
            try:
                check_route(route, ROUTE_BUFFER_KM)
            except ValueError as exc:  # too long a route for the risk picture
                self.add_error("waypoints", str(exc))
        depart, arrive = data.get("depart_at"), data.get("arrive_by")
        if depart and arrive:
            if arrive <= depart:
                self.add_error("arrive_by", "Arrival must be after departure.")
            elif arrive - depart > MAX_WINDOW:
                self.add_error("arrive_by", "A movement window may not exceed 7 days.")
        people = data.get("people")
        if people is not None and len(people) > MAX_PEOPLE:
            self.add_error("people", f"At most {MAX_PEOPLE} people in one request.")
        return data

    def plan(self) -> Plan:
        """The unsaved request as a plan for evaluation (the form must be valid)."""
        d = self.cleaned_data
        instance = self.instance
        return Plan(
            points=[
                (d["origin"][2], d["origin"][3]),
                *((w["lat"], w["lon"]) for w in d["waypoint_list"]),
                (d["destination"][2], d["destination"][3]),
            ],
            people=len(d["people"]),
            vehicles=list(d["vehicles"]),
            escorts=[],
            depart_at=d["depart_at"],
            arrive_by=d["arrive_by"],
            requested_at=max(timezone.now(), instance.created) if instance else timezone.now(),
            movement_pk=instance.pk if instance else None,
        )

    def apply(self, movement: MovementRequest) -> None:
        """Copy the cleaned data onto ``movement`` (many-to-many fields after saving)."""
        d = self.cleaned_data
        movement.purpose = d["purpose"]
        movement.origin_site, movement.origin_name, movement.origin_lat, movement.origin_lon = d[
            "origin"
        ]
        (
            movement.destination_site,
            movement.destination_name,
            movement.destination_lat,
            movement.destination_lon,
        ) = d["destination"]
        movement.waypoints = d["waypoint_list"]
        movement.depart_at = d["depart_at"]
        movement.arrive_by = d["arrive_by"]

    def save_m2m(self, movement: MovementRequest) -> None:
        """Set people and vehicles on a saved movement."""
        movement.people.set(self.cleaned_data["people"])
        movement.vehicles.set(self.cleaned_data["vehicles"])


def initial_of(movement: MovementRequest) -> dict[str, Any]:
    """The form's initial values for an existing movement."""
    tz = timezone.get_current_timezone()
    return {
        "purpose": movement.purpose,
        "origin_site": movement.origin_site_id,
        "origin_place": ""
        if movement.origin_site_id
        else _place_text(movement.origin_name, movement.origin_lat, movement.origin_lon),
        "destination_site": movement.destination_site_id,
        "destination_place": ""
        if movement.destination_site_id
        else _place_text(
            movement.destination_name, movement.destination_lat, movement.destination_lon
        ),
        "waypoints": "\n".join(
            _place_text(w.get("name", ""), w["lat"], w["lon"]) for w in movement.waypoints or []
        ),
        "depart_at": movement.depart_at.astimezone(tz),
        "arrive_by": movement.arrive_by.astimezone(tz),
        "people": list(movement.people.values_list("pk", flat=True)),
        "vehicles": list(movement.vehicles.values_list("pk", flat=True)),
    }


def _place_text(name: str, lat: float, lon: float) -> str:
    return f"{name}; {lat:.5f}, {lon:.5f}" if name else f"{lat:.5f}, {lon:.5f}"


class ApprovalForm(forms.Form):
    """The commander's choice of escort units (officers per unit) and vehicles, and the
    decision with its reason and, for a failing request, the override reason."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )
    override_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
        help_text="Required to approve a request that fails a rule.",
    )
    vehicles = forms.ModelMultipleChoiceField(queryset=Vehicle.objects.none(), required=False)

    def __init__(self, *args: Any, user: Any, units: list[ProtectionUnit], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.units = units
        self.fields["vehicles"].queryset = gate.restrict(  # type: ignore[attr-defined]
            Vehicle.objects.all(), user, Action.VIEW
        )
        for unit in units:
            self.fields[f"officers_{unit.pk}"] = forms.IntegerField(
                label=f"Officers from {unit.name}",
                min_value=0,
                max_value=unit.available_strength,
                required=False,
            )

    def escorts(self) -> list[dict[str, int]]:
        """The escort as stored on the movement: [{"unit": id, "officers": n}]."""
        chosen = []
        for unit in self.units:
            n = self.cleaned_data.get(f"officers_{unit.pk}") or 0
            if n > 0:
                chosen.append({"unit": unit.pk, "officers": int(n)})
        return chosen

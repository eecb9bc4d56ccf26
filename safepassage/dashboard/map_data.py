"""What the offline map shows, as JSON-ready data, always for one reader through the gate.

Each layer is a function of the user (and, for incidents, of validated filters) that returns
a GeoJSON FeatureCollection. Nothing here trusts the caller: every queryset goes through
``gate.restrict`` (TLP markings included) and every filter goes through :class:`MapFilterForm`,
whose errors the views turn into a 400 answer.

Coordinates follow GeoJSON: ``[longitude, latitude]``.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import h3
from django import forms
from django.db.models import QuerySet, Subquery, Sum
from django.urls import reverse
from django.utils import timezone

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.geo import normalise_admin1
from safepassage.intel.choices import INCIDENT_KINDS, EventKind
from safepassage.intel.filters import NEWEST_FIRST, IncidentFilter, visible_incidents
from safepassage.intel.models import Claim, Incident, Report
from safepassage.intel.views_incidents import FIELD_ORDER, display_value
from safepassage.movements.choices import MovementState
from safepassage.movements.models import MovementRequest
from safepassage.registry.choices import Posture, Province
from safepassage.registry.models import Site
from safepassage.risk.aggregates import facts_of, params
from safepassage.risk.models import IncidentRisk
from safepassage.riskmodel.model import band_for, denormalise, severity
from safepassage.sharing import tlp
from safepassage.tracking.models import CheckIn, ExpectedCheckIn, ExpectedState

# The most incidents one answer carries (newest first); the rest are counted, not sent.
MAX_INCIDENTS = 5000
# The most hexagons one answer carries (highest score first).
MAX_CELLS = 5000
# The most movements per layer.
MAX_MOVEMENTS = 500
# H3 resolutions each incident's stored contribution is indexed at (IncidentRisk.cell_r5..7),
# and coarser ones summed from resolution 5 for a country-wide view (the sums add up exactly).
STORED_RESOLUTIONS = {5: "cell_r5", 6: "cell_r6", 7: "cell_r7"}
DERIVED_FROM = 5
HEX_RESOLUTIONS = (3, 4, 5, 6, 7)
DEFAULT_RESOLUTION = 4
# A filter value longer than this is refused before it reaches a query.
MAX_VALUE_LENGTH = 100
# Dates outside these years are typing mistakes, not filters.
MIN_YEAR, MAX_YEAR = 1900, 2100
# Severity classes on the risk model's severity scale (suicide bombing without casualties is
# 6.0; a bombing that kills ten is about 9.2; a security operation without casualties 0.5).
SEVERITY_CLASSES: tuple[tuple[float, str], ...] = (
    (8.0, "critical"),
    (5.0, "high"),
    (2.0, "medium"),
)
SEVERITY_LOW = "low"
# Claims per field and evidence length in the side panel; the incident page has them all.
MAX_CLAIMS_PER_FIELD = 20
MAX_EVIDENCE = 300
MAX_SOURCES = 50

PROVINCE_NAMES: tuple[str, ...] = tuple(str(label) for _, label in Province.choices)
_PROVINCE_BY_CODE = {code: str(label) for code, label in Province.choices}
_CODE_BY_PROVINCE = {str(label): code for code, label in Province.choices}
INCIDENT_KIND_CHOICES = [(k.value, k.label) for k in EventKind if k in INCIDENT_KINDS]


class MapFilterError(ValueError):
    """The filters cannot be used; ``errors`` maps each bad parameter to what is wrong."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in sorted(errors.items())))


def canonical_province(value: str) -> str:
    """A province's current name from its name, registry code or an old or variant spelling.

    Raises ValueError naming the accepted names when ``value`` is not a Pakistani province.
    """
    text = value.strip()
    if text.upper() in _PROVINCE_BY_CODE:
        return _PROVINCE_BY_CODE[text.upper()]
    for name in PROVINCE_NAMES:
        if text.casefold() == name.casefold():
            return name
    normalised = normalise_admin1(text) if text else None
    if normalised in _CODE_BY_PROVINCE:
        return str(normalised)
    raise ValueError(f"Unknown province {value!r}; use one of: {', '.join(PROVINCE_NAMES)}.")


class _BoundedDateField(forms.DateField):
    """An ISO date (YYYY-MM-DD) within years a filter can sensibly mean."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=["%Y-%m-%d"], required=False, **kwargs)

    def clean(self, value: Any) -> datetime.date | None:
        try:
            day = super().clean(value)
        except forms.ValidationError as exc:
            raise forms.ValidationError("Give a date as YYYY-MM-DD, such as 2024-03-26.") from exc
        if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
            raise forms.ValidationError(f"Give a date between {MIN_YEAR} and {MAX_YEAR}.")
        return day


class MapFilterForm(forms.Form):
    """The map's incident filters: date range, kind, province and victims' nationality."""

    date_from = _BoundedDateField()
    date_to = _BoundedDateField()
    kind = forms.ChoiceField(choices=[("", "Any"), *INCIDENT_KIND_CHOICES], required=False)
    province = forms.CharField(required=False, max_length=MAX_VALUE_LENGTH)
    nationality = forms.RegexField(
        regex=r"^[A-Za-z]{2}$",
        required=False,
        error_messages={"invalid": "Give a two-letter country code, such as CN or PK."},
    )

    def clean_province(self) -> str:
        value = str(self.cleaned_data.get("province") or "")
        if not value.strip():
            return ""
        try:
            return canonical_province(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_nationality(self) -> str:
        return str(self.cleaned_data.get("nationality") or "").upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data


@dataclass(frozen=True)
class MapFilters:
    """Validated filters; empty values mean 'any'."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    kind: str = ""
    province: str = ""
    nationality: str = ""

    def as_query(self) -> dict[str, str]:
        """The filters as IncidentFilter parameters (the incident list's own definitions)."""
        out = {
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "kind": self.kind,
            "province": self.province,
            "nationality": self.nationality,
        }
        return {k: v for k, v in out.items() if v}


def parse_filters(params: Any) -> MapFilters:
    """Validate query parameters (a QueryDict or a dict); raise MapFilterError when bad.

    A parameter given twice is refused rather than silently taking one of the values.
    """
    errors: dict[str, list[str]] = {}
    data: dict[str, str] = {}
    for name in MapFilterForm.base_fields:
        values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]
        values = [v for v in values if v is not None]
        if len(values) > 1:
            errors[name] = ["Give this filter once."]
            continue
        if values:
            value = str(values[0])
            if len(value) > MAX_VALUE_LENGTH:
                errors[name] = [f"At most {MAX_VALUE_LENGTH} characters."]
                continue
            if "\x00" in value:
                errors[name] = ["Contains a NUL character."]
                continue
            data[name] = value
    form = MapFilterForm(data)
    if not form.is_valid():
        for name, messages in form.errors.items():
            errors.setdefault(name, []).extend(str(m) for m in messages)
    if errors:
        raise MapFilterError(errors)
    c = form.cleaned_data
    return MapFilters(
        date_from=c.get("date_from"),
        date_to=c.get("date_to"),
        kind=c.get("kind") or "",
        province=c.get("province") or "",
        nationality=c.get("nationality") or "",
    )


def severity_class(incident: Incident) -> tuple[float, str]:
    """The risk model's severity of an incident and its class (low, medium, high, critical)."""
    value = severity(facts_of(incident), params())
    for floor, name in SEVERITY_CLASSES:
        if value >= floor:
            return value, name
    return value, SEVERITY_LOW


def _finite(lat: Any, lon: Any) -> bool:
    return (
        isinstance(lat, float | int)
        and isinstance(lon, float | int)
        and math.isfinite(lat)
        and math.isfinite(lon)
        and -90 <= lat <= 90
        and -180 <= lon <= 180
    )


def _collection(features: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features, "meta": meta}


def incidents_queryset(user: Any, filters: MapFilters) -> QuerySet[Incident]:
    """The incidents ``user`` may see that match ``filters`` (merged pointers left out)."""
    gate.require(user, Action.VIEW, Incident)
    scoped = gate.restrict(visible_incidents(), user, Action.VIEW)
    return IncidentFilter(filters.as_query(), queryset=scoped).qs


def incident_features(user: Any, filters: MapFilters) -> dict[str, Any]:
    """Incidents with a position, newest first, as points with kind, severity and victims."""
    matching = incidents_queryset(user, filters)
    located = matching.filter(lat__isnull=False, lon__isnull=False).order_by(*NEWEST_FIRST)
    total_located = located.count()
    features = []
    for incident in located[:MAX_INCIDENTS]:
        if not _finite(incident.lat, incident.lon):
            continue
        score, level = severity_class(incident)
        features.append(
            {
                "type": "Feature",
                "id": incident.pk,
                "geometry": {"type": "Point", "coordinates": [incident.lon, incident.lat]},
                "properties": {
                    "id": incident.pk,
                    "kind": incident.kind,
                    "kind_label": incident.get_kind_display(),
                    "attack_type": incident.attack_type,
                    "attack_type_label": incident.get_attack_type_display()
                    if incident.attack_type
                    else "",
                    "severity": round(score, 2),
                    "severity_class": level,
                    "date": incident.date.isoformat() if incident.date else None,
                    "place": incident.place_name,
                    "province": incident.admin1,
                    "district": incident.admin2,
                    "deaths": incident.deaths,
                    "injured": incident.injured,
                    "victim_nationalities": [
                        str(v) for v in incident.victim_nationalities or [] if isinstance(v, str)
                    ],
                    "review_state": incident.review_state,
                    "tlp": incident.tlp,
                    "tlp_label": tlp.label(incident.tlp),
                    "url": reverse("intel:incident-detail", args=[incident.pk]),
                    "detail_url": reverse("dashboard:map-incident", args=[incident.pk]),
                },
            }
        )
    return _collection(
        features,
        matching=matching.count(),
        located=total_located,
        truncated=total_located > MAX_INCIDENTS,
        limit=MAX_INCIDENTS,
        filters={
            "date_from": filters.date_from.isoformat() if filters.date_from else None,
            "date_to": filters.date_to.isoformat() if filters.date_to else None,
            "kind": filters.kind or None,
            "province": filters.province or None,
            "nationality": filters.nationality or None,
        },
    )


def _claims(incident: Incident, user: Any, visible_reports: dict[int, Report]) -> list[Any]:
    """Claims grouped by field; provenance only for reports the reader may open."""
    claims = gate.restrict(Claim.objects.filter(incident=incident), user, Action.VIEW)
    conflicts = {
        c.get("field"): c
        for c in incident.conflicts or []
        if isinstance(c, dict) and c.get("field")
    }
    groups: dict[str, dict[str, Any]] = {}
    for claim in claims.select_related("analyst").order_by("field", "created", "pk"):
        group = groups.setdefault(
            claim.field,
            {
                "field": claim.field,
                "label": claim.field.replace("_", " ").capitalize(),
                "conflict": claim.field in conflicts,
                "values": [],
                "more": 0,
            },
        )
        if len(group["values"]) >= MAX_CLAIMS_PER_FIELD:
            group["more"] += 1
            continue
        report = visible_reports.get(claim.report_id) if claim.report_id else None
        evidence = ""
        if report is not None and claim.start is not None and claim.end is not None:
            evidence = report.text[claim.start : claim.end][:MAX_EVIDENCE]
        group["values"].append(
            {
                "value": display_value(claim.value),
                "source": report.source.name if report is not None else "",
                "report_id": report.pk if report is not None else None,
                "analyst": claim.analyst.get_username() if claim.analyst_id else "",
                "evidence": evidence,
            }
        )
    order = {name: i for i, name in enumerate(FIELD_ORDER)}
    return sorted(groups.values(), key=lambda g: (order.get(g["field"], 99), g["field"]))


def incident_detail(user: Any, pk: int) -> dict[str, Any]:
    """One incident's summary, sources and claims, as far as ``user`` may see (404 outside)."""
    gate.require(user, Action.VIEW, Incident)
    incident = gate.get_object(user, Action.VIEW, visible_incidents(), pk=pk)
    linked_ids = set(
        Report.objects.filter(mentions__incident=incident).values_list("pk", flat=True)
    ) | set(incident.claims.exclude(report=None).values_list("report_id", flat=True))
    visible: dict[int, Report] = {}
    if linked_ids and gate.can(user, Action.VIEW, Report):
        scoped = gate.restrict(Report.objects.filter(pk__in=linked_ids), user, Action.VIEW)
        visible = {r.pk: r for r in scoped.select_related("source")}
    ordered = sorted(visible.values(), key=lambda r: (r.published or datetime.date.min, r.pk))
    sources = [
        {
            "id": report.pk,
            "title": report.title or f"Report {report.pk}",
            "source": report.source.name,
            "reliability": report.source.reliability,
            "published": report.published.isoformat() if report.published else None,
            "link": report.url,
            "url": reverse("intel:report-detail", args=[report.pk]),
            "tlp_label": tlp.label(report.tlp),
        }
        for report in ordered[:MAX_SOURCES]
    ]
    score, level = severity_class(incident)
    return {
        "incident": {
            "id": incident.pk,
            "kind": incident.kind,
            "kind_label": incident.get_kind_display(),
            "attack_type_label": incident.get_attack_type_display() if incident.attack_type else "",
            "date": incident.date.isoformat() if incident.date else None,
            "place": incident.place_name,
            "district": incident.admin2,
            "province": incident.admin1,
            "deaths": incident.deaths,
            "injured": incident.injured,
            "victim_nationalities": [
                str(v) for v in incident.victim_nationalities or [] if isinstance(v, str)
            ],
            "severity": round(score, 2),
            "severity_class": level,
            "review_state": incident.get_review_state_display(),
            "tlp_label": tlp.label(incident.tlp),
            "url": reverse("intel:incident-detail", args=[incident.pk]),
        },
        "sources": sources,
        "more_sources": max(0, len(visible) - MAX_SOURCES),
        "hidden_sources": len(linked_ids) - len(visible),
        "claims": _claims(incident, user, visible),
    }


def site_features(user: Any, province: str = "") -> dict[str, Any]:
    """The sites ``user`` may see with their security posture."""
    gate.require(user, Action.VIEW, Site)
    sites = gate.restrict(Site.objects.select_related("organisation"), user, Action.VIEW)
    if province:
        sites = sites.filter(province=_CODE_BY_PROVINCE.get(province, province))
    features = []
    for site in sites.order_by("name", "pk"):
        if not _finite(site.lat, site.lon):
            continue
        posture = Posture(site.posture)
        features.append(
            {
                "type": "Feature",
                "id": site.pk,
                "geometry": {"type": "Point", "coordinates": [site.lon, site.lat]},
                "properties": {
                    "id": site.pk,
                    "name": site.name,
                    "kind": site.get_kind_display(),
                    "organisation": site.organisation.short_name or site.organisation.name,
                    "province": _PROVINCE_BY_CODE.get(site.province, site.province),
                    "district": site.district,
                    "posture": posture.value,
                    "posture_label": posture.label,
                    "posture_colour": posture.colour,
                    "guard_strength": site.guard_strength,
                    "url": site.get_absolute_url(),
                },
            }
        )
    return _collection(features, count=len(features))


def parse_resolution(value: str | None) -> int:
    """The hexagon resolution asked for (default the coarse one); ValueError when not kept."""
    if value is None or value == "":
        return DEFAULT_RESOLUTION
    if not value.isdigit() or int(value) not in HEX_RESOLUTIONS:
        raise ValueError(f"resolution must be one of {', '.join(str(r) for r in HEX_RESOLUTIONS)}")
    return int(value)


def _now_day(now: datetime.datetime) -> float:
    epoch = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    return (now - epoch).total_seconds() / 86400.0


def _cell_sums(user: Any, resolution: int) -> dict[int, tuple[float, float]]:
    """Time-normalised risk sums per cell at ``resolution`` over the incidents ``user`` may see.

    The risk app's own per-cell aggregates (``CellRisk``) count every incident whatever its
    marking, so a cell's score would betray a hidden AMBER+STRICT or RED incident. The map sums
    the stored per-incident contributions (``IncidentRisk``) of the visible incidents instead,
    which gives exactly the stored aggregate when the reader sees everything.
    """
    column = STORED_RESOLUTIONS.get(resolution, STORED_RESOLUTIONS[DERIVED_FROM])
    visible = gate.restrict(Incident.objects.all(), user, Action.VIEW).values("pk")
    rows = (
        gate.restrict(IncidentRisk.objects.all(), user, Action.VIEW)
        .filter(incident_id__in=Subquery(visible), **{f"{column}__isnull": False})
        .values(column)
        .annotate(short=Sum("short_term"), long=Sum("long_term"))
        .values_list(column, "short", "long")
    )
    sums: dict[int, tuple[float, float]] = {}
    for cell, short_sum, long_sum in rows:
        if resolution not in STORED_RESOLUTIONS:
            try:
                cell = h3.str_to_int(h3.cell_to_parent(h3.int_to_str(cell), resolution))
            except (ValueError, TypeError, h3.H3BaseException):
                continue  # a damaged row must not take the layer down
        old_short, old_long = sums.get(cell, (0.0, 0.0))
        sums[cell] = (old_short + (short_sum or 0.0), old_long + (long_sum or 0.0))
    return sums


def hexagon_features(
    user: Any, resolution: int, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """H3 cells with a current risk score above zero, as polygons with score and band.

    Only incidents the reader may see count (see :func:`_cell_sums`). A coarse cell's score is the sum over its area, so it reads higher than the
    fine cells inside it; resolution 4 (about 1,800 km²) is close to the area of a site's
    25 km radius, which the bands were set for.
    """
    gate.require(user, Action.VIEW, IncidentRisk)
    gate.require(user, Action.VIEW, Incident)
    p = params()
    now_day = _now_day(now or timezone.now())
    scored = []
    for cell, (short_sum, long_sum) in _cell_sums(user, resolution).items():
        score = denormalise(short_sum, long_sum, now_day, p)
        if score > 0:
            scored.append((score, cell))
    scored.sort(key=lambda item: (-item[0], item[1]))
    features = []
    for score, cell in scored[:MAX_CELLS]:
        try:
            address = h3.int_to_str(cell)
            boundary = h3.cell_to_boundary(address)
        except (ValueError, TypeError, h3.H3BaseException):
            continue  # a damaged row must not take the layer down
        ring = [[round(lng, 5), round(lat, 5)] for lat, lng in boundary]
        ring.append(ring[0])
        features.append(
            {
                "type": "Feature",
                "id": address,
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "cell": address,
                    "score": round(score, 3),
                    "band": band_for(score, p),
                },
            }
        )
    return _collection(
        features,
        resolution=resolution,
        truncated=len(scored) > MAX_CELLS,
        bands=list(_bands(p.thresholds)),
    )


def _bands(thresholds: Iterable[float]) -> Iterable[dict[str, Any]]:
    from safepassage.riskmodel.model import BANDS

    floors = [0.0, *thresholds]
    for name, floor in zip(BANDS, floors, strict=True):
        yield {"band": name, "from": floor}


def _line(points: list[tuple[float, float]]) -> list[list[float]]:
    return [[lon, lat] for lat, lon in points if _finite(lat, lon)]


def movement_features(user: Any, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Movements under way (with their last check-in) and planned routes not yet finished."""
    gate.require(user, Action.VIEW, MovementRequest)
    moment = now or timezone.now()
    scoped = gate.restrict(MovementRequest.objects.all(), user, Action.VIEW)
    under_way = list(
        scoped.filter(state=MovementState.UNDER_WAY)
        .select_related("organisation")
        .order_by("depart_at", "pk")[:MAX_MOVEMENTS]
    )
    planned = list(
        scoped.filter(
            state__in=[MovementState.SUBMITTED, MovementState.APPROVED], arrive_by__gte=moment
        )
        .select_related("organisation")
        .order_by("depart_at", "pk")[:MAX_MOVEMENTS]
    )
    last: dict[int, CheckIn] = {}
    upcoming: dict[int, ExpectedCheckIn] = {}
    if under_way and gate.can(user, Action.VIEW, CheckIn):
        ids = [m.pk for m in under_way]
        for checkin in gate.restrict(
            CheckIn.objects.filter(movement_id__in=ids), user, Action.VIEW
        ).order_by("movement_id", "at", "pk"):
            last[checkin.movement_id] = checkin  # ordered by time: the last one wins
        for expected in gate.restrict(
            ExpectedCheckIn.objects.filter(movement_id__in=ids, state=ExpectedState.PENDING),
            user,
            Action.VIEW,
        ).order_by("movement_id", "-due_at", "-pk"):
            upcoming[expected.movement_id] = expected  # descending: the earliest one wins
    features = []
    for layer, movements in (("under_way", under_way), ("planned", planned)):
        for movement in movements:
            line = _line(movement.route_points())
            if len(line) < 2:
                continue
            checkin = last.get(movement.pk)
            expected = upcoming.get(movement.pk)
            features.append(
                {
                    "type": "Feature",
                    "id": movement.pk,
                    "geometry": {"type": "LineString", "coordinates": line},
                    "properties": {
                        "layer": layer,
                        "id": movement.pk,
                        "reference": movement.reference,
                        "state": movement.state,
                        "state_label": movement.get_state_display(),
                        "origin": movement.origin_name,
                        "destination": movement.destination_name,
                        "depart_at": movement.depart_at.isoformat(),
                        "arrive_by": movement.arrive_by.isoformat(),
                        "organisation": movement.organisation.short_name
                        or movement.organisation.name,
                        "band": _route_band(movement.risk),
                        "last_checkin": _checkin(checkin),
                        "next_due": expected.due_at.isoformat() if expected else None,
                        "overdue": bool(expected and expected.overdue_at < moment),
                        "url": movement.get_absolute_url(),
                    },
                }
            )
    return _collection(
        features,
        under_way=sum(1 for f in features if f["properties"]["layer"] == "under_way"),
        planned=sum(1 for f in features if f["properties"]["layer"] == "planned"),
    )


def _route_band(risk: Any) -> str:
    """The worst band the last evaluation found on the route (districts included)."""
    if not isinstance(risk, dict):
        return ""
    return str(risk.get("worst_band") or risk.get("band") or "")


def _checkin(checkin: CheckIn | None) -> dict[str, Any] | None:
    if checkin is None:
        return None
    position = (
        [checkin.lon, checkin.lat]
        if checkin.lat is not None and _finite(checkin.lat, checkin.lon)
        else None
    )
    return {
        "at": checkin.at.isoformat(),
        "status": checkin.status,
        "status_label": checkin.get_status_display(),
        "position": position,
    }


def layers_for(user: Any) -> dict[str, bool]:
    """Which layers ``user`` may see at all (the page offers only those)."""
    return {
        "incidents": gate.can(user, Action.VIEW, Incident),
        "sites": gate.can(user, Action.VIEW, Site),
        "hexagons": gate.can(user, Action.VIEW, IncidentRisk)
        and gate.can(user, Action.VIEW, Incident),
        "movements": gate.can(user, Action.VIEW, MovementRequest),
    }

"""CSV and GeoJSON exports of a (filtered, scoped) incident list.

The caller hands over a queryset that already went through the gate and the filters, so an
export never shows more than the list it came from. CSV cells that a spreadsheet would run
as formulas are neutralised with the registry's helper; GeoJSON is a FeatureCollection of
Point features (RFC 7946: longitude first) whose ``skipped`` member counts the incidents
left out for lack of coordinates.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from typing import Any, Protocol

from django.db.models import Count, QuerySet
from django.http import HttpResponse
from django.utils import timezone

from safepassage.access.marking import is_partner
from safepassage.intel.filters import NEWEST_FIRST
from safepassage.intel.models import Incident
from safepassage.lib.csvtable import escape_formula
from safepassage.sharing import services as sharing
from safepassage.sharing import tlp
from safepassage.sharing.models import Channel

# Exports stop here: a bigger picture belongs in the API's pages or a database dump.
MAX_EXPORT_ROWS = 50_000

CSV_COLUMNS = (
    "id",
    "kind",
    "attack_type",
    "date",
    "date_precision",
    "place_name",
    "province",
    "district",
    "country",
    "lat",
    "lon",
    "geo_precision",
    "deaths",
    "deaths_min",
    "deaths_max",
    "injured",
    "deaths_by_nationality",
    "victim_nationalities",
    "perpetrators",
    "review_state",
    "has_conflict",
    "report_count",
    "claims_count",
    "url",
    "tlp",
)


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def export_queryset(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """The rows to export, with their claim counts, in list order, capped."""
    return queryset.annotate(claims_count=Count("claims")).order_by(*NEWEST_FIRST)[:MAX_EXPORT_ROWS]


def _perpetrator_names(incident: Incident) -> list[str]:
    return [
        str(p.get("name"))
        for p in incident.perpetrators or []
        if isinstance(p, dict) and p.get("name")
    ]


def _nationalities(incident: Incident) -> dict[str, int]:
    found = incident.deaths_by_nationality
    if not isinstance(found, dict):
        return {}
    return {str(k): v for k, v in sorted(found.items()) if isinstance(v, int)}


def csv_row(incident: Incident, base_url: str = "") -> list[str]:
    """One incident as CSV cells, each neutralised against formula injection."""
    nationality = "; ".join(f"{k}={v}" for k, v in _nationalities(incident).items())
    values: list[Any] = [
        incident.pk,
        incident.kind,
        incident.attack_type,
        incident.date.isoformat() if incident.date else "",
        incident.date_precision,
        incident.place_name,
        incident.admin1,
        incident.admin2,
        incident.country,
        incident.lat,
        incident.lon,
        incident.geo_precision,
        incident.deaths,
        incident.deaths_min,
        incident.deaths_max,
        incident.injured,
        nationality,
        "; ".join(str(n) for n in incident.victim_nationalities or []),
        "; ".join(_perpetrator_names(incident)),
        incident.review_state,
        "yes" if incident.has_conflict else "no",
        incident.report_count,
        getattr(incident, "claims_count", ""),
        base_url + incident.get_absolute_url(),
        tlp.label(incident.tlp),
    ]
    return [escape_formula("" if v is None else str(v)) for v in values]


def csv_rows(queryset: QuerySet[Incident], base_url: str = "") -> Iterator[list[str]]:
    """The header, then one row per incident."""
    yield list(CSV_COLUMNS)
    for incident in export_queryset(queryset):
        yield csv_row(incident, base_url)


def write_csv(queryset: QuerySet[Incident], out: _Writable, base_url: str = "") -> int:
    """Write the CSV to ``out``; returns the number of incidents written."""
    writer = csv.writer(out)
    count = -1
    for count, row in enumerate(csv_rows(queryset, base_url)):  # noqa: B007
        writer.writerow(row)
    return count


def _point(incident: Incident) -> tuple[float, float] | None:
    lat, lon = incident.lat, incident.lon
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lon, lat


def feature(incident: Incident, base_url: str = "") -> dict[str, Any] | None:
    """One incident as a GeoJSON Point feature; None without usable coordinates."""
    point = _point(incident)
    if point is None:
        return None
    return {
        "type": "Feature",
        "id": incident.pk,
        "geometry": {"type": "Point", "coordinates": [point[0], point[1]]},
        "properties": {
            "id": incident.pk,
            "title": str(incident),
            "kind": incident.kind,
            "attack_type": incident.attack_type,
            "date": incident.date.isoformat() if incident.date else None,
            "date_precision": incident.date_precision,
            "place_name": incident.place_name,
            "province": incident.admin1,
            "district": incident.admin2,
            "geo_precision": incident.geo_precision,
            "deaths": incident.deaths,
            "deaths_range": [incident.deaths_min, incident.deaths_max],
            "injured": incident.injured,
            "deaths_by_nationality": _nationalities(incident),
            "victim_nationalities": list(incident.victim_nationalities or []),
            "perpetrators": _perpetrator_names(incident),
            "review_state": incident.review_state,
            "has_conflict": incident.has_conflict,
            "report_count": incident.report_count,
            "claims_count": getattr(incident, "claims_count", None),
            "url": base_url + incident.get_absolute_url(),
            "tlp": tlp.label(incident.tlp),
        },
    }


def feature_collection(queryset: QuerySet[Incident], base_url: str = "") -> dict[str, Any]:
    """The incidents as a FeatureCollection; ``skipped`` counts those without coordinates."""
    features: list[dict[str, Any]] = []
    skipped = 0
    for incident in export_queryset(queryset):
        found = feature(incident, base_url)
        if found is None:
            skipped += 1
        else:
            features.append(found)
    # A foreign member (RFC 7946 §6.1): the file's marking, the most restrictive of its rows.
    return {
        "type": "FeatureCollection",
        "tlp": tlp.label(export_marking(queryset)),
        "features": features,
        "skipped": skipped,
    }


def export_marking(queryset: QuerySet[Incident]) -> str:
    """The marking of an export: the most restrictive of the incidents it holds."""
    return tlp.most_restrictive(export_queryset(queryset).values_list("tlp", flat=True))


def prepare_download(
    response: HttpResponse, user: Any, queryset: QuerySet[Incident], extension: str
) -> HttpResponse:
    """Name, mark and never cache an export; record it when a partner takes it.

    The marking travels in the file name and in the ``X-TLP`` header (a CSV has nowhere
    else to carry it) as well as on every row.
    """
    marking = export_marking(queryset)
    stamp = timezone.localdate().isoformat()
    name = f"incidents-{stamp}-{tlp.label(marking).replace(':', '-')}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response["X-TLP"] = tlp.label(marking)
    if is_partner(user) and user.organisation_id is not None:
        sharing.record(user.organisation_id, Channel.EXPORT, export_queryset(queryset), actor=user)
    return response

"""The comparable view of an event: what the linker compares between a mention and an incident."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

INCIDENT_KINDS = frozenset({"attack", "security_operation"})
ENGAGEMENT_KINDS = frozenset({"meeting", "agreement", "announcement"})
PRECISIONS = ("day", "month", "year")
GEO_PRECISIONS = ("point", "town", "district", "province", "country")


@dataclass(frozen=True)
class LinkEvent:
    """One event reduced to the fields the linker scores.

    ``date`` holds the first day of the period for month and year precision.
    """

    kind: str
    date: datetime.date | None = None
    date_precision: str = ""
    lat: float | None = None
    lon: float | None = None
    geo_precision: str = ""
    country: str = ""
    admin1: str = ""
    admin2: str = ""
    attack_type: str = ""
    deaths: int | None = None
    nationalities: frozenset[str] = field(default_factory=frozenset)
    participants: frozenset[str] = field(default_factory=frozenset)
    topics: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_incident(self) -> bool:
        return self.kind in INCIDENT_KINDS

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None


def parse_date(value: Any, precision: Any) -> tuple[datetime.date | None, str]:
    """A ``YYYY-MM-DD`` / ``YYYY-MM`` / ``YYYY`` string and its precision as a date and precision.

    Anything malformed gives ``(None, "")``: a bad date must not break a batch.
    """
    if not isinstance(value, str) or precision not in PRECISIONS:
        return None, ""
    parts = value.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if precision in ("day", "month") and len(parts) > 1 else 1
        day = int(parts[2]) if precision == "day" and len(parts) > 2 else 1
        return datetime.date(year, month, day), str(precision)
    except (ValueError, IndexError):
        return None, ""


def participant_key(name: str) -> str:
    """A person's name folded for comparison (case, titles' punctuation, spacing)."""
    return " ".join(name.replace(".", " ").casefold().split())


def _nationalities(event: Mapping[str, Any]) -> frozenset[str]:
    found: set[str] = set()
    fatalities = event.get("fatalities") or {}
    for group in fatalities.get("by_group") or []:
        if isinstance(group, Mapping) and isinstance(group.get("nationality"), str):
            found.add(group["nationality"])
    for target in event.get("targets") or []:
        if isinstance(target, Mapping) and isinstance(target.get("nationality"), str):
            found.add(target["nationality"])
    return frozenset(found)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _float_or_none(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def event_from_extraction(event: Mapping[str, Any]) -> LinkEvent:
    """Reduce one extracted event (``events.schema.json``) to a :class:`LinkEvent`."""
    date_obj = event.get("date") or {}
    when, precision = parse_date(date_obj.get("value"), date_obj.get("precision"))
    loc = event.get("location") or {}
    fatalities = event.get("fatalities") or {}
    return LinkEvent(
        kind=str(event.get("kind") or ""),
        date=when,
        date_precision=precision,
        lat=_float_or_none(loc.get("lat")),
        lon=_float_or_none(loc.get("lon")),
        geo_precision=str(loc.get("precision") or ""),
        country=str(loc.get("country") or ""),
        admin1=str(loc.get("admin1") or ""),
        admin2=str(loc.get("admin2") or ""),
        attack_type=str(event.get("attack_type") or ""),
        deaths=_int_or_none(fatalities.get("total")),
        nationalities=_nationalities(event),
        participants=frozenset(
            participant_key(p["name"])
            for p in event.get("participants") or []
            if isinstance(p, Mapping) and isinstance(p.get("name"), str) and p["name"].strip()
        ),
        topics=frozenset(t for t in event.get("topics") or [] if isinstance(t, str)),
    )

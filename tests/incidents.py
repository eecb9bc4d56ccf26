"""Incidents for tests that need a few real-looking attacks in the database."""

from __future__ import annotations

import datetime
from typing import Any

from safepassage.intel.models import Incident

KP = "Khyber Pakhtunkhwa"


def attack(
    place: str,
    district: str,
    day: datetime.date,
    *,
    province: str = KP,
    town: tuple[float, float] | None = None,
    **fields: Any,
) -> Incident:
    """An attack in Pakistan at ``place`` (``district``, ``province``) on ``day``, dated to the
    day and, where ``town`` gives its latitude and longitude, placed to the town.

    ``fields`` give the rest (attack type, toll, review state, marking) and override these.
    """
    values: dict[str, Any] = {
        "kind": "attack",
        "date": day,
        "date_precision": "day",
        "place_name": place,
        "country": "PK",
        "admin1": province,
        "admin2": district,
    }
    if town is not None:
        values.update(lat=town[0], lon=town[1], geo_precision="town")
    return Incident.objects.create(**(values | fields))

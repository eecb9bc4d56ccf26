"""The incident the MISP tests export: every field MISP shares is set, so a round trip or an
import into a fresh instance must keep each one."""

from __future__ import annotations

import datetime
from typing import Any

from safepassage.intel.models import Incident
from safepassage.sharing import tlp
from tests.conftest import World


def full_incident(world: World, marking: str = tlp.AMBER, **extra: Any) -> Incident:
    """An incident with every shared field set (the round trip must keep each one)."""
    fields: dict[str, Any] = {
        "kind": "attack",
        "attack_type": "suicide_bombing",
        "date": datetime.date(2026, 3, 26),
        "date_precision": "day",
        "place_name": "Besham",
        "country": "PK",
        "admin1": "Khyber Pakhtunkhwa",
        "admin2": "Shangla",
        "lat": 34.9312,
        "lon": 72.8811,
        "geo_precision": "town",
        "gazetteer_id": "1183880",
        "deaths": 6,
        "deaths_min": 5,
        "deaths_max": 6,
        "injured": 2,
        "injured_min": 1,
        "injured_max": 3,
        "perpetrators_killed": 1,
        "deaths_by_nationality": {"CN": 5, "PK": 1},
        "perpetrators": [
            {"name": "Tehrik-i-Taliban Pakistan", "relation": "suspected", "by": "CTD KP"},
            {"name": "Jaish al-Adl", "relation": "claimed", "by": None},
        ],
        "targets": [{"type": "convoy", "nationality": "CN", "description": "engineers' bus"}],
        "victim_nationalities": ["CN", "PK"],
        "review_state": "confirmed",
        "confidence": 0.875,
        "report_count": 3,
        "tlp": marking,
        "organisation": world.spu_kp,
    }
    return Incident.objects.create(**(fields | extra))

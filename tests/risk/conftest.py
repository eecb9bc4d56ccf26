"""Fixtures of the risk tests: an incident factory with realistic defaults."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from safepassage.intel.models import Incident

TODAY = datetime.date.today()


def make_incident(**fields: Any) -> Incident:
    values: dict[str, Any] = {
        "kind": "attack",
        "attack_type": "bombing",
        "date": TODAY - datetime.timedelta(days=30),
        "date_precision": "day",
        "lat": 34.9430,
        "lon": 72.8710,
        "geo_precision": "point",
        "admin1": "Khyber Pakhtunkhwa",
        "admin2": "Shangla",
        "place_name": "Besham",
        "country": "PK",
        "deaths": 2,
        "confidence": 0.9,
    }
    values.update(fields)
    return Incident.objects.create(**values)


@pytest.fixture
def incident(db: Any) -> Callable[..., Incident]:
    return make_incident

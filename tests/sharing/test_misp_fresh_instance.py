"""MISP events exported here import into a brand-new instance with every shared field intact.

The new instance is real: its own data directory and SQLite database, made with
``safepassage migrate`` and fed with ``safepassage misp import``. Its incidents are read
straight from its database file and compared, field by field, with the ones they came from.
"""

from __future__ import annotations

import datetime
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from safepassage.access.principals import SystemActor
from safepassage.intel.models import Incident
from safepassage.sharing import misp, stix_ids, tlp
from tests.conftest import World

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SAFEPASSAGE_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="safepassage.settings",
        SAFEPASSAGE_DATA_DIR=str(data_dir),
        SAFEPASSAGE_DEBUG="1",
        SAFEPASSAGE_JOBS_SYNC="1",
        SAFEPASSAGE_LOG_LEVEL="WARNING",
    )
    return subprocess.run(
        [sys.executable, "-m", "safepassage", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _stored(db: Path, uuid: str) -> dict[str, Any]:
    """The incident the new instance made of event ``uuid``, read from its database file."""
    fields = [Incident._meta.get_field(name) for name in (*misp.SHARED_FIELDS, "tlp")]
    columns = ", ".join(f'i."{f.column}"' for f in fields)
    query = (
        f"SELECT {columns} FROM intel_incident i JOIN sharing_externalobject e "  # noqa: S608
        "ON e.local_id = i.id AND e.model = 'intel.incident' WHERE e.stix_id = ?"
    )
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        row = conn.execute(query, (f"incident--{uuid}",)).fetchone()
    assert row is not None, f"event {uuid} is not in the new instance"
    out: dict[str, Any] = {}
    for field, value in zip(fields, row, strict=True):
        if value is not None and field.get_internal_type() == "JSONField":
            value = json.loads(value)
        elif value is not None and field.get_internal_type() == "DateField":
            value = datetime.date.fromisoformat(value)
        out[field.name] = value
    return out


def test_events_exported_here_import_into_a_fresh_instance_with_every_field_intact(
    world: World, tmp_path: Path
) -> None:
    base: dict[str, Any] = {
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
        "perpetrators": [{"name": "Jaish al-Adl", "relation": "claimed", "by": None}],
        "targets": [{"type": "convoy", "nationality": "CN", "description": "a bus"}],
        "victim_nationalities": ["CN", "PK"],
        "review_state": "confirmed",
        "confidence": 0.875,
        "report_count": 3,
        "organisation": world.spu_kp,
    }
    made = [
        Incident.objects.create(**base, tlp=tlp.AMBER),
        Incident.objects.create(**(base | {"place_name": "Karachi", "tlp": tlp.GREEN})),
        Incident.objects.create(kind="security_operation", tlp=tlp.CLEAR),
    ]
    expected = {
        str(stix_ids.uuid_for(i, "incident")): {
            n: getattr(i, n) for n in (*misp.SHARED_FIELDS, "tlp")
        }
        for i in made
    }
    exported = tmp_path / "events.json"
    exported.write_text(misp.dumps(misp.collect(SystemActor("test"))), encoding="utf-8")

    data_dir = tmp_path / "fresh"
    data_dir.mkdir()
    migrated = _run(["migrate", "--noinput"], data_dir)
    assert migrated.returncode == 0, migrated.stderr
    imported = _run(["misp", "import", str(exported)], data_dir)
    assert imported.returncode == 0, imported.stderr
    assert "Created 3, updated 0, unchanged 0, skipped 0." in imported.stderr

    db = data_dir / "safepassage.sqlite3"
    for uuid, fields in expected.items():
        assert _stored(db, uuid) == fields, uuid

    again = _run(["misp", "import", str(exported)], data_dir)
    assert "Created 0, updated 0, unchanged 3, skipped 0." in again.stderr

"""MISP events exported here import into a brand-new instance with every shared field intact.

The new instance is real: its own data directory and SQLite database, made with
``safepassage migrate`` and fed with ``safepassage misp import``. Its incidents are read
straight from its database file and compared, field by field, with the ones they came from.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from safepassage.access.principals import SystemActor
from safepassage.intel.models import Incident
from safepassage.sharing import misp, stix_ids, tlp
from tests.conftest import World
from tests.instance import instance_env, run_safepassage
from tests.sharing.misp_data import full_incident

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    return run_safepassage(args, instance_env(data_dir))


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
    # One claimant and a shorter target description than test_misp's incident.
    differ: dict[str, Any] = {
        "perpetrators": [{"name": "Jaish al-Adl", "relation": "claimed", "by": None}],
        "targets": [{"type": "convoy", "nationality": "CN", "description": "a bus"}],
    }
    made = [
        full_incident(world, tlp.AMBER, **differ),
        full_incident(world, tlp.GREEN, place_name="Karachi", **differ),
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

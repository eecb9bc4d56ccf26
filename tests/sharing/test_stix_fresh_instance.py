"""A bundle exported here imports into a brand-new instance with every field intact.

The new instance is real: its own data directory and SQLite database, made with
``safepassage migrate``, fed with ``safepassage stix import``. Its rows are then read straight
from its database file and compared, column by column, with the rows they came from.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.db import models

from safepassage.access.principals import SystemActor
from safepassage.intel.models import Claim, Incident, Mention, Report
from safepassage.sharing.stix import export_bundle
from safepassage.sharing.stix_ids import stix_id_for
from tests.conftest import World
from tests.instance import instance_env, run_safepassage
from tests.sharing.stix_data import build

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
LOCAL = {"id", "created", "updated", "received_at", "processed_at", "organisation_id"}
LOCAL |= {"merged_into_id", "source_id", "submitted_by_id", "near_duplicate_of_id"}
LOCAL |= {"extraction", "structured", "error", "incident_id", "report_id", "mention_id"}
LOCAL |= {"analyst_id", "engagement_id"}


def _plain(field: models.Field[Any, Any], value: Any) -> Any:
    """A column value as Python, the same whichever database it was read from."""
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return json.loads(value) if isinstance(value, str) else value
    if isinstance(field, models.BooleanField):
        return bool(value)
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
    return value


def _columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if f.attname not in LOCAL]


def _fresh_row(db: Path, model: type[models.Model], pk: int) -> dict[str, Any]:
    fields = _columns(model)
    names = ", ".join(f'"{f.column}"' for f in fields)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        # Column and table names come from the model, never from input.
        sql = f"SELECT {names} FROM {model._meta.db_table} WHERE id = ?"  # noqa: S608
        row = conn.execute(sql, (pk,))
        values = row.fetchone()
    assert values is not None, f"{model.__name__} {pk} is not in the new instance"
    return {f.attname: _plain(f, v) for f, v in zip(fields, values, strict=True)}


def _here(row: models.Model) -> dict[str, Any]:
    return {f.attname: _plain(f, getattr(row, f.attname)) for f in _columns(type(row))}


def _map(db: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT stix_id, local_id FROM sharing_externalobject").fetchall()
    return {stix_id: local for stix_id, local in rows}


def _query(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql, args).fetchall()


def test_an_exported_bundle_imports_into_a_new_instance_with_every_field_intact(
    world: World, tmp_path: Path
) -> None:
    picture = build(world)
    bundle = export_bundle(SystemActor("stix-test"), include_text=True)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    data_dir = tmp_path / "instance-b"
    env = instance_env(data_dir)
    migrated = run_safepassage(["migrate", "--no-input"], env)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    done = run_safepassage(["stix", "import", str(path)], env)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    db = data_dir / "safepassage.sqlite3"
    ids = _map(db)

    incidents = list(Incident.objects.all())
    # Every incident, report and sighting, and the organisation that holds them.
    assert result["created"] == len(incidents) + len(picture.reports) + Mention.objects.count() + 1
    for incident in incidents:
        pk = ids[stix_id_for(incident, "incident")]
        assert _fresh_row(db, Incident, pk) == _here(incident), incident
        owner = _query(
            db,
            "SELECT o.name FROM intel_incident i JOIN registry_organisation o "
            "ON o.id = i.organisation_id WHERE i.id = ?",
            pk,
        )
        assert owner == [(incident.organisation.name,)]  # type: ignore[union-attr]
        claims_here = sorted(
            (c.field, json.dumps(c.value), c.start, c.end) for c in incident.claims.all()
        )
        claims_there = sorted(
            (f, json.dumps(json.loads(v)), s, e)
            for f, v, s, e in _query(
                db, 'SELECT field, value, start, "end" FROM intel_claim WHERE incident_id = ?', pk
            )
        )
        assert claims_there == claims_here
    merged_pk = ids[stix_id_for(picture.merged, "incident")]
    main_pk = ids[stix_id_for(picture.main, "incident")]
    assert _query(db, "SELECT merged_into_id FROM intel_incident WHERE id = ?", merged_pk) == [
        (main_pk,)
    ]
    for report in Report.objects.select_related("source"):
        pk = ids[stix_id_for(report, "report")]
        assert _fresh_row(db, Report, pk) == _here(report), report
        source = _query(
            db,
            "SELECT s.name, s.kind, s.reliability FROM intel_report r JOIN intel_source s "
            "ON s.id = r.source_id WHERE r.id = ?",
            pk,
        )
        assert source == [(report.source.name, report.source.kind, report.source.reliability)]
    for mention in Mention.objects.all():
        pk = ids[stix_id_for(mention, "sighting")]
        assert _fresh_row(db, Mention, pk) == _here(mention), mention
    assert Claim.objects.filter(mention__isnull=False).count() == 3
    linked = _query(db, "SELECT count(*) FROM intel_claim WHERE mention_id IS NOT NULL")
    assert linked == [(3,)]

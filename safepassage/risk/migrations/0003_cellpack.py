"""Packed per-cell candidate records for route queries; they replace 0002's covering index.

Routes now read resolution-6 cells' packs (one row per cell), so the covering index on
``cell_r6`` only costs writes; on PostgreSQL it is dropped here (0001's plain index stays).
"""

from typing import Any

from django.db import migrations, models

_INDEX = "incrisk_r6_cover_idx"


def _drop_cover(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {_INDEX}")


def _restore_cover(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_INDEX} ON risk_incidentrisk (cell_r6) "
            "INCLUDE (incident_id, value, day, lat, lon)"
        )


class Migration(migrations.Migration):
    dependencies = [("risk", "0002_covering_cell_index")]

    operations = [
        migrations.CreateModel(
            name="CellPack",
            fields=[
                ("cell", models.BigIntegerField(primary_key=True, serialize=False)),
                ("data", models.BinaryField(default=b"")),
                ("incidents", models.IntegerField(default=0)),
            ],
        ),
        migrations.RunPython(_drop_cover, _restore_cover),
    ]

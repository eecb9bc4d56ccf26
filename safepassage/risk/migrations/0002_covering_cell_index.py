"""On PostgreSQL, a covering index on the resolution-6 cell so route queries never read rows.

With the candidate columns included, the route query is an index-only scan. Other databases
keep the plain index of 0001.
"""

from typing import Any

from django.db import migrations

_INDEX = "incrisk_r6_cover_idx"


def _create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_INDEX} ON risk_incidentrisk (cell_r6) "
            "INCLUDE (incident_id, value, day, lat, lon)"
        )


def _drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]

    operations = [migrations.RunPython(_create, _drop)]

"""Create the chain head row, and on PostgreSQL refuse UPDATE and DELETE on audit records.

SQLite gets no trigger: Django's test flush empties tables with DELETE there. The hash chain
still reveals any change made behind the application's back on either database.
"""

from django.db import migrations

from safepassage.lib.hashchain import GENESIS

PG_UP = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit records are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_record_append_only
  BEFORE UPDATE OR DELETE ON audit_auditrecord
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS audit_record_append_only ON audit_auditrecord;
DROP FUNCTION IF EXISTS audit_append_only();
"""


def create_head(apps, schema_editor):
    head_model = apps.get_model("audit", "AuditChainHead")
    head_model.objects.get_or_create(pk=1, defaults={"count": 0, "last_hash": GENESIS})


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(add_trigger, drop_trigger),
    ]

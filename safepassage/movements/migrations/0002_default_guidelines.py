"""Load the default movement guidelines (safepassage/movements/guidelines.default.yaml).

Rules that already exist (matched by code) are left as an administrator set them.
"""

from pathlib import Path

from django.db import migrations

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "guidelines.default.yaml"


def load_defaults(apps, schema_editor):
    from safepassage.guidelines import load_rules

    rule_model = apps.get_model("movements", "GuidelineRule")
    for spec in load_rules(DEFAULT_FILE):
        rule_model.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "params": dict(spec.params),
                "severity": spec.severity,
                "enabled": spec.enabled,
                "description": spec.description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("movements", "0001_initial")]

    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]

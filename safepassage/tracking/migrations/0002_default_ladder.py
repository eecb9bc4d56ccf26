"""The default escalation ladder: escort lead at due + grace, unit commander 10 minutes
later, duty officer 20 minutes later."""

from django.db import migrations

STEPS = [
    {"after_minutes": 0, "role": "escort_lead"},
    {"after_minutes": 10, "role": "unit_commander"},
    {"after_minutes": 20, "role": "duty_officer"},
]


def create_default(apps, schema_editor):
    ladder_model = apps.get_model("tracking", "EscalationLadder")
    ladder_model.objects.get_or_create(name="Default", defaults={"steps": STEPS, "active": True})


def remove_default(apps, schema_editor):
    apps.get_model("tracking", "EscalationLadder").objects.filter(name="Default").delete()


class Migration(migrations.Migration):
    dependencies = [("tracking", "0001_initial")]

    operations = [migrations.RunPython(create_default, remove_default)]

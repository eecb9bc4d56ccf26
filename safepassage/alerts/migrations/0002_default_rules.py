"""Three starting rules, so a fresh installation alerts those responsible out of the box."""

from django.conf import settings
from django.db import migrations


def create(apps, schema_editor):
    AlertRule = apps.get_model("alerts", "AlertRule")
    radius = float(settings.ALERTS_DEFAULT_RADIUS_KM)
    buffer = float(settings.ALERTS_DEFAULT_ROUTE_BUFFER_KM)
    defaults = [
        ("Incidents near our sites", "site", radius),
        ("Incidents near a movement under way", "movement_position", buffer),
        ("Incidents on a planned route", "planned_route", buffer),
    ]
    for name, subject, km in defaults:
        AlertRule.objects.get_or_create(
            name=name,
            defaults={
                "subject": subject,
                "radius_km": km,
                "min_severity": 2,
                "channels": ["in_app", "email", "webhook"],
                "responsible": [],
                "dedupe_minutes": 360,
                "group_minutes": 15,
                "max_age_days": 30,
            },
        )


def remove(apps, schema_editor):
    AlertRule = apps.get_model("alerts", "AlertRule")
    AlertRule.objects.filter(
        name__in=[
            "Incidents near our sites",
            "Incidents near a movement under way",
            "Incidents on a planned route",
        ]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]

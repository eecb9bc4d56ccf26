from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "safepassage.alerts"
    label = "alerts"
    verbose_name = "Alerts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from safepassage.alerts import models as m
        from safepassage.audit.recorder import register
        from safepassage.core.jobs import SCHEDULED
        from safepassage.intel.models import Incident

        # Configuration is audited; alerts and deliveries are their own append-mostly record.
        register(m.AlertRule, m.Webhook, m.ChannelPreference)
        post_save.connect(_incident_saved, sender=Incident, dispatch_uid="alerts-incident-saved")
        # Every minute: send digests whose grouping window has closed.
        SCHEDULED.setdefault(
            "safepassage.alerts.jobs.send_due_digests", ("I", "Send due alert digests")
        )


def _incident_saved(sender: object, instance: object, raw: bool = False, **kwargs: object) -> None:
    """Queue an alert evaluation when an incident changed in a way that matters."""
    if raw:  # fixtures being loaded
        return
    from safepassage.alerts.services import queue_incident

    queue_incident(instance)

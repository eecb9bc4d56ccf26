from typing import Any

from django.apps import AppConfig


def _incident_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    # Fixture loading (raw) writes incidents as stored; `risk_rebuild` covers that case.
    if raw:
        return
    from safepassage.risk.aggregates import apply

    apply(instance)


def _incident_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    from safepassage.risk.aggregates import remove

    remove(instance.pk)


class RiskConfig(AppConfig):
    name = "safepassage.risk"
    label = "risk"
    verbose_name = "Risk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Stored risk is derived data: it is not audited (the incident changes are).
        from django.db.models.signals import post_delete, post_save

        from safepassage.intel.models import Incident

        post_save.connect(_incident_saved, sender=Incident, dispatch_uid="risk-incident-saved")
        post_delete.connect(
            _incident_deleted, sender=Incident, dispatch_uid="risk-incident-deleted"
        )

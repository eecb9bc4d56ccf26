from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    """Project-wide pieces: the CLI's management commands, templates, static files, jobs."""

    name = "safepassage.core"
    label = "core"
    verbose_name = "Safe Passage"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from safepassage.core.jobs import ensure_schedules

        post_migrate.connect(ensure_schedules, dispatch_uid="safepassage-schedules")

from django.apps import AppConfig


class MovementsConfig(AppConfig):
    name = "safepassage.movements"
    label = "movements"
    verbose_name = "Movements"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from safepassage.audit.recorder import register
        from safepassage.movements import models as m

        register(m.MovementRequest, m.MovementTransition, m.Assignment, m.GuidelineRule)

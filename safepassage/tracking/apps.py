from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "safepassage.tracking"
    label = "tracking"
    verbose_name = "Tracking"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from safepassage.audit.recorder import register
        from safepassage.movements.models import MovementTransition
        from safepassage.tracking import models as m
        from safepassage.tracking import signals

        register(m.ExpectedCheckIn, m.CheckIn, m.Escalation, m.EscalationLadder)
        post_save.connect(
            signals.plan_on_under_way,
            sender=MovementTransition,
            dispatch_uid="tracking-plan-on-under-way",
        )

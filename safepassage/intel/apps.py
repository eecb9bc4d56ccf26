from django.apps import AppConfig


class IntelConfig(AppConfig):
    name = "safepassage.intel"
    label = "intel"
    verbose_name = "Intelligence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from safepassage.audit.recorder import register
        from safepassage.intel import models as m

        # Mentions and claims are written in bulk by ingestion and are provenance, not
        # decisions: the report that produced them is audited, and so is every analyst edit.
        register(m.Source, m.Report, m.Incident, m.Engagement, m.ReviewDecision)

        from django_q.signals import post_spawn

        from safepassage.intel.jobs import warm_up

        post_spawn.connect(warm_up, dispatch_uid="intel-warm-up-extraction")

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "safepassage.dashboard"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from safepassage.audit.recorder import register
        from safepassage.core.jobs import SCHEDULED
        from safepassage.dashboard import models as m

        # Subscriptions and issued situation reports (without their text) are audited writes.
        register(m.SitrepSubscription, m.SituationReport)
        # Daily: issue yesterday's situation report to every subscriber, rendered as them.
        SCHEDULED.setdefault(
            "safepassage.dashboard.jobs.issue_daily_sitreps",
            ("D", "Issue the daily situation reports"),
        )

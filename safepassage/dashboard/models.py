"""Stored situation reports and who receives them (see ``safepassage.dashboard.sitrep``).

A situation report is filtered for its reader, so a stored one belongs to exactly one
recipient: the scheduled job renders one per subscriber, as that subscriber. A stored copy
is the record of what was issued to whom and when; it is shown again only to its recipient,
and only while the recipient may still see everything it holds (``sitrep_store.still_valid``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from safepassage.intel.choices import TLP


class SitrepSubscription(models.Model):
    """A person's wish to receive the daily situation report, and at which highest marking."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sitrep_subscription"
    )
    active = models.BooleanField(default=True)
    cap = models.CharField(
        "highest marking",
        max_length=16,
        choices=TLP.choices,
        blank=True,
        help_text="Leave content marked above this out; empty means all you may see.",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Gate:
        # Like alert channel preferences: each person keeps their own.
        resource = "alert"
        owner = "user"

    def __str__(self) -> str:
        return f"Daily situation report for {self.user}"


class SituationReport(models.Model):
    """One situation report as issued to one recipient for one day."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="situation_reports"
    )
    day = models.DateField(db_index=True)
    cap = models.CharField(max_length=16, choices=TLP.choices, blank=True)
    tlp = models.CharField(max_length=16, choices=TLP.choices)
    generated_at = models.DateTimeField()
    html = models.TextField()
    pdf = models.BinaryField()
    # The ids the report lists per kind, and a digest of the incidents behind its risk
    # section: a stored copy is withheld once its recipient may no longer see all of them.
    contents = models.JSONField(default=dict)
    risk_digest = models.CharField(max_length=64)
    incident_count = models.PositiveIntegerField(default=0)

    # The audit log records who received which day's report and its marking, not its text:
    # the text is filtered for one reader, the log is read by others.
    audit_exclude = frozenset({"html", "pdf"})

    class Gate:
        resource = "alert"
        owner = "recipient"

    class Meta:
        ordering = ["-day", "-generated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "day", "cap"], name="sitrep_one_per_recipient_day_cap"
            )
        ]

    def __str__(self) -> str:
        return f"Situation report {self.day.isoformat()} for {self.recipient}"

    def get_absolute_url(self) -> str:
        return reverse("dashboard:sitrep-issued", args=[self.pk])

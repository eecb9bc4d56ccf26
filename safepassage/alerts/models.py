"""Alerts: the rules that decide who hears about what, the alerts themselves and deliveries.

An incident near a site, near the position of a movement under way, or near the planned
route of a movement in its time window becomes one ``Alert`` per responsible person, with a
"why you got this" text. Alerts that the rules held back are stored too (state ``held`` with
the reason), so nothing disappears silently. Each alert is sent on its channels through
``Delivery`` rows; several alerts for one person in a short time go out as one ``Digest``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from safepassage.alerts.decide import Severity, SubjectKind


class SeverityChoice(models.IntegerChoices):
    LOW = Severity.LOW, "Low"
    MEDIUM = Severity.MEDIUM, "Medium"
    HIGH = Severity.HIGH, "High"
    CRITICAL = Severity.CRITICAL, "Critical"


class RuleSubject(models.TextChoices):
    SITE = SubjectKind.SITE, "Sites"
    MOVEMENT_POSITION = SubjectKind.MOVEMENT_POSITION, "Position of a movement under way"
    PLANNED_ROUTE = SubjectKind.PLANNED_ROUTE, "Planned route in its time window"


class Channel(models.TextChoices):
    IN_APP = "in_app", "In the app"
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


class Responsible(models.TextChoices):
    """Who a rule alerts, relative to the subject."""

    ORG_COORDINATORS = "org_coordinators", "Security coordinators of the subject's organisation"
    UNIT_COMMANDERS = "unit_commanders", "Commanders of the site's responsible unit"
    ESCORT_COMMANDERS = "escort_commanders", "Commanders of the movement's escort units"
    ESCORT_OFFICERS = "escort_officers", "Field officers of the movement's escort units"


DEFAULT_RESPONSIBLE = {
    RuleSubject.SITE: [Responsible.ORG_COORDINATORS, Responsible.UNIT_COMMANDERS],
    RuleSubject.MOVEMENT_POSITION: [
        Responsible.ORG_COORDINATORS,
        Responsible.ESCORT_COMMANDERS,
        Responsible.ESCORT_OFFICERS,
    ],
    RuleSubject.PLANNED_ROUTE: [
        Responsible.ORG_COORDINATORS,
        Responsible.ESCORT_COMMANDERS,
        Responsible.ESCORT_OFFICERS,
    ],
}


class AlertRule(models.Model):
    """Which incidents near which subjects alert whom, on which channels, and how often."""

    name = models.CharField(max_length=200, unique=True)
    subject = models.CharField(max_length=24, choices=RuleSubject.choices)
    radius_km = models.FloatField(
        "radius or buffer (km)",
        validators=[MinValueValidator(0.1), MaxValueValidator(500.0)],
        help_text="For routes, the buffer on either side of the planned route.",
    )
    min_severity = models.PositiveSmallIntegerField(
        choices=SeverityChoice.choices, default=SeverityChoice.MEDIUM
    )
    incident_kinds = models.JSONField(
        default=list, blank=True, help_text="Incident kinds that count; empty means all."
    )
    attack_types = models.JSONField(
        default=list, blank=True, help_text="Attack types that count; empty means all."
    )
    max_age_days = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(36500)],
        help_text="Incidents dated longer ago than this are history, not news: no alert.",
    )
    channels = models.JSONField(default=list, help_text="Channels: in_app, email, webhook.")
    responsible = models.JSONField(
        default=list,
        blank=True,
        help_text="Who is alerted; empty means the default for the subject.",
    )
    extra_recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="People alerted for every match of this rule, besides those responsible.",
    )
    dedupe_minutes = models.PositiveIntegerField(
        default=360,
        validators=[MaxValueValidator(60 * 24 * 30)],
        help_text="A subject alerts a person once in this window unless a more severe incident comes.",
    )
    group_minutes = models.PositiveIntegerField(
        default=15,
        validators=[MaxValueValidator(60 * 24)],
        help_text="Alerts for one person within this window go out as one digest.",
    )
    enabled = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Gate:
        resource = "alert"

    class Meta:
        ordering = ["subject", "name"]

    def __str__(self) -> str:
        return self.name

    def responsible_list(self) -> list[str]:
        """The responsibilities this rule alerts (the subject's default when none are set)."""
        return list(self.responsible or DEFAULT_RESPONSIBLE[RuleSubject(self.subject)])


class AlertState(models.TextChoices):
    DELIVERED = "delivered", "Delivered"
    GROUPED = "grouped", "Grouped into a digest"
    HELD = "held", "Held back"


class Digest(models.Model):
    """Several alerts for one person, sent as one message on the outside channels."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_digests"
    )
    created = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    channels = models.JSONField(default=list)

    class Gate:
        resource = "alert"
        owner = "recipient"

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(
                fields=["due_at"], name="digest_unsent_idx", condition=models.Q(sent_at=None)
            )
        ]

    def __str__(self) -> str:
        return f"Digest for {self.recipient} ({self.alerts.count()} alerts)"


class Alert(models.Model):
    """One alert for one person, with why they got it; held alerts are kept with the reason."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts"
    )
    rule = models.ForeignKey(
        AlertRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    subject_type = models.CharField(max_length=24)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject_label = models.CharField(max_length=300)
    incident = models.ForeignKey(
        "intel.Incident", on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    kind = models.CharField(max_length=40)
    severity = models.PositiveSmallIntegerField(choices=SeverityChoice.choices)
    title = models.CharField(max_length=300)
    why = models.TextField(max_length=4000)
    distance_km = models.FloatField(null=True, blank=True)
    link = models.CharField(max_length=300, blank=True, help_text="Where the subject is shown.")
    dedupe_key = models.CharField(max_length=300, unique=True)
    state = models.CharField(max_length=16, choices=AlertState.choices)
    held_reason = models.TextField(blank=True)
    digest = models.ForeignKey(
        Digest, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    channels = models.JSONField(default=list)
    read_at = models.DateTimeField(null=True, blank=True)
    # Not auto_now_add: an evaluation stamps all its alerts with the one instant it decided at.
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Gate:
        resource = "alert"
        owner = "recipient"
        marking = ("incident",)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient", "subject_type", "subject_id", "created"],
                name="alert_subject_recent_idx",
            ),
            models.Index(fields=["recipient", "read_at"], name="alert_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("alerts:alert-detail", args=[self.pk])

    @property
    def unread(self) -> bool:
        return self.read_at is None


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    RETRYING = "retrying", "Failed; will be retried"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class Delivery(models.Model):
    """One attempt-tracked sending of an alert or a digest on one channel to one target."""

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    digest = models.ForeignKey(
        Digest, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    target = models.CharField(max_length=300, blank=True, help_text="Address or webhook name.")
    webhook = models.ForeignKey(
        "alerts.Webhook", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Gate:
        resource = "alert"
        owner = "alert__recipient"
        marking = ("alert__incident",)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(alert__isnull=False) | models.Q(digest__isnull=False),
                name="delivery_has_alert_or_digest",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.target or '—'}: {self.status}"


class ChannelPreference(models.Model):
    """A person's choice of outside channels; the in-app inbox always receives alerts."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preference"
    )
    email = models.BooleanField(default=True, help_text="Email alerts to my account's address.")
    webhook = models.BooleanField(
        default=True, help_text="Send my alerts to my organisation's webhooks."
    )

    class Gate:
        resource = "alert"
        owner = "user"

    def __str__(self) -> str:
        return f"Alert channels of {self.user}"


class Webhook(models.Model):
    """An organisation's endpoint that receives its people's alerts as signed JSON."""

    organisation = models.ForeignKey(
        "registry.Organisation", on_delete=models.CASCADE, related_name="alert_webhooks"
    )
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=1000)
    secret = models.CharField(
        max_length=200, help_text="Shared secret for the X-SafePassage-Signature HMAC header."
    )
    enabled = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)

    audit_redact = frozenset({"secret"})

    class Gate:
        resource = "alert"
        org = "organisation"

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="webhook_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class IncidentEvaluation(models.Model):
    """The last alert evaluation of an incident: what was seen, when, and what it produced.

    ``fingerprint`` holds the fields that matter for alerts; a save that leaves it unchanged
    (a new report's count, a confidence update) does not evaluate the incident again.
    """

    incident = models.OneToOneField(
        "intel.Incident", on_delete=models.CASCADE, related_name="alert_evaluation"
    )
    fingerprint = models.CharField(max_length=64)
    queued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    subjects = models.PositiveIntegerField(default=0)
    alerts = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True)

    class Gate:
        resource = "alert"

    def __str__(self) -> str:
        return f"Alert evaluation of incident {self.incident_id}"

"""Models of the tracking app: what the escort must report, what it reported, and who was
told when it did not.

``ExpectedCheckIn`` rows are planned from the route when a movement goes under way.
``CheckIn`` rows are the escort's reports, with a position that is personal location data:
it is kept during the movement and a retention period, then erased by a scheduled job, and
it never enters the append-only audit log (``audit_redact``). ``Escalation`` rows record each
step of the ladder (``EscalationLadder``) and each SOS, and who acknowledged them.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

MAX_NOTE = 500


class StepRole(models.TextChoices):
    ESCORT_LEAD = "escort_lead", "Escort lead"
    UNIT_COMMANDER = "unit_commander", "Unit commander"
    DUTY_OFFICER = "duty_officer", "Duty officer"


class ExpectedState(models.TextChoices):
    PENDING = "pending", "Pending"
    MET = "met", "Met"
    MISSED = "missed", "Missed"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"


class CheckInStatus(models.TextChoices):
    OK = "ok", "OK"
    DELAYED = "delayed", "Delayed"
    INCIDENT = "incident", "Incident"
    SOS = "sos", "SOS"


SOS_LEVEL = "sos"
MAX_STEPS = 10
MAX_AFTER_MINUTES = 24 * 60


def _movement_gate() -> type:
    class Gate:
        resource = "checkin"
        org = "movement__organisation"
        unit = "movement__assignments__unit"
        nationality = "movement__people__nationality"

    return Gate


def validate_steps(steps: Any) -> list[dict[str, Any]]:
    """The ladder's steps as clean dicts, or ValidationError saying what is wrong."""
    if not isinstance(steps, list) or not steps:
        raise ValidationError("The ladder needs a list of one or more steps.")
    if len(steps) > MAX_STEPS:
        raise ValidationError(f"A ladder has at most {MAX_STEPS} steps.")
    clean: list[dict[str, Any]] = []
    previous = -1
    for number, step in enumerate(steps, start=1):
        if not isinstance(step, dict) or set(step) - {"after_minutes", "role"}:
            raise ValidationError(f"Step {number} must be {{after_minutes, role}} only.")
        after = step.get("after_minutes")
        if isinstance(after, bool) or not isinstance(after, int):
            raise ValidationError(f"Step {number}: after_minutes must be a whole number.")
        if not 0 <= after <= MAX_AFTER_MINUTES:
            raise ValidationError(f"Step {number}: after_minutes must be 0..{MAX_AFTER_MINUTES}.")
        if after < previous:
            raise ValidationError(f"Step {number} comes before the step above it.")
        if step.get("role") not in StepRole.values:
            raise ValidationError(
                f"Step {number}: role must be one of {', '.join(StepRole.values)}."
            )
        previous = after
        clean.append({"after_minutes": after, "role": step["role"]})
    return clean


class EscalationLadder(models.Model):
    """Who is told, and how long after a check-in was due (plus grace), when it is missed.

    ``after_minutes`` counts from the moment the check-in became overdue (due + grace). The
    active ladder with the lowest id is used. Duty officers are the users listed here; with
    nobody listed, every active administrator is the duty officer.
    """

    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)
    steps = models.JSONField(
        default=list,
        help_text='Ordered steps: [{"after_minutes": 0, "role": "escort_lead"}, ...]; roles: '
        "escort_lead, unit_commander, duty_officer.",
    )
    duty_officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="duty_ladders",
        help_text="Leave empty to make every active administrator the duty officer.",
    )
    updated = models.DateTimeField(auto_now=True)

    class Gate:
        # The ladder is operational configuration, kept like the movement guidelines.
        resource = "guideline"

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            self.steps = validate_steps(self.steps)
        except ValidationError as exc:
            raise ValidationError({"steps": exc.messages}) from exc


class ExpectedCheckIn(models.Model):
    """A point of the route where the escort must report by ``due_at`` (+ grace)."""

    movement = models.ForeignKey(
        "movements.MovementRequest", on_delete=models.CASCADE, related_name="expected_checkins"
    )
    seq = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    lat = models.FloatField()
    lon = models.FloatField()
    due_at = models.DateTimeField(db_index=True)
    interpolated = models.BooleanField(
        default=False, help_text="The due time was interpolated by distance, not given."
    )
    grace_minutes = models.PositiveSmallIntegerField(default=15)
    state = models.CharField(
        max_length=16,
        choices=ExpectedState.choices,
        default=ExpectedState.PENDING,
        db_index=True,
    )
    escalation_level = models.PositiveSmallIntegerField(
        default=0, help_text="Ladder steps taken so far."
    )
    last_escalated_at = models.DateTimeField(null=True, blank=True)

    Gate = _movement_gate()

    class Meta:
        ordering = ["movement", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["movement", "seq"], name="expected_checkin_seq")
        ]

    def __str__(self) -> str:
        return f"{self.movement.reference} #{self.seq} {self.name}"

    @property
    def overdue_at(self) -> dt.datetime:
        """When the check-in counts as missed: due time plus grace."""
        return self.due_at + dt.timedelta(minutes=self.grace_minutes)


class CheckIn(models.Model):
    """A report from the escort: when, where, how it is going."""

    movement = models.ForeignKey(
        "movements.MovementRequest", on_delete=models.CASCADE, related_name="checkins"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkins"
    )
    at = models.DateTimeField(db_index=True)
    # Personal location data: erased after the retention period (``position_erased_at``).
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=CheckInStatus.choices)
    note = models.CharField(max_length=MAX_NOTE, blank=True)
    expected = models.ForeignKey(
        ExpectedCheckIn,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checkins",
        help_text="The expected check-in this report met.",
    )
    position_erased_at = models.DateTimeField(null=True, blank=True)

    Gate = _movement_gate()
    # Positions must not survive their erasure in the append-only audit log.
    audit_redact = frozenset({"lat", "lon"})

    class Meta:
        ordering = ["movement", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.movement.reference} {self.get_status_display()} at {self.at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        for name, bound in (("lat", 90.0), ("lon", 180.0)):
            value = getattr(self, name)
            if value is not None and (not math.isfinite(value) or abs(value) > bound):
                raise ValidationError({name: f"Must be a number within ±{bound:g}."})


class Escalation(models.Model):
    """One step of the ladder for a missed check-in, or an SOS, and its acknowledgement."""

    movement = models.ForeignKey(
        "movements.MovementRequest", on_delete=models.CASCADE, related_name="escalations"
    )
    expected = models.ForeignKey(
        ExpectedCheckIn,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalations",
    )
    checkin = models.ForeignKey(
        CheckIn,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalations",
        help_text="The SOS check-in, for an SOS.",
    )
    # "1", "2", ... for the ladder's steps; "sos" for a panic call.
    level = models.CharField(max_length=8)
    step_role = models.CharField(max_length=32, help_text="The role told, or 'all' for an SOS.")
    notified = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="tracking_escalations"
    )
    why = models.CharField(max_length=1000)
    created = models.DateTimeField(db_index=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acknowledged_escalations",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=MAX_NOTE, blank=True)

    Gate = _movement_gate()

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            # The job's idempotency rests on this: one row per step of one check-in.
            models.UniqueConstraint(
                fields=["expected", "level"],
                condition=models.Q(expected__isnull=False),
                name="escalation_one_per_step",
            ),
            models.UniqueConstraint(
                fields=["checkin"],
                condition=models.Q(checkin__isnull=False),
                name="escalation_one_per_sos",
            ),
        ]

    def __str__(self) -> str:
        what = "SOS" if self.level == SOS_LEVEL else f"step {self.level} ({self.step_role})"
        return f"{self.movement.reference} {what}"

    def get_absolute_url(self) -> str:
        return reverse("tracking:movement", args=[self.movement_id])

    @property
    def is_sos(self) -> bool:
        return self.level == SOS_LEVEL

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None

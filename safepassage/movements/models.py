"""Movement requests of protected people, their route, transitions and escorts.

A movement is requested by a security coordinator, checked against the movement guidelines
(rules kept as data), approved by a unit commander, and guarded while under way. Every state
change is a ``MovementTransition`` row. Escort units, vehicles and people are held for the
movement's time window through ``Assignment`` rows, which approval writes under row locks so
two approvals can never double-book them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from safepassage.guidelines import KINDS, RuleSpec, RuleSpecError, validate_params
from safepassage.movements.choices import MovementState, Severity


class MovementRequest(models.Model):
    """Who moves, from where to where, by which route, when, in which vehicles, and why."""

    organisation = models.ForeignKey(
        "registry.Organisation", on_delete=models.PROTECT, related_name="movements"
    )
    reference = models.CharField(max_length=32, unique=True)
    purpose = models.CharField(max_length=300)
    origin_site = models.ForeignKey(
        "registry.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="departures"
    )
    origin_name = models.CharField(max_length=200)
    origin_lat = models.FloatField()
    origin_lon = models.FloatField()
    destination_site = models.ForeignKey(
        "registry.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="arrivals"
    )
    destination_name = models.CharField(max_length=200)
    destination_lat = models.FloatField()
    destination_lon = models.FloatField()
    # Intermediate waypoints in order: [{"name": str, "lat": float, "lon": float, "eta": iso | None}].
    # With none, the route is the straight line from origin to destination.
    waypoints = models.JSONField(default=list, blank=True)
    depart_at = models.DateTimeField(db_index=True)
    arrive_by = models.DateTimeField(db_index=True)
    people = models.ManyToManyField("registry.ProtectedPerson", related_name="movements")
    vehicles = models.ManyToManyField(
        "registry.Vehicle",
        blank=True,
        related_name="movements",
        help_text="Vehicles that carry the protected people.",
    )
    # The escort asked for or chosen on the approval page: [{"unit": id, "officers": int}].
    # Approval turns it into Assignment rows under row locks.
    escorts = models.JSONField(default=list, blank=True)
    state = models.CharField(
        max_length=16, choices=MovementState.choices, default=MovementState.DRAFT, db_index=True
    )
    # The last evaluation of the guidelines and of the route risk, kept for the record.
    rule_results = models.JSONField(default=list, blank=True)
    risk = models.JSONField(default=dict, blank=True)
    override_reason = models.TextField(blank=True, max_length=4000)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="overridden_movements",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_movements"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Gate:
        resource = "movement"
        org = "organisation"
        unit = "assignments__unit"
        nationality = "people__nationality"

    class Meta:
        ordering = ["depart_at", "pk"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.origin_name} → {self.destination_name}"

    def get_absolute_url(self) -> str:
        return reverse("movements:movement-detail", args=[self.pk])

    def clean(self) -> None:
        if self.depart_at and self.arrive_by and self.arrive_by <= self.depart_at:
            raise ValidationError({"arrive_by": "Arrival must be after departure."})

    def route_points(self) -> list[tuple[float, float]]:
        """The route as (lat, lon) points: origin, waypoints, destination."""
        middle = [(float(w["lat"]), float(w["lon"])) for w in self.waypoints or []]
        return [
            (self.origin_lat, self.origin_lon),
            *middle,
            (self.destination_lat, self.destination_lon),
        ]


class MovementTransition(models.Model):
    """One change of a movement's state, with who made it and why."""

    movement = models.ForeignKey(
        MovementRequest, on_delete=models.CASCADE, related_name="transitions"
    )
    from_state = models.CharField(max_length=16, choices=MovementState.choices)
    to_state = models.CharField(max_length=16, choices=MovementState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movement_transitions",
    )
    actor_label = models.CharField(max_length=150)
    reason = models.TextField(blank=True, max_length=4000)
    created = models.DateTimeField(auto_now_add=True)

    class Gate:
        resource = "movement"
        org = "movement__organisation"

    class Meta:
        ordering = ["created", "pk"]

    def __str__(self) -> str:
        return f"{self.movement.reference}: {self.from_state} → {self.to_state}"


class Assignment(models.Model):
    """A unit, vehicle or person held by a movement for its time window.

    Exactly one of unit, vehicle and person is set. Approval writes these rows after locking
    the unit, vehicle and person rows, so overlapping windows are checked without races.
    """

    movement = models.ForeignKey(
        MovementRequest, on_delete=models.CASCADE, related_name="assignments"
    )
    unit = models.ForeignKey(
        "registry.ProtectionUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
    )
    officers = models.PositiveIntegerField(default=0, help_text="Officers of the unit on escort.")
    vehicle = models.ForeignKey(
        "registry.Vehicle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
    )
    person = models.ForeignKey(
        "registry.ProtectedPerson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
    )
    starts = models.DateTimeField(db_index=True)
    ends = models.DateTimeField(db_index=True)
    active = models.BooleanField(default=True, db_index=True)

    class Gate:
        resource = "movement"
        org = "movement__organisation"
        unit = "unit"

    class Meta:
        ordering = ["starts", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(unit__isnull=False, vehicle__isnull=True, person__isnull=True)
                    | models.Q(unit__isnull=True, vehicle__isnull=False, person__isnull=True)
                    | models.Q(unit__isnull=True, vehicle__isnull=True, person__isnull=False)
                ),
                name="assignment_exactly_one_target",
            ),
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")), name="assignment_window"
            ),
        ]

    def __str__(self) -> str:
        target = self.unit or self.vehicle or self.person
        return f"{target} for {self.movement.reference}"


class GuidelineRule(models.Model):
    """One movement guideline kept as data: a kind of check and its parameters.

    Administrators edit rules in the admin or import them from a YAML file
    (``safepassage guidelines import``); the pure evaluator in ``safepassage.guidelines``
    judges every movement against the enabled ones.
    """

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=32, choices=[(key, kind.label) for key, kind in KINDS.items()]
    )
    params = models.JSONField(default=dict, blank=True, help_text="Parameters of the kind.")
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.FAIL)
    enabled = models.BooleanField(default=True)
    description = models.TextField(blank=True, max_length=4000)
    updated = models.DateTimeField(auto_now=True)

    class Gate:
        resource = "guideline"

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    def clean(self) -> None:
        try:
            validate_params(self.kind, self.params, self.severity)
        except RuleSpecError as exc:
            raise ValidationError({"params": str(exc)}) from exc

    def spec(self) -> RuleSpec:
        """The rule as the pure evaluator's plain spec."""
        return RuleSpec(
            code=self.code,
            name=self.name,
            kind=self.kind,
            params=self.params,
            severity=self.severity,
            enabled=self.enabled,
            description=self.description,
        )

"""The registry: organisations, projects, sites, protected people, protection units, vehicles.

Each model carries a ``Gate`` descriptor read by ``safepassage.access.gate``: the resource
name in the policy and the lookup paths to its owning organisation, province, unit and the
nationality it concerns. Models hold the minimum personal data the protection work needs.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse

from safepassage.registry.choices import (
    OrganisationKind,
    Posture,
    Province,
    SiteKind,
    UnitStatus,
    VehicleStatus,
)

country_code = RegexValidator(
    r"^[A-Z]{2}$", "Use a two-letter ISO 3166 country code, e.g. PK or CN."
)
latitude = [MinValueValidator(-90.0), MaxValueValidator(90.0)]
longitude = [MinValueValidator(-180.0), MaxValueValidator(180.0)]


class Organisation(models.Model):
    """An agency that uses the platform: a police protection unit, a security office, a ministry."""

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    country = models.CharField(
        max_length=2, validators=[country_code], help_text="Country the organisation answers to."
    )
    is_active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Gate:
        resource = "organisation"
        org = "pk"

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:organisation-detail", args=[self.pk])


class Project(models.Model):
    """A project (a dam, a road, a power plant) run by an organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="projects"
    )
    code = models.SlugField(
        max_length=40, unique=True, help_text="Short unique code, e.g. dasu-hpp."
    )
    name = models.CharField(max_length=200)
    province = models.CharField(max_length=3, choices=Province.choices)
    description = models.TextField(blank=True, max_length=4000)
    is_active = models.BooleanField(default=True)

    class Gate:
        resource = "project"
        org = "organisation"
        province = "province"

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:project-detail", args=[self.pk])


class ProtectionUnit(models.Model):
    """A protection unit (for example an SPU company) with its base, strength and availability."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="units")
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    base_name = models.CharField(max_length=200, help_text="Where the unit is based.")
    base_lat = models.FloatField(validators=latitude)
    base_lon = models.FloatField(validators=longitude)
    province = models.CharField(max_length=3, choices=Province.choices)
    strength = models.PositiveIntegerField(help_text="Officers on the roll.")
    available_strength = models.PositiveIntegerField(
        help_text="Officers available for escort duty."
    )
    status = models.CharField(
        max_length=16, choices=UnitStatus.choices, default=UnitStatus.AVAILABLE
    )

    class Gate:
        resource = "unit"
        org = "organisation"
        province = "province"
        unit = "pk"

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:unit-detail", args=[self.pk])

    def clean(self) -> None:
        if (
            self.available_strength is not None
            and self.strength is not None
            and self.available_strength > self.strength
        ):
            raise ValidationError(
                {"available_strength": "Available strength cannot exceed the unit's strength."}
            )


class Vehicle(models.Model):
    """A vehicle of a protection unit; armour and seats decide what movements it may serve."""

    unit = models.ForeignKey(ProtectionUnit, on_delete=models.CASCADE, related_name="vehicles")
    registration = models.CharField(max_length=20, unique=True)
    model_name = models.CharField("model", max_length=100)
    armoured = models.BooleanField(default=False)
    seats = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    status = models.CharField(
        max_length=16, choices=VehicleStatus.choices, default=VehicleStatus.AVAILABLE
    )

    class Gate:
        resource = "vehicle"
        org = "unit__organisation"
        province = "unit__province"
        unit = "unit"

    class Meta:
        ordering = ["registration"]

    def __str__(self) -> str:
        return f"{self.registration} ({'armoured' if self.armoured else 'soft-skin'})"

    def get_absolute_url(self) -> str:
        return reverse("registry:vehicle-detail", args=[self.pk])


class Site(models.Model):
    """A place people live or work at, with its security posture and guard."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="sites")
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="sites"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=SiteKind.choices)
    lat = models.FloatField("latitude", validators=latitude)
    lon = models.FloatField("longitude", validators=longitude)
    province = models.CharField(max_length=3, choices=Province.choices)
    district = models.CharField(max_length=100)
    posture = models.PositiveSmallIntegerField(choices=Posture.choices, default=Posture.GUARDED)
    guard_strength = models.PositiveIntegerField(default=0, help_text="Guards on duty at the site.")
    responsible_unit = models.ForeignKey(
        ProtectionUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="sites"
    )
    notes = models.TextField(blank=True, max_length=4000)

    class Gate:
        resource = "site"
        org = "organisation"
        province = "province"
        unit = "responsible_unit"
        nationality = "residents__nationality"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="site_unique_name_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:site-detail", args=[self.pk])


class ProtectedPerson(models.Model):
    """A person under protection. Only what protection needs: no ID numbers, no home address.

    ``retention_until`` is when the record must be deleted; a daily job removes expired records.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="people", help_text="Employer."
    )
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="people"
    )
    staff_ref = models.CharField(
        max_length=40, blank=True, help_text="The employer's own staff reference, if any."
    )
    full_name = models.CharField(max_length=200)
    nationality = models.CharField(max_length=2, validators=[country_code])
    home_site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="residents"
    )
    consent_date = models.DateField(help_text="When the person agreed to be registered.")
    retention_until = models.DateField(help_text="The record is deleted after this date.")

    # Personal fields are written to the audit log as redacted markers, so erasing a person
    # does not leave their name in the append-only log.
    audit_redact = frozenset({"full_name", "staff_ref"})
    audit_hide_repr = True

    class Gate:
        resource = "person"
        org = "organisation"
        province = "home_site__province"
        unit = "home_site__responsible_unit"
        nationality = "nationality"

    class Meta:
        ordering = ["full_name"]
        verbose_name = "protected person"
        verbose_name_plural = "protected people"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "staff_ref"],
                condition=~models.Q(staff_ref=""),
                name="person_unique_staff_ref_per_org",
                violation_error_code="unique",
                violation_error_message="This organisation already has a person with this staff reference.",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("registry:person-detail", args=[self.pk])

    def clean(self) -> None:
        if self.consent_date and self.retention_until and self.retention_until < self.consent_date:
            raise ValidationError({"retention_until": "Retention must end after the consent date."})

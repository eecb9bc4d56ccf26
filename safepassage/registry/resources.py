"""One descriptor per registry resource, shared by the web pages, CSV and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from safepassage.registry import filters, forms
from safepassage.registry import models as m


@dataclass(frozen=True)
class Resource:
    key: str  # URL and CLI name: sites, people, ...
    model: type[models.Model]
    form: type[forms.ScopedModelForm]
    filterset: type
    columns: tuple[str, ...]
    related: tuple[str, ...] = field(default_factory=tuple)

    @property
    def resource(self) -> str:
        return str(self.model.Gate.resource)  # type: ignore[attr-defined]

    @property
    def title(self) -> str:
        return str(self.model._meta.verbose_name_plural).capitalize()

    @property
    def singular(self) -> str:
        return str(self.model._meta.verbose_name)


RESOURCES: dict[str, Resource] = {
    r.key: r
    for r in (
        Resource(
            "organisations",
            m.Organisation,
            forms.OrganisationForm,
            filters.OrganisationFilter,
            ("name", "short_name", "kind", "country", "is_active"),
        ),
        Resource(
            "projects",
            m.Project,
            forms.ProjectForm,
            filters.ProjectFilter,
            ("name", "code", "organisation", "province", "is_active"),
            ("organisation",),
        ),
        Resource(
            "sites",
            m.Site,
            forms.SiteForm,
            filters.SiteFilter,
            (
                "name",
                "kind",
                "organisation",
                "province",
                "district",
                "posture",
                "guard_strength",
                "responsible_unit",
            ),
            ("organisation", "responsible_unit"),
        ),
        Resource(
            "people",
            m.ProtectedPerson,
            forms.PersonForm,
            filters.PersonFilter,
            ("full_name", "nationality", "organisation", "home_site", "retention_until"),
            ("organisation", "home_site"),
        ),
        Resource(
            "units",
            m.ProtectionUnit,
            forms.UnitForm,
            filters.UnitFilter,
            (
                "name",
                "code",
                "organisation",
                "province",
                "strength",
                "available_strength",
                "status",
            ),
            ("organisation",),
        ),
        Resource(
            "vehicles",
            m.Vehicle,
            forms.VehicleForm,
            filters.VehicleFilter,
            ("registration", "model_name", "unit", "armoured", "seats", "status"),
            ("unit",),
        ),
    )
}

# URL names use the singular, lower-case model name: registry:site-list, registry:person-detail.
URL_NAMES = {
    "organisations": "organisation",
    "projects": "project",
    "sites": "site",
    "people": "person",
    "units": "unit",
    "vehicles": "vehicle",
}

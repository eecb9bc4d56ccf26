"""Forms for the registry. CSV imports validate each row with these same forms."""

from __future__ import annotations

from typing import Any

from django import forms

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.registry import models as m


class ScopedModelForm(forms.ModelForm):  # type: ignore[type-arg]
    """A ModelForm whose related-object choices are limited to what the user may see."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and user is not None and hasattr(queryset.model, "Gate"):
                field.queryset = gate.restrict(queryset, user, Action.VIEW)


class OrganisationForm(ScopedModelForm):
    class Meta:
        model = m.Organisation
        fields = ["name", "short_name", "kind", "country", "is_active"]


class ProjectForm(ScopedModelForm):
    class Meta:
        model = m.Project
        fields = ["organisation", "code", "name", "province", "description", "is_active"]


class SiteForm(ScopedModelForm):
    class Meta:
        model = m.Site
        fields = [
            "organisation",
            "project",
            "name",
            "kind",
            "lat",
            "lon",
            "province",
            "district",
            "posture",
            "guard_strength",
            "responsible_unit",
            "notes",
        ]


class PersonForm(ScopedModelForm):
    class Meta:
        model = m.ProtectedPerson
        fields = [
            "organisation",
            "project",
            "staff_ref",
            "full_name",
            "nationality",
            "home_site",
            "consent_date",
            "retention_until",
        ]
        widgets = {
            "consent_date": forms.DateInput(attrs={"type": "date"}),
            "retention_until": forms.DateInput(attrs={"type": "date"}),
        }


class UnitForm(ScopedModelForm):
    class Meta:
        model = m.ProtectionUnit
        fields = [
            "organisation",
            "code",
            "name",
            "base_name",
            "base_lat",
            "base_lon",
            "province",
            "strength",
            "available_strength",
            "status",
        ]


class VehicleForm(ScopedModelForm):
    class Meta:
        model = m.Vehicle
        fields = ["unit", "registration", "model_name", "armoured", "seats", "status"]

"""List filters for the registry pages and the API (django-filter)."""

from __future__ import annotations

import django_filters

from safepassage.registry import models as m
from safepassage.registry.choices import Posture, Province, SiteKind


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name")

    class Meta:
        model = m.Organisation
        fields = ["q", "kind", "country", "is_active"]


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name")

    class Meta:
        model = m.Project
        fields = ["q", "organisation", "province", "is_active"]


class SiteFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name")
    kind = django_filters.ChoiceFilter(choices=SiteKind.choices)
    province = django_filters.ChoiceFilter(choices=Province.choices)
    district = django_filters.CharFilter(lookup_expr="iexact")
    min_posture = django_filters.ChoiceFilter(
        field_name="posture", lookup_expr="gte", choices=Posture.choices, label="Posture at least"
    )

    class Meta:
        model = m.Site
        fields = [
            "q",
            "kind",
            "province",
            "district",
            "min_posture",
            "organisation",
            "project",
            "responsible_unit",
        ]


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="full_name", lookup_expr="icontains", label="Name")
    nationality = django_filters.CharFilter(lookup_expr="iexact")
    retention_before = django_filters.DateFilter(
        field_name="retention_until", lookup_expr="lte", label="Retention ends by"
    )

    class Meta:
        model = m.ProtectedPerson
        fields = ["q", "nationality", "organisation", "project", "home_site", "retention_before"]


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name")
    min_available = django_filters.NumberFilter(
        field_name="available_strength", lookup_expr="gte", label="Available at least"
    )

    class Meta:
        model = m.ProtectionUnit
        fields = ["q", "province", "status", "organisation", "min_available"]


class VehicleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="registration", lookup_expr="icontains", label="Registration"
    )
    min_seats = django_filters.NumberFilter(
        field_name="seats", lookup_expr="gte", label="Seats at least"
    )

    class Meta:
        model = m.Vehicle
        fields = ["q", "unit", "armoured", "status", "min_seats"]

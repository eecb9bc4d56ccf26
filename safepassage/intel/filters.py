"""Filters of the incident list and the engagements timeline, shared by the pages, the API
and the exports (one definition, so the three always agree).

List-valued fields (victim nationalities, perpetrators, participants, topics) are JSON; the
filters match their JSON text, which works alike on SQLite and PostgreSQL, after checking
the value is a plain code or name so it cannot widen the match.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet

from safepassage.intel.choices import (
    ENGAGEMENT_KINDS,
    INCIDENT_KINDS,
    AttackType,
    EventKind,
    ReviewState,
)
from safepassage.intel.models import Engagement, Incident, Mention, Source

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_TOPIC = re.compile(r"^[A-Za-z_][A-Za-z0-9_ -]{0,63}$")


def _kinds(kinds: set[EventKind]) -> list[tuple[str, str]]:
    return [(k.value, k.label) for k in EventKind if k in kinds]


def _json_text(value: str) -> str:
    """``value`` as it appears inside a stored JSON string (quotes and backslashes escaped)."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


class CountryField(forms.CharField):
    """A two-letter country code, upper-cased."""

    def clean(self, value: Any) -> str:
        text = str(super().clean(value) or "").strip()
        if text and not _COUNTRY.match(text):
            raise forms.ValidationError("Give a two-letter country code, such as CN or PK.")
        return text.upper()


class CountryFilter(django_filters.CharFilter):
    field_class = CountryField


class IncidentFilter(django_filters.FilterSet):
    """Date range, place, kind, attack type, victims, perpetrator, source, review state."""

    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label="From")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label="To")
    province = django_filters.CharFilter(
        field_name="admin1", lookup_expr="iexact", label="Province"
    )
    district = django_filters.CharFilter(
        field_name="admin2", lookup_expr="iexact", label="District"
    )
    kind = django_filters.ChoiceFilter(
        choices=_kinds(INCIDENT_KINDS), label="Kind", empty_label="Any kind"
    )
    attack_type = django_filters.ChoiceFilter(
        choices=AttackType.choices, label="Attack type", empty_label="Any attack type"
    )
    nationality = CountryFilter(method="filter_nationality", label="Victims' nationality")
    perpetrator = django_filters.CharFilter(method="filter_perpetrator", label="Perpetrator")
    source = django_filters.ModelChoiceFilter(
        queryset=Source.objects.all(),
        method="filter_source",
        label="Source",
        empty_label="Any source",
    )
    review_state = django_filters.ChoiceFilter(
        choices=ReviewState.choices, label="Review state", empty_label="Any review state"
    )
    has_conflict = django_filters.BooleanFilter(label="Has conflict")

    class Meta:
        model = Incident
        fields: list[str] = []

    def filter_nationality(
        self, queryset: QuerySet[Incident], name: str, value: str
    ) -> QuerySet[Incident]:
        if not value:
            return queryset
        return queryset.filter(
            Q(victim_nationalities__icontains=f'"{value}"')
            | Q(deaths_by_nationality__has_key=value)
        )

    def filter_perpetrator(
        self, queryset: QuerySet[Incident], name: str, value: str
    ) -> QuerySet[Incident]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(perpetrators__icontains=_json_text(value))

    def filter_source(
        self, queryset: QuerySet[Incident], name: str, value: Source | None
    ) -> QuerySet[Incident]:
        if value is None:
            return queryset
        linked = Mention.objects.filter(report__source=value, incident__isnull=False)
        return queryset.filter(pk__in=linked.values("incident_id"))


class EngagementFilter(django_filters.FilterSet):
    """Kind, topic, a participant's country and a date range."""

    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label="From")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label="To")
    kind = django_filters.ChoiceFilter(
        choices=_kinds(ENGAGEMENT_KINDS), label="Kind", empty_label="Any kind"
    )
    topic = django_filters.CharFilter(method="filter_topic", label="Topic")
    country = CountryFilter(method="filter_country", label="Participant country")
    review_state = django_filters.ChoiceFilter(
        choices=ReviewState.choices, label="Review state", empty_label="Any review state"
    )

    class Meta:
        model = Engagement
        fields: list[str] = []

    def filter_topic(
        self, queryset: QuerySet[Engagement], name: str, value: str
    ) -> QuerySet[Engagement]:
        value = value.strip()
        if not value:
            return queryset
        if not _TOPIC.match(value):
            return queryset.none()
        return queryset.filter(topics__icontains=f'"{_json_text(value)}"')

    def filter_country(
        self, queryset: QuerySet[Engagement], name: str, value: str
    ) -> QuerySet[Engagement]:
        if not value:
            return queryset
        return queryset.filter(participants__icontains=f'"country": "{value}"')


# Newest first; undated events last on every database (PostgreSQL would put NULLs first).
NEWEST_FIRST = (F("date").desc(nulls_last=True), "-pk")


def visible_incidents() -> QuerySet[Incident]:
    """Incidents the lists show: a merged incident is only a pointer to another one."""
    return Incident.objects.filter(merged_into__isnull=True)

from __future__ import annotations

import django_filters

from safepassage.audit.context import Source
from safepassage.audit.models import AuditRecord

SOURCES = [
    (s, s)
    for s in (
        Source.WEB,
        Source.API,
        Source.ADMIN,
        Source.CLI,
        Source.JOB,
        Source.IMPORT,
        Source.SYSTEM,
    )
]


class AuditRecordFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(
        field_name="actor_label", lookup_expr="icontains", label="Actor"
    )
    source = django_filters.ChoiceFilter(choices=SOURCES)
    action = django_filters.ChoiceFilter(choices=AuditRecord.Action.choices)
    object_type = django_filters.CharFilter(lookup_expr="icontains", label="Object type")
    object_id = django_filters.CharFilter(label="Object id")
    correlation_id = django_filters.CharFilter(label="Request or job id")
    since = django_filters.DateFilter(field_name="created", lookup_expr="date__gte", label="From")
    until = django_filters.DateFilter(field_name="created", lookup_expr="date__lte", label="To")
    q = django_filters.CharFilter(method="search", label="Text")

    class Meta:
        model = AuditRecord
        fields: list[str] = []

    def search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(object_repr__icontains=value) | queryset.filter(object_id=value)

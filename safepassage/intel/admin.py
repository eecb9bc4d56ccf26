from django.contrib import admin

from safepassage.core.admin_site import GatedModelAdmin, site
from safepassage.intel import models as m


@admin.register(m.Source, site=site)
class SourceAdmin(GatedModelAdmin):
    list_display = [
        "name",
        "kind",
        "organisation",
        "reliability",
        "default_tlp",
        "enabled",
        "last_status",
        "last_run_at",
    ]
    list_filter = ["kind", "reliability", "enabled", "last_status"]
    search_fields = ["name", "url", "path"]
    readonly_fields = [
        "last_run_at",
        "last_success_at",
        "last_status",
        "last_error",
        "last_count",
        "etag",
        "modified",
    ]


@admin.register(m.Report, site=site)
class ReportAdmin(GatedModelAdmin):
    list_display = ["__str__", "source", "status", "published", "received_at", "language"]
    list_filter = ["status", "source", "tlp"]
    search_fields = ["title", "url"]
    readonly_fields = [
        "content_hash",
        "url_hash",
        "simhash",
        "extraction",
        "processed_at",
        "near_duplicate_of",
    ]
    exclude = ["band0", "band1", "band2", "band3"]


@admin.register(m.Incident, site=site)
class IncidentAdmin(GatedModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "attack_type",
        "date",
        "admin1",
        "admin2",
        "deaths",
        "review_state",
        "has_conflict",
    ]
    list_filter = ["kind", "attack_type", "review_state", "has_conflict", "admin1"]
    search_fields = ["place_name", "admin1", "admin2"]


@admin.register(m.Engagement, site=site)
class EngagementAdmin(GatedModelAdmin):
    list_display = ["__str__", "kind", "date", "place_name", "review_state"]
    list_filter = ["kind", "review_state"]
    search_fields = ["title", "place_name"]

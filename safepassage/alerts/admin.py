"""Alert rules, webhooks and the alert record in the gated admin."""

from django.contrib import admin

from safepassage.alerts import models as m
from safepassage.core.admin_site import GatedModelAdmin, site


@admin.register(m.AlertRule, site=site)
class AlertRuleAdmin(GatedModelAdmin):
    list_display = [
        "name",
        "subject",
        "radius_km",
        "min_severity",
        "dedupe_minutes",
        "group_minutes",
        "enabled",
    ]
    list_filter = ["subject", "enabled", "min_severity"]
    search_fields = ["name"]
    filter_horizontal = ["extra_recipients"]


@admin.register(m.Webhook, site=site)
class WebhookAdmin(GatedModelAdmin):
    list_display = ["name", "organisation", "url", "enabled"]
    list_filter = ["enabled"]
    search_fields = ["name", "url"]


class DeliveryInline(admin.TabularInline):  # type: ignore[type-arg]
    model = m.Delivery
    extra = 0
    can_delete = False
    fields = ["channel", "target", "status", "attempts", "error", "sent_at"]
    readonly_fields = fields


@admin.register(m.Alert, site=site)
class AlertAdmin(GatedModelAdmin):
    list_display = ["title", "recipient", "severity", "state", "created", "read_at"]
    list_filter = ["state", "severity", "kind"]
    search_fields = ["title", "why", "recipient__username"]
    readonly_fields = [f.name for f in m.Alert._meta.concrete_fields]
    inlines = [DeliveryInline]


@admin.register(m.Delivery, site=site)
class DeliveryAdmin(GatedModelAdmin):
    list_display = ["pk", "channel", "target", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status"]
    readonly_fields = [f.name for f in m.Delivery._meta.concrete_fields]


@admin.register(m.IncidentEvaluation, site=site)
class IncidentEvaluationAdmin(GatedModelAdmin):
    list_display = ["incident", "queued_at", "finished_at", "subjects", "alerts", "held"]
    readonly_fields = [f.name for f in m.IncidentEvaluation._meta.concrete_fields]

"""Admin pages for the movement guidelines, behind the permission gate."""

from __future__ import annotations

from django.contrib import admin

from safepassage.core.admin_site import GatedModelAdmin, site
from safepassage.movements.models import GuidelineRule


@admin.register(GuidelineRule, site=site)
class GuidelineRuleAdmin(GatedModelAdmin):
    list_display = ("code", "name", "kind", "severity", "enabled", "updated")
    list_filter = ("kind", "severity", "enabled")
    search_fields = ("code", "name", "description")
    readonly_fields = ("updated",)

"""Admin page for the escalation ladder, behind the permission gate."""

from __future__ import annotations

from django.contrib import admin

from safepassage.core.admin_site import GatedModelAdmin, site
from safepassage.tracking.models import EscalationLadder


@admin.register(EscalationLadder, site=site)
class EscalationLadderAdmin(GatedModelAdmin):
    list_display = ("name", "active", "updated")
    list_filter = ("active",)
    filter_horizontal = ("duty_officers",)
    readonly_fields = ("updated",)

from django.contrib import admin

from safepassage.core.admin_site import GatedModelAdmin, site
from safepassage.registry import models as m


@admin.register(m.Organisation, site=site)
class OrganisationAdmin(GatedModelAdmin):
    list_display = ["name", "short_name", "kind", "country", "is_active"]
    list_filter = ["kind", "country", "is_active"]
    search_fields = ["name", "short_name"]


@admin.register(m.Project, site=site)
class ProjectAdmin(GatedModelAdmin):
    list_display = ["name", "code", "organisation", "province", "is_active"]
    list_filter = ["province", "is_active"]
    search_fields = ["name", "code"]


class VehicleInline(admin.TabularInline):  # type: ignore[type-arg]
    model = m.Vehicle
    extra = 0


@admin.register(m.ProtectionUnit, site=site)
class ProtectionUnitAdmin(GatedModelAdmin):
    list_display = [
        "name",
        "code",
        "organisation",
        "province",
        "strength",
        "available_strength",
        "status",
    ]
    list_filter = ["province", "status"]
    search_fields = ["name", "code", "base_name"]


@admin.register(m.Vehicle, site=site)
class VehicleAdmin(GatedModelAdmin):
    list_display = ["registration", "model_name", "unit", "armoured", "seats", "status"]
    list_filter = ["armoured", "status"]
    search_fields = ["registration", "model_name"]


@admin.register(m.Site, site=site)
class SiteAdmin(GatedModelAdmin):
    list_display = [
        "name",
        "kind",
        "organisation",
        "province",
        "district",
        "posture",
        "responsible_unit",
    ]
    list_filter = ["kind", "province", "posture"]
    search_fields = ["name", "district"]


@admin.register(m.ProtectedPerson, site=site)
class ProtectedPersonAdmin(GatedModelAdmin):
    list_display = ["full_name", "nationality", "organisation", "home_site", "retention_until"]
    list_filter = ["nationality"]
    search_fields = ["full_name", "staff_ref"]

from django.contrib import admin

from safepassage.audit.models import AuditRecord
from safepassage.core.admin_site import GatedModelAdmin, site


@admin.register(AuditRecord, site=site)
class AuditRecordAdmin(GatedModelAdmin):
    list_display = [
        "seq",
        "created",
        "source",
        "actor_label",
        "action",
        "object_type",
        "object_repr",
    ]
    list_filter = ["source", "action", "object_type"]
    search_fields = ["actor_label", "object_repr", "object_id", "correlation_id"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

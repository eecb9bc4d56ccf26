from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from safepassage.accounts.models import ApiToken, User
from safepassage.core.admin_site import GatedModelAdmin, site


@admin.register(User, site=site)
class UserAdmin(GatedModelAdmin, DjangoUserAdmin):  # type: ignore[misc]
    list_display = ["username", "email", "organisation", "role", "is_active"]
    list_filter = ["role", "organisation", "is_active"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email")}),
        ("Role and scope", {"fields": ("organisation", "role", "provinces", "units", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2", "organisation", "role")}),
    )
    filter_horizontal = ["units"]


@admin.register(ApiToken, site=site)
class ApiTokenAdmin(GatedModelAdmin):
    list_display = ["name", "prefix", "user", "access", "created", "last_used", "revoked_at"]
    readonly_fields = ["prefix", "created", "last_used"]
    fields = [
        "user",
        "name",
        "prefix",
        "access",
        "resources",
        "expires_at",
        "revoked_at",
        "created",
        "last_used",
    ]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        # Tokens are issued from the account page or the CLI, where the secret is shown once.
        return False

"""The Django admin, behind the same permission gate as every other page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from safepassage.access import gate
from safepassage.access.policy import Action


class GatedAdminSite(admin.AdminSite):
    site_header = "Safe Passage administration"
    site_title = "Safe Passage admin"
    index_title = "Registry, accounts and audit"

    def has_permission(self, request: HttpRequest) -> bool:
        return gate.can(request.user, Action.VIEW, "admin_site")


class GatedModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A ModelAdmin whose every query and permission check goes through the gate."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return gate.restrict(super().get_queryset(request), request.user, Action.VIEW)

    def has_view_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return self._allowed(request, Action.VIEW, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return gate.can(request.user, Action.ADD, self.model)

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return self._allowed(request, Action.CHANGE, obj)

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return self._allowed(request, Action.DELETE, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return gate.can(request.user, Action.VIEW, self.model)

    def _allowed(self, request: HttpRequest, action: str, obj: models.Model | None) -> bool:
        if obj is None:
            return gate.can(request.user, action, self.model)
        return gate.in_scope(request.user, action, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        gate.save(request.user, obj, action=Action.CHANGE if change else Action.ADD)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        gate.delete(request.user, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # Delete one by one so each deletion is checked and audited.
        with transaction.atomic():
            for obj in gate.restrict(queryset, request.user, Action.DELETE):
                gate.delete(request.user, obj)


site = GatedAdminSite(name="admin")

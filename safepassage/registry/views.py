"""Registry pages: list with filters, detail, create, edit and delete for each resource.

Every view is the same four steps: a scoped lookup through the gate, validation, one save
or delete through the gate, a response.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.registry.resources import RESOURCES, URL_NAMES, Resource


def _field_rows(resource: Resource, obj: Any) -> list[tuple[str, Any]]:
    rows = []
    for field in resource.form._meta.fields:  # type: ignore[attr-defined]
        model_field = resource.model._meta.get_field(field)
        display = getattr(obj, f"get_{field}_display", None)
        value = display() if callable(display) else getattr(obj, field)
        rows.append((str(model_field.verbose_name).capitalize(), value))
    return rows


def _cell(obj: Any, column: str) -> Any:
    display = getattr(obj, f"get_{column}_display", None)
    return display() if callable(display) else getattr(obj, column)


@login_required
def list_view(request: HttpRequest, resource: Resource) -> HttpResponse:
    gate.require(request.user, Action.VIEW, resource.model)
    queryset = gate.restrict(
        resource.model.objects.select_related(*resource.related), request.user, Action.VIEW
    )
    filterset = resource.filterset(request.GET, queryset=queryset, request=request)
    # Limit the filter's related-object choices to the user's scope too.
    for field in filterset.form.fields.values():
        related = getattr(field, "queryset", None)
        if related is not None and hasattr(related.model, "Gate"):
            field.queryset = gate.restrict(related, request.user, Action.VIEW)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    headers = [
        str(resource.model._meta.get_field(c).verbose_name).capitalize() for c in resource.columns
    ]
    rows = [(obj, [_cell(obj, c) for c in resource.columns]) for obj in page]
    return render(
        request,
        "registry/list.html",
        {
            "resource": resource,
            "url_name": URL_NAMES[resource.key],
            "filter": filterset,
            "page": page,
            "rows": rows,
            "headers": headers,
            "query": query.urlencode(),
            "can_add": gate.can(request.user, Action.ADD, resource.model),
        },
    )


@login_required
def detail_view(request: HttpRequest, resource: Resource, pk: int) -> HttpResponse:
    obj = gate.get_object(request.user, Action.VIEW, resource.model, pk=pk)
    return render(
        request,
        "registry/detail.html",
        {
            "resource": resource,
            "url_name": URL_NAMES[resource.key],
            "object": obj,
            "fields": _field_rows(resource, obj),
            "can_change": gate.in_scope(request.user, Action.CHANGE, obj),
            "can_delete": gate.in_scope(request.user, Action.DELETE, obj),
        },
    )


def _save_form(request: HttpRequest, resource: Resource, form: Any, action: str) -> Any:
    """Save a valid form through the gate; None when the gate or the database refused it."""
    try:
        with transaction.atomic():
            obj = form.save(commit=False)
            gate.save(request.user, obj, action=action)
            form.save_m2m()
        return obj
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
    except IntegrityError:
        form.add_error(
            None, f"This {resource.singular} conflicts with an existing one (duplicate)."
        )
    return None


@login_required
def create_view(request: HttpRequest, resource: Resource) -> HttpResponse:
    gate.require(request.user, Action.ADD, resource.model)
    form = resource.form(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        obj = _save_form(request, resource, form, Action.ADD)
        if obj is not None:
            messages.success(request, f"{resource.singular.capitalize()} “{obj}” created.")
            return redirect(obj.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "registry/form.html",
        {"resource": resource, "form": form, "object": None},
        status=status,
    )


@login_required
def edit_view(request: HttpRequest, resource: Resource, pk: int) -> HttpResponse:
    obj = gate.get_object(request.user, Action.CHANGE, resource.model, pk=pk)
    form = resource.form(request.POST or None, instance=obj, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = _save_form(request, resource, form, Action.CHANGE)
        if saved is not None:
            messages.success(request, f"{resource.singular.capitalize()} “{saved}” saved.")
            return redirect(saved.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "registry/form.html",
        {"resource": resource, "form": form, "object": obj},
        status=status,
    )


@login_required
@require_POST
def delete_view(request: HttpRequest, resource: Resource, pk: int) -> HttpResponse:
    obj = gate.get_object(request.user, Action.DELETE, resource.model, pk=pk)
    label = str(obj)
    try:
        gate.delete(request.user, obj)
    except IntegrityError:
        messages.error(
            request, f"“{label}” is still referenced by other records and was not deleted."
        )
        return redirect(obj.get_absolute_url())
    messages.success(request, f"{resource.singular.capitalize()} “{label}” deleted.")
    return redirect(reverse(f"registry:{URL_NAMES[resource.key]}-list"))


def urlpatterns() -> list[URLPattern]:
    patterns = []
    for key, resource in RESOURCES.items():
        name = URL_NAMES[key]
        kwargs = {"resource": resource}
        patterns += [
            path(f"{key}/", list_view, kwargs, name=f"{name}-list"),
            path(f"{key}/new/", create_view, kwargs, name=f"{name}-create"),
            path(f"{key}/<int:pk>/", detail_view, kwargs, name=f"{name}-detail"),
            path(f"{key}/<int:pk>/edit/", edit_view, kwargs, name=f"{name}-edit"),
            path(f"{key}/<int:pk>/delete/", delete_view, kwargs, name=f"{name}-delete"),
        ]
    return patterns

"""Registry pages: list with filters, detail, create, edit and delete for each resource.

Every view is the same four steps: a scoped lookup through the gate, validation, one save
or delete through the gate, a response.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.registry import csvio
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
            path(f"{key}/import/", import_view, kwargs, name=f"{name}-import"),
            path(f"{key}/export.csv", export_view, kwargs, name=f"{name}-export"),
        ]
    return patterns


class _CappedUploadHandler(FileUploadHandler):
    """Stops receiving an uploaded file once it passes the import limit.

    The rest of the upload is read and discarded, so an oversized file never lands in memory
    or on disk; the view then reports the size instead of parsing anything.
    """

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.too_large = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@login_required
@csrf_exempt
def import_view(request: HttpRequest, resource: Resource) -> HttpResponse:
    # The upload limit has to be in place before anything reads the request body, and the
    # CSRF middleware reads it; so the CSRF check runs inside, once the handler is set.
    handler = _CappedUploadHandler(request, settings.IMPORT_MAX_BYTES)
    request.upload_handlers.insert(0, handler)
    return _import_page(request, resource, handler)


@csrf_protect
def _import_page(
    request: HttpRequest, resource: Resource, handler: _CappedUploadHandler
) -> HttpResponse:
    gate.require(request.user, Action.ADD, resource.model)
    result = None
    if request.method == "POST":
        update = request.POST.get("update") == "on"
        dry_run = request.POST.get("dry_run") == "on"
        upload = request.FILES.get("file")
        if handler.too_large or (upload is not None and upload.size > settings.IMPORT_MAX_BYTES):
            limit = settings.IMPORT_MAX_BYTES / (1024 * 1024)
            result = csvio.ImportResult(resource.key, dry_run=dry_run)
            result.errors.append(
                csvio.Problem(
                    None,
                    "",
                    f"The file is larger than the {limit:.1f} MB limit. "
                    "Split it into smaller files.",
                )
            )
        elif upload is None:
            result = csvio.ImportResult(resource.key, dry_run=dry_run)
            result.errors.append(csvio.Problem(None, "", "Choose a CSV file to import."))
        else:
            result = csvio.import_csv(
                resource, request.user, upload, size=upload.size, update=update, dry_run=dry_run
            )
    return render(
        request,
        "registry/import.html",
        {
            "resource": resource,
            "url_name": URL_NAMES[resource.key],
            "result": result,
            "columns": csvio.describe(resource),
            "max_mb": settings.IMPORT_MAX_BYTES / (1024 * 1024),
            "max_rows": settings.IMPORT_MAX_ROWS,
        },
        status=400 if result is not None and not result.ok else 200,
    )


@login_required
def export_view(request: HttpRequest, resource: Resource) -> HttpResponse:
    queryset = csvio.export_queryset(resource, request.user)
    # The list page's filters narrow the export, never widen it: they apply to the scoped set.
    queryset = resource.filterset(request.GET, queryset=queryset, request=request).qs
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{resource.key}-{stamp}.csv"'
    # Exports can hold personal data: keep them out of shared caches.
    response["Cache-Control"] = "no-store"
    # A BOM lets spreadsheet programs recognise UTF-8 (names in Chinese or Urdu); import accepts it.
    response.write("\ufeff")
    csvio.write_csv(resource, request.user, response, queryset=queryset)
    return response

"""Pages for sources (list, detail, create, edit, delete, poll now) and the field report form.

Each view is the usual four steps: a scoped lookup through the gate, validation, one write
(through the gate, or ``submit_report`` for reports), a response.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.access.principals import SystemActor
from safepassage.intel.choices import TLP, Reliability, SourceKind
from safepassage.intel.forms import FieldReportForm, SourceForm
from safepassage.intel.models import Report, Source
from safepassage.intel.sources import POLLED_KINDS

# The reliability a new field-report source starts with: the organisation's own trained
# officers are "usually reliable" (B) on the Admiralty scale; analysts may regrade it.
FIELD_REPORT_RELIABILITY = Reliability.B


@login_required
def source_list(request: HttpRequest) -> HttpResponse:
    gate.require(request.user, Action.VIEW, Source)
    sources = gate.restrict(Source.objects.select_related("organisation"), request.user)
    kind = request.GET.get("kind", "")
    if kind in SourceKind.values:
        sources = sources.filter(kind=kind)
    status = request.GET.get("status", "")
    if status in ("ok", "partial", "error", "running"):
        sources = sources.filter(last_status=status)
    page = Paginator(sources, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "intel/source_list.html",
        {
            "page": page,
            "kinds": SourceKind.choices,
            "kind": kind,
            "status": status,
            "can_add": gate.can(request.user, Action.ADD, Source),
        },
    )


@login_required
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = gate.get_object(request.user, Action.VIEW, Source, pk=pk)
    reports = gate.restrict(Report.objects.filter(source=source), request.user)[:20]
    can_change = gate.in_scope(request.user, Action.CHANGE, source)
    return render(
        request,
        "intel/source_detail.html",
        {
            "source": source,
            "reports": reports,
            "can_change": can_change,
            "can_delete": gate.in_scope(request.user, Action.DELETE, source),
            "can_poll": can_change and source.kind in POLLED_KINDS,
        },
    )


def _save_source(request: HttpRequest, form: SourceForm, action: str) -> Source | None:
    try:
        with transaction.atomic():
            source: Source = form.save(commit=False)
            gate.save(request.user, source, action=action)
        return source
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
    except IntegrityError:
        form.add_error("name", "A source with this name already exists.")
    return None


@login_required
def source_create(request: HttpRequest) -> HttpResponse:
    gate.require(request.user, Action.ADD, Source)
    form = SourceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        source = _save_source(request, form, Action.ADD)
        if source is not None:
            messages.success(request, f"Source “{source}” created.")
            return redirect(source.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "intel/source_form.html", {"form": form, "source": None}, status=status)


@login_required
def source_edit(request: HttpRequest, pk: int) -> HttpResponse:
    source = gate.get_object(request.user, Action.CHANGE, Source, pk=pk)
    form = SourceForm(request.POST or None, instance=source, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = _save_source(request, form, Action.CHANGE)
        if saved is not None:
            messages.success(request, f"Source “{saved}” saved.")
            return redirect(saved.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request, "intel/source_form.html", {"form": form, "source": source}, status=status
    )


@login_required
@require_POST
def source_delete(request: HttpRequest, pk: int) -> HttpResponse:
    source = gate.get_object(request.user, Action.DELETE, Source, pk=pk)
    label = str(source)
    try:
        gate.delete(request.user, source)
    except IntegrityError:
        messages.error(
            request,
            f"“{label}” has reports and was kept; disable it instead to stop polling it.",
        )
        return redirect(source.get_absolute_url())
    messages.success(request, f"Source “{label}” deleted.")
    return redirect(reverse("intel:source-list"))


@login_required
@require_POST
def source_poll(request: HttpRequest, pk: int) -> HttpResponse:
    from safepassage.intel.jobs_sources import enqueue_poll

    source = gate.get_object(request.user, Action.CHANGE, Source, pk=pk)
    if source.kind not in POLLED_KINDS:
        messages.error(request, "This source receives its reports by push; it is not polled.")
    else:
        enqueue_poll(source.pk)
        messages.success(request, f"Polling of “{source}” queued; its status updates when done.")
    return redirect(source.get_absolute_url())


def field_report_source(organisation: Any) -> Source:
    """The organisation's field-report source, created on first use.

    Officers may file reports but not configure sources, so the source is created by the
    system on their behalf (audited within the officer's request).
    """
    existing = Source.objects.filter(kind=SourceKind.FORM, organisation=organisation)
    found = existing.order_by("pk").first()
    if found is not None:
        return found
    base = f"Field reports: {organisation.short_name or organisation.name}"[:180]
    actor = SystemActor("system:field-report-form")
    for name in (base, f"{base} (#{organisation.pk})"):
        source = Source(
            organisation=organisation,
            name=name,
            kind=SourceKind.FORM,
            reliability=FIELD_REPORT_RELIABILITY,
            default_tlp=TLP.AMBER,
        )
        try:
            with transaction.atomic():
                return gate.save(actor, source)
        except IntegrityError:
            # Another request created it first, or another organisation holds the name.
            found = existing.order_by("pk").first()
            if found is not None:
                return found
    raise IntegrityError(f"No free name for the field-report source of {organisation}.")


@login_required
def field_report(request: HttpRequest) -> HttpResponse:
    from safepassage.intel.services.ingest import submit_report

    user = request.user
    gate.require(user, Action.ADD, Report)
    organisation = getattr(user, "organisation", None)
    if organisation is None:
        raise PermissionDenied("Your account belongs to no organisation; it cannot file reports.")
    form = FieldReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = submit_report(
                source=field_report_source(organisation),
                text=form.cleaned_data["text"],
                title=form.headline(),
                published=timezone.localdate(),
                structured=form.structured(),
                submitted_by=user,  # type: ignore[arg-type]
                tlp=form.cleaned_data["tlp"],
            )
        except ValidationError as exc:
            form.add_error("text", exc.messages)
        else:
            if result.created:
                messages.success(request, "Your report is stored and queued for analysis.")
            else:
                messages.info(request, "The same report was already stored; nothing new added.")
            return redirect(reverse("intel:field-report-done", args=[result.report.pk]))
    recent = gate.restrict(Report.objects.filter(submitted_by=user), user)[:10]
    status = 400 if request.method == "POST" else 200
    return render(
        request, "intel/field_report.html", {"form": form, "recent": recent}, status=status
    )


@login_required
def field_report_done(request: HttpRequest, pk: int) -> HttpResponse:
    report = gate.get_object(request.user, Action.VIEW, Report, pk=pk)
    structured = report.structured if isinstance(report.structured, dict) else {}

    def total(key: str) -> Any:
        value = structured.get(key)
        return value.get("total") if isinstance(value, dict) else None

    return render(
        request,
        "intel/field_report_done.html",
        {
            "report": report,
            "structured": structured,
            "location": structured.get("location") or {},
            "deaths": total("fatalities"),
            "injured": total("injured"),
        },
    )

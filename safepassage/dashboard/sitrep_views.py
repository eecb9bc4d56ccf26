"""Pages of the situation report: the live report (HTML and PDF), issued copies, delivery.

Every report is built for the signed-in reader through the gate; see ``dashboard.sitrep``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.api.schemas import MAX_ID
from safepassage.dashboard import sitrep, sitrep_store
from safepassage.dashboard.models import SitrepSubscription, SituationReport
from safepassage.dashboard.sitrep_pdf import filename, render_pdf
from safepassage.intel.choices import TLP
from safepassage.intel.models import Incident

HISTORY = 14


def _report_from(request: HttpRequest) -> sitrep.Sitrep:
    """The live report the query string asks for, read as the signed-in user."""
    gate.require(request.user, Action.VIEW, Incident)
    day = sitrep.parse_day(request.GET.get("day"))
    cap = sitrep.parse_cap(request.GET.get("tlp"))
    return sitrep.build(request.user, day, cap)


def _live(request: HttpRequest, answer: Callable[[sitrep.Sitrep], HttpResponse]) -> HttpResponse:
    """The live report answered by ``answer``, or 400 saying what to send instead."""
    try:
        report = _report_from(request)
    except sitrep.SitrepInputError as error:
        return _bad_request(request, error)
    return answer(report)


def _bad_request(request: HttpRequest, error: sitrep.SitrepInputError) -> HttpResponse:
    return render(
        request,
        "dashboard/sitrep_error.html",
        {"error": str(error), "today": sitrep.parse_day(None)},
        status=400,
    )


def _pdf_response(pdf: bytes, name: str, marking: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # Filtered for one reader: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    response["X-TLP"] = marking
    return response


def _page(
    request: HttpRequest,
    report: sitrep.Sitrep,
    *,
    issued: SituationReport | None = None,
    withheld: SituationReport | None = None,
) -> HttpResponse:
    query = {"day": report.day.isoformat()} | ({"tlp": report.cap} if report.cap else {})
    pdf_url = (
        reverse("dashboard:sitrep-issued-pdf", args=[issued.pk])
        if issued
        else f"{reverse('dashboard:sitrep-pdf')}?{urlencode(query)}"
    )
    subscription = SitrepSubscription.objects.filter(user_id=request.user.pk).first()
    history = list(sitrep_store.issued_to(request.user).only("pk", "day", "cap", "tlp")[:HISTORY])
    response = render(
        request,
        "dashboard/sitrep.html",
        {
            "report": report,
            "issued": issued,
            "withheld": withheld,
            "pdf_url": pdf_url,
            "tlp_choices": TLP.choices,
            "subscription": subscription,
            "history": history,
            "min_change": sitrep.MIN_RISK_CHANGE,
            "cap_label": TLP(report.cap).label if report.cap else "",
            "links": True,
        },
    )
    response["Cache-Control"] = "private, no-store"
    response["X-TLP"] = report.tlp_label
    return response


@login_required
@require_GET
def sitrep_page(request: HttpRequest) -> HttpResponse:
    """Today's report (or ``?day=``), at most ``?tlp=`` when given, for the signed-in user."""
    return _live(request, lambda report: _page(request, report))


@login_required
@require_GET
def sitrep_pdf(request: HttpRequest) -> HttpResponse:
    """The same report as a PDF download."""
    return _live(
        request,
        lambda report: _pdf_response(render_pdf(report), filename(report), report.tlp_label),
    )


def _issued(request: HttpRequest, pk: int) -> SituationReport:
    # A path id beyond what the database stores is simply not found (not a server error).
    if not 1 <= pk <= MAX_ID:
        raise Http404("No such situation report.")
    stored: SituationReport = gate.get_object(
        request.user, Action.VIEW, sitrep_store.issued_to(request.user), pk=pk
    )
    return stored


def _header_of(stored: SituationReport, reader: Any) -> sitrep.Sitrep:
    """The page header of a stored copy (its sections are in its stored HTML)."""
    return sitrep.Sitrep(
        day=stored.day,
        reader=reader.get_username(),
        generated_at=stored.generated_at,
        cap=stored.cap,
        tlp=stored.tlp,
        incidents=sitrep.Section(),
        provinces=[],
        districts=[],
        movements=sitrep.Section(),
        alerts=sitrep.Section(),
        reviews=sitrep.Section(),
        contents=stored.contents,
        risk_digest=stored.risk_digest,
    )


@login_required
@require_GET
def issued_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A copy issued to the reader; withheld (and rebuilt live) if it holds what they lost."""
    stored = _issued(request, pk)
    if not sitrep_store.still_valid(request.user, stored):
        live = sitrep.build(request.user, stored.day, stored.cap)
        return _page(request, live, withheld=stored)
    return _page(request, _header_of(stored, request.user), issued=stored)


@login_required
@require_GET
def issued_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF of an issued copy, under the same check as its page."""
    stored = _issued(request, pk)
    if not sitrep_store.still_valid(request.user, stored):
        error = sitrep.SitrepInputError(
            "That copy holds something you may no longer see, so it is withheld. "
            "Open the report of that day again to get it as you may see it now."
        )
        response = _bad_request(request, error)
        response.status_code = 409
        return response
    name = f"sitrep-{stored.day.isoformat()}-tlp-{stored.tlp.replace('+', '-')}.pdf"
    return _pdf_response(bytes(stored.pdf), name, TLP(stored.tlp).label)


@login_required
@require_POST
def subscription(request: HttpRequest) -> HttpResponse:
    """Start or stop the daily delivery for the signed-in user."""
    gate.require(request.user, Action.VIEW, Incident)
    active = request.POST.get("active") == "1"
    try:
        cap = sitrep.parse_cap(request.POST.get("tlp")) if active else ""
    except sitrep.SitrepInputError as error:
        messages.error(request, str(error))
        return redirect("dashboard:sitrep")
    current = SitrepSubscription.objects.filter(user_id=request.user.pk).first()
    if current is None and not active:
        return redirect("dashboard:sitrep")
    record = current or SitrepSubscription(user=request.user)
    record.active = active
    if active:
        record.cap = cap
    gate.save(request.user, record, action=Action.CHANGE)
    messages.success(
        request,
        "You will receive the daily situation report."
        if active
        else "The daily situation report is stopped.",
    )
    return redirect("dashboard:sitrep")

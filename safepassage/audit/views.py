from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.audit.filters import AuditRecordFilter
from safepassage.audit.models import AuditRecord


@login_required
def log(request: HttpRequest) -> HttpResponse:
    """Search the audit log (administrators)."""
    gate.require(request.user, Action.VIEW, AuditRecord)
    records = gate.restrict(AuditRecord.objects.all(), request.user, Action.VIEW)
    filterset = AuditRecordFilter(request.GET, queryset=records)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )

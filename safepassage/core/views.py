from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from safepassage.access import gate
from safepassage.core.navigation import visible_sections


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: what this user's role lets them reach, with counts in their scope."""
    sections = []
    for section in visible_sections(request.user):
        count = None
        if section.model is not None:
            count = gate.restrict(section.model.objects.all(), request.user).count()
        sections.append({"section": section, "count": count})
    return render(request, "core/home.html", {"sections": sections})


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: answers only whether the database responds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page is the reader's persona dashboard (``dashboard.views.home``)."""
    from safepassage.dashboard.views import home as dashboard_home

    return dashboard_home(request)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: answers only whether the database responds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})

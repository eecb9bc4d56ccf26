"""Attributes every write made while serving a request to its user and request id."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from safepassage.audit.context import Source, acting, new_correlation_id


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith("/api/"):
            source = Source.API
        elif path.startswith("/admin/"):
            source = Source.ADMIN
        else:
            source = Source.WEB
        request_id = new_correlation_id("req")
        request.request_id = request_id  # type: ignore[attr-defined]
        with acting(source, user=request.user, correlation_id=request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response

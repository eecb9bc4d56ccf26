"""Security headers Django's own middleware does not send: a Content Security Policy and friends.

Django's ``SecurityMiddleware`` already sends ``X-Content-Type-Options``, ``Referrer-Policy``,
``Cross-Origin-Opener-Policy`` and, under HTTPS, HSTS; ``XFrameOptionsMiddleware`` denies
framing. This middleware adds what is left:

* ``Content-Security-Policy``: scripts only from this origin and never inline (no page has an
  inline script or event handler, see tests/security/test_headers.py), nothing from outside,
  no plugins, no framing, forms post only here. Inline *styles* stay allowed: a few templates
  and the map library set them, and a style cannot run code.
* ``Permissions-Policy``: the only browser feature a page uses is geolocation (the field
  check-in page fills in the officer's position), from this origin only.
* ``Cross-Origin-Resource-Policy: same-origin``, so another site cannot embed our responses.

A response that already carries a header (a view that needs something different) keeps it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEFAULT_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
DEFAULT_PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Add the Content Security Policy, Permissions-Policy and CORP headers to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        headers = {
            "Content-Security-Policy": getattr(settings, "SECURITY_CSP", DEFAULT_CSP),
            "Permissions-Policy": getattr(
                settings, "SECURITY_PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY
            ),
            "Cross-Origin-Resource-Policy": "same-origin",
        }
        for name, value in headers.items():
            if value and name not in response:
                response[name] = value
        return response

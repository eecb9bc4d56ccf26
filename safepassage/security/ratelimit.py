"""Rate limits on the API and on sign-in, counted in Django's cache.

Two limits guard the API (every path under ``/api/``), each a fixed one-minute window:

* per credential: the bearer token (by its SHA-256, so the limit is known before the database
  is asked whether the token exists), else the browser session, else the client address;
* per client address, whatever credential it presents, so rotating made-up tokens does not
  escape the limit.

Sign-in (``POST`` to the login page or the admin's) is limited per client address. django-axes
still locks a username out after repeated failures; this limit stops one address from trying
many usernames.

Over a limit the answer is ``429 Too Many Requests`` with ``Retry-After`` (seconds until the
window ends): JSON with a ``detail`` sentence on the API, a short page on sign-in. A limit of 0
switches that limit off. The counters live in the default cache: per process with the local
memory cache (the waitress server is one process), shared by every web process when the
deployment configures a shared cache.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

WINDOW_SECONDS = 60
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


@dataclass(frozen=True)
class Verdict:
    """Whether a request may go on, and if not, how many seconds until it may."""

    allowed: bool
    retry_after: int = 0


def client_address(request: HttpRequest) -> str:
    """The address a request came from.

    Behind the deployment's own reverse proxy (``SAFEPASSAGE_BEHIND_PROXY``) it is the last
    ``X-Forwarded-For`` entry, the one that proxy added; earlier entries are the client's own
    word and are ignored.
    """
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return str(hops[-1])[:64]
    return str(request.META.get("REMOTE_ADDR", "unknown"))[:64]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:32]


def credential_key(request: HttpRequest) -> str:
    """Who is asking, for the per-credential limit: token, session, or address."""
    authorization = request.headers.get("Authorization", "").strip()
    if authorization:
        return "tok:" + _digest(authorization)
    session = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if session:
        return "ses:" + _digest(session)
    return "ip:" + _digest(client_address(request))


def hit(scope: str, key: str, limit: int, *, now: float | None = None) -> Verdict:
    """Count one request for ``key`` in the current window and say whether it is within ``limit``.

    ``limit`` 0 or less means no limit. The counter is created with ``add`` and raised with
    ``incr``, both atomic in Django's cache backends, so concurrent requests are all counted.
    """
    if limit <= 0:
        return Verdict(True)
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    cache.add(cache_key, 0, timeout=WINDOW_SECONDS + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The counter expired between add and incr (a window boundary): start it again.
        cache.add(cache_key, 1, timeout=WINDOW_SECONDS + 5)
        count = 1
    if count <= limit:
        return Verdict(True)
    retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
    return Verdict(False, retry_after)


def _too_many_api(retry_after: int) -> HttpResponse:
    body = {"detail": f"Too many requests. Try again in {retry_after} seconds."}
    response = HttpResponse(json.dumps(body), status=429, content_type="application/json")
    response["Retry-After"] = str(retry_after)
    return response


def _too_many_login(retry_after: int) -> HttpResponse:
    response = HttpResponse(
        f"Too many sign-in attempts from this address. Try again in {retry_after} seconds.\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    """Refuse API calls and sign-in attempts over the configured per-minute limits."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path.startswith("/api/"):
            address = client_address(request)
            per_address = hit(
                "api-ip", _digest(address), int(getattr(settings, "API_RATE_PER_ADDRESS", 0))
            )
            if not per_address.allowed:
                return _too_many_api(per_address.retry_after)
            per_credential = hit(
                "api", credential_key(request), int(getattr(settings, "API_RATE_PER_CREDENTIAL", 0))
            )
            if not per_credential.allowed:
                return _too_many_api(per_credential.retry_after)
        elif request.method == "POST" and path in LOGIN_PATHS:
            verdict = hit(
                "login",
                _digest(client_address(request)),
                int(getattr(settings, "LOGIN_RATE_PER_ADDRESS", 0)),
            )
            if not verdict.allowed:
                return _too_many_login(verdict.retry_after)
        return self.get_response(request)

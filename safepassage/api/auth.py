"""API authentication: bearer tokens (hashed, revocable, scoped) or the browser session.

Both are ninja auth classes, so the OpenAPI document lists both security schemes. A request
that carries an Authorization header is judged by its token alone: a bad token is a 401 even
when the browser also holds a session.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from safepassage.accounts.models import ApiToken
from safepassage.audit.context import set_actor


def _has_authorization(request: HttpRequest) -> bool:
    return bool(request.headers.get("Authorization", "").strip())


class BearerToken(HttpBearer):
    """`Authorization: Bearer sp_…`: the token narrows its owner's rights (see the gate)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = ApiToken.authenticate(token)
        if found is None:
            return None
        user = found.user
        user.api_token = found
        request.user = user
        set_actor(user)
        return user


class BrowserSession(SessionAuth):
    """A signed-in browser session (CSRF checked on unsafe methods), when no token is sent."""

    def __call__(self, request: HttpRequest) -> Any:
        if _has_authorization(request):
            return None
        return super().__call__(request)


API_AUTH = [BearerToken(), BrowserSession()]

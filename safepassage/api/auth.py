"""API authentication: bearer tokens (hashed, revocable, scoped) or the browser session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from safepassage.accounts.models import ApiToken
from safepassage.audit.context import set_actor


class SessionOrToken:
    """Accept a bearer token first, then a signed-in session (with CSRF for unsafe methods)."""

    def __init__(self) -> None:
        self._bearer = _Bearer()
        self._session = SessionAuth()

    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            return self._bearer(request)
        return self._session(request)


class _Bearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = ApiToken.authenticate(token)
        if found is None:
            return None
        user = found.user
        user.api_token = found  # the gate narrows the user's rights to the token's
        request.user = user
        set_actor(user)
        return user

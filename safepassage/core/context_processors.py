from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from safepassage.access import gate
from safepassage.core.navigation import visible_sections


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": [], "nav_admin": False}
    return {
        "nav_sections": visible_sections(user),
        "nav_admin": gate.can(user, "view", "admin_site"),
    }

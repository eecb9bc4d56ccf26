"""Login throttling helpers for django-axes."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

MAX_USERNAME = 150


def clean_username(value: Any) -> str:
    """A username safe to store in axes' records: no NUL bytes, at most 150 characters."""
    text = "" if value is None else str(value)
    return text.replace("\x00", "")[:MAX_USERNAME]


def username_from_request(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """AXES_USERNAME_CALLABLE: take the username from the credentials or the form, cleaned."""
    if credentials and credentials.get("username") is not None:
        return clean_username(credentials.get("username"))
    return clean_username(request.POST.get("username", "") if request.method == "POST" else "")

"""Every API error is JSON with a ``detail`` sentence, whatever raised it.

Handlers map the exceptions the gate, the forms, the database and Django raise to the status
codes the API documents: 400 for an unreadable body, 401 without valid credentials, 403 when
the role or token may not act, 404 for anything outside the caller's scope (the same answer
as for an object that does not exist), 409 for integrity conflicts, 413 for an oversized body
and 422 for data that does not validate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError, UniqueConstraint
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

# Error codes Django uses for uniqueness and constraint violations: a request failing only on
# these conflicts with stored data (409) rather than being malformed (422).
CONFLICT_CODES = frozenset({"unique", "unique_together", "unique_for_date", "conflict"})


class InvalidData(Exception):
    """Raised by handlers when a form or filter rejects the request's data."""

    def __init__(
        self, errors: Mapping[str, list[str]], status: int = 422, detail: str = ""
    ) -> None:
        super().__init__(detail or "The request data is not valid.")
        self.errors = {key: list(messages) for key, messages in errors.items()}
        self.status = status
        self.detail = detail or (
            "The request conflicts with a stored record."
            if status == 409
            else "The request data is not valid."
        )

    @classmethod
    def from_form(cls, form: Any) -> InvalidData:
        """The errors of an invalid Django form (or FilterSet form), keyed by field.

        When every error is a uniqueness violation the status is 409 (a conflict with a
        stored record), otherwise 422.
        """
        unique_messages = _unique_constraint_messages(form)
        errors: dict[str, list[str]] = {}
        conflicts: list[bool] = []
        for field, field_errors in form.errors.as_data().items():
            for error in field_errors:
                messages = DjangoValidationError(error).messages
                errors.setdefault(field, []).extend(messages)
                conflicts.append(
                    error.code in CONFLICT_CODES
                    # A conditional UniqueConstraint reports no code, only its message.
                    or (error.code is None and set(messages) <= unique_messages)
                )
        conflict = bool(conflicts) and all(conflicts)
        return cls(errors, status=409 if conflict else 422)


def _unique_constraint_messages(form: Any) -> set[str]:
    meta = getattr(form, "_meta", None)
    model = getattr(meta, "model", None)
    if model is None:
        return set()
    return {
        str(constraint.get_violation_error_message())
        for constraint in model._meta.constraints
        if isinstance(constraint, UniqueConstraint)
    }


def _json(api: NinjaAPI, request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


def pydantic_messages(errors: Any) -> dict[str, list[str]]:
    """Pydantic (or ninja) errors as field -> messages, without ninja's parameter wrapper.

    Only the messages are kept, never the rejected input, so a hostile megabyte string is
    not echoed back.
    """
    result: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        # Ninja's loc is (where, parameter, field...) for bodies and (where, field) for queries.
        if loc and loc[0] == "body":
            loc = loc[2:]
        elif loc and loc[0] in {"query", "path", "header", "cookie", "form"}:
            loc = loc[1:]
        key = ".".join(loc) or NON_FIELD_ERRORS
        message = str(error.get("msg", "Invalid value."))
        result.setdefault(key, []).append(message)
    return result


def install(api: NinjaAPI) -> None:
    """Register the JSON error handlers on ``api``."""

    def invalid_data(request: HttpRequest, exc: InvalidData) -> HttpResponse:
        return _json(api, request, exc.status, {"detail": exc.detail, "errors": exc.errors})

    def validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        body = {
            "detail": "The request data is not valid.",
            "errors": pydantic_messages(exc.errors),
        }
        return _json(api, request, 422, body)

    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = _json(
            api,
            request,
            401,
            {"detail": "Authentication required: send a valid bearer token or sign in."},
        )
        response["WWW-Authenticate"] = 'Bearer realm="safepassage"'
        return response

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return _json(api, request, exc.status_code, {"detail": str(exc)})

    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        detail = str(exc) or "You may not perform this action."
        return _json(api, request, 403, {"detail": detail})

    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        # One fixed sentence: the message must not differ between "absent" and "not yours".
        return _json(api, request, 404, {"detail": "Not found."})

    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return _json(
            api, request, 413, {"detail": f"The request body is larger than {limit} bytes."}
        )

    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return _json(api, request, 400, {"detail": "The request could not be read."})

    def protected(request: HttpRequest, exc: ProtectedError | RestrictedError) -> HttpResponse:
        blockers = (
            exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        )
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in blockers})
        detail = "Still referenced by other records" + (f" ({', '.join(kinds)})" if kinds else "")
        return _json(
            api,
            request,
            409,
            {"detail": detail + "; remove those references first.", "errors": {}},
        )

    def integrity(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        return _json(
            api,
            request,
            409,
            {"detail": "The request conflicts with a stored record (duplicate).", "errors": {}},
        )

    handlers: list[tuple[type[Exception], Any]] = [
        (InvalidData, invalid_data),
        (NinjaValidationError, validation),
        (AuthenticationError, unauthenticated),
        (HttpError, http_error),
        (PermissionDenied, forbidden),
        (Http404, not_found),
        (RequestDataTooBig, too_big),
        (SuspiciousOperation, suspicious),
        (ProtectedError, protected),
        (RestrictedError, protected),
        (IntegrityError, integrity),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)


def not_found_handler(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site's 404 view: JSON under ``/api/`` (a path no route matches), the page elsewhere.

    An API client that sends a malformed id (``/api/movements/abc``) gets the same JSON answer
    as for an id outside its scope, not an HTML page it cannot read.
    """
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"detail": "Not found."}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception or Http404())

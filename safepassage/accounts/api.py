"""JSON API for the caller's own account and API tokens.

Tokens are listed without their digest and can be revoked; issuing stays on the account
page and the CLI, where the secret can be shown exactly once to a person.
"""

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Router, Schema
from pydantic import Field

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.accounts.models import ApiToken
from safepassage.api.schemas import AUTH_ERRORS, MAX_ID, READ_ERRORS, ErrorOut

router = Router(tags=["accounts"])


class Ref(Schema):
    """A related record named by id and name."""

    id: int
    name: str


class MeOut(Schema):
    """The signed-in account and the scope its role applies to."""

    id: int
    username: str
    role: str = Field(..., description="Role code, e.g. security_coordinator.")
    role_label: str
    organisation: Ref | None
    provinces: list[str] = Field(..., description="Province codes covered; empty means all.")
    units: list[Ref] = Field(..., description="Protection units the account serves in.")
    token: "TokenOut | None" = Field(
        None, description="The token this request authenticated with, if any."
    )


class TokenOut(Schema):
    """An API token as its owner sees it: never the secret nor its digest."""

    id: int
    name: str
    prefix: str = Field(..., description="The first characters of the secret, to recognise it.")
    access: str = Field(..., description="read or read_write.")
    resources: list[str] = Field(..., description="Resources the token may touch; empty = all.")
    created: datetime.datetime
    expires_at: datetime.datetime | None
    last_used: datetime.datetime | None
    revoked_at: datetime.datetime | None
    is_live: bool


MeOut.model_rebuild()

TOKEN_ID: Any = Path(..., ge=1, le=MAX_ID, description="Id of the token.")  # type: ignore[type-arg]


def _token(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "access": token.access,
        "resources": list(token.resources or []),
        "created": token.created,
        "expires_at": token.expires_at,
        "last_used": token.last_used,
        "revoked_at": token.revoked_at,
        "is_live": token.is_live,
    }


@router.get(
    "/me",
    response={200: MeOut, **AUTH_ERRORS},
    operation_id="accounts_me",
    summary="Who am I",
)
def me(request: HttpRequest) -> Any:
    """The caller's role, organisation, provinces and units."""
    user: Any = request.user
    gate.require(user, Action.VIEW, "user")
    organisation = user.organisation
    token = getattr(user, "api_token", None)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "role": user.role,
        "role_label": user.role_label,
        "organisation": {"id": organisation.pk, "name": organisation.name}
        if organisation
        else None,
        "provinces": list(user.provinces or []),
        "units": [{"id": unit.pk, "name": unit.name} for unit in user.units.order_by("name")],
        "token": _token(token) if token is not None else None,
    }


@router.get(
    "/tokens",
    response={200: list[TokenOut], **AUTH_ERRORS},
    operation_id="accounts_tokens_list",
    summary="List my API tokens",
)
def list_tokens(request: HttpRequest) -> Any:
    """The caller's own tokens, newest first, live or not (administrators too see only theirs)."""
    gate.require(request.user, Action.VIEW, ApiToken)
    own = ApiToken.objects.filter(user_id=request.user.pk)
    tokens = gate.restrict(own, request.user, Action.VIEW).order_by("-created", "-pk")
    return [_token(token) for token in tokens]


@router.post(
    "/tokens/{pk}/revoke",
    response={200: TokenOut, **READ_ERRORS, 400: ErrorOut},
    operation_id="accounts_tokens_revoke",
    summary="Revoke one of my API tokens",
)
def revoke_token(request: HttpRequest, pk: int = TOKEN_ID) -> Any:
    """Revoke a token at once. Revoking an already revoked token changes nothing."""
    gate.require(request.user, Action.CHANGE, ApiToken)
    token: ApiToken = gate.get_object(request.user, Action.CHANGE, ApiToken, pk=pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        gate.save(request.user, token, action=Action.CHANGE)
    return _token(token)

"""The permission gate: every read and write in Safe Passage passes through here.

Views, API handlers, the admin, CLI commands and jobs ask the gate for a scoped queryset
(``restrict``), a single object (``get_object``), or to save or delete (``save``/``delete``).
Scope comes from the policy (``access.policy``) and from each model's ``Gate`` descriptor,
which names the paths from the model to its owning organisation, province, unit and
nationality. A write is checked again inside its transaction after it happens, so an edit
that moves an object out of the user's scope is rolled back (as NetBox does).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from safepassage.access.marking import marking_q
from safepassage.access.policy import Action, Reach, reach_for

M = TypeVar("M", bound=models.Model)

_NOTHING = Q(pk__in=[])
# Which Gate attribute names the lookup path for each reach.
_PATH_OF = {
    Reach.ORG: "org",
    Reach.REGION: "province",
    Reach.UNIT: "unit",
    Reach.NATIONALS: "nationality",
    Reach.SELF: "owner",
}


def resource_of(model: type[models.Model] | models.Model) -> str:
    """The policy resource name a model declares in its ``Gate`` descriptor."""
    gate = getattr(model, "Gate", None)
    if gate is None:
        raise LookupError(f"{model!r} declares no Gate descriptor; it cannot be reached.")
    return str(gate.resource)


def _token_allows(user: Any, resource: str, action: str) -> bool:
    """An API token may narrow a user's rights (read-only, named resources); never widen."""
    token = getattr(user, "api_token", None)
    if token is None:
        return True
    return bool(token.allows(resource, action))


def reach(user: Any, action: str, model: type[models.Model] | models.Model | str) -> Reach | None:
    """How far ``user`` may perform ``action`` on ``model``; None means not at all."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    resource = model if isinstance(model, str) else resource_of(model)
    if not _token_allows(user, resource, action):
        return None
    return reach_for(getattr(user, "role", None), resource, action)


def can(user: Any, action: str, model: type[models.Model] | models.Model | str) -> bool:
    """True when ``user`` may perform ``action`` on at least some objects of ``model``."""
    return reach(user, action, model) is not None


def scope_q(user: Any, action: str, model: type[models.Model]) -> Q:
    """The filter that limits ``model`` to what ``user`` may ``action``."""
    granted = reach(user, action, model)
    if granted is None:
        return _NOTHING
    gate = model.Gate  # type: ignore[attr-defined]
    if granted is Reach.ALL:
        return Q()
    if granted is Reach.ORG:
        path = getattr(gate, "org", None)
        if path is None or user.organisation_id is None:
            return _NOTHING
        return Q(**{path: user.organisation_id})
    if granted is Reach.REGION:
        path = getattr(gate, "province", None)
        provinces = list(user.provinces or [])
        if path is None or not provinces:
            return Q()
        return Q(**{f"{path}__in": provinces})
    if granted is Reach.UNIT:
        path = getattr(gate, "unit", None)
        unit_ids = list(user.units.values_list("pk", flat=True))
        if path is None or not unit_ids:
            return _NOTHING
        return Q(**{f"{path}__in": unit_ids})
    if granted is Reach.NATIONALS:
        path = getattr(gate, "nationality", None)
        country = user.organisation.country if user.organisation_id else ""
        if path is None or not country:
            return _NOTHING
        return Q(**{path: country})
    if granted is Reach.SELF:
        path = getattr(gate, "owner", None)
        if path is None:
            return _NOTHING
        return Q(**{path: user.pk})
    return _NOTHING


def restrict(queryset: QuerySet[M], user: Any, action: str = Action.VIEW) -> QuerySet[M]:
    """Limit ``queryset`` to the objects ``user`` may ``action``."""
    model = queryset.model
    granted = reach(user, action, model)
    if granted is None:
        return queryset.none()
    filtered = queryset.filter(scope_q(user, action, model))
    # TLP markings apply to every action: what a user may not read, they may not change either.
    marking = marking_q(user, model)
    if marking:
        filtered = filtered.filter(marking)
    # A reach through a relation path may cross a to-many relation and repeat rows.
    path = getattr(model.Gate, _PATH_OF.get(granted, ""), None)  # type: ignore[attr-defined]
    if isinstance(path, str) and "__" in path:
        filtered = filtered.distinct()
    return filtered


def get_object(user: Any, action: str, source: type[M] | QuerySet[M], **lookup: Any) -> M:
    """Fetch one object within ``user``'s scope for ``action``.

    An object outside the scope answers 404, not 403, so its existence does not leak.
    """
    queryset = source.objects.all() if isinstance(source, type) else source  # type: ignore[attr-defined]
    try:
        return restrict(queryset, user, action).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the request.") from exc


def in_scope(user: Any, action: str, obj: models.Model) -> bool:
    """True when the saved ``obj`` lies inside ``user``'s scope for ``action``."""
    model = type(obj)
    return restrict(model._base_manager.filter(pk=obj.pk), user, action).exists()


def require(user: Any, action: str, model: type[models.Model] | models.Model | str) -> None:
    """Raise PermissionDenied unless ``user`` may ``action`` some objects of ``model``."""
    if not can(user, action, model):
        resource = model if isinstance(model, str) else resource_of(model)
        raise PermissionDenied(f"Your role may not {action} {resource} records.")


def save(user: Any, obj: M, *, action: str | None = None, **save_kwargs: Any) -> M:
    """Create or update ``obj`` on behalf of ``user``, inside the user's scope.

    For an update the object must be in scope before the change (checked by the caller's
    ``get_object``) and after it (checked here). The save is rolled back otherwise.
    """
    if action is None:
        action = Action.ADD if obj._state.adding else Action.CHANGE
    require(user, action, obj)
    with transaction.atomic():
        obj.save(**save_kwargs)
        if not in_scope(user, action, obj):
            raise PermissionDenied(
                f"This {obj._meta.verbose_name} would fall outside what your role may {action}."
            )
    return obj


def delete(user: Any, obj: models.Model) -> None:
    """Delete ``obj`` on behalf of ``user`` after checking it is in scope."""
    require(user, Action.DELETE, obj)
    if not in_scope(user, Action.DELETE, obj):
        raise PermissionDenied(f"You may not delete this {obj._meta.verbose_name}.")
    with transaction.atomic():
        obj.delete()

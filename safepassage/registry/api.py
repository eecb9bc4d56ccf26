"""JSON API for the registry: list, read, create, update and delete each resource.

Every handler is the same four steps as the web views: a scoped lookup through the gate,
validation with the resource's ModelForm (the web pages' form, so both paths accept exactly
the same data), one save or delete through the gate, a response. Schemas are derived from
the resource descriptors in ``registry.resources`` so the OpenAPI document always matches
the forms and filters.

Foreign keys are given as ids. An id pointing at an object the caller may not see is
returned as null, so the API never confirms that an out-of-scope object exists.

This module deliberately does not use ``from __future__ import annotations``: the handlers
are built in a loop and ninja reads their parameter annotations, which must therefore be
real objects rather than strings naming local variables.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field, create_model

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.api.errors import InvalidData
from safepassage.api.schemas import (
    MAX_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    Moment,
    StrictInput,
    bind_filterset,
    body_doc,
    filter_query_schema,
    page_schema,
    parse_body,
)
from safepassage.registry.resources import RESOURCES, Resource

router = Router(tags=["registry"])

_PYTHON_TYPES: dict[str, Any] = {
    "AutoField": int,
    "BigAutoField": int,
    "BigIntegerField": int,
    "BooleanField": bool,
    "CharField": str,
    "DateField": datetime.date,
    "DateTimeField": Moment,
    "FloatField": float,
    "IntegerField": int,
    "PositiveBigIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveSmallIntegerField": int,
    "SlugField": str,
    "SmallIntegerField": int,
    "TextField": str,
}


@dataclass(frozen=True)
class ResourceSchemas:
    """The pydantic schemas of one registry resource."""

    out: type[Schema]
    create: type[Schema]
    patch: type[Schema]
    query: type[Schema]
    page: type[Schema]


def _schema_name(resource: Resource) -> str:
    return resource.resource.capitalize()


def _describe(field: "models.Field[Any, Any]") -> str:
    text = str(field.verbose_name)
    text = text[:1].upper() + text[1:]
    if field.help_text:
        text += f". {field.help_text.rstrip('.')}"
    if field.choices:
        text += (
            ". One of: " + ", ".join(f"{value} ({label})" for value, label in field.choices) + "."
        )
    return text


def _output_field(field: "models.Field[Any, Any]") -> tuple[Any, Any]:
    if field.is_relation:
        related = field.related_model._meta.verbose_name
        return int | None, Field(
            ..., description=f"Id of the {related}; null when unset or outside your scope."
        )
    python_type = _PYTHON_TYPES[field.get_internal_type()]
    if field.null:
        python_type = python_type | None
    return python_type, Field(..., description=_describe(field))


def _input_type(field: "models.Field[Any, Any]") -> tuple[Any, dict[str, Any]]:
    """The type a request value must have and its pydantic constraints.

    Only the type and the range a database can store are checked here; the form applies
    every business rule (coordinates, strengths, dates) so the web and the API agree.
    """
    if field.is_relation:
        return int, {"ge": 1, "le": MAX_ID}
    internal = field.get_internal_type()
    if field.choices:
        values = tuple(value for value, _label in field.choices)
        return Literal[values], {}
    python_type = _PYTHON_TYPES[internal]
    constraints: dict[str, Any] = {}
    if python_type is str and field.max_length:
        constraints["max_length"] = field.max_length
    if python_type is int:
        # The form enforces the real bounds; this only keeps values a database can hold.
        constraints.update(ge=0 if internal.startswith("Positive") else -MAX_ID, le=MAX_ID)
    if python_type is float:
        constraints["allow_inf_nan"] = False
    return python_type, constraints


def _build_schemas(resource: Resource) -> ResourceSchemas:
    name = _schema_name(resource)
    model = resource.model
    form_fields: list[str] = list(resource.form._meta.fields)
    form_required = {key: field.required for key, field in resource.form.base_fields.items()}

    out_fields = {f.name: _output_field(f) for f in model._meta.concrete_fields}
    out = create_model(  # type: ignore[call-overload]
        f"{name}Out", __base__=Schema, __doc__=f"A {resource.singular}.", **out_fields
    )

    create_fields: dict[str, Any] = {}
    patch_fields: dict[str, Any] = {}
    for field_name in form_fields:
        field = model._meta.get_field(field_name)
        python_type, constraints = _input_type(field)
        description = _describe(field)
        required = form_required.get(field_name, False) and not field.has_default()
        if required and not field.null:
            create_fields[field_name] = (
                python_type,
                Field(..., description=description, **constraints),
            )
        else:
            create_fields[field_name] = (
                python_type | None,
                Field(None, description=description, **constraints),
            )
        patch_fields[field_name] = (
            python_type | None,
            Field(None, description=description, **constraints),
        )
    create = create_model(
        f"{name}Create",
        __base__=StrictInput,
        __doc__=f"A new {resource.singular}. Omitted optional fields take their defaults.",
        **create_fields,
    )
    patch = create_model(
        f"{name}Patch",
        __base__=StrictInput,
        __doc__=f"Changes to a {resource.singular}: only the fields sent are changed.",
        **patch_fields,
    )
    query = filter_query_schema(resource.filterset, f"{name}Query")
    page = page_schema(out, f"{name}Page")
    return ResourceSchemas(out=out, create=create, patch=patch, query=query, page=page)


def _visible_ids(
    user: Any, field: "models.ForeignKey[Any, Any]", objects: Iterable[models.Model]
) -> set[Any]:
    """The ids referenced by ``field`` on ``objects`` that ``user`` may view."""
    ids = {getattr(obj, field.attname) for obj in objects} - {None}
    if not ids:
        return set()
    related = field.related_model
    queryset = related._default_manager.filter(pk__in=ids)
    return set(gate.restrict(queryset, user, Action.VIEW).values_list("pk", flat=True))


def serialize(resource: Resource, objects: list[models.Model], user: Any) -> list[dict[str, Any]]:
    """Plain dicts of ``objects``, with foreign keys the caller may not see set to null."""
    fields = resource.model._meta.concrete_fields
    visible = {f.name: _visible_ids(user, f, objects) for f in fields if f.is_relation}
    rows = []
    for obj in objects:
        row: dict[str, Any] = {}
        for f in fields:
            value = getattr(obj, f.attname)
            if f.is_relation and value not in visible[f.name]:
                value = None
            row[f.name] = value
        rows.append(row)
    return rows


def hidden_references(resource: Resource, obj: models.Model, user: Any) -> set[str]:
    """Names of ``obj``'s set foreign keys that ``user`` is shown as null."""
    shown = serialize(resource, [obj], user)[0]
    return {
        f.name
        for f in resource.model._meta.concrete_fields
        if f.is_relation and getattr(obj, f.attname) is not None and shown[f.name] is None
    }


def get_for(user: Any, action: str, resource: Resource, pk: int) -> models.Model:
    """The object ``pk`` if ``user`` may ``action`` it.

    Outside the caller's view scope the answer is 404, exactly as for a missing object. An
    object the caller may see but not change or delete answers 403: its existence is
    already known to them.
    """
    gate.require(user, action, resource.model)
    try:
        return gate.get_object(user, action, resource.model, pk=pk)
    except Http404:
        if action != Action.VIEW:
            visible = gate.restrict(
                resource.model._default_manager.filter(pk=pk), user, Action.VIEW
            )
            if visible.exists():
                raise PermissionDenied(
                    f"Your role may not {action} this {resource.singular}."
                ) from None
        raise


def save_form(form: Any, user: Any, action: str) -> models.Model:
    """Validate ``form`` and save its object through the gate."""
    if not form.is_valid():
        raise InvalidData.from_form(form)
    obj: models.Model = form.save(commit=False)
    gate.save(user, obj, action=action)
    form.save_m2m()
    return obj


def keep_unchanged_references(form: Any, instance: models.Model, sent: dict[str, Any]) -> None:
    """Let an update keep the related objects it already points at.

    The form offers only related objects in the caller's scope. A reference the update
    leaves as it is (not sent, or sent with its current id) is not being made now, so it is
    accepted even when it points outside that scope: a regional commander editing a site
    guarded by another region's unit, or a token limited to sites. A reference the caller
    changes must be in scope.
    """
    for name, field in form.fields.items():
        queryset = getattr(field, "queryset", None)
        if queryset is None:
            continue
        current = getattr(instance, instance._meta.get_field(name).attname, None)
        if current is None or (name in sent and sent[name] != current):
            continue
        manager = queryset.model._default_manager
        field.queryset = manager.filter(Q(pk__in=queryset.values("pk")) | Q(pk=current))


def _initial(resource: Resource, instance: models.Model) -> dict[str, Any]:
    """The form data ``instance`` already holds (model defaults for a new object)."""
    data: dict[str, Any] = model_to_dict(instance, fields=resource.form._meta.fields)
    return data


def _register(resource: Resource) -> None:
    schemas = _build_schemas(resource)
    key = resource.key
    model = resource.model
    tags = [resource.title]
    singular = resource.singular
    a_singular = ("an " if singular[:1] in "aeiou" else "a ") + singular
    pk_param: Any = Path(..., ge=1, le=MAX_ID, description=f"Id of the {singular}.")  # type: ignore[type-arg]

    def list_items(request: HttpRequest, filters: Query[schemas.query]) -> Any:  # type: ignore[name-defined]
        user = request.user
        gate.require(user, Action.VIEW, model)
        queryset = gate.restrict(model._default_manager.all(), user, Action.VIEW)
        filterset = bind_filterset(
            resource.filterset,
            request.GET,
            queryset,
            restrict=lambda qs: gate.restrict(qs, user, Action.VIEW),
        )
        if not filterset.is_valid():
            raise InvalidData.from_form(filterset.form)
        ordered = filterset.qs.order_by(*model._meta.ordering, "pk")
        window = list(ordered[filters.offset : filters.offset + filters.limit])
        return {
            "count": ordered.count(),
            "limit": filters.limit,
            "offset": filters.offset,
            "items": serialize(resource, window, user),
        }

    def get_item(request: HttpRequest, pk: int = pk_param) -> Any:
        obj = get_for(request.user, Action.VIEW, resource, pk)
        return serialize(resource, [obj], request.user)[0]

    def create_item(request: HttpRequest) -> Any:
        user = request.user
        gate.require(user, Action.ADD, model)
        sent = parse_body(request, schemas.create)
        data = _initial(resource, model()) | sent
        obj = save_form(resource.form(data=data, user=user), user, Action.ADD)
        return Status(201, serialize(resource, [obj], user)[0])

    def update_item(request: HttpRequest, pk: int = pk_param) -> Any:
        user = request.user
        obj = get_for(user, Action.CHANGE, resource, pk)
        sent = parse_body(request, schemas.patch)
        # A null sent for a reference the caller was shown as null (because it is outside
        # their scope) echoes what they read; it must not erase what they cannot see.
        for name in hidden_references(resource, obj, user):
            if name in sent and sent[name] is None:
                del sent[name]
        form = resource.form(data=_initial(resource, obj) | sent, instance=obj, user=user)
        keep_unchanged_references(form, obj, sent)
        obj = save_form(form, user, Action.CHANGE)
        return serialize(resource, [obj], user)[0]

    def delete_item(request: HttpRequest, pk: int = pk_param) -> Any:
        obj = get_for(request.user, Action.DELETE, resource, pk)
        gate.delete(request.user, obj)
        return Status(204, None)

    collection, item = f"/{key}/", f"/{key}/{{pk}}"
    router.add_api_operation(
        collection,
        ["GET"],
        list_items,
        response={200: schemas.page, **READ_ERRORS},
        operation_id=f"registry_{key}_list",
        summary=f"List {resource.title.lower()}",
        description=f"{resource.title} you may see, filtered like the web list and paginated.",
        tags=tags,
        url_name=f"registry-{key}-list",
    )
    router.add_api_operation(
        collection,
        ["POST"],
        create_item,
        response={201: schemas.out, **WRITE_ERRORS},
        operation_id=f"registry_{key}_create",
        openapi_extra=body_doc(schemas.create),
        summary=f"Create {a_singular}",
        description="Validated by the same form as the web page; related ids must be in your scope.",
        tags=tags,
    )
    router.add_api_operation(
        item,
        ["GET"],
        get_item,
        response={200: schemas.out, **READ_ERRORS},
        operation_id=f"registry_{key}_get",
        summary=f"Read {a_singular}",
        tags=tags,
        url_name=f"registry-{key}-detail",
    )
    router.add_api_operation(
        item,
        ["PATCH"],
        update_item,
        response={200: schemas.out, **WRITE_ERRORS},
        operation_id=f"registry_{key}_update",
        openapi_extra=body_doc(schemas.patch),
        summary=f"Change {a_singular}",
        description="Only the fields sent change; the result is validated as a whole.",
        tags=tags,
    )
    router.add_api_operation(
        item,
        ["DELETE"],
        delete_item,
        response={204: None, **READ_ERRORS, 409: READ_ERRORS[422]},
        operation_id=f"registry_{key}_delete",
        summary=f"Delete {a_singular}",
        description="Refused with 409 while other records still depend on it.",
        tags=tags,
    )


for _resource in RESOURCES.values():
    _register(_resource)

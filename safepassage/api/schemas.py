"""Schemas shared by every API router: error bodies, pages, and query schemas for filters.

Filters stay defined once, as django-filter FilterSets used by the web lists. The API only
derives a pydantic description of their query parameters from them, so the OpenAPI
document lists every filter and obviously hostile values (ids beyond the database's
integer range, unknown choices) are refused with a 422 before any query runs. The
FilterSet itself still validates and applies the filters.
"""

import datetime
import json
from typing import Annotated, Any, Literal

import django_filters
import pydantic
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Model
from django.http import HttpRequest
from ninja import Schema
from ninja.errors import HttpError
from pydantic import AfterValidator, ConfigDict, Field, create_model

from safepassage.api.errors import InvalidData, pydantic_messages

# Real time zone offsets lie within ±14:00. Python accepts up to ±23:59, which PostgreSQL
# refuses, and an offset near year 1 or 9999 overflows when converted: both are input errors.
_MAX_OFFSET = datetime.timedelta(hours=14)


def _sane_moment(value: datetime.datetime) -> datetime.datetime:
    """An input time with a real-world offset, converted to UTC (naive times stay as sent)."""
    offset = value.utcoffset()
    if offset is None:
        return value
    if abs(offset) > _MAX_OFFSET:
        raise ValueError("The time zone offset must lie within -14:00 and +14:00.")
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError:
        raise ValueError("The time is out of range.") from None


# Use for every date-time a caller sends (query parameters and bodies).
Moment = Annotated[datetime.datetime, AfterValidator(_sane_moment)]

# The largest primary key the databases we run on can store (signed 64-bit).
MAX_ID = 2**63 - 1
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Offsets beyond this are refused rather than handed to the database as huge integers.
MAX_OFFSET = 10_000_000


class ErrorOut(Schema):
    """Any error: ``detail`` says what went wrong in a sentence."""

    detail: str


class ValidationErrorOut(Schema):
    """A request whose data did not validate: ``errors`` maps each field to its messages.

    Messages that concern no single field are under ``__all__``.
    """

    detail: str
    errors: dict[str, list[str]]


class PageParams(Schema):
    """Limit/offset pagination parameters shared by every list endpoint."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")


class StrictInput(Schema):
    """Base of request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


# Every documented error response of an authenticated endpoint.
AUTH_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut}
READ_ERRORS: dict[int, Any] = {**AUTH_ERRORS, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    **READ_ERRORS,
    409: ValidationErrorOut,
    413: ErrorOut,
}


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """A page of ``item``: the total count matching the filters, the window and the items."""
    return create_model(
        name,
        __base__=Schema,
        __doc__="One page of results; `count` is the total across all pages.",
        count=(int, Field(..., description="Items matching the filters, across all pages.")),
        limit=(int, ...),
        offset=(int, ...),
        items=(list[item], ...),  # type: ignore[valid-type]
    )


def _choice_type(choices: Any) -> Any:
    values = tuple(str(value) for value, _label in choices if value not in ("", None))
    return Literal[values] if values else str


def _filter_field(flt: django_filters.Filter) -> tuple[Any, Any]:
    """The pydantic type and field of one filter's query parameter."""
    label = str(flt.label or flt.field_name).strip()
    description = label[:1].upper() + label[1:] if label else None
    if isinstance(flt, django_filters.ModelChoiceFilter):
        return int | None, Field(None, ge=1, le=MAX_ID, description=f"{description} (id).")
    if isinstance(flt, django_filters.ChoiceFilter):
        choices = flt.extra.get("choices")
        if callable(choices):
            choices = choices()
        return _choice_type(choices or []) | None, Field(None, description=description)
    if isinstance(flt, django_filters.BooleanFilter):
        return bool | None, Field(None, description=description)
    if isinstance(flt, django_filters.DateFilter):
        return datetime.date | None, Field(None, description=description)
    if isinstance(flt, django_filters.NumberFilter):
        return float | None, Field(
            None, ge=-1e12, le=1e12, allow_inf_nan=False, description=description
        )
    return str | None, Field(None, max_length=200, description=description)


def filter_query_schema(filterset: type[django_filters.FilterSet], name: str) -> type[Schema]:
    """A query-parameter schema naming every filter of ``filterset`` plus limit and offset."""
    fields: dict[str, Any] = {
        filter_name: _filter_field(flt) for filter_name, flt in filterset.base_filters.items()
    }
    return create_model(name, __base__=PageParams, __doc__=f"Filters of {name}.", **fields)


def bind_filterset(
    filterset: type[django_filters.FilterSet], data: Any, queryset: Any, restrict: Any = None
) -> django_filters.FilterSet:
    """Bind ``data`` to ``filterset``; ``restrict`` narrows its related-object choices."""
    bound = filterset(data, queryset=queryset)
    if restrict is not None:
        for field in bound.form.fields.values():
            related = getattr(field, "queryset", None)
            if related is not None and issubclass(related.model, Model):
                field.queryset = restrict(related)
    return bound


def parse_body(request: HttpRequest, schema: type[Schema]) -> dict[str, Any]:
    """The JSON object in the request body, validated by ``schema``: only the fields sent.

    Handlers call this after the permission checks, so a caller who may not act at all
    hears 403 whatever they sent. An oversized body raises Django's RequestDataTooBig
    (413), unreadable JSON answers 400 and data that does not fit the schema 422.
    """
    raw = request.body
    if not raw.strip():
        data: Any = {}
    else:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            # ValueError covers bad JSON, bad UTF-8 and over-long integer literals.
            raise HttpError(400, "The request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise InvalidData({NON_FIELD_ERRORS: ["The request body must be a JSON object."]})
    try:
        payload = schema.model_validate(data)
    except pydantic.ValidationError as exc:
        raise InvalidData(pydantic_messages(exc.errors())) from None
    return payload.model_dump(exclude_unset=True)


def body_doc(schema: type[Schema]) -> dict[str, Any]:
    """``openapi_extra`` documenting ``schema`` as the JSON request body of an operation."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema.model_json_schema()}},
        }
    }

"""The CSV format of each registry resource: its columns, natural keys and cell texts.

The header names the resource's form fields, in any order. Values are written as people
read them rather than as database ids:

- organisation: the organisation's name; project: the project's code; unit and
  responsible_unit: the protection unit's code;
- home_site: the site's name within the person's own organisation, or
  ``Organisation name::Site name`` for a site of another organisation;
- booleans ``true``/``false`` (yes/no and 1/0 are read too); dates ``YYYY-MM-DD``;
- choices by their code (``KP``, ``project_site``, ``4``) or their label (``High``).

Rows match stored records by natural key (``IDENTITY``): organisations by name, projects
and units by code, vehicles by registration, sites by organisation + name, people by
organisation + staff_ref (or organisation + full name where staff_ref is blank).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models

from safepassage.registry import models as m
from safepassage.registry.resources import RESOURCES, Resource

SITE_SEPARATOR = "::"
# The field each related model is referred to by.
NATURAL_KEYS: dict[type[models.Model], str] = {
    m.Organisation: "name",
    m.Project: "code",
    m.ProtectionUnit: "code",
    m.Site: "name",
}
IDENTITY = {
    "organisations": ("name",),
    "projects": ("code",),
    "sites": ("organisation", "name"),
    "people": ("organisation", "staff_ref"),
    "units": ("code",),
    "vehicles": ("registration",),
}


def key_label(resource: Resource) -> str:
    """The natural key of ``resource`` in words, for messages."""
    if resource.key == "people":
        return "organisation and staff_ref (or full_name, where staff_ref is blank)"
    return " and ".join(IDENTITY[resource.key])


def resource_for(key: str) -> Resource:
    """The registry resource named ``key`` (organisations, projects, sites, ...)."""
    try:
        return RESOURCES[key]
    except KeyError as exc:
        raise LookupError(f"Unknown kind {key!r}; choose one of: {', '.join(RESOURCES)}.") from exc


def columns(resource: Resource) -> list[str]:
    """The CSV columns of ``resource``: its form's fields, in the form's order."""
    return list(resource.form._meta.fields)


def required_columns(resource: Resource, update: bool = False) -> list[str]:
    """Columns a file must have: the natural key, plus (unless updating) the form's required
    fields that have no default. staff_ref is optional: people may be matched by name."""
    needed = {c for c in IDENTITY[resource.key] if c != "staff_ref"}
    if not update:
        form = resource.form()
        needed |= {
            name
            for name, form_field in form.fields.items()
            if form_field.required and not field_of(resource, name).has_default()
        }
    return [c for c in columns(resource) if c in needed]


def field_of(resource: Resource, name: str) -> Any:
    """The model field behind column ``name``."""
    return resource.model._meta.get_field(name)


def cell(resource: Resource, obj: models.Model, name: str) -> str:
    """The CSV text of one field of a saved object."""
    model_field = field_of(resource, name)
    if model_field.is_relation:
        related = getattr(obj, name)
        if related is None:
            return ""
        text = str(getattr(related, NATURAL_KEYS[type(related)]))
        own_org = getattr(obj, "organisation_id", None)
        if isinstance(related, m.Site) and related.organisation_id != own_org:
            return f"{related.organisation.name}{SITE_SEPARATOR}{text}"
        return text
    return text_of(getattr(obj, name))


def text_of(value: Any) -> str:
    """A plain field value as CSV text (booleans true/false, dates YYYY-MM-DD)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def default_cell(resource: Resource, name: str) -> str:
    """The CSV text of column ``name``'s default, for a new record whose file omits it."""
    model_field = field_of(resource, name)
    return text_of(model_field.get_default()) if model_field.has_default() else ""


def describe(resource: Resource) -> list[tuple[str, bool, str]]:
    """(column, required, how to write it) for each column, for the import page's help."""
    required = set(required_columns(resource))
    rows = []
    for name in columns(resource):
        model_field = field_of(resource, name)
        if model_field.is_relation:
            target = model_field.related_model
            how = f"{target._meta.verbose_name} {NATURAL_KEYS[target]}"
            if target is m.Site:
                how += f" in the same organisation, or 'Organisation{SITE_SEPARATOR}Site'"
        elif model_field.choices:
            how = "one of " + ", ".join(f"{code} ({label})" for code, label in model_field.choices)
        elif isinstance(model_field, models.BooleanField):
            how = "true or false"
        elif isinstance(model_field, models.DateField):
            how = "date, YYYY-MM-DD"
        elif isinstance(model_field, models.FloatField):
            how = "decimal number, e.g. 34.5"
        elif isinstance(model_field, models.IntegerField):
            how = "whole number"
        else:
            how = f"text, at most {model_field.max_length} characters"
        rows.append((name, name in required, how))
    return rows

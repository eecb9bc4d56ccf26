"""CSV import and export of the registry, shared by the web pages, the CLI and the API.

The format of each resource (columns, natural keys, how values are written) is described
in ``safepassage.registry.csvformat``. A row that matches a stored record by natural key is
refused unless ``update`` is on; then the record is updated, and columns left out of the
file keep their stored values. A new record takes the model's defaults for columns left out.

An import validates every row with the resource's form bound to the row (``user=`` limits
the choices to the user's scope) and reports every problem with its physical line number.
A file with any bad row changes nothing: the rows are written in one transaction through
``gate.save``, audited with source ``import`` and one correlation id, and rolled back whole
when a single row fails. Exported cells that a spreadsheet would run as formulas are
prefixed with an apostrophe, which the import removes again, so an export imports back.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TextIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.audit.context import Source, acting, new_correlation_id
from safepassage.lib.csvtable import (
    Limits,
    Problem,
    Row,
    duplicate_rows,
    escape_formula,
    read_table,
    shown,
    unescape_formula,
)
from safepassage.registry import models as m
from safepassage.registry.csvformat import (
    IDENTITY,
    NATURAL_KEYS,
    SITE_SEPARATOR,
    cell,
    columns,
    default_cell,
    describe,
    field_of,
    key_label,
    required_columns,
    resource_for,
)
from safepassage.registry.resources import RESOURCES, Resource

__all__ = [
    "ImportResult",
    "Problem",
    "RESOURCES",
    "columns",
    "describe",
    "export_queryset",
    "export_rows",
    "import_csv",
    "required_columns",
    "resource_for",
    "write_csv",
]

MAX_ERRORS = 1000
# The registry's provinces are all Pakistani, so a point outside this box is a typing
# error, most often latitude and longitude swapped.
PAKISTAN_BOX = (23.0, 37.5, 60.5, 78.0)
COORDINATES = {"sites": ("lat", "lon"), "units": ("base_lat", "base_lon")}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


@dataclass
class ImportResult:
    """What an import did: counts, and every problem as (line, column, message)."""

    resource: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[Problem] = field(default_factory=list)
    correlation_id: str = ""
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    """Raised inside the import's transaction to undo it (bad row or dry run)."""


def export_queryset(resource: Resource, user: Any) -> QuerySet[Any]:
    """Everything of ``resource`` that ``user`` may see, ready for ``write_csv``."""
    gate.require(user, Action.VIEW, resource.model)
    related = [c for c in columns(resource) if field_of(resource, c).is_relation]
    queryset = resource.model.objects.select_related(*related)
    if resource.key == "people":
        queryset = queryset.select_related("home_site__organisation")
    return gate.restrict(queryset, user, Action.VIEW)


def export_rows(resource: Resource, queryset: QuerySet[Any]) -> Iterator[list[str]]:
    """The header, then one row per object, with formula-like cells neutralised."""
    names = columns(resource)
    yield names
    for obj in queryset.iterator(chunk_size=500):
        yield [escape_formula(cell(resource, obj, name)) for name in names]


def write_csv(
    resource: Resource, user: Any, out: TextIO, queryset: QuerySet[Any] | None = None
) -> int:
    """Write ``resource`` in ``user``'s scope (or the given scoped queryset) as CSV; rows written."""
    if queryset is None:
        queryset = export_queryset(resource, user)
    writer = csv.writer(out)
    rows = export_rows(resource, queryset)
    count = -1
    try:
        for row in rows:
            writer.writerow(row)
            count += 1
    finally:
        # Release the database cursor now, even when the reader went away (a closed pipe).
        rows.close()
    return count


def _import_form(form: type[Any]) -> type[Any]:
    """The resource's form, adjusted for rows whose related objects are already resolved."""

    class ImportForm(form):  # type: ignore[misc]
        resolved: dict[str, models.Model] = {}

        def set_resolved(self, resolved: dict[str, models.Model]) -> None:
            # The objects came from the natural keys, within the same scope the form's
            # choices use: hand them over instead of querying for each row again.
            self.resolved = resolved
            for name, obj in resolved.items():
                self.fields[name].to_python = lambda value, obj=obj: obj

        def validate_unique(self) -> None:
            """Uniqueness is checked by natural key, with plainer messages than the form's;
            the database's unique constraints remain the backstop."""

        def _get_validation_exclusions(self) -> set[str]:
            # Resolved objects exist: the model need not query to prove it.
            return set(super()._get_validation_exclusions()) | set(self.resolved)

    return ImportForm


class _Importer:
    """Validates the rows of one file against the forms and the database, then writes them."""

    def __init__(self, resource: Resource, user: Any, update: bool) -> None:
        self.resource = resource
        self.user = user
        self.update = update
        self.errors: list[Problem] = []
        self._cache: dict[tuple[type[models.Model], Any], models.Model | None] = {}
        self.form_class = _import_form(resource.form)

    def error(self, line: int | None, column: str, message: str) -> None:
        self.errors.append(Problem(line, column, message))

    def lookup(
        self, model: type[models.Model], value: str, org_id: int | None = None
    ) -> models.Model | None:
        """The object ``value`` names within the user's view scope, or None."""
        cache_key = (model, (value, org_id))
        if cache_key not in self._cache:
            queryset = gate.restrict(model.objects.all(), self.user, Action.VIEW)
            criteria: dict[str, Any] = {NATURAL_KEYS[model]: value}
            if model is m.Site:
                org_name, sep, site_name = value.partition(SITE_SEPARATOR)
                if sep:
                    criteria = {"organisation__name": org_name.strip(), "name": site_name.strip()}
                else:
                    criteria["organisation_id"] = org_id
            found = list(queryset.filter(**criteria)[:2])
            self._cache[cache_key] = found[0] if len(found) == 1 else None
        return self._cache[cache_key]

    def identity(self, row: Row) -> dict[str, Any] | None:
        """The lookup that finds the row's existing record, or None when it has no usable key."""
        values = row.values
        lookup: dict[str, Any] = {}
        for name in IDENTITY[self.resource.key]:
            if field_of(self.resource, name).is_relation:
                org = self.lookup(m.Organisation, values.get(name, ""))
                if org is None:
                    return None
                lookup[f"{name}_id"] = org.pk
            else:
                lookup[name] = values.get(name, "")
        if self.resource.key == "people" and not lookup["staff_ref"]:
            del lookup["staff_ref"]
            lookup["full_name"] = values.get("full_name", "")
        return lookup if all(v != "" for v in lookup.values()) else None

    def existing(self, row: Row) -> tuple[models.Model | None, bool]:
        """The record the row updates (None for a new one), and whether the row is acceptable."""
        lookup = self.identity(row)
        if lookup is None:
            return None, True
        found = list(
            self.resource.model._base_manager.filter(**lookup).values_list("pk", flat=True)[:2]
        )
        if not found:
            return None, True
        key = " and ".join(name.removesuffix("_id") for name in lookup)
        if not self.update:
            self.error(
                row.line,
                "",
                f"A {self.resource.singular} with this {key} already exists; "
                "to change it, import with updating switched on (--update).",
            )
            return None, False
        if len(found) > 1:
            self.error(
                row.line,
                "",
                f"Several {self.resource.model._meta.verbose_name_plural} "
                "match this row; give each a staff_ref.",
            )
            return None, False
        scoped = gate.restrict(
            self.resource.model.objects.filter(pk=found[0]), self.user, Action.CHANGE
        )
        instance = scoped.first()
        if instance is None:
            self.error(
                row.line,
                "",
                f"This {self.resource.singular} exists but is outside what you may change.",
            )
            return None, False
        return instance, True

    def form_data(
        self, row: Row, instance: models.Model | None
    ) -> tuple[dict[str, str], set[str], dict[str, models.Model]]:
        """The row as form data, the columns found bad, and the related objects resolved."""
        names = columns(self.resource)
        if instance is not None:
            data = {n: cell(self.resource, instance, n) for n in names}
        else:
            data = {n: default_cell(self.resource, n) for n in names}
        data.update(row.values)
        bad: set[str] = set()
        resolved: dict[str, models.Model] = {}
        org = self.lookup(m.Organisation, data["organisation"]) if "organisation" in data else None
        org_id = org.pk if org is not None else None
        for name in names:
            value, model_field = data[name], field_of(self.resource, name)
            if value == "":
                continue
            if model_field.is_relation:
                target = model_field.related_model
                obj = self.lookup(target, value, org_id)
                if obj is None:
                    bad.add(name)
                    self.error(
                        row.line,
                        name,
                        f"No {target._meta.verbose_name} {shown(value)} in your scope.",
                    )
                else:
                    data[name], resolved[name] = str(obj.pk), obj
            elif isinstance(model_field, models.BooleanField):
                if value.lower() not in _TRUE | _FALSE:
                    bad.add(name)
                    self.error(row.line, name, f"Write true or false, not {shown(value)}.")
                data[name] = "true" if value.lower() in _TRUE else "false"
            elif isinstance(model_field, models.DateField) and not _ISO_DATE.fullmatch(value):
                bad.add(name)
                self.error(row.line, name, f"Write the date as YYYY-MM-DD, not {shown(value)}.")
            elif model_field.choices:
                codes = {str(code).lower(): str(code) for code, _ in model_field.choices}
                labels = {str(label).lower(): str(code) for code, label in model_field.choices}
                code = codes.get(value.lower()) or labels.get(value.lower())
                if code is None:
                    bad.add(name)
                    self.error(
                        row.line,
                        name,
                        f"{shown(value)} is not one of: {', '.join(codes.values())}.",
                    )
                else:
                    data[name] = code
        return data, bad, resolved

    def check(self, row: Row) -> tuple[models.Model, bool] | None:
        """Validate one row: the object to save and whether it changes anything, or None
        after recording the row's errors. Only the object is kept, not the bound form, so
        a large file does not hold thousands of forms in memory."""
        before = len(self.errors)
        instance, acceptable = self.existing(row)
        data, bad, resolved = self.form_data(row, instance)
        form = self.form_class(
            data={n: v for n, v in data.items() if n not in bad}, instance=instance, user=self.user
        )
        form.set_resolved(resolved)
        valid = form.is_valid()
        for name, messages in form.errors.items():
            # A clash with a stored record is already reported above, in plainer words.
            if name in bad or (name == "__all__" and not acceptable):
                continue
            for message in messages:
                self.error(row.line, "" if name == "__all__" else name, message)
        if valid and self.resource.key in COORDINATES:
            lat_name, lon_name = COORDINATES[self.resource.key]
            lat, lon = form.cleaned_data[lat_name], form.cleaned_data[lon_name]
            south, north, west, east = PAKISTAN_BOX
            if not (south <= lat <= north and west <= lon <= east):
                self.error(
                    row.line,
                    f"{lat_name}/{lon_name}",
                    f"({lat}, {lon}) lies outside Pakistan (latitude {south}–{north}, "
                    f"longitude {west}–{east}); are latitude and longitude swapped?",
                )
        if not acceptable or len(self.errors) > before:
            return None
        return form.instance, form.instance.pk is None or form.has_changed()

    def write(self, rows: list[tuple[int, models.Model, bool]], result: ImportResult) -> None:
        """Save every changed object through the gate; record an error for any refused."""
        for line, obj, changed in rows:
            if not changed:
                result.unchanged += 1
                continue
            action = Action.CHANGE if obj.pk is not None else Action.ADD
            try:
                gate.save(self.user, obj, action=action)
            except PermissionDenied as exc:
                self.error(line, "", str(exc))
            except (IntegrityError, ValidationError) as exc:
                self.error(line, "", f"The database refused the row: {exc}")
            else:
                if action == Action.ADD:
                    result.created += 1
                else:
                    result.updated += 1


def import_csv(
    resource: Resource,
    user: Any,
    stream: BinaryIO,
    *,
    size: int | None = None,
    update: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Import a CSV file of ``resource`` as ``user``: all rows or, on any problem, none.

    ``size`` (bytes) lets an upload be refused before reading; otherwise it is measured
    from the stream where possible. With ``dry_run`` everything is checked and written,
    then rolled back, so the counts show what a real import would do.
    """
    gate.require(user, Action.ADD, resource.model)
    if update:
        gate.require(user, Action.CHANGE, resource.model)
    result = ImportResult(
        resource.key, dry_run=dry_run, correlation_id=new_correlation_id("import")
    )
    limits = Limits(settings.IMPORT_MAX_BYTES, settings.IMPORT_MAX_ROWS)
    table = read_table(
        stream,
        allowed=columns(resource),
        required=required_columns(resource, update),
        limits=limits,
        size=size,
    )
    importer = _Importer(resource, user, update)
    importer.errors.extend(table.problems)
    if table.problems:
        result.errors = importer.errors[:MAX_ERRORS]
        return result

    # Undo the export's formula escaping first, so keys match what is stored.
    rows = [Row(r.line, {k: unescape_formula(v) for k, v in r.values.items()}) for r in table.rows]

    def natural_key(row: Row) -> tuple[str, ...] | None:
        lookup = importer.identity(row)
        return None if lookup is None else tuple(f"{k}={v}" for k, v in sorted(lookup.items()))

    importer.errors.extend(duplicate_rows(rows, natural_key, key_label(resource)))
    valid = []
    for row in rows:
        checked = importer.check(row)
        if checked is not None:
            valid.append((row.line, *checked))
    if not importer.errors:
        with acting(Source.IMPORT, user=user, correlation_id=result.correlation_id):
            try:
                with transaction.atomic():
                    importer.write(valid, result)
                    if importer.errors or dry_run:
                        raise _Rollback
            except _Rollback:
                pass
    if importer.errors:
        result.created = result.updated = result.unchanged = 0
    importer.errors.sort(key=lambda p: (p.line or 0, p.column))
    result.errors = importer.errors[:MAX_ERRORS]
    if len(importer.errors) > MAX_ERRORS:
        result.errors.append(
            Problem(None, "", f"… and {len(importer.errors) - MAX_ERRORS} more problems.")
        )
    return result

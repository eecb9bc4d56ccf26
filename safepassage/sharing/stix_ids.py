"""STIX ids for local rows, and the identity map of objects that came from outside.

Every object this instance exports has a stable STIX id:

* an object that came from outside keeps the id it arrived with (``ExternalObject``), so a
  partner that sends it again, or receives it back, recognises it;
* an object made here gets ``type--uuid5(instance uuid, "app.model:pk")``: stable across
  exports, different on every instance, and checkable (``is_local_id``) when it comes back.

The STIX, MISP, TAXII and sync code all use these functions, so one object has one id
everywhere. MISP uses the uuid part as the event uuid (``uuid_for``).
"""

from __future__ import annotations

import datetime
import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction

from safepassage.registry.models import Organisation
from safepassage.sharing.models import ExternalObject, InstanceIdentity

INSTANCE_NAME = "Safe Passage"


def instance_identity() -> InstanceIdentity:
    """This instance's identity row, made on first use (under a transaction: made once)."""
    found = InstanceIdentity.objects.order_by("pk").first()
    if found is not None:
        return found
    with transaction.atomic():
        found = InstanceIdentity.objects.select_for_update().order_by("pk").first()
        if found is None:
            found = InstanceIdentity.objects.create(uuid=uuid.uuid4(), name=INSTANCE_NAME)
    return found


def instance_stix_id() -> str:
    """The STIX ``identity`` id of this instance (the producer of what it exports)."""
    return f"identity--{instance_identity().uuid}"


def model_label(obj_or_model: models.Model | type[models.Model]) -> str:
    """``app_label.model_name`` of a row or model: how ExternalObject names local models."""
    # Options.label_lower is this very string, computed once per model.
    return str(obj_or_model._meta.label_lower)


def local_id(stix_type: str, label: str, pk: int, namespace: uuid.UUID | None = None) -> str:
    """The id this instance mints for its own row ``label``/``pk``.

    ``namespace`` is this instance's uuid when the caller holds it already (``IdMap`` does);
    without it, it is read from the database.
    """
    if namespace is None:
        namespace = instance_identity().uuid
    return _mint(stix_type, label, pk, namespace)


@functools.lru_cache(maxsize=65536)
def _mint(stix_type: str, label: str, pk: int, namespace: uuid.UUID) -> str:
    # A pure function of its arguments (nothing about any reader): kept across requests, so a
    # partner polling again does not hash every id anew.
    return f"{stix_type}--{uuid.uuid5(namespace, f'{label}:{pk}')}"


def stix_id_for(obj: models.Model, stix_type: str) -> str:
    """The STIX id under which ``obj`` leaves this instance (see the module docstring)."""
    return IdMap().stix_id(obj, stix_type)


def uuid_for(obj: models.Model, stix_type: str) -> uuid.UUID:
    """The uuid part of ``stix_id_for`` (a MISP event's uuid for an incident)."""
    return uuid.UUID(stix_id_for(obj, stix_type).split("--", 1)[1])


def is_local_id(stix_id: str, label: str, pk: int) -> bool:
    """True when ``stix_id`` is the id this instance minted for its own row ``label``/``pk``."""
    stix_type = stix_id.split("--", 1)[0]
    return stix_id == local_id(stix_type, label, pk)


def lookup(stix_id: str) -> ExternalObject | None:
    """The identity-map row of an imported object, or None."""
    return ExternalObject.objects.filter(stix_id=stix_id).first()


def lookup_uuid(value: uuid.UUID | str) -> ExternalObject | None:
    """The identity-map row whose id has this uuid part (MISP event uuids), or None."""
    return ExternalObject.objects.filter(uuid=uuid.UUID(str(value))).order_by("pk").first()


def resolve(stix_id: str) -> models.Model | None:
    """The local row an imported id became, or None (never imported, or deleted since)."""
    entry = lookup(stix_id)
    if entry is None:
        return None
    return local_row(entry)


def local_row(entry: ExternalObject) -> models.Model | None:
    """The local row of an identity-map entry, or None when it has been deleted."""
    model = apps.get_model(entry.model)
    return model._default_manager.filter(pk=entry.local_id).first()


def origin_of(obj: models.Model) -> ExternalObject | None:
    """Where ``obj`` came from: its identity-map entry, or None for an object made here."""
    return (
        ExternalObject.objects.filter(model=model_label(obj), local_id=obj.pk)
        .order_by("received", "pk")
        .first()
    )


def came_from(obj: models.Model, partner: Organisation | int) -> bool:
    """True when ``obj`` arrived from ``partner`` (sync must not send it back there)."""
    pk = partner if isinstance(partner, int) else partner.pk
    return ExternalObject.objects.filter(
        model=model_label(obj), local_id=obj.pk, origin_id=pk
    ).exists()


def came_from_many(objs: Iterable[models.Model], partner: Organisation | int) -> set[int]:
    """The pks of those ``objs`` (all of one model) that arrived from ``partner``: ``came_from``
    for many rows in one query."""
    rows = list(objs)
    if not rows:
        return set()
    pk = partner if isinstance(partner, int) else partner.pk
    # What came from the partner, intersected here: no query parameter per row.
    came = set(
        ExternalObject.objects.filter(model=model_label(rows[0]), origin_id=pk).values_list(
            "local_id", flat=True
        )
    )
    return {int(row.pk) for row in rows} & came


def remember(
    stix_id: str,
    obj: models.Model,
    *,
    origin: Organisation | None = None,
    origin_instance: str = "",
    channel: str = "stix",
    modified: datetime.datetime | None = None,
) -> ExternalObject:
    """Record (or move forward) that the outside object ``stix_id`` is the local row ``obj``."""
    stix_type, _, id_uuid = stix_id.partition("--")
    entry = ExternalObject.objects.filter(stix_id=stix_id).first()
    if entry is None:
        entry = ExternalObject(stix_id=stix_id)
    entry.uuid = uuid.UUID(id_uuid)
    entry.stix_type = stix_type
    entry.model = model_label(obj)
    entry.local_id = int(obj.pk)
    # The first sender stays the origin: a later copy from elsewhere does not rewrite history.
    if entry.pk is None or entry.origin_id is None:
        entry.origin = origin
    entry.origin_instance = entry.origin_instance or origin_instance
    entry.channel = channel
    entry.modified = modified
    entry.save()
    return entry


@dataclass
class IdMap:
    """Bulk id look-ups for one export: one query per model instead of one per object."""

    _imported: dict[tuple[str, int], str] | None = None
    _checked: set[tuple[str, int]] | None = None
    _instances: dict[tuple[str, int], str] | None = None
    _namespace: uuid.UUID | None = None

    def namespace(self) -> uuid.UUID:
        """This instance's uuid, read once per map (not once per minted id)."""
        if self._namespace is None:
            self._namespace = instance_identity().uuid
        return self._namespace

    def preload(self, objects: Iterable[models.Model]) -> None:
        """Load the imported ids of ``objects`` (any mix of models) in one query per model."""
        by_label: dict[str, list[int]] = {}
        for obj in objects:
            by_label.setdefault(model_label(obj), []).append(int(obj.pk))
        self._load(by_label)

    def preload_pks(self, pks_by_label: dict[str, Iterable[int]]) -> None:
        """``preload`` for rows known by model label and pk; pks already loaded are skipped (a
        label with nothing new costs no query)."""
        checked = self._checked or set()
        by_label: dict[str, list[int]] = {}
        for label, pks in pks_by_label.items():
            new = sorted({int(pk) for pk in pks if (label, int(pk)) not in checked})
            if new:
                by_label[label] = new
        self._load(by_label)

    def _load(self, by_label: dict[str, list[int]]) -> None:
        found = self._imported if self._imported is not None else {}
        checked = self._checked if self._checked is not None else set()
        instances = self._instances if self._instances is not None else {}
        for label, pks in by_label.items():
            checked.update((label, pk) for pk in pks)
            # Oldest last, so the first arrival wins: its id and the instance that made it.
            rows = ExternalObject.objects.filter(model=label, local_id__in=pks).order_by(
                "-received", "-pk"
            )
            for model, pk, stix_id, origin_instance in rows.values_list(
                "model", "local_id", "stix_id", "origin_instance"
            ):
                found[(model, pk)] = stix_id
                if origin_instance:
                    instances[(model, pk)] = origin_instance
        self._imported = found
        self._checked = checked
        self._instances = instances

    def first_instance(self, obj: models.Model, default: str) -> str:
        """The instance that first recorded ``obj``: ``default`` (this one) unless imported."""
        key = (model_label(obj), int(obj.pk))
        if self._checked is None or key not in self._checked:
            self.preload([obj])
        found = (self._instances or {}).get(key, "")
        if found.startswith("identity--") and len(found) <= 100:
            return found
        return default

    def stix_id(self, obj: models.Model, stix_type: str) -> str:
        """The id ``obj`` leaves under as ``stix_type`` (imported id, else the minted one)."""
        return self.id_of(model_label(obj), int(obj.pk), stix_type)

    def id_of(self, label: str, pk: int, stix_type: str) -> str:
        """``stix_id`` for the row ``label``/``pk`` (no model instance needed)."""
        key = (label, pk)
        if self._checked is None or key not in self._checked:
            self._load({label: [pk]})
        imported = (self._imported or {}).get(key)
        if imported and imported.startswith(f"{stix_type}--"):
            return imported
        return local_id(stix_type, label, pk, self.namespace())

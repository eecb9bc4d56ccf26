"""Writes audit records for every create, update and delete of an audited model.

Signals catch writes from every path that uses the ORM's save and delete: views, the API,
the admin, CLI commands, jobs and imports. Values are turned into JSON-safe forms so the
hash computed at write time is the hash recomputed at verify time.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from safepassage.audit import context
from safepassage.audit.models import AuditChainHead, AuditRecord
from safepassage.lib.hashchain import GENESIS, link_hash

REDACTED = "[redacted]"
M = TypeVar("M", bound=models.Model)
_AUDITED: set[type[models.Model]] = set()


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The instance's concrete field values as JSON-safe values (unredacted: compare only)."""
    exclude = getattr(instance, "audit_exclude", frozenset())
    return {
        field.attname: _jsonable(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.name not in exclude
    }


def _describe(instance: models.Model) -> str:
    # A person's name would survive their erasure in an append-only log: name the row instead.
    if getattr(instance, "audit_hide_repr", False):
        return f"{instance._meta.verbose_name} #{instance.pk}"
    return str(instance)[:200]


def diff(
    before: dict[str, Any], after: dict[str, Any], redact: frozenset[str] = frozenset()
) -> dict[str, list[Any]]:
    """Field -> [before, after] for every field whose value changed.

    Redacted fields show that they changed, never their values.
    """
    keys = sorted(set(before) | set(after))
    changes = {}
    for key in keys:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key in redact:
            old = REDACTED if old not in (None, "") else old
            new = REDACTED if new not in (None, "") else new
        changes[key] = [old, new]
    return changes


def _redacted(instance: models.Model) -> frozenset[str]:
    return frozenset(getattr(instance, "audit_redact", frozenset()))


def _locked_head() -> AuditChainHead:
    """The chain head, locked for the rest of the transaction (created on the first append)."""
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.create(pk=1, count=0, last_hash=GENESIS)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


Entry = tuple[str, str, str, dict[str, Any]]


def _link(
    ctx: context.AuditContext, seq: int, prev_hash: str, action: str, entry: Entry
) -> AuditRecord:
    """The record of ``entry`` (object type, id, repr, changes) at ``seq``, hashed, not saved."""
    object_type, object_id, object_repr, changes = entry
    record = AuditRecord(
        seq=seq,
        created=timezone.now(),
        source=ctx.source,
        correlation_id=ctx.correlation_id,
        actor_id=ctx.actor_id,
        actor_label=ctx.actor_label,
        organisation_id=ctx.organisation_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        changes=changes,
        prev_hash=prev_hash,
    )
    record.hash = link_hash(record.prev_hash, record.content())
    return record


def append(
    action: str, object_type: str, object_id: str, object_repr: str, changes: dict[str, Any]
) -> AuditRecord:
    """Append one record to the chain, under a lock on the chain head."""
    ctx = context.current()
    with transaction.atomic():
        head = _locked_head()
        entry = (object_type, object_id, object_repr, changes)
        record = _link(ctx, head.count + 1, head.last_hash, action, entry)
        record.save(force_insert=True)
        AuditChainHead.objects.filter(pk=1).update(count=record.seq, last_hash=record.hash)
    return record


def append_many(action: str, entries: Sequence[Entry]) -> int:
    """Append one record per ``(object_type, object_id, object_repr, changes)`` under one lock.

    The records are those ``append`` would write one by one (same fields, same chain); they
    are inserted together, so a batch costs a handful of queries instead of four per record.
    """
    if not entries:
        return 0
    ctx = context.current()
    with transaction.atomic():
        head = _locked_head()
        seq, prev_hash = head.count, head.last_hash
        records = []
        for entry in entries:
            seq += 1
            record = _link(ctx, seq, prev_hash, action, entry)
            prev_hash = record.hash
            records.append(record)
        AuditRecord.objects.bulk_create(records)
        AuditChainHead.objects.filter(pk=1).update(count=seq, last_hash=prev_hash)
    return len(records)


def create_many(rows: Sequence[M]) -> list[M]:
    """Insert ``rows`` (all of one model) with the audit records their saves would write.

    For append-style rows written in numbers (share records): one bulk insert and one chain
    append instead of a save and an append per row. Only the audit signal runs, so use it for
    models no other ``post_save`` receiver listens to.
    """
    if not rows:
        return []
    model = type(rows[0])
    with transaction.atomic():
        created = model._default_manager.bulk_create(rows)
        if model in _AUDITED:
            append_many(
                AuditRecord.Action.CREATE,
                [
                    (
                        _label(model),
                        str(row.pk),
                        _describe(row),
                        diff({}, snapshot(row), _redacted(row)),
                    )
                    for row in created
                ],
            )
    return created


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _on_pre_save(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    before = None
    if instance.pk is not None and not instance._state.adding:
        old = sender._base_manager.filter(pk=instance.pk).first()
        before = snapshot(old) if old is not None else None
    instance._audit_before = before  # type: ignore[attr-defined]


def _on_post_save(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    if kwargs.get("raw"):
        return
    after = snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        changes = diff({}, after, _redacted(instance))
        action = AuditRecord.Action.CREATE
    else:
        changes = diff(before, after, _redacted(instance))
        if not changes:
            return  # A save that changed nothing audited (e.g. only last_login).
        action = AuditRecord.Action.UPDATE
    append(action, _label(sender), str(instance.pk), _describe(instance), changes)


def _on_pre_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    instance._audit_before = snapshot(instance)  # type: ignore[attr-defined]
    instance._audit_pk = instance.pk  # type: ignore[attr-defined]


def _on_post_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    before = getattr(instance, "_audit_before", None) or snapshot(instance)
    pk = getattr(instance, "_audit_pk", instance.pk)
    append(
        AuditRecord.Action.DELETE,
        _label(sender),
        str(pk),
        _describe(instance),
        diff(before, {}, _redacted(instance)),
    )


def _on_m2m_changed(
    sender: Any,
    instance: models.Model,
    action: str,
    model: type[models.Model],
    pk_set: set[Any] | None,
    **kwargs: Any,
) -> None:
    if action not in {"post_add", "post_remove", "post_clear"} or type(instance) not in _AUDITED:
        return
    field = next(
        (f.name for f in instance._meta.many_to_many if f.remote_field.through is sender), "m2m"
    )
    verb = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
    changes = {field: {verb: sorted(_jsonable(pk) for pk in (pk_set or set()))}}
    append(
        AuditRecord.Action.UPDATE,
        _label(type(instance)),
        str(instance.pk),
        _describe(instance),
        changes,
    )


def register(*models_to_audit: type[models.Model]) -> None:
    """Audit every write to these models, whatever path it comes from."""
    for model in models_to_audit:
        if model in _AUDITED:
            continue
        _AUDITED.add(model)
        uid = f"audit-{model._meta.label_lower}"
        pre_save.connect(_on_pre_save, sender=model, dispatch_uid=uid + "-pre-save")
        post_save.connect(_on_post_save, sender=model, dispatch_uid=uid + "-post-save")
        pre_delete.connect(_on_pre_delete, sender=model, dispatch_uid=uid + "-pre-delete")
        post_delete.connect(_on_post_delete, sender=model, dispatch_uid=uid + "-post-delete")
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                _on_m2m_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"{uid}-{field.name}",
            )


def audited_models() -> frozenset[type[models.Model]]:
    return frozenset(_AUDITED)

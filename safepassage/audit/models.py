"""The append-only, hash-chained audit log."""

from __future__ import annotations

from typing import Any

from django.db import models


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an audit record."""


class AuditRecord(models.Model):
    """One write to an audited object. Never updated, never deleted.

    ``hash`` covers the record's content and ``prev_hash``; ``seq`` has no gaps. The actor is
    kept as a plain id and label rather than a foreign key, so deleting a user cannot rewrite
    the log.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"

    seq = models.PositiveBigIntegerField(unique=True)
    created = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=16, db_index=True)
    correlation_id = models.CharField(max_length=64, db_index=True)
    actor_id = models.BigIntegerField(null=True, db_index=True)
    actor_label = models.CharField(max_length=150)
    organisation_id = models.BigIntegerField(null=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    object_type = models.CharField(max_length=64, db_index=True)
    object_id = models.CharField(max_length=64, db_index=True)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Gate:
        resource = "audit"

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("Audit records cannot be deleted.")

    def content(self) -> dict[str, Any]:
        """The fields the hash covers, as plain JSON-able values."""
        return {
            "seq": self.seq,
            "created": self.created.isoformat(),
            "source": self.source,
            "correlation_id": self.correlation_id,
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "organisation_id": self.organisation_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "changes": self.changes,
        }


class AuditChainHead(models.Model):
    """The single row that serialises appends and remembers the chain's end.

    Appends lock this row, so concurrent writers on PostgreSQL queue up instead of forking
    the chain; its count and hash reveal records removed from the end.
    """

    count = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit chain head at record {self.count}"

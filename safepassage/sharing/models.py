"""Sharing agreements with partner organisations and the record of what crossed to whom.

An agreement is the only way marked intelligence reaches a partner: a partner liaison signed
in to this instance, a partner's tools pulling the TAXII collection, a peer instance syncing,
and exports made for a partner all read through the agreement (see ``access.marking``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from safepassage.sharing import tlp


class SharedTLP(models.TextChoices):
    """The highest marking an agreement may let cross (AMBER+STRICT and RED never cross)."""

    CLEAR = tlp.CLEAR, "TLP:CLEAR"
    GREEN = tlp.GREEN, "TLP:GREEN"
    AMBER = tlp.AMBER, "TLP:AMBER"


class SharingAgreement(models.Model):
    """What one partner organisation may receive from this instance."""

    partner = models.ForeignKey(
        "registry.Organisation", on_delete=models.PROTECT, related_name="sharing_agreements"
    )
    name = models.CharField(max_length=200)
    max_tlp = models.CharField(
        "highest marking",
        max_length=16,
        choices=SharedTLP.choices,
        default=SharedTLP.GREEN,
        help_text="AMBER+STRICT stays inside its organisation and RED reaches named people only.",
    )
    provinces = models.JSONField(
        default=list, blank=True, help_text="Provinces (ADM1 names) shared; empty means all."
    )
    kinds = models.JSONField(
        default=list, blank=True, help_text="Event kinds shared (attack, meeting …); empty: all."
    )
    topics = models.JSONField(
        default=list,
        blank=True,
        help_text="Attack types shared for incidents (bombing, suicide_bombing …); empty means all.",
    )
    personal_data = models.BooleanField(
        "personal data may cross",
        default=False,
        help_text="Article text, quotes and names of people. Off unless agreed in writing.",
    )
    active = models.BooleanField(default=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Gate:
        resource = "sharing"
        org = "partner"

    class Meta:
        ordering = ["partner__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.partner})"

    def in_force(self, day: Any = None) -> bool:
        """True when the agreement is active on ``day`` (today by default)."""
        day = day or timezone.localdate()
        if not self.active:
            return False
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)


class Channel(models.TextChoices):
    WEB = "web", "Read on this instance"
    EXPORT = "export", "Export file"
    STIX = "stix", "STIX bundle"
    MISP = "misp", "MISP event"
    TAXII = "taxii", "TAXII pull"
    SYNC_PUSH = "sync_push", "Sync: pushed"
    SYNC_PULL = "sync_pull", "Sync: pulled by the partner"
    SYNC_IN = "sync_in", "Sync: received"


class ShareRecord(models.Model):
    """One object that crossed to (or arrived from) a partner, by which channel, and when."""

    partner = models.ForeignKey(
        "registry.Organisation", on_delete=models.PROTECT, related_name="share_records"
    )
    agreement = models.ForeignKey(
        SharingAgreement, null=True, blank=True, on_delete=models.SET_NULL, related_name="records"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    object_type = models.CharField(max_length=32)
    object_id = models.BigIntegerField(null=True, blank=True)
    stix_id = models.CharField(max_length=100, blank=True, db_index=True)
    tlp = models.CharField(max_length=16, choices=[(v, tlp.label(v)) for v in tlp.ORDER])
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Gate:
        resource = "sharing"
        org = "partner"

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["partner", "object_type", "object_id"])]

    def __str__(self) -> str:
        return (
            f"{self.object_type} {self.object_id or self.stix_id} → {self.partner} ({self.channel})"
        )


class InstanceIdentity(models.Model):
    """This instance's own identity: one row, made on first use, never changed.

    Its uuid is the namespace of the STIX ids this instance gives its own objects
    (``stix_ids.stix_id_for``), so two instances never mint the same id for different objects
    and an object keeps its id across exports.
    """

    uuid = models.UUIDField(unique=True, editable=False)
    name = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "instance identity"

    def __str__(self) -> str:
        return f"{self.name or 'this instance'} ({self.uuid})"


class ExternalObject(models.Model):
    """The identity map between outside ids (STIX ids, MISP uuids) and local rows.

    One row per outside object imported here (by STIX file, MISP event, TAXII or sync): which
    local row it became, where it came from and which version we hold. Importers are
    idempotent by ``stix_id``; exporters reuse an imported object's ``stix_id`` and skip objects
    whose ``origin`` is the partner they export for (sync never echoes an object back).
    """

    stix_id = models.CharField(
        max_length=100, unique=True, help_text="type--uuid (a MISP event as misp-event--uuid)."
    )
    uuid = models.UUIDField(db_index=True, help_text="The uuid part of the id (MISP lookups).")
    stix_type = models.CharField(max_length=64)
    model = models.CharField(max_length=64, help_text="Local model label: intel.incident …")
    local_id = models.BigIntegerField()
    origin = models.ForeignKey(
        "registry.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Partner organisation it came from (none: a file imported by an operator).",
    )
    origin_instance = models.CharField(
        max_length=200,
        blank=True,
        help_text="The producing instance: its STIX identity id (created_by_ref) or peer URL.",
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.STIX)
    modified = models.DateTimeField(
        null=True, blank=True, help_text="The outside version held (STIX `modified`)."
    )
    received = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Gate:
        resource = "sharing"

    class Meta:
        ordering = ["-updated", "-pk"]
        indexes = [models.Index(fields=["model", "local_id"], name="external_local_idx")]

    def __str__(self) -> str:
        return f"{self.stix_id} → {self.model} #{self.local_id}"


# Peer instances for instance-to-instance sync live in their own module (sharing/peers.py).
from safepassage.sharing.peers import Peer  # noqa: E402, F401

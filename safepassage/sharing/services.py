"""Sharing with partners: who a partner reads as, what their agreements allow, what crossed.

Everything that leaves for a partner (a TAXII pull, a sync, an export made for them) is read
*as the partner*: through the gate with a partner principal, so TLP markings and the
agreement's filters apply exactly as they do to a partner liaison signed in here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from safepassage.access import gate
from safepassage.access.policy import Role
from safepassage.audit import recorder
from safepassage.registry.models import Organisation
from safepassage.sharing import tlp
from safepassage.sharing.models import ShareRecord, SharingAgreement
from safepassage.sharing.peers import Peer


@dataclass(frozen=True)
class PartnerReader:
    """A principal that reads as a partner organisation (for exports made on its behalf).

    It holds the partner liaison role and no account: RED objects (named people only) never
    reach it, and it cannot write.
    """

    organisation: Organisation
    role: str = Role.PARTNER_LIAISON.value
    pk: None = None
    provinces: list[str] = field(default_factory=list)
    is_authenticated: bool = True
    is_active: bool = True
    api_token: None = None

    @property
    def organisation_id(self) -> int:
        return int(self.organisation.pk)

    def get_username(self) -> str:
        return f"partner:{self.organisation.pk}"

    @property
    def units(self) -> _NoUnits:
        return _NoUnits()


class _NoUnits:
    def values_list(self, *args: object, **kwargs: object) -> list[int]:
        return []


def agreements_in_force(partner: Organisation | int | None) -> list[SharingAgreement]:
    """The partner's agreements that apply today."""
    if partner is None:
        return []
    pk = partner if isinstance(partner, int) else partner.pk
    return [a for a in SharingAgreement.objects.filter(partner_id=pk, active=True) if a.in_force()]


def personal_data_allowed(partner: Organisation | int | None) -> bool:
    """True when an agreement in force lets personal data cross to ``partner`` (never by default)."""
    return any(a.personal_data for a in agreements_in_force(partner))


def highest_marking(partner: Organisation | int | None) -> str | None:
    """The most restrictive marking any agreement in force lets reach ``partner``."""
    agreements = agreements_in_force(partner)
    if not agreements:
        return None
    return tlp.most_restrictive(a.max_tlp for a in agreements)


def record(
    partner: Organisation | int,
    channel: str,
    objects: Iterable[models.Model],
    *,
    actor: Any = None,
    stix_ids: dict[int, str] | None = None,
) -> int:
    """Record that ``objects`` crossed to (or came from) ``partner`` by ``channel``.

    Returns how many records were written. The agreement is the first in force, if any.
    """
    pk = partner if isinstance(partner, int) else partner.pk
    agreements = agreements_in_force(pk)
    agreement = agreements[0] if agreements else None
    actor_id = getattr(actor, "pk", None)
    # One organisation for every row: each row's audit record names it (str of the record).
    organisation = partner if isinstance(partner, Organisation) else Organisation.objects.get(pk=pk)
    rows = [
        ShareRecord(
            partner=organisation,
            agreement=agreement,
            channel=channel,
            object_type=obj._meta.model_name or "",
            object_id=obj.pk,
            stix_id=(stix_ids or {}).get(obj.pk, ""),
            tlp=getattr(obj, "tlp", tlp.CLEAR),
            actor_id=actor_id if isinstance(actor_id, int) else None,
        )
        for obj in objects
    ]
    # In one insert with one audit record per row, as saving each would write (a TAXII page
    # or an export records hundreds: a save and a chain append each grew with the page).
    return len(recorder.create_many(rows))


def save_peer(actor: Any, peer: Peer) -> Peer:
    """Check ``peer`` and save it on behalf of ``actor``: the one path for the CLI and the pages.

    Raises ``ValidationError`` (field -> messages) when the peer is not valid (``Peer.clean``:
    one token source, a safe address, no control characters) and ``PermissionDenied`` when
    ``actor`` may not add or change peers (``gate.save``; the audit log records the write).
    The token itself is never given here: the peer names where it lives.

    When an existing peer's address or partner changes, both cursors start over: the pull
    cursor is a place in the old address's stream and the push cursor says what the old
    partner already has. Starting over costs a full exchange, which changes nothing twice
    (sync is idempotent); keeping them could skip incidents.
    """
    peer.full_clean()
    if peer.pk is not None:
        stored = Peer.objects.filter(pk=peer.pk).values("base_url", "partner_id").first()
        if stored is not None and (
            stored["base_url"] != peer.base_url or stored["partner_id"] != peer.partner_id
        ):
            peer.pull_cursor = ""
            peer.push_cursor = None
    return gate.save(actor, peer)


def disable_peer(actor: Any, peer: Peer) -> Peer:
    """Stop syncing with ``peer`` on behalf of ``actor``; its row, cursors and history stay.

    Only ``active`` changes (through the gate, audited), so a peer saved under older rules can
    always be disabled. An inactive peer is not synced and may not push to us.
    """
    if peer.active:
        peer.active = False
        gate.save(actor, peer, update_fields=["active"])
    return peer

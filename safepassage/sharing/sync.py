"""Instance-to-instance sync: two instances exchange incidents and engagements as STIX bundles.

Both sides of the wire live here.

**Serving** (this instance answers a peer):

* ``serve_pull(user, since)``: what the caller's organisation may receive, read as
  ``PartnerReader(organisation)`` (its agreements here apply; AMBER+STRICT and RED never
  cross), leaving out every object that came from that organisation (no echo), with a cursor
  taken from our clock before the read.
* ``accept_push(user, body)``: a bundle pushed by a partner's instance, imported with that
  organisation as its origin, only when a ``Peer`` here stands for that organisation and
  accepts pushes.

Both answer only a partner liaison account (the account a peer's token belongs to here).

**Syncing** (this instance calls a peer): ``sync_peer(peer, actor)`` pulls what the peer shares
with us since the last pull cursor and imports it, then pushes what we share with the peer since
the last push cursor. Every request goes through ``lib/http.py`` (redirects refused, so the token
is never replayed to another address; private networks only as ``SYNC_ALLOW_NETWORKS`` says).

**Idempotent**: the importer recognises objects it holds at the same version and changes
nothing; share records are written only for what actually crossed (new or changed there), so a
second sync writes no rows except the peer's own cursors and status. An object marked
AMBER+STRICT or RED that arrives from a peer is refused with the whole bundle: it should never
have left its organisation.
"""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from safepassage.access import gate
from safepassage.access.marking import is_partner
from safepassage.access.policy import Action
from safepassage.access.principals import SystemActor
from safepassage.intel.models import Engagement, Incident, Report
from safepassage.lib import http
from safepassage.registry.models import Organisation
from safepassage.sharing import services, tlp
from safepassage.sharing.engagement_sdo import TYPE as ENGAGEMENT_TYPE
from safepassage.sharing.models import Channel, ExternalObject, ShareRecord
from safepassage.sharing.peers import Peer, PeerError, allowed_networks
from safepassage.sharing.stix import StixExport, collect
from safepassage.sharing.stix_ids import IdMap, model_label
from safepassage.sharing.stix_import import BundleRejected, ImportResult, import_bundle, load
from safepassage.sharing.stix_markings import TLP2_IDS

log = logging.getLogger(__name__)

PULL_PATH = "api/sharing/sync/pull"
PUSH_PATH = "api/sharing/sync/push"
# Markings that never cross to another organisation, whatever an agreement says.
NEVER_CROSS = frozenset({TLP2_IDS[tlp.AMBER_STRICT], TLP2_IDS[tlp.RED]})
SYNC_CHANNELS = (Channel.SYNC_PULL, Channel.SYNC_PUSH)
# Pages one run pulls at most (the rest waits for the next run).
MAX_PAGES = 1000


class SyncError(Exception):
    """One direction of a sync failed; ``retryable`` says whether a later run may succeed."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass
class SyncOutcome:
    """What one sync with one peer did."""

    peer: str
    pulled: dict[str, int] = field(default_factory=dict)
    pushed: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """One line for the CLI, the job log and the peer's status."""
        parts = [f"{self.peer}:"]
        if self.pulled:
            parts.append("pulled " + _counts(self.pulled))
        if self.pushed:
            parts.append("pushed " + _counts(self.pushed))
        if self.errors:
            parts.append("errors: " + "; ".join(self.errors))
        if len(parts) == 1:
            parts.append("nothing to do")
        return " ".join(parts)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{value} {key}" for key, value in counts.items())


# ------------------------------------------------------------------ serving a peer


def _partner_of(user: Any) -> Organisation:
    """The organisation a peer's account stands for, or PermissionDenied."""
    organisation = getattr(user, "organisation", None)
    if not is_partner(user) or organisation is None:
        raise PermissionDenied("Sync is open to partner accounts only.")
    return organisation  # type: ignore[no-any-return]


def stamp(value: datetime.datetime) -> str:
    """A cursor as ISO 8601 in UTC with microseconds."""
    return value.astimezone(datetime.UTC).isoformat()


# The stream's order at one timestamp: incidents first, then engagements.
STREAM_RANK = {"incident": 0, "engagement": 1}


@dataclass(frozen=True)
class Cursor:
    """A position in the stream of changes: after the row ``kind``/``pk`` updated at ``updated``.

    Incidents and engagements are served as one stream in (updated, kind, pk) order, incidents
    before engagements at one timestamp, so a page ends at an exact position even when many
    rows share one timestamp. Written ``<ISO 8601>|<pk>`` after an incident (as before
    engagements travelled) and ``<ISO 8601>|engagement:<pk>`` after an engagement; a bare
    timestamp means "from that time on" (pk 0).
    """

    updated: datetime.datetime
    pk: int = 0
    kind: str = "incident"

    def __str__(self) -> str:
        if self.kind == "incident":
            return f"{stamp(self.updated)}|{self.pk}"
        return f"{stamp(self.updated)}|{self.kind}:{self.pk}"

    @classmethod
    def parse(cls, value: str) -> Cursor:
        """The cursor ``value`` names; ValueError when it is not one."""
        when, _, position = str(value)[:80].partition("|")
        updated = parse_datetime(when.strip())
        if updated is None:
            raise ValueError("not an ISO 8601 time")
        if timezone.is_naive(updated):
            updated = updated.replace(tzinfo=datetime.UTC)
        kind, _, pk = position.strip().rpartition(":")
        kind = kind or "incident"
        if kind not in STREAM_RANK:
            raise ValueError("an unknown kind of row")
        number = int(pk) if pk.strip() else 0
        if number < 0:
            raise ValueError("a negative position")
        return cls(updated, number, kind)

    def back(self, seconds: int) -> Cursor:
        """The position ``seconds`` earlier, at the start of that moment."""
        return Cursor(self.updated - datetime.timedelta(seconds=seconds), 0)

    def after(self, kind: str) -> models.Q:
        """The rows of ``kind`` (incident, engagement) that come after this position."""
        rank, own = STREAM_RANK[kind], STREAM_RANK[self.kind]
        if rank < own:
            return models.Q(updated__gt=self.updated)
        if rank > own:
            return models.Q(updated__gte=self.updated)
        return models.Q(updated__gt=self.updated) | models.Q(updated=self.updated, pk__gt=self.pk)


def _kind(model: type[models.Model] | models.Model) -> str:
    is_engagement = model is Engagement or isinstance(model, Engagement)
    return "engagement" if is_engagement else "incident"


def _position(row: Incident | Engagement) -> tuple[datetime.datetime, int, int]:
    return (row.updated, STREAM_RANK[_kind(row)], int(row.pk))


def _stix_type(row: models.Model) -> str:
    return ENGAGEMENT_TYPE if isinstance(row, Engagement) else "incident"


def serve_pull(user: Any, since: Cursor | None, *, limit: int | None = None) -> dict[str, Any]:
    """One page of what ``user``'s organisation may receive after ``since``, and its cursor.

    At most ``limit`` incidents and engagements (``SYNC_PAGE_SIZE``) with their reports,
    sightings and places; ``more`` says whether another page follows. Raises PermissionDenied
    unless ``user`` is a partner account whose organisation has an agreement in force.
    """
    partner = _partner_of(user)
    if not services.agreements_in_force(partner):
        raise PermissionDenied("No sharing agreement with your organisation is in force.")
    limit = max(1, min(limit or int(settings.SYNC_PAGE_SIZE), int(settings.SYNC_PAGE_SIZE)))
    reader = services.PartnerReader(partner)
    # Two ordered reads of limit + 1 rows each, merged: the first limit + 1 of the stream.
    candidates: list[Incident | Engagement] = []
    for model in (Incident, Engagement):
        changed = gate.restrict(model.objects.all(), reader).exclude(
            pk__in=ExternalObject.objects.filter(model=model_label(model), origin=partner).values(
                "local_id"
            )
        )
        if since is not None:
            changed = changed.filter(since.after(_kind(model)))
        candidates.extend(changed.order_by("updated", "pk")[: limit + 1])
    page = sorted(candidates, key=_position)[: limit + 1]
    more = len(page) > limit
    page = page[:limit]
    ids = IdMap()
    ids.preload(page)
    export = collect(
        reader,
        since=page[0].updated if page else None,
        ids=[ids.stix_id(row, _stix_type(row)) for row in page],
        exclude_origin=partner,
        include_text=services.personal_data_allowed(partner),
        # Only the page's incidents are read, not every one changed since the page began.
        incident_pks=[row.pk for row in page if isinstance(row, Incident)],
    )
    record_new(export, partner, Channel.SYNC_PULL, actor=user)
    if page:
        cursor = str(Cursor(page[-1].updated, int(page[-1].pk), _kind(page[-1])))
    else:
        cursor = str(since) if since is not None else ""
    return {"cursor": cursor, "more": more, "marking": export.marking, "bundle": export.bundle()}


def accept_push(user: Any, body: bytes) -> ImportResult:
    """Import a bundle pushed by ``user``'s organisation's instance (a configured, active peer).

    Raises PermissionDenied when no peer here accepts pushes from that organisation, and
    BundleRejected (nothing written) when the bundle is refused.
    """
    partner = _partner_of(user)
    token = getattr(user, "api_token", None)
    if token is not None and not token.allows("sharing", Action.ADD):
        raise PermissionDenied("A read-only token cannot push.")
    peer = Peer.objects.filter(partner=partner, active=True, accept_push=True).first()
    if peer is None:
        raise PermissionDenied("This instance accepts no pushes from your organisation.")
    bundle = load(body)
    refuse_never_crossing(bundle)
    # The import writes as the sync of this peer; the audit context names the partner's account.
    return import_bundle(
        bundle,
        actor=SystemActor(f"sync:{peer.name}"),
        origin=partner,
        origin_instance=peer.base_url,
        channel=Channel.SYNC_IN,
    )


def refuse_never_crossing(bundle: dict[str, Any]) -> None:
    """Raise BundleRejected when any object is marked AMBER+STRICT or RED."""
    objects = bundle.get("objects")
    if not isinstance(objects, list):
        return  # the importer reports the malformed bundle itself
    offending = [
        str(obj.get("id", "?"))[:100]
        for obj in objects
        if isinstance(obj, dict)
        and isinstance(obj.get("object_marking_refs"), list)
        and NEVER_CROSS.intersection(str(ref) for ref in obj["object_marking_refs"])
    ]
    if offending:
        raise BundleRejected(
            [
                f"{ref} is marked TLP:AMBER+STRICT or TLP:RED and may not cross organisations."
                for ref in offending
            ]
        )


def _last_sync_records(
    partner: Organisation, model: type[models.Model], pks: list[int]
) -> dict[int, datetime.datetime]:
    rows = (
        ShareRecord.objects.filter(
            partner=partner,
            channel__in=SYNC_CHANNELS,
            object_type=model._meta.model_name,
            object_id__in=pks,
        )
        .values("object_id")
        .annotate(last=models.Max("at"))
    )
    return {int(row["object_id"]): row["last"] for row in rows}


def _changed_since(row: models.Model, last_sent: datetime.datetime | None) -> bool:
    """True when ``row`` never crossed by sync, or (an incident or engagement) changed after it
    last did."""
    if last_sent is None:
        return True
    updated = getattr(row, "updated", None)
    return isinstance(row, Incident | Engagement) and updated is not None and updated > last_sent


def record_new(
    export: StixExport,
    partner: Organisation,
    channel: str,
    *,
    actor: Any = None,
    only: set[str] | None = None,
) -> int:
    """Record what crossed to ``partner`` by sync, leaving out what crossed already.

    An incident or engagement is recorded again only when it changed after its last sync
    record; a report (which does not change once stored) once. ``only`` limits the records to
    those STIX ids (what the peer reported as new or changed). Returns how many were written.
    """
    written = 0
    for model in (Incident, Engagement, Report):
        rows = [
            (row, sid)
            for row, sid in export.rows
            if isinstance(row, model) and (only is None or sid in only)
        ]
        if not rows:
            continue
        last = _last_sync_records(partner, model, [int(row.pk) for row, _ in rows])
        fresh = [(row, sid) for row, sid in rows if _changed_since(row, last.get(int(row.pk)))]
        if fresh:
            written += services.record(
                partner,
                channel,
                [row for row, _ in fresh],
                actor=actor,
                stix_ids={int(row.pk): sid for row, sid in fresh},
            )
    return written


# ------------------------------------------------------------------ syncing with a peer


def _policy() -> http.FetchPolicy:
    timeout = float(settings.SYNC_TIMEOUT)
    return http.FetchPolicy(
        connect_timeout=min(10.0, timeout),
        read_timeout=timeout,
        total_timeout=timeout,
        max_bytes=int(settings.SYNC_MAX_BYTES),
        # A redirect would replay the token to another address: refuse it.
        max_redirects=0,
        allow_networks=allowed_networks(),
        user_agent="SafePassage-sync/1",
    )


def _fetch_error(direction: str, exc: http.FetchError) -> SyncError:
    return SyncError(f"{direction}: {exc.message}", retryable=exc.retryable)


def pull(peer: Peer, token: str, actor: Any) -> dict[str, int]:
    """Fetch, page by page, what ``peer`` shares with us since the last pull, and import it.

    Each page is imported on its own (all or nothing) and moves the cursor on, so a failure
    half way keeps the pages already done. The run starts ``SYNC_CURSOR_OVERLAP_SECONDS``
    behind the stored cursor, so a change that committed late is not missed.
    """
    since: Cursor | None = None
    if peer.pull_cursor:
        try:
            since = Cursor.parse(peer.pull_cursor).back(int(settings.SYNC_CURSOR_OVERLAP_SECONDS))
        except ValueError:
            since = None  # a damaged cursor: read everything again (idempotent)
    totals = {"created": 0, "updated": 0, "unchanged": 0}
    for _ in range(MAX_PAGES):
        answer = _pull_page(peer, token, since)
        try:
            refuse_never_crossing(answer["bundle"])
            result = import_bundle(
                answer["bundle"],
                actor=actor,
                origin=peer.partner,
                origin_instance=peer.base_url,
                channel=Channel.SYNC_IN,
            )
        except BundleRejected as exc:
            raise SyncError("pull: the bundle was refused: " + "; ".join(exc.errors[:5])) from exc
        for key, value in _result_counts(result).items():
            totals[key] += value
        if answer["cursor"] is not None:
            since = answer["cursor"]
            peer.pull_cursor = str(since)
        if not answer["more"]:
            return totals
        if answer["cursor"] is None:
            raise SyncError("pull: the peer says more follows but gives no cursor.")
    raise SyncError(f"pull: more than {MAX_PAGES} pages; the rest waits for the next run.")


def _pull_page(peer: Peer, token: str, since: Cursor | None) -> dict[str, Any]:
    """One page of the peer's pull endpoint, checked: bundle, cursor (or None) and ``more``."""
    query = f"?{urlencode({'since': str(since)})}" if since is not None else ""
    try:
        response = http.fetch(
            peer.url(PULL_PATH) + query,
            accept=["application/json"],
            policy=_policy(),
            headers={"Authorization": f"Bearer {token}"},
        )
    except http.FetchError as exc:
        raise _fetch_error("pull", exc) from exc
    try:
        answer = json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SyncError("pull: the peer's answer is not JSON.") from exc
    if not isinstance(answer, dict) or not isinstance(answer.get("bundle"), dict):
        raise SyncError("pull: the peer's answer holds no bundle.")
    cursor: Cursor | None = None
    if answer.get("cursor"):
        try:
            cursor = Cursor.parse(str(answer["cursor"]))
        except ValueError as exc:
            raise SyncError("pull: the peer's answer holds no valid cursor.") from exc
    return {"bundle": answer["bundle"], "cursor": cursor, "more": answer.get("more") is True}


def _result_counts(result: ImportResult | dict[str, Any]) -> dict[str, int]:
    data = result.as_dict() if isinstance(result, ImportResult) else result
    return {key: int(data.get(key, 0)) for key in ("created", "updated", "unchanged")}


def _batches(export: StixExport, size: int) -> list[list[str]]:
    event_ids = [sid for row, sid in export.rows if isinstance(row, Incident | Engagement)]
    return [event_ids[i : i + size] for i in range(0, len(event_ids), size)]


def push(peer: Peer, token: str, actor: Any) -> dict[str, int]:
    """Send what we share with ``peer`` since the last push, in batches; move the cursor on."""
    started = timezone.now()
    reader = services.PartnerReader(peer.partner)
    include_text = services.personal_data_allowed(peer.partner)
    since = None
    if peer.push_cursor is not None:
        overlap = datetime.timedelta(seconds=int(settings.SYNC_CURSOR_OVERLAP_SECONDS))
        since = peer.push_cursor - overlap
    listing = collect(reader, since=since, exclude_origin=peer.partner, include_text=include_text)
    totals = {"created": 0, "updated": 0, "unchanged": 0}
    for batch in _batches(listing, int(settings.SYNC_PUSH_BATCH)):
        export = collect(reader, ids=batch, exclude_origin=peer.partner, include_text=include_text)
        body = json.dumps(export.bundle(), separators=(",", ":")).encode("utf-8")
        try:
            response = http.post(
                peer.url(PUSH_PATH),
                body=body,
                content_type="application/json",
                policy=_policy(),
                headers={"Authorization": f"Bearer {token}"},
            )
            answer = json.loads(response.body.decode("utf-8"))
        except http.FetchError as exc:
            raise _fetch_error("push", exc) from exc
        except (UnicodeDecodeError, ValueError) as exc:
            raise SyncError("push: the peer's answer is not JSON.") from exc
        if not isinstance(answer, dict) or not isinstance(answer.get("objects"), dict):
            raise SyncError("push: the peer's answer does not say what it imported.")
        crossed = {
            str(sid)
            for sid, outcome in answer["objects"].items()
            if outcome in ("created", "updated")
        }
        record_new(export, peer.partner, Channel.SYNC_PUSH, actor=None, only=crossed)
        for key, value in _result_counts(answer).items():
            totals[key] += value
    peer.push_cursor = started
    return totals


def sync_peer(peer: Peer, actor: Any) -> SyncOutcome:
    """Pull from and push to ``peer`` as its direction says; errors are reported, not raised.

    A failed pull does not stop the push (and the other way round); each direction's cursor
    moves on only when that direction succeeded.
    """
    outcome = SyncOutcome(peer=peer.name)
    try:
        token = peer.token()
    except PeerError as exc:
        outcome.errors.append(str(exc))
    else:
        if peer.pulls:
            try:
                outcome.pulled = pull(peer, token, actor)
            except SyncError as exc:
                outcome.errors.append(str(exc))
        if peer.pushes:
            try:
                outcome.pushed = push(peer, token, actor)
            except SyncError as exc:
                outcome.errors.append(str(exc))
    peer.last_run = timezone.now()
    peer.last_status = "ok" if outcome.ok else "failed"
    peer.last_message = outcome.summary()[:2000]
    gate.save(
        actor,
        peer,
        update_fields=["pull_cursor", "push_cursor", "last_run", "last_status", "last_message"],
    )
    log.info("sync %s", outcome.summary())
    return outcome


def sync_all(actor: Any, names: list[str] | None = None) -> list[SyncOutcome]:
    """Sync with every active peer (or the named ones) in turn."""
    peers = gate.restrict(Peer.objects.filter(active=True), actor).select_related("partner")
    if names:
        peers = peers.filter(name__in=names)
    return [sync_peer(peer, actor) for peer in peers]

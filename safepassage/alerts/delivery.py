"""From candidate alerts to stored alerts and deliveries: the rules that keep alerts few.

Every candidate (from an incident evaluation or from ``notify``) passes the same steps:

1. idempotency: a candidate whose ``dedupe_key`` is already stored is dropped, so processing
   an incident twice never alerts twice;
2. thresholds and repeats: a candidate below its rule's threshold, or about a subject that
   already alerted the same person within the de-duplication window, is stored as ``held``
   with the reason;
3. quiet grouping: several alerts for one person in the grouping window go out on email and
   webhook as one digest (each alert is kept, in state ``grouped``); critical alerts are never
   delayed;
4. each channel send is its own job with a ``Delivery`` row recording attempts and errors, so
   a failing webhook never holds up email or the inbox.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from safepassage.alerts.channels import ChannelError, Destination, Message, adapter_for
from safepassage.alerts.decide import Grouping, Prior, Severity, grouping, repeat_hold_reason
from safepassage.alerts.models import (
    Alert,
    AlertState,
    Channel,
    ChannelPreference,
    Delivery,
    DeliveryStatus,
    Digest,
    Webhook,
)

log = logging.getLogger(__name__)

DELIVER_JOB = "safepassage.alerts.jobs.deliver"
_SENT_STATES = (AlertState.DELIVERED, AlertState.GROUPED)
_KEY_CHARS = 300  # Alert.dedupe_key's max_length


@dataclass
class Candidate:
    """An alert that may be stored, before the rules have had their say."""

    recipient_id: int
    subject_type: str
    subject_id: int | None
    subject_label: str
    kind: str
    severity: int
    title: str
    why: str
    dedupe_key: str
    channels: list[str]
    rule_id: int | None = None
    incident_id: int | None = None
    distance_km: float | None = None
    link: str = ""
    dedupe_minutes: int = 0
    group_minutes: int = 0
    held_reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _priors(
    candidates: list[Candidate], now: dt.datetime
) -> dict[tuple[int, str, int | None], list[Prior]]:
    """Recent alerts sent to the same people about the same subjects, in one query."""
    windows = [c.dedupe_minutes for c in candidates if c.dedupe_minutes > 0]
    if not windows:
        return {}
    since = now - dt.timedelta(minutes=max(windows))
    rows = Alert.objects.filter(
        recipient_id__in={c.recipient_id for c in candidates},
        subject_id__in={c.subject_id for c in candidates if c.subject_id is not None},
        created__gte=since,
        state__in=_SENT_STATES,
    ).values_list("recipient_id", "subject_type", "subject_id", "created", "severity", "title")
    found: dict[tuple[int, str, int | None], list[Prior]] = defaultdict(list)
    for recipient_id, subject_type, subject_id, created, severity, title in rows:
        found[(recipient_id, subject_type, subject_id)].append(Prior(created, severity, title))
    return found


def _store(rows: list[Alert]) -> list[Alert]:
    """Insert alerts; a concurrent evaluation that stored one first wins (unique key)."""
    if not rows:
        return []
    try:
        with transaction.atomic():
            return Alert.objects.bulk_create(rows)
    except IntegrityError:
        stored = []
        for row in rows:
            try:
                with transaction.atomic():
                    row.save()
                stored.append(row)
            except IntegrityError:
                log.info("alert %s was stored by a concurrent evaluation", row.dedupe_key)
        return stored


def _fit_key(key: str) -> str:
    """The key as stored: long keys keep their start and a digest of the whole, so two long
    keys that differ only at the end stay different."""
    if len(key) <= _KEY_CHARS:
        return key
    return key[: _KEY_CHARS - 65] + ":" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def emit(candidates: list[Candidate], *, now: dt.datetime | None = None) -> list[Alert]:
    """Store the candidates as alerts (delivered, grouped or held) and queue their deliveries.

    Returns the alerts stored by this call; candidates already stored earlier are skipped.
    """
    now = now or timezone.now()
    if not candidates:
        return []
    # Within one call a key can repeat (two rules matching the same subject): keep the first.
    unique: dict[str, Candidate] = {}
    for c in candidates:
        c.dedupe_key = _fit_key(c.dedupe_key)
        unique.setdefault(c.dedupe_key, c)
    existing = set(
        Alert.objects.filter(dedupe_key__in=list(unique)).values_list("dedupe_key", flat=True)
    )
    fresh = [c for key, c in unique.items() if key not in existing]
    priors = _priors(fresh, now)
    rows: list[Alert] = []
    # Within this batch too: one subject alerts a person once; the most severe match goes out.
    fresh.sort(key=lambda c: (-c.severity, c.distance_km if c.distance_km is not None else 0))
    seen_subjects: dict[tuple[int, str, int | None], Candidate] = {}
    for c in fresh:
        subject = (c.recipient_id, c.subject_type, c.subject_id)
        reason = c.held_reason
        if not reason and c.subject_id is not None:
            reason = (
                repeat_hold_reason(
                    severity=c.severity,
                    priors=priors.get(subject, []),
                    now=now,
                    window_minutes=c.dedupe_minutes,
                    subject_label=c.subject_label,
                )
                or ""
            )
            first = seen_subjects.get(subject)
            if not reason and first is not None and c.dedupe_minutes > 0:
                reason = (
                    f"Another alert about {c.subject_label} in the same evaluation "
                    f"(“{first.title}”) already went out to you."
                )
        if not reason and c.subject_id is not None:
            seen_subjects.setdefault(subject, c)
        rows.append(
            Alert(
                recipient_id=c.recipient_id,
                rule_id=c.rule_id,
                subject_type=c.subject_type,
                subject_id=c.subject_id,
                subject_label=c.subject_label[:300],
                incident_id=c.incident_id,
                kind=c.kind[:40],
                severity=c.severity,
                title=c.title[:300],
                why=c.why[:4000],
                distance_km=c.distance_km,
                link=c.link[:300],
                dedupe_key=c.dedupe_key,
                state=AlertState.HELD if reason else AlertState.DELIVERED,
                held_reason=reason,
                channels=list(c.channels),
                created=now,
            )
        )
    by_key = {c.dedupe_key: c for c in fresh}
    outgoing: dict[int, list[Alert]] = defaultdict(list)
    for row in rows:
        if row.state != AlertState.HELD:
            outgoing[row.recipient_id].append(row)
    # Grouping is decided before the alerts are stored, so each row is written once.
    windows = {
        rid: max(by_key[a.dedupe_key].group_minutes for a in alerts)
        for rid, alerts in outgoing.items()
    }
    recent = _recent_counts(windows, now)
    decisions = {
        rid: grouping(
            batch_size=len(alerts),
            recent=recent[rid],
            critical=any(a.severity >= Severity.CRITICAL for a in alerts),
        )
        for rid, alerts in outgoing.items()
    }
    digests = _digests(outgoing, decisions, windows, now)
    for rid, digest in digests.items():
        for alert in outgoing[rid]:
            alert.state, alert.digest = AlertState.GROUPED, digest
    stored = _store(rows)
    if not outgoing:
        return stored
    saved = {a.pk for a in stored}
    contacts = Contacts.of(set(outgoing))
    pending: list[Delivery] = []
    for rid, alerts in outgoing.items():
        for alert in alerts:
            if alert.pk not in saved:
                continue
            if Channel.IN_APP in alert.channels:
                pending.append(
                    Delivery(
                        alert=alert, channel=Channel.IN_APP, status=DeliveryStatus.SENT, sent_at=now
                    )
                )
            if decisions[rid] is Grouping.ALONE:
                pending += _outside_deliveries(rid, alert.channels, contacts, alert=alert)
    _queue(Delivery.objects.bulk_create(pending))
    for rid, digest in digests.items():
        if decisions[rid] is Grouping.DIGEST_NOW:
            send_digest(digest, now=now, contacts=contacts)
    return stored


def _digests(
    outgoing: dict[int, list[Alert]],
    decisions: dict[int, Grouping],
    windows: dict[int, int],
    now: dt.datetime,
) -> dict[int, Digest]:
    """The digest each grouped person's new alerts join: the open one, or a new one."""
    grouped = {rid for rid, d in decisions.items() if d is not Grouping.ALONE}
    if not grouped:
        return {}
    chosen: dict[int, Digest] = {}
    later = [rid for rid in grouped if decisions[rid] is Grouping.DIGEST_LATER]
    for digest in Digest.objects.filter(recipient_id__in=later, sent_at=None).order_by("-due_at"):
        chosen[digest.recipient_id] = digest  # the earliest due wins (iterated last)
    fresh = []
    for rid in grouped:
        channels = sorted({ch for a in outgoing[rid] for ch in a.channels} - {Channel.IN_APP})
        digest = chosen.get(rid)
        if digest is None:
            due = now
            if decisions[rid] is Grouping.DIGEST_LATER:
                due = now + dt.timedelta(minutes=windows[rid])
            digest = Digest(recipient_id=rid, due_at=due, channels=channels, created=now)
            fresh.append(digest)
            chosen[rid] = digest
        elif set(channels) - set(digest.channels):
            digest.channels = sorted(set(digest.channels) | set(channels))
            digest.save(update_fields=["channels"])
    Digest.objects.bulk_create(fresh)
    return chosen


def _recent_counts(windows: dict[int, int], now: dt.datetime) -> dict[int, int]:
    """How many alerts each person got within their grouping window, before this batch."""
    counts: dict[int, int] = defaultdict(int)
    widest = max(windows.values(), default=0)
    if widest <= 0:
        return counts
    rows = Alert.objects.filter(
        recipient_id__in=[rid for rid, w in windows.items() if w > 0],
        state__in=_SENT_STATES,
        created__gte=now - dt.timedelta(minutes=widest),
    ).values_list("recipient_id", "created")
    for recipient_id, created in rows:
        if created >= now - dt.timedelta(minutes=windows[recipient_id]):
            counts[recipient_id] += 1
    return counts


@dataclass
class Contacts:
    """Addresses, preferences and webhooks of a set of people, read in three queries."""

    email: dict[int, str]
    organisation: dict[int, int | None]
    preference: dict[int, ChannelPreference]
    hooks: dict[int, list[Webhook]]

    @classmethod
    def of(cls, user_ids: set[int]) -> Contacts:
        from safepassage.accounts.models import User

        rows = list(
            User.objects.filter(pk__in=user_ids).values_list("pk", "email", "organisation_id")
        )
        hooks: dict[int, list[Webhook]] = defaultdict(list)
        orgs = {org for _pk, _email, org in rows if org}
        for hook in Webhook.objects.filter(organisation_id__in=orgs, enabled=True):
            hooks[hook.organisation_id].append(hook)
        return cls(
            email={pk: email for pk, email, _org in rows},
            organisation={pk: org for pk, _email, org in rows},
            preference={
                p.user_id: p for p in ChannelPreference.objects.filter(user_id__in=user_ids)
            },
            hooks=hooks,
        )


def _outside_deliveries(
    recipient_id: int,
    channels: list[str],
    contacts: Contacts,
    *,
    alert: Alert | None = None,
    digest: Digest | None = None,
) -> list[Delivery]:
    """Unsaved delivery rows for the email and webhook channels the person and rule allow."""
    if recipient_id not in contacts.email:
        return []
    preference = contacts.preference.get(recipient_id)
    rows: list[Delivery] = []
    if Channel.EMAIL in channels and (preference is None or preference.email):
        address = contacts.email[recipient_id]
        if address:
            rows.append(Delivery(alert=alert, digest=digest, channel=Channel.EMAIL, target=address))
        else:
            rows.append(
                Delivery(
                    alert=alert,
                    digest=digest,
                    channel=Channel.EMAIL,
                    status=DeliveryStatus.SKIPPED,
                    error="The account has no email address.",
                )
            )
    if Channel.WEBHOOK in channels and (preference is None or preference.webhook):
        org = contacts.organisation.get(recipient_id)
        for hook in contacts.hooks.get(org, []) if org else []:
            rows.append(
                Delivery(
                    alert=alert,
                    digest=digest,
                    channel=Channel.WEBHOOK,
                    target=hook.name[:300],
                    webhook=hook,
                )
            )
    return rows


def _queue(deliveries: list[Delivery]) -> None:
    """Hand each pending delivery to the job engine once the surrounding write commits."""
    from django_q.tasks import async_task

    for delivery in deliveries:
        if delivery.status == DeliveryStatus.PENDING:
            pk = delivery.pk
            transaction.on_commit(
                lambda pk=pk: async_task(
                    DELIVER_JOB, pk, group="alerts", task_name=f"alert-delivery-{pk}"
                )
            )


def send_digest(
    digest: Digest, *, now: dt.datetime | None = None, contacts: Contacts | None = None
) -> None:
    """Mark a digest sent and queue its email and webhook deliveries (once)."""
    now = now or timezone.now()
    contacts = contacts or Contacts.of({digest.recipient_id})
    claimed = Digest.objects.filter(pk=digest.pk, sent_at=None).update(sent_at=now)
    if claimed != 1:
        return
    digest.sent_at = now
    rows = _outside_deliveries(digest.recipient_id, list(digest.channels), contacts, digest=digest)
    _queue(Delivery.objects.bulk_create(rows))


def send_due_digests(*, now: dt.datetime | None = None) -> int:
    """Send every digest whose grouping window has closed; returns how many went out."""
    now = now or timezone.now()
    sent = 0
    for digest in Digest.objects.filter(sent_at=None, due_at__lte=now).order_by("due_at"):
        send_digest(digest, now=now)
        sent += 1
    return sent


def _alert_payload(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "severity": Severity(alert.severity).label,
        "title": alert.title,
        "why": alert.why,
        "subject": {
            "type": alert.subject_type,
            "id": alert.subject_id,
            "label": alert.subject_label,
        },
        "incident_id": alert.incident_id,
        "distance_km": None if alert.distance_km is None else round(alert.distance_km, 2),
        "link": alert.link,
        "created": alert.created.isoformat(),
    }


def render(delivery: Delivery) -> Message:
    """The message a delivery sends: one alert, or a digest of several."""
    from safepassage.accounts.models import User

    if delivery.alert_id is not None:
        alert = delivery.alert
        assert alert is not None
        recipient = alert.recipient
        label = Severity(alert.severity).label.capitalize()
        text = f"{alert.title}\n\n{alert.why}\n"
        if alert.link:
            text += f"\nIn Safe Passage: {alert.link}\n"
        payload = {"type": "alert", "recipient": recipient.username, "alert": _alert_payload(alert)}
        return Message(f"[Safe Passage] {label}: {alert.title}", text, payload)
    digest = delivery.digest
    assert digest is not None
    alerts = list(digest.alerts.order_by("-severity", "created"))
    recipient = User.objects.get(pk=digest.recipient_id)
    lines = [f"{len(alerts)} alerts for you in Safe Passage:", ""]
    for number, alert in enumerate(alerts, start=1):
        lines += [f"{number}. {alert.title}", f"   {alert.why}", ""]
    payload = {
        "type": "digest",
        "recipient": recipient.username,
        "alerts": [_alert_payload(a) for a in alerts],
    }
    return Message(f"[Safe Passage] {len(alerts)} alerts", "\n".join(lines), payload)


def _destination(delivery: Delivery) -> Destination:
    if delivery.channel == Channel.WEBHOOK:
        hook = delivery.webhook
        if hook is None or not hook.enabled:
            raise ChannelError("the webhook was removed or disabled", retryable=False)
        return Destination(hook.url, hook.secret)
    return Destination(delivery.target)


def retry_delay(attempts: int) -> dt.timedelta:
    """Back-off before attempt ``attempts + 1``: base, 4 x base, 16 x base, ..."""
    return dt.timedelta(seconds=settings.ALERTS_RETRY_BASE_SECONDS * 4 ** max(0, attempts - 1))


def attempt(delivery_id: int, *, now: dt.datetime | None = None) -> Delivery | None:
    """Send one delivery once and record the outcome; schedule a retry when it makes sense."""
    with transaction.atomic():
        delivery = (
            # Lock only the delivery row: PostgreSQL cannot lock the nullable side of a join.
            Delivery.objects.select_for_update(of=("self",))
            .select_related("alert__recipient", "digest", "webhook")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status not in (
            DeliveryStatus.PENDING,
            DeliveryStatus.RETRYING,
        ):
            return delivery
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
    try:
        adapter_for(delivery.channel).send(render(delivery), _destination(delivery))
    except ChannelError as exc:
        now = now or timezone.now()
        delivery.error = exc.message[:2000]
        if exc.retryable and delivery.attempts < settings.ALERTS_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
            _schedule_retry(delivery)
        else:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        log.warning("alert delivery %s failed: %s", delivery.pk, exc.message)
    else:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = now or timezone.now()
        delivery.error = ""
        delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "error", "sent_at", "next_attempt_at"])
    return delivery


def _schedule_retry(delivery: Delivery) -> None:
    """A one-off django-q2 schedule that runs the delivery again after the back-off."""
    from django_q.models import Schedule

    Schedule.objects.create(
        name=f"Retry alert delivery {delivery.pk} (attempt {delivery.attempts + 1})"[:100],
        func=DELIVER_JOB,
        args=repr((delivery.pk,)),
        schedule_type=Schedule.ONCE,
        repeats=1,
        next_run=delivery.next_attempt_at,
    )

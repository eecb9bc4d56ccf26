"""The alerts app's public services.

Other apps call :func:`notify` (the tracking app: missed check-in escalations and SOS).
The app itself evaluates incidents: a save of an incident that changes what matters for
alerts queues :func:`evaluate_incident` as a django-q2 job once the save commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Case, Value, When
from django.urls import NoReverseMatch
from django.utils import timezone

from safepassage.access import marking
from safepassage.alerts import matching
from safepassage.alerts.decide import (
    Severity,
    SubjectKind,
    date_phrase,
    incident_phrase,
    incident_severity,
    km,
    rule_phrase,
    why_text,
)
from safepassage.alerts.delivery import Candidate, emit
from safepassage.alerts.models import Alert, Channel, IncidentEvaluation

log = logging.getLogger(__name__)

EVALUATE_JOB = "safepassage.alerts.jobs.evaluate_incident"
# The incident fields whose change can change who must be alerted, or what they are told.
MATERIAL_FIELDS = (
    "kind",
    "attack_type",
    "date",
    "lat",
    "lon",
    "deaths",
    "injured",
    "review_state",
    "merged_into_id",
)
_NOT_ALERTING = ("rejected",)
# Sorts unread alerts before read ones (the inbox and the API list).
UNREAD_FIRST = Case(When(read_at__isnull=True, then=Value(1)), default=Value(0))


def fingerprint(incident: Any) -> str:
    """A digest of the incident's alert-relevant fields."""
    values = {name: getattr(incident, name, None) for name in MATERIAL_FIELDS}
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def queue_incident(incident: Any) -> bool:
    """Queue an alert evaluation of ``incident`` after commit if it changed materially.

    Returns True when an evaluation was queued. Called from the incident's post_save.
    """
    if incident.pk is None:
        return False
    mark = fingerprint(incident)
    now = timezone.now()
    updated = (
        IncidentEvaluation.objects.filter(incident_id=incident.pk)
        .exclude(fingerprint=mark)
        .update(fingerprint=mark, queued_at=now, started_at=None, finished_at=None)
    )
    if not updated:
        _, created = IncidentEvaluation.objects.get_or_create(
            incident_id=incident.pk, defaults={"fingerprint": mark, "queued_at": now}
        )
        if not created:
            return False  # nothing that matters for alerts changed
    pk = incident.pk

    def enqueue() -> None:
        from django_q.tasks import async_task

        async_task(EVALUATE_JOB, pk, group="alerts", task_name=f"alert-evaluation-{pk}")

    transaction.on_commit(enqueue)
    return True


def _incident_label(incident: Any) -> str:
    if incident.attack_type and incident.attack_type != "unknown":
        return str(incident.get_attack_type_display())
    return "attack" if incident.kind == "attack" else str(incident.get_kind_display())


def evaluate_incident(incident_id: int, *, now: dt.datetime | None = None) -> list[Alert]:
    """Alert everyone responsible for a site or movement near the incident; idempotent.

    Rejected or merged incidents alert nobody. Returns the alerts stored by this call.
    """
    from safepassage.intel.models import Incident

    now = now or timezone.now()
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        return []
    evaluation, _ = IncidentEvaluation.objects.get_or_create(
        incident_id=incident.pk, defaults={"fingerprint": fingerprint(incident), "queued_at": now}
    )
    evaluation.started_at = timezone.now()
    note = ""
    stored: list[Alert] = []
    subjects = 0
    if incident.review_state in _NOT_ALERTING or incident.merged_into_id:
        note = "The incident was rejected or merged into another: nobody is alerted."
    elif incident.lat is None or incident.lon is None:
        note = "The incident has no location yet."
    else:
        candidates, subjects, note = _candidates(incident, now)
        stored = emit(candidates, now=now)
    evaluation.finished_at = timezone.now()
    evaluation.subjects = subjects
    evaluation.alerts = sum(1 for a in stored if a.state != "held")
    evaluation.held = sum(1 for a in stored if a.state == "held")
    evaluation.note = note
    evaluation.save()
    return stored


def _readers(incident: Any, user_ids: set[int]) -> set[int]:
    """Those of ``user_ids`` whom the incident's TLP marking reaches (an alert is a read)."""
    from safepassage.accounts.models import User

    return {
        user.pk
        for user in User.objects.filter(pk__in=user_ids, is_active=True)
        if marking.may_read(user, incident)
    }


def _candidates(incident: Any, now: dt.datetime) -> tuple[list[Candidate], int, str]:
    severity = incident_severity(
        incident.kind, incident.attack_type, incident.deaths, incident.injured
    )
    rules = matching.rules_by_subject()
    stale: list[str] = []

    def usable(kind: SubjectKind) -> list[Any]:
        chosen = []
        for rule in rules[kind]:
            if not matching.rule_applies(rule, incident.kind, incident.attack_type):
                continue
            if incident.date and incident.date < timezone.localdate(now) - dt.timedelta(
                days=rule.max_age_days
            ):
                stale.append(rule.name)
                continue
            chosen.append(rule)
        return chosen

    lat, lon = float(incident.lat), float(incident.lon)
    matches = matching.sites_near(lat, lon, usable(SubjectKind.SITE))
    matches += matching.movements_near(
        lat, lon, usable(SubjectKind.MOVEMENT_POSITION), usable(SubjectKind.PLANNED_ROUTE), now
    )
    label = _incident_label(incident)
    what = incident_phrase(label, incident.deaths, incident.injured)
    when = date_phrase(incident.date, incident.date_precision)
    try:
        incident_link = incident.get_absolute_url()
    except NoReverseMatch:
        incident_link = ""
    candidates = []
    readers = _readers(incident, {rid for m in matches for rid in m.recipients})
    for match in matches:
        rule = match.rule
        threshold = Severity(rule.min_severity)
        held = ""
        if severity < threshold:
            held = (
                f"Below the threshold of the rule “{rule.name}”: this incident is of "
                f"{severity.label} severity; the rule alerts from {threshold.label}."
            )
        title = f"{label[:1].upper()}{label[1:]} {km(match.distance_km)} from {match.subject_label}"
        for recipient_id, responsibility in match.recipients.items():
            if recipient_id not in readers:
                continue  # the incident's TLP marking does not reach this person
            why = why_text(
                subject_label=match.subject_label,
                responsibility=responsibility,
                incident=what,
                distance_km=match.distance_km,
                relation=match.relation,
                when=when,
                rule=rule_phrase(SubjectKind(rule.subject), rule.radius_km, threshold),
            )
            candidates.append(
                Candidate(
                    recipient_id=recipient_id,
                    subject_type=match.subject_type,
                    subject_id=match.subject_id,
                    subject_label=match.subject_label,
                    kind=f"incident_near_{rule.subject}",
                    severity=int(severity),
                    title=title,
                    why=why,
                    # The severity is part of the key: an update that makes the incident
                    # worse (more dead) is news; re-processing the same state is not.
                    dedupe_key=f"rule:{rule.pk}:{match.subject_type}:{match.subject_id}"
                    f":incident:{incident.pk}:severity:{int(severity)}:user:{recipient_id}",
                    channels=[c for c in rule.channels if c in Channel.values],
                    rule_id=rule.pk,
                    incident_id=incident.pk,
                    distance_km=match.distance_km,
                    link=match.link or incident_link,
                    dedupe_minutes=rule.dedupe_minutes,
                    group_minutes=rule.group_minutes,
                    held_reason=held,
                )
            )
    subjects = len({(m.subject_type, m.subject_id) for m in matches})
    note = f"Too old for the rules: {', '.join(sorted(set(stale)))}." if stale else ""
    return candidates, subjects, note


def _severity(value: Severity | int | str) -> Severity:
    if isinstance(value, str):
        try:
            return Severity[value.strip().upper()]
        except KeyError as exc:
            raise ValueError(
                f"Unknown severity {value!r}; use low, medium, high or critical."
            ) from exc
    return Severity(int(value))


def notify(
    users: Iterable[Any],
    subject: str,
    why: str,
    *,
    kind: str,
    severity: Severity | int | str,
    dedupe_key: str,
    related: Any = None,
    channels: Iterable[str] = (Channel.IN_APP, Channel.EMAIL, Channel.WEBHOOK),
    group_minutes: int = 0,
) -> list[Alert]:
    """Alert ``users`` about something another app decided (an escalation, an SOS).

    ``subject`` is the alert's title, ``why`` tells each person why they got it. The alert
    goes through the same idempotency, grouping and channels as incident alerts: the same
    ``dedupe_key`` alerts each person once, however often it is called (an escalation step
    that is retried never alerts twice). ``related`` is the object the alert is about (a
    movement, a check-in, an incident); the inbox links to it. Notifications are not held as
    repeats, and by default not grouped (``group_minutes=0``): an escalation must not wait.
    Returns the alerts stored by this call.
    """
    from safepassage.intel.models import Incident

    level = _severity(severity)
    if not dedupe_key.strip():
        raise ValueError("notify() needs a dedupe_key that identifies the event.")
    subject_type, subject_id, label, link = "notice", None, "", ""
    incident_id = None
    if related is not None:
        subject_type = related._meta.model_name
        subject_id = related.pk
        label = str(related)
        link = matching._url(related)
        if isinstance(related, Incident):
            incident_id = related.pk
    wanted = [c for c in channels if c in Channel.values]
    candidates = []
    for user in users:
        user_id = getattr(user, "pk", user)
        if not isinstance(user_id, int):
            raise TypeError(f"notify() takes users or user ids, not {user!r}")
        candidates.append(
            Candidate(
                recipient_id=user_id,
                subject_type=subject_type,
                subject_id=subject_id,
                subject_label=label or subject,
                kind=kind,
                severity=int(level),
                title=subject,
                why=why,
                dedupe_key=f"notify:{dedupe_key}:user:{user_id}",
                channels=wanted,
                incident_id=incident_id,
                link=link,
                group_minutes=max(0, int(group_minutes)),
            )
        )
    return emit(candidates)


def mark_read(alerts: Iterable[Alert], *, now: dt.datetime | None = None) -> int:
    """Mark the given (already permission-checked) alerts read; returns how many changed."""
    now = now or timezone.now()
    ids = [a.pk for a in alerts]
    return Alert.objects.filter(pk__in=ids, read_at=None).update(read_at=now)

"""The alert decisions that need no database: severity, wording, de-duplication, grouping.

Pure Python (no Django imports), typed strictly. The services feed it plain values read from
the models and store what it decides, so every rule that keeps alerts few is tested here
without HTTP or SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Severity(IntEnum):
    """How serious an alert is; a rule's threshold compares against it."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()


# Attack types that put the lives of protected people at stake whatever the casualty count.
_CRITICAL_TYPES = frozenset({"suicide_bombing", "kidnapping", "hijacking"})
_HIGH_TYPES = frozenset({"bombing", "armed_assault", "assassination", "facility_attack"})


def incident_severity(
    kind: str, attack_type: str, deaths: int | None, injured: int | None
) -> Severity:
    """The severity of an incident from its kind, attack type and casualties.

    Five or more dead, a suicide bombing, a kidnapping or a hijacking is critical; any death
    or a bombing, armed assault, assassination or facility attack is high; any other attack
    or anyone injured is medium; a security operation without casualties is low.
    """
    deaths = deaths or 0
    injured = injured or 0
    if deaths >= 5 or attack_type in _CRITICAL_TYPES:
        return Severity.CRITICAL
    if deaths >= 1 or attack_type in _HIGH_TYPES:
        return Severity.HIGH
    if injured >= 1 or kind == "attack":
        return Severity.MEDIUM
    return Severity.LOW


def _article(word: str) -> str:
    return "An" if word[:1].lower() in "aeiou" else "A"


def incident_phrase(what: str, deaths: int | None, injured: int | None) -> str:
    """'A suicide bombing with 6 dead and 2 injured' from a label and casualties."""
    what = what.strip().lower() or "incident"
    counts = []
    if deaths:
        counts.append(f"{deaths} dead")
    if injured:
        counts.append(f"{injured} injured")
    tail = f" with {' and '.join(counts)}" if counts else ""
    return f"{_article(what)} {what}{tail}"


def date_phrase(date: dt.date | None, precision: str) -> str:
    """'on 26 March 2024', 'in March 2024', 'in 2024', or '' when undated."""
    if date is None:
        return ""
    if precision == "year":
        return f"in {date.year}"
    if precision == "month":
        return f"in {date:%B} {date.year}"
    return f"on {date.day} {date:%B} {date.year}"


def km(distance: float) -> str:
    """A distance as people say it: '12 km', '0.4 km'."""
    return f"{distance:.1f} km" if distance < 1 else f"{distance:.0f} km"


class SubjectKind(StrEnum):
    """What an incident-driven rule watches."""

    SITE = "site"
    MOVEMENT_POSITION = "movement_position"
    PLANNED_ROUTE = "planned_route"


def rule_phrase(subject: SubjectKind, radius_km: float, min_severity: Severity) -> str:
    """The rule as one clause, for the 'why you got this' text."""
    where = {
        SubjectKind.SITE: "of your sites",
        SubjectKind.MOVEMENT_POSITION: "of the position of a movement under way",
        SubjectKind.PLANNED_ROUTE: "of the planned route of a movement in its time window",
    }[subject]
    threshold = (
        "" if min_severity <= Severity.LOW else f" of {min_severity.label} severity or above"
    )
    return f"incidents{threshold} within {km(radius_km)} {where}"


def why_text(
    *,
    subject_label: str,
    responsibility: str,
    incident: str,
    distance_km: float,
    relation: str,
    when: str,
    rule: str,
) -> str:
    """'You are responsible for X (role). An attack ... was reported 12 km from it on ... Rule: ...'.

    ``relation`` names what the distance is measured to ('it', 'its last reported position',
    'its planned route').
    """
    when = f" {when}" if when else ""
    return (
        f"You are responsible for {subject_label} ({responsibility}). "
        f"{incident} was reported {km(distance_km)} from {relation}{when}. Rule: {rule}."
    )


@dataclass(frozen=True)
class Prior:
    """An alert the recipient already had about the same subject."""

    created: dt.datetime
    severity: int
    title: str


def repeat_hold_reason(
    *,
    severity: int,
    priors: Sequence[Prior],
    now: dt.datetime,
    window_minutes: int,
    subject_label: str,
) -> str | None:
    """Why a new alert about a subject is held back, or None when it should go out.

    Within the de-duplication window a subject alerts its recipient once; a later alert is
    held unless it is more severe than everything already sent in the window (an escalation
    must never be swallowed).
    """
    if window_minutes <= 0:
        return None
    start = now - dt.timedelta(minutes=window_minutes)
    recent = [p for p in priors if p.created >= start]
    if not recent:
        return None
    if severity > max(p.severity for p in recent):
        return None
    last = max(recent, key=lambda p: p.created)
    minutes = max(0, int((now - last.created).total_seconds() // 60))
    return (
        f"You were already alerted about {subject_label} {minutes} minutes ago "
        f"(“{last.title}”); alerts about the same place are held for {window_minutes} minutes "
        "unless a more severe one arrives."
    )


class Grouping(StrEnum):
    """How a recipient's new alerts are delivered on the outside channels."""

    ALONE = "alone"  # one alert, nothing recent: send it now on its own
    DIGEST_NOW = "digest_now"  # several at once, nothing recent: one digest, sent now
    DIGEST_LATER = "digest_later"  # recent alerts: join the open digest, sent when it is due


def grouping(*, batch_size: int, recent: int, critical: bool) -> Grouping:
    """Decide how to deliver ``batch_size`` new alerts when ``recent`` were sent lately.

    Critical alerts (an SOS, a mass-casualty attack next to a site) are never delayed.
    """
    if critical:
        return Grouping.ALONE if batch_size == 1 else Grouping.DIGEST_NOW
    if recent:
        return Grouping.DIGEST_LATER
    return Grouping.ALONE if batch_size == 1 else Grouping.DIGEST_NOW

"""Tracking services: plan expected check-ins, record check-ins, escalate missed ones, SOS,
acknowledge, erase positions after retention, and the last known position.

Every write goes through the permission gate and is audited (the models are registered in
the app's ``ready``). Consequences the system derives from a user's action (an expected
check-in marked met, a plan made when a movement goes under way) are written by a named
system actor, because the user's role need not change those rows itself; the audit context
still names the user whose request caused them. Functions take ``now`` so tests can freeze
time; the jobs pass ``timezone.now()``.

Settings (with defaults): ``TRACKING_GRACE_MINUTES`` (15), ``TRACKING_MATCH_RADIUS_KM`` (5),
``TRACKING_MATCH_WINDOW_MINUTES`` (90), ``TRACKING_POSITION_RETENTION_HOURS`` (72).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from safepassage.access import gate
from safepassage.access.policy import Action, Role
from safepassage.access.principals import SystemActor
from safepassage.tracking.models import (
    MAX_NOTE,
    SOS_LEVEL,
    CheckIn,
    CheckInStatus,
    Escalation,
    EscalationLadder,
    ExpectedCheckIn,
    ExpectedState,
    StepRole,
    validate_steps,
)
from safepassage.tracking.planning import PlanningError, distance_km, plan_stops, valid_position

log = logging.getLogger(__name__)

UNDER_WAY = "under_way"
ENDED = ("completed", "aborted")
# Used when no active ladder is stored (the data migration creates one with these steps).
DEFAULT_STEPS: list[dict[str, Any]] = [
    {"after_minutes": 0, "role": StepRole.ESCORT_LEAD.value},
    {"after_minutes": 10, "role": StepRole.UNIT_COMMANDER.value},
    {"after_minutes": 20, "role": StepRole.DUTY_OFFICER.value},
]
# An SOS pressed again within this time of an open one joins it instead of alerting again.
SOS_REPEAT_WINDOW = dt.timedelta(minutes=10)
_PLANNER = SystemActor("tracking:plan")
_MATCHER = SystemActor("tracking:match")


class TrackingError(Exception):
    """A tracking action that cannot be done, with a sentence saying why."""


def _setting(name: str, default: float) -> float:
    value = getattr(settings, name, default)
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return default


def grace_minutes() -> int:
    """Minutes after an expected check-in's due time before it counts as missed."""
    return min(int(_setting("TRACKING_GRACE_MINUTES", 15)), 24 * 60)


def match_radius_km() -> float:
    """How close a check-in must be to an expected point to meet it."""
    return _setting("TRACKING_MATCH_RADIUS_KM", 5.0)


def match_window() -> dt.timedelta:
    """How far from the due time a check-in may be and still meet it."""
    return dt.timedelta(minutes=_setting("TRACKING_MATCH_WINDOW_MINUTES", 90))


def retention() -> dt.timedelta:
    """How long positions are kept after a movement ends."""
    return dt.timedelta(hours=_setting("TRACKING_POSITION_RETENTION_HOURS", 72))


# --- planning ------------------------------------------------------------------------------


def plan_checkins(movement: Any, *, started_at: dt.datetime | None = None) -> list[ExpectedCheckIn]:
    """Create the movement's expected check-ins from its route; idempotent.

    Waypoints with an ETA are due then; the others are interpolated by distance between
    known times. A movement that starts after its planned departure has every due time
    moved by the delay, so a late start does not escalate at once. A route that cannot be
    planned (malformed waypoints) falls back to departure and arrival only.
    """
    existing = list(ExpectedCheckIn.objects.filter(movement=movement).order_by("seq"))
    if existing:
        return existing
    origin = (movement.origin_name or "Departure", movement.origin_lat, movement.origin_lon)
    destination = (
        movement.destination_name or "Arrival",
        movement.destination_lat,
        movement.destination_lon,
    )
    waypoints = movement.waypoints if isinstance(movement.waypoints, list) else []
    try:
        stops = plan_stops(origin, destination, waypoints, movement.depart_at, movement.arrive_by)
    except PlanningError as exc:
        log.warning("movement %s: waypoints not planned (%s)", movement.pk, exc)
        try:
            stops = plan_stops(origin, destination, [], movement.depart_at, movement.arrive_by)
        except PlanningError as final:
            log.error("movement %s: no check-in plan (%s)", movement.pk, final)
            return []
    delay = dt.timedelta(0)
    if started_at is not None and started_at > movement.depart_at:
        delay = started_at - movement.depart_at
    grace = grace_minutes()
    planned = []
    with transaction.atomic():
        for stop in stops:
            row = ExpectedCheckIn(
                movement=movement,
                seq=stop.seq,
                name=stop.name,
                lat=stop.lat,
                lon=stop.lon,
                due_at=stop.due_at + delay,
                interpolated=stop.interpolated,
                grace_minutes=grace,
            )
            planned.append(gate.save(_PLANNER, row))
    return planned


# --- who is on the escort ------------------------------------------------------------------


def escort_unit_ids(movement: Any) -> list[int]:
    """The protection units assigned (and still held) to escort the movement."""
    return list(
        movement.assignments.filter(unit__isnull=False, active=True)
        .values_list("unit_id", flat=True)
        .distinct()
    )


def is_escort(user: Any, movement: Any) -> bool:
    """True when ``user`` is a field officer or commander of one of the escorting units."""
    if getattr(user, "pk", None) is None or not getattr(user, "is_active", False):
        return False
    if user.role not in (Role.FIELD_OFFICER, Role.UNIT_COMMANDER):
        return False
    units = escort_unit_ids(movement)
    return bool(units) and user.units.filter(pk__in=units).exists()


def may_check_in(user: Any, movement: Any) -> bool:
    """True when the gate lets ``user`` add check-ins and they escort ``movement``."""
    return gate.can(user, Action.ADD, CheckIn) and is_escort(user, movement)


def _users_with(role: str, unit_ids: Iterable[int]) -> list[Any]:
    user_model = get_user_model()
    return list(
        user_model.objects.filter(is_active=True, role=role, units__in=list(unit_ids))
        .distinct()
        .order_by("pk")
    )


def active_ladder() -> EscalationLadder | None:
    """The ladder in force: the active one with the lowest id."""
    return EscalationLadder.objects.filter(active=True).order_by("pk").first()


def ladder_steps(ladder: EscalationLadder | None) -> list[dict[str, Any]]:
    """The ladder's steps, or the default ones when no valid ladder is stored."""
    if ladder is None:
        return DEFAULT_STEPS
    try:
        return validate_steps(ladder.steps)
    except ValidationError:  # a ladder broken outside the admin must not stop escalation
        log.exception("ladder %s is invalid; using the default steps", ladder.pk)
        return DEFAULT_STEPS


def duty_officers(ladder: EscalationLadder | None) -> list[Any]:
    """The ladder's named duty officers, or every active administrator when none is named."""
    if ladder is not None:
        named = list(ladder.duty_officers.filter(is_active=True).order_by("pk"))
        if named:
            return named
    return list(
        get_user_model().objects.filter(is_active=True, role=Role.ADMINISTRATOR).order_by("pk")
    )


def recipients(role: str, movement: Any, ladder: EscalationLadder | None) -> list[Any]:
    """The users who hold ``role`` for ``movement``'s escort."""
    if role == StepRole.ESCORT_LEAD:
        return _users_with(Role.FIELD_OFFICER, escort_unit_ids(movement))
    if role == StepRole.UNIT_COMMANDER:
        return _users_with(Role.UNIT_COMMANDER, escort_unit_ids(movement))
    if role == StepRole.DUTY_OFFICER:
        return duty_officers(ladder)
    return []


# --- check-ins -----------------------------------------------------------------------------


def clean_note(note: Any) -> str:
    """The note stripped, or TrackingError when it is not text or is too long."""
    if note is None:
        return ""
    if not isinstance(note, str):
        raise TrackingError("The note must be text.")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise TrackingError(f"The note is {len(note)} characters long; at most {MAX_NOTE}.")
    return note


def _match(movement: Any, at: dt.datetime, lat: float, lon: float) -> ExpectedCheckIn | None:
    """The pending expected check-in nearest to the position, within radius and window."""
    window = match_window()
    radius = match_radius_km()
    candidates = ExpectedCheckIn.objects.filter(
        movement=movement,
        state=ExpectedState.PENDING,
        due_at__gte=at - window,
        due_at__lte=at + window,
    )
    best: tuple[float, ExpectedCheckIn] | None = None
    for expected in candidates:
        distance = distance_km((lat, lon), (expected.lat, expected.lon))
        if distance <= radius and (best is None or distance < best[0]):
            best = (distance, expected)
    return best[1] if best else None


def record_checkin(
    user: Any,
    movement: Any,
    *,
    status: str,
    lat: Any = None,
    lon: Any = None,
    note: Any = "",
    now: dt.datetime | None = None,
) -> CheckIn:
    """Record a check-in from ``user`` on ``movement`` and meet the expectation it answers.

    The caller has fetched ``movement`` through the gate (out of scope is 404). Raises
    PermissionDenied unless the user escorts the movement, TrackingError for a movement that
    is not under way or for bad data. A position is required, except for an SOS (a panic
    call must not fail for want of a GPS fix). An SOS alerts every step of the ladder at once.
    """
    if not may_check_in(user, movement):
        raise PermissionDenied(
            "Only field officers and commanders of the escorting unit may check in."
        )
    if movement.state != UNDER_WAY:
        raise TrackingError(
            f"Movement {movement.reference} is {movement.get_state_display().lower()}, "
            "not under way: check-ins open when it departs."
        )
    if status not in CheckInStatus.values:
        raise TrackingError(f"Status must be one of {', '.join(CheckInStatus.values)}.")
    text = clean_note(note)
    position: tuple[float, float] | None = None
    if lat in (None, "") and lon in (None, ""):
        if status != CheckInStatus.SOS:
            raise TrackingError("Give your position (latitude and longitude).")
    else:
        try:
            position = valid_position(lat, lon)
        except PlanningError as exc:
            # A panic call goes through even with an unreadable position.
            if status != CheckInStatus.SOS:
                raise TrackingError(str(exc)) from None
    now = now or timezone.now()
    with transaction.atomic():
        expected = None
        if position is not None and status != CheckInStatus.SOS:
            expected = _match(movement, now, *position)
        checkin = CheckIn(
            movement=movement,
            officer=user,
            at=now,
            lat=position[0] if position else None,
            lon=position[1] if position else None,
            status=status,
            note=text,
            expected=expected,
        )
        gate.save(user, checkin)
        if expected is not None:
            expected.state = ExpectedState.MET
            gate.save(_MATCHER, expected)
        if status == CheckInStatus.SOS:
            raise_sos(checkin, now=now)
    return checkin


def _movement_label(movement: Any) -> str:
    return f"{movement.reference} ({movement.origin_name} → {movement.destination_name})"


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%d %b %H:%M %Z")


def raise_sos(checkin: CheckIn, *, now: dt.datetime | None = None) -> Escalation:
    """Tell every step of the ladder at once that the escort called SOS; idempotent."""
    from safepassage.alerts.services import notify

    now = now or timezone.now()
    movement = checkin.movement
    existing = Escalation.objects.filter(checkin=checkin).first()
    if existing is not None:
        return existing
    # Repeated presses while an SOS is open must not flood everyone with new alerts: the new
    # check-in (and its position) is recorded, the open SOS stands for it.
    recent = (
        Escalation.objects.filter(
            movement=movement,
            level=SOS_LEVEL,
            acknowledged_at__isnull=True,
            created__gte=now - SOS_REPEAT_WINDOW,
        )
        .order_by("-created")
        .first()
    )
    if recent is not None:
        return recent
    ladder = active_ladder()
    users: dict[int, Any] = {}
    for step in ladder_steps(ladder):
        for person in recipients(step["role"], movement, ladder):
            users.setdefault(person.pk, person)
    # No coordinates in the text: it is kept in alerts, e-mails and the append-only audit
    # log, which the position retention cannot reach. The tracking page shows the position.
    where = (
        "with a position (see the tracking page)"
        if checkin.lat is not None and checkin.lon is not None
        else "without a position"
    )
    by = checkin.officer.get_username() if checkin.officer_id else "the escort"
    why = (
        f"{by} pressed SOS on {_movement_label(movement)} {where} at {_local(now)}"
        + (f": “{checkin.note}”" if checkin.note else ".")
        + " Everyone on the escalation ladder is told at once; acknowledge when you act."
    )
    escalation = Escalation(
        movement=movement,
        checkin=checkin,
        level=SOS_LEVEL,
        step_role="all",
        why=why[:1000],
        created=now,
    )
    with transaction.atomic():
        gate.save(SystemActor("tracking:sos"), escalation)
        escalation.notified.set(list(users.values()))
        notify(
            list(users.values()),
            f"SOS: {movement.reference}",
            why,
            kind="tracking_sos",
            severity="critical",
            dedupe_key=f"tracking:sos:{checkin.pk}",
            related=movement,
        )
    return escalation


# --- escalation ----------------------------------------------------------------------------


def _why_missed(expected: ExpectedCheckIn, step: dict[str, Any], number: int, total: int) -> str:
    role = StepRole(step["role"]).label.lower()
    return (
        f"{_movement_label(expected.movement)} did not check in at {expected.name}, due "
        f"{_local(expected.due_at)} with {expected.grace_minutes} minutes' grace. This is "
        f"step {number} of {total} of the escalation ladder: you are told as {role} of the "
        "escort. Acknowledge it on the tracking page when you have taken it in hand; until "
        "then the next step follows."
    )


def escalate_one(
    expected_id: int, now: dt.datetime, actor: Any, ladder: EscalationLadder | None
) -> int:
    """Take the steps that are due for one expected check-in; returns the steps taken.

    The expected row is locked, and each step is one Escalation row unique per
    (check-in, level), so two runs in the same minute never take a step twice.
    """
    from safepassage.alerts.services import notify

    steps = ladder_steps(ladder)
    taken = 0
    with transaction.atomic():
        expected = (
            ExpectedCheckIn.objects.select_for_update()
            .select_related("movement")
            .filter(pk=expected_id)
            .first()
        )
        if expected is None or expected.state not in (ExpectedState.PENDING, ExpectedState.MISSED):
            return 0
        if expected.movement.state != UNDER_WAY or expected.overdue_at > now:
            return 0
        if expected.state == ExpectedState.PENDING:
            expected.state = ExpectedState.MISSED
        done = set(Escalation.objects.filter(expected=expected).values_list("level", flat=True))
        for number, step in enumerate(steps, start=1):
            if expected.overdue_at + dt.timedelta(minutes=step["after_minutes"]) > now:
                break
            if str(number) in done:
                continue
            people = recipients(step["role"], expected.movement, ladder)
            why = _why_missed(expected, step, number, len(steps))
            if not people:
                why += " Nobody holds this role for the escort; the ladder goes on."
            escalation = Escalation(
                movement=expected.movement,
                expected=expected,
                level=str(number),
                step_role=step["role"],
                why=why[:1000],
                created=now,
            )
            gate.save(actor, escalation)
            escalation.notified.set(people)
            if people:
                notify(
                    people,
                    f"Missed check-in: {expected.movement.reference} at {expected.name}",
                    why,
                    kind="tracking_missed_checkin",
                    severity="high",
                    dedupe_key=f"tracking:missed:{expected.pk}:step:{number}",
                    related=expected.movement,
                )
            expected.escalation_level = number
            expected.last_escalated_at = now
            taken += 1
        gate.save(actor, expected)
    return taken


def escalate_due(now: dt.datetime, actor: Any) -> int:
    """Escalate every overdue, unacknowledged expected check-in of under-way movements.

    Returns the number of ladder steps taken. One check-in that fails is logged and the
    others still escalate.
    """
    ladder = active_ladder()
    ids = list(
        ExpectedCheckIn.objects.filter(
            movement__state=UNDER_WAY,
            state__in=(ExpectedState.PENDING, ExpectedState.MISSED),
            due_at__lte=now,
        )
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )
    taken = 0
    for expected_id in ids:
        try:
            taken += escalate_one(expected_id, now, actor, ladder)
        except Exception:
            log.exception("escalation of expected check-in %s failed", expected_id)
    return taken


def may_acknowledge(user: Any, escalation: Escalation) -> bool:
    """Notified users may acknowledge, and so may roles that may change check-ins."""
    if getattr(user, "pk", None) is None:
        return False
    if escalation.notified.filter(pk=user.pk).exists():
        return gate.can(user, Action.ADD, Escalation) or gate.can(user, Action.CHANGE, Escalation)
    return gate.can(user, Action.CHANGE, Escalation)


def acknowledge(
    user: Any, escalation: Escalation, note: Any, *, now: dt.datetime | None = None
) -> Escalation:
    """Acknowledge an escalation with a note; for a missed check-in the ladder stops.

    The other open steps of the same check-in are acknowledged with it. The write passes the
    gate as a change where the role may change check-ins, else as an addition (an escort
    officer adds a statement), so every notified officer can acknowledge.
    """
    text = clean_note(note)
    if not text:
        raise TrackingError("Say in a note what you are doing about it.")
    if not may_acknowledge(user, escalation):
        raise PermissionDenied("Only the people told of this escalation may acknowledge it.")
    now = now or timezone.now()
    action = Action.CHANGE if gate.can(user, Action.CHANGE, Escalation) else Action.ADD
    with transaction.atomic():
        locked = Escalation.objects.select_for_update().get(pk=escalation.pk)
        if locked.acknowledged_at is not None:
            who = locked.acknowledged_by.get_username() if locked.acknowledged_by else "someone"
            raise TrackingError(
                f"Already acknowledged by {who} at {_local(locked.acknowledged_at)}."
            )
        others: QuerySet[Escalation] = Escalation.objects.none()
        if locked.expected_id is not None:
            expected = ExpectedCheckIn.objects.select_for_update().get(pk=locked.expected_id)
            others = Escalation.objects.filter(
                expected=expected, acknowledged_at__isnull=True
            ).exclude(pk=locked.pk)
            if expected.state in (ExpectedState.PENDING, ExpectedState.MISSED):
                expected.state = ExpectedState.ACKNOWLEDGED
                gate.save(_MATCHER, expected)
        for row in [locked, *others]:
            row.acknowledged_by = user
            row.acknowledged_at = now
            row.note = text
            gate.save(user, row, action=action)
    escalation.refresh_from_db()
    return escalation


def open_escalations(user: Any) -> QuerySet[Escalation]:
    """Unacknowledged escalations the user may see, SOS first, newest first."""
    return (
        gate.restrict(Escalation.objects.all(), user, Action.VIEW)
        .filter(acknowledged_at__isnull=True)
        .select_related("movement", "expected", "checkin")
        .order_by("-created", "-pk")
    )


# --- positions -----------------------------------------------------------------------------


def movement_ended_at(movement: Any) -> dt.datetime | None:
    """When the movement was completed or aborted, or None while it has not ended."""
    if movement.state not in ENDED:
        return None
    last = movement.transitions.filter(to_state=movement.state).order_by("-created").first()
    return last.created if last is not None else movement.arrive_by


def purge_positions(now: dt.datetime, actor: Any) -> int:
    """Erase check-in positions of movements that ended more than the retention ago.

    Returns the number of check-ins whose position was erased. The check-in itself (time,
    status, note) stays as the movement's record.
    """
    from safepassage.movements.models import MovementRequest

    keep = retention()
    erased = 0
    movements = (
        MovementRequest.objects.filter(
            state__in=ENDED,
            checkins__position_erased_at__isnull=True,
        )
        .filter(Q(checkins__lat__isnull=False) | Q(checkins__lon__isnull=False))
        .distinct()
    )
    for movement in movements:
        ended = movement_ended_at(movement)
        if ended is None or ended + keep > now:
            continue
        rows = CheckIn.objects.filter(movement=movement, position_erased_at__isnull=True).filter(
            Q(lat__isnull=False) | Q(lon__isnull=False)
        )
        with transaction.atomic():
            for checkin in rows.select_for_update():
                checkin.lat = None
                checkin.lon = None
                checkin.position_erased_at = now
                gate.save(actor, checkin)
                erased += 1
    return erased


def last_position(movement: Any) -> tuple[float, float, dt.datetime] | None:
    """The movement's last reported position and its time, or None when none is kept."""
    checkin = (
        CheckIn.objects.filter(movement=movement, lat__isnull=False, lon__isnull=False)
        .order_by("-at", "-pk")
        .first()
    )
    if checkin is None or checkin.lat is None or checkin.lon is None:
        return None
    return (checkin.lat, checkin.lon, checkin.at)

"""Movement services: evaluation against the guidelines, escort proposals, transitions.

``transition`` is the only way a movement changes state. Approval is where double-booking
could happen, so it locks the movement row, then the unit, vehicle and person rows it will
hold (each kind ordered by primary key, the same order in every transaction, so two
approvals cannot deadlock), and only then looks for overlapping active assignments. A second
commander approving a competing movement at the same moment waits on the first one's locks
and then sees its assignments, so at most one of them can succeed.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from safepassage.access import gate
from safepassage.access.policy import Action, Role
from safepassage.guidelines import (
    DistrictBand,
    EscortUnit,
    MovementContext,
    RuleResult,
    VehicleInfo,
    required_officers,
)
from safepassage.guidelines import (
    evaluate as evaluate_rules,
)
from safepassage.guidelines.rules import worst_band
from safepassage.movements.choices import HOLDING_STATES, TRANSITIONS, MovementState, Outcome
from safepassage.movements.models import (
    Assignment,
    GuidelineRule,
    MovementRequest,
    MovementTransition,
)
from safepassage.registry.choices import UnitStatus, VehicleStatus
from safepassage.registry.models import ProtectedPerson, ProtectionUnit, Vehicle

# Roles that decide on requests (approve or reject) and the roles that may approve a request
# that fails a rule, with a written reason. The unit commander answers for the escort and
# the administrator for the guidelines themselves; a coordinator never approves their own.
APPROVER_ROLES = frozenset({Role.UNIT_COMMANDER.value, Role.ADMINISTRATOR.value})
OVERRIDE_ROLES = frozenset({Role.UNIT_COMMANDER.value, Role.ADMINISTRATOR.value})
# The route buffer used for the movement's risk, in km.
ROUTE_BUFFER_KM = 10.0
PROPOSAL_LIMIT = 5
MAX_REASON = 4000


class TransitionError(Exception):
    """A transition that the movement's state, its rules or its resources do not allow."""


class BookingConflict(TransitionError):
    """An escort unit, a vehicle or a person is already held for an overlapping window."""


@dataclass(frozen=True)
class Plan:
    """A movement as planned, saved or not: what the evaluation reads."""

    points: list[tuple[float, float]]
    people: int
    vehicles: list[Vehicle]
    escorts: list[tuple[ProtectionUnit, int]]
    depart_at: datetime.datetime
    arrive_by: datetime.datetime
    requested_at: datetime.datetime
    movement_pk: int | None = None


@dataclass(frozen=True)
class Proposal:
    """A protection unit that could escort the movement, with its free vehicles."""

    unit: ProtectionUnit
    distance_km: float
    officers: int
    vehicles: list[Vehicle]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "unit": self.unit.pk,
            "unit_name": self.unit.name,
            "base": self.unit.base_name,
            "distance_km": round(self.distance_km, 1),
            "available_officers": self.officers,
            "vehicles": [
                {"id": v.pk, "label": str(v), "armoured": v.armoured, "seats": v.seats}
                for v in self.vehicles
            ],
        }


@dataclass
class Evaluation:
    """The rules' results, the route risk and the escort the rules require."""

    results: list[RuleResult]
    risk: dict[str, Any]
    band: str
    required_officers: int
    proposals: list[Proposal] = field(default_factory=list)

    @property
    def failed(self) -> list[RuleResult]:
        """Results that block approval."""
        return [r for r in self.results if r.outcome == Outcome.FAIL]

    @property
    def outcome(self) -> str:
        """The overall outcome: fail, warn or pass."""
        outcomes = {r.outcome for r in self.results}
        for worst in (Outcome.FAIL, Outcome.WARN):
            if worst in outcomes:
                return str(worst)
        return str(Outcome.PASS)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "outcome": self.outcome,
            "band": self.band,
            "required_officers": self.required_officers,
            "rules": [r.as_dict() for r in self.results],
            "risk": self.risk,
            "proposals": [p.as_dict() for p in self.proposals],
        }


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def escort_units(raw: Any) -> list[tuple[ProtectionUnit, int]]:
    """Resolve a stored escort list ``[{"unit": id, "officers": n}]`` to units."""
    wanted: dict[int, int] = {}
    for entry in raw if isinstance(raw, list) else []:
        if isinstance(entry, dict):
            try:
                unit_id, officers = int(entry["unit"]), int(entry.get("officers", 0))
            except (KeyError, TypeError, ValueError):
                continue
            wanted[unit_id] = wanted.get(unit_id, 0) + max(0, officers)
    units = ProtectionUnit.objects.in_bulk(list(wanted))
    return [(units[pk], n) for pk, n in wanted.items() if pk in units]


def plan_of(movement: MovementRequest) -> Plan:
    """The plan of a saved movement."""
    requested = movement.created or timezone.now()
    submitted = (
        movement.transitions.filter(to_state=MovementState.SUBMITTED)
        .order_by("created")
        .values_list("created", flat=True)
        .first()
        if movement.pk
        else None
    )
    return Plan(
        points=movement.route_points(),
        people=movement.people.count() if movement.pk else 0,
        vehicles=list(movement.vehicles.all()) if movement.pk else [],
        escorts=escort_units(movement.escorts),
        depart_at=movement.depart_at,
        arrive_by=movement.arrive_by,
        # The notice period runs from the first submission; a draft is measured from now
        # (or its creation, if later), since that is the earliest it could be submitted.
        requested_at=submitted or max(requested, timezone.now()),
        movement_pk=movement.pk,
    )


def active_rules() -> list[Any]:
    """The enabled guidelines as plain specs."""
    return [rule.spec() for rule in GuidelineRule.objects.filter(enabled=True)]


def route_risk_of(points: Sequence[tuple[float, float]], at: datetime.datetime) -> Any:
    """The RISK app's route risk for ``points`` (a RiskResult)."""
    from safepassage.risk.services import route_risk

    return route_risk(list(points), buffer_km=ROUTE_BUFFER_KM, at=at)


def context_of(plan: Plan, risk: Any) -> MovementContext:
    """The pure evaluator's view of ``plan`` with its route risk."""
    return MovementContext(
        people=plan.people,
        vehicles=tuple(
            VehicleInfo(str(v.registration), v.armoured, v.seats) for v in plan.vehicles
        ),
        escorts=tuple(EscortUnit(u.name, n) for u, n in plan.escorts),
        route=tuple(plan.points),
        depart_at=plan.depart_at,
        arrive_by=plan.arrive_by,
        requested_at=plan.requested_at,
        route_band=str(risk.band),
        districts=tuple(DistrictBand(d.admin1, d.admin2, d.band) for d in risk.districts),
    )


def evaluate_plan(plan: Plan, *, proposals: bool = True) -> Evaluation:
    """Judge ``plan`` against the enabled guidelines, with its route risk and, if asked,
    the escort units that could serve it."""
    risk = route_risk_of(plan.points, plan.depart_at)
    context = context_of(plan, risk)
    rules = active_rules()
    results = evaluate_rules(rules, context)
    band = worst_band(context)
    need = max(
        (required_officers(r.params, band) for r in rules if r.kind == "escort_strength"),
        default=0,
    )
    evaluation = Evaluation(results, risk.as_dict(), band, need)
    if proposals:
        evaluation.proposals = propose_escorts(plan, need)
    return evaluation


def evaluate(movement: MovementRequest, *, save: bool = True) -> Evaluation:
    """Evaluate a saved movement and keep the results on it."""
    evaluation = evaluate_plan(plan_of(movement))
    if save:
        movement.rule_results = [r.as_dict() for r in evaluation.results]
        movement.risk = evaluation.risk | {"worst_band": evaluation.band}
        movement.save(update_fields=["rule_results", "risk", "updated"])
    return evaluation


def _overlapping(starts: datetime.datetime, ends: datetime.datetime) -> Q:
    return Q(active=True, starts__lt=ends, ends__gt=starts)


def propose_escorts(plan: Plan, required: int, limit: int = PROPOSAL_LIMIT) -> list[Proposal]:
    """Units free for the whole window with at least ``required`` available officers,
    nearest to the start first, each with its vehicles that are free for the window."""
    busy = Assignment.objects.filter(_overlapping(plan.depart_at, plan.arrive_by))
    if plan.movement_pk is not None:
        busy = busy.exclude(movement_id=plan.movement_pk)
    busy_units = busy.filter(unit__isnull=False).values("unit_id")
    busy_vehicles = busy.filter(vehicle__isnull=False).values("vehicle_id")
    # Rank on plain tuples and load only the chosen units: instantiating every unit of a
    # large roster as a model costs more than the query itself.
    candidates = (
        ProtectionUnit.objects.filter(
            status=UnitStatus.AVAILABLE, available_strength__gte=max(required, 1)
        )
        .exclude(pk__in=busy_units)
        .order_by()
        .values_list("pk", "base_lat", "base_lon")
    )
    start = plan.points[0]
    ranked = sorted((distance_km((lat, lon), start), pk) for pk, lat, lon in candidates)[:limit]
    loaded = ProtectionUnit.objects.in_bulk([pk for _km, pk in ranked])
    chosen = [loaded[pk] for _km, pk in ranked if pk in loaded]
    vehicles: dict[int, list[Vehicle]] = {u.pk: [] for u in chosen}
    for vehicle in (
        Vehicle.objects.filter(unit__in=[u.pk for u in chosen], status=VehicleStatus.AVAILABLE)
        .exclude(pk__in=busy_vehicles)
        .order_by()
    ):
        vehicles[vehicle.unit_id].append(vehicle)
    return [
        Proposal(
            u,
            distance_km((u.base_lat, u.base_lon), start),
            u.available_strength,
            # Armoured first: they satisfy the armour rule and carry people more safely.
            sorted(vehicles[u.pk], key=lambda v: (not v.armoured, v.registration)),
        )
        for u in chosen
    ]


def _role(user: Any) -> str:
    return str(getattr(user, "role", "") or "")


def can_approve(user: Any) -> bool:
    """True when ``user``'s role decides on requests (approve or reject)."""
    return _role(user) in APPROVER_ROLES and gate.can(user, Action.CHANGE, MovementRequest)


def can_override(user: Any) -> bool:
    """True when ``user``'s role may approve a request that fails a rule."""
    return _role(user) in OVERRIDE_ROLES and gate.can(user, Action.CHANGE, MovementRequest)


def _lock_and_check(movement: MovementRequest) -> None:
    """Hold the movement's escort units, vehicles and people for its window.

    The rows are locked in pk order (units, then vehicles, then people) before the overlap
    check, so a competing approval waits here and then sees this one's assignments.
    """
    escorts = escort_units(movement.escorts)
    unit_ids = sorted(u.pk for u, _ in escorts)
    vehicle_ids = sorted(movement.vehicles.values_list("pk", flat=True))
    person_ids = sorted(movement.people.values_list("pk", flat=True))
    units = {
        u.pk: u
        for u in ProtectionUnit.objects.select_for_update().filter(pk__in=unit_ids).order_by("pk")
    }
    list(Vehicle.objects.select_for_update().filter(pk__in=vehicle_ids).order_by("pk"))
    list(ProtectedPerson.objects.select_for_update().filter(pk__in=person_ids).order_by("pk"))
    clashes = (
        Assignment.objects.filter(_overlapping(movement.depart_at, movement.arrive_by))
        .filter(Q(unit__in=unit_ids) | Q(vehicle__in=vehicle_ids) | Q(person__in=person_ids))
        .exclude(movement=movement)
        .select_related("unit", "vehicle", "person", "movement")
    )
    taken = [
        f"{a.unit or a.vehicle or 'a protected person'} ({a.movement.reference})" for a in clashes
    ]
    if taken:
        raise BookingConflict(
            "Already held for an overlapping window: " + ", ".join(sorted(set(taken))) + "."
        )
    for unit, officers in escorts:
        if officers > units[unit.pk].available_strength:
            raise TransitionError(
                f"{unit.name} has {units[unit.pk].available_strength} officers available, "
                f"{officers} were asked for."
            )
    window = {"starts": movement.depart_at, "ends": movement.arrive_by, "movement": movement}
    rows = [Assignment(unit_id=u.pk, officers=n, **window) for u, n in escorts]
    rows += [Assignment(vehicle_id=pk, **window) for pk in vehicle_ids]
    rows += [Assignment(person_id=pk, **window) for pk in person_ids]
    # One by one, not bulk_create: every assignment is an audited write.
    for row in rows:
        row.save()


def _label(user: Any) -> str:
    getter = getattr(user, "get_username", None)
    return str(getter() if callable(getter) else user)[:150]


def transition(
    user: Any,
    movement: MovementRequest,
    to_state: str,
    reason: str = "",
    *,
    override_reason: str = "",
) -> MovementTransition:
    """Move ``movement`` to ``to_state`` on behalf of ``user`` and record the transition.

    Raises PermissionDenied when the user may not make this change, TransitionError when
    the state, the rules or the escort's availability forbid it. Approval of a movement that
    fails a rule needs ``override_reason`` from a role with the override right.
    """
    reason = (reason or "").strip()[:MAX_REASON]
    override_reason = (override_reason or "").strip()[:MAX_REASON]
    with transaction.atomic():
        locked = MovementRequest.objects.select_for_update().get(pk=movement.pk)
        if not gate.in_scope(user, Action.CHANGE, locked):
            raise PermissionDenied("You may not change this movement.")
        current = locked.state
        if to_state not in TRANSITIONS.get(current, set()):
            raise TransitionError(f"A {current} movement cannot become {to_state}.")
        if to_state in (MovementState.APPROVED, MovementState.REJECTED) and not can_approve(user):
            raise PermissionDenied("Only a unit commander or an administrator decides requests.")
        if to_state in (MovementState.REJECTED, MovementState.ABORTED) and not reason:
            raise TransitionError(f"Give a reason to mark the movement {to_state}.")
        note = reason
        if to_state in (MovementState.SUBMITTED, MovementState.APPROVED):
            evaluation = evaluate(locked)
            if to_state == MovementState.APPROVED:
                failed = evaluation.failed
                if failed:
                    codes = ", ".join(r.code for r in failed)
                    if not override_reason:
                        raise TransitionError(
                            f"The request fails {codes}; it can only be approved with an "
                            "override and a written reason."
                        )
                    if not can_override(user):
                        raise PermissionDenied("Your role may not override failed rules.")
                    locked.override_reason = override_reason
                    locked.overridden_by = user if getattr(user, "pk", None) else None
                    note = f"{reason}\nOverride of {codes}: {override_reason}".strip()
                _lock_and_check(locked)
        if current in HOLDING_STATES and to_state not in HOLDING_STATES:
            for held in locked.assignments.filter(active=True):
                held.active = False
                held.save(update_fields=["active"])
        if to_state == MovementState.DRAFT:
            # A request sent back for changes must be judged (and overridden) afresh.
            locked.override_reason = ""
            locked.overridden_by = None
        locked.state = to_state
        locked.save()
        row = MovementTransition.objects.create(
            movement=locked,
            from_state=current,
            to_state=to_state,
            actor=user if getattr(user, "pk", None) else None,
            actor_label=_label(user),
            reason=note,
        )
    movement.refresh_from_db()
    return row


def next_reference(today: datetime.date | None = None) -> str:
    """A new movement reference, MV-YYYYMMDD-NNNN."""
    day = today or timezone.localdate()
    prefix = f"MV-{day:%Y%m%d}-"
    count = MovementRequest.objects.filter(reference__startswith=prefix).count()
    while True:
        count += 1
        candidate = f"{prefix}{count:04d}"
        if not MovementRequest.objects.filter(reference=candidate).exists():
            return candidate

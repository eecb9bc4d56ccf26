"""Which sites and movements an incident touches, and who is responsible for each.

Sites are narrowed in SQL with a latitude/longitude bounding box around the incident, then
checked with the exact distance; movements under way are measured from their last reported
position (the tracking app's ``last_position``), or from their route when none was reported;
approved or submitted movements whose time window is under way or upcoming are measured
from their planned route. Recipients are read for all matched subjects in a few queries.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.urls import NoReverseMatch

from safepassage.access.policy import Role
from safepassage.alerts import geometry
from safepassage.alerts.decide import SubjectKind
from safepassage.alerts.models import AlertRule, Responsible

log = logging.getLogger(__name__)


@dataclass
class Match:
    """One subject within a rule's distance of an incident, and the people responsible."""

    rule: AlertRule
    subject_type: str  # "site" or "movement"
    subject_id: int
    subject_label: str
    link: str
    distance_km: float
    relation: str  # what the distance is measured to, for the why text
    # user id -> what makes them responsible ("security coordinator, Indus Gorge Hydro Co")
    recipients: dict[int, str] = field(default_factory=dict)


def _url(obj: Any) -> str:
    try:
        return str(obj.get_absolute_url())
    except (AttributeError, NoReverseMatch):
        return ""


def _coordinators(org_ids: set[int]) -> dict[int, list[int]]:
    from safepassage.accounts.models import User

    found: dict[int, list[int]] = defaultdict(list)
    rows = User.objects.filter(
        is_active=True, role=Role.SECURITY_COORDINATOR, organisation_id__in=org_ids
    ).values_list("organisation_id", "pk")
    for org_id, user_id in rows:
        found[org_id].append(user_id)
    return found


def _unit_members(unit_ids: set[int], roles: set[str]) -> dict[int, list[tuple[int, str]]]:
    """unit id -> [(user id, role)] of active members holding one of ``roles``."""
    from safepassage.accounts.models import User

    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if not unit_ids or not roles:
        return found
    rows = User.objects.filter(is_active=True, role__in=roles, units__in=unit_ids).values_list(
        "units", "pk", "role"
    )
    for unit_id, user_id, role in rows:
        found[unit_id].append((user_id, role))
    return found


def _extra(rule: AlertRule, match: Match) -> None:
    # .all() uses the rules' prefetched recipients instead of a query per match.
    for user in rule.extra_recipients.all():
        match.recipients.setdefault(user.pk, f"named on the alert rule “{rule.name}”")


def sites_near(lat: float, lon: float, rules: list[AlertRule]) -> list[Match]:
    """Matches for every site within each site rule's radius of (lat, lon)."""
    from safepassage.registry.models import Site

    if not rules:
        return []
    widest = max(r.radius_km for r in rules)
    box = geometry.bounding_box(lat, lon, widest)
    candidates = list(
        Site.objects.filter(
            lat__gte=box.min_lat,
            lat__lte=box.max_lat,
            lon__gte=box.min_lon,
            lon__lte=box.max_lon,
        ).select_related("organisation", "responsible_unit")
    )
    matches: list[Match] = []
    for site in candidates:
        distance = geometry.haversine_km((lat, lon), (site.lat, site.lon))
        for rule in rules:
            if distance <= rule.radius_km:
                matches.append(Match(rule, "site", site.pk, site.name, _url(site), distance, "it"))
    if not matches:
        return matches
    sites = {s.pk: s for s in candidates}
    coordinators = _coordinators({sites[m.subject_id].organisation_id for m in matches})
    unit_ids = {
        sites[m.subject_id].responsible_unit_id
        for m in matches
        if sites[m.subject_id].responsible_unit_id
    }
    commanders = _unit_members({u for u in unit_ids if u}, {Role.UNIT_COMMANDER})
    for match in matches:
        site = sites[match.subject_id]
        wanted = match.rule.responsible_list()
        if Responsible.ORG_COORDINATORS in wanted:
            for user_id in coordinators.get(site.organisation_id, []):
                match.recipients.setdefault(
                    user_id, f"security coordinator, {site.organisation.name}"
                )
        if Responsible.UNIT_COMMANDERS in wanted and site.responsible_unit_id:
            unit = site.responsible_unit
            for user_id, _role in commanders.get(site.responsible_unit_id, []):
                match.recipients.setdefault(
                    user_id, f"commander of {unit}, the unit responsible for it"
                )
        _extra(match.rule, match)
    return matches


def _under_way_with_positions() -> list[Any]:
    """Movements under way, each annotated with its last reported position, in one query.

    This is the tracking app's ``last_position(movement)`` (the latest check-in that still
    holds a position) computed for every movement at once: a query per movement costs
    hundreds of round trips per incident. ``tests/alerts`` checks the two agree.
    """
    from safepassage.movements.choices import MovementState
    from safepassage.movements.models import MovementRequest
    from safepassage.tracking.models import CheckIn

    latest = CheckIn.objects.filter(
        movement=OuterRef("pk"), lat__isnull=False, lon__isnull=False
    ).order_by("-at", "-pk")
    return list(
        MovementRequest.objects.filter(state=MovementState.UNDER_WAY)
        .select_related("organisation")
        .annotate(
            last_lat=Subquery(latest.values("lat")[:1]),
            last_lon=Subquery(latest.values("lon")[:1]),
            last_at=Subquery(latest.values("at")[:1]),
        )
    )


def _route_of(movement: Any) -> list[tuple[float, float]] | None:
    """The movement's route points, or None (logged) when its waypoints are malformed.

    One broken movement must not stop the evaluation for every other subject.
    """
    try:
        return [(float(lat), float(lon)) for lat, lon in movement.route_points()]
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("movement %s has malformed waypoints (%s); not matched", movement.pk, exc)
        return None


def movements_near(
    lat: float,
    lon: float,
    position_rules: list[AlertRule],
    route_rules: list[AlertRule],
    now: dt.datetime,
) -> list[Match]:
    """Matches for movements under way (by position) and planned movements (by route)."""
    from safepassage.movements.choices import MovementState
    from safepassage.movements.models import Assignment, MovementRequest

    matches: list[Match] = []
    point = (lat, lon)
    movements: dict[int, Any] = {}
    if position_rules:
        widest = max(r.radius_km for r in position_rules)
        for movement in _under_way_with_positions():
            if movement.last_lat is not None and movement.last_lon is not None:
                at = movement.last_at.astimezone(dt.UTC)
                distance = geometry.haversine_km(point, (movement.last_lat, movement.last_lon))
                relation = f"its last reported position ({at:%d %b %H:%M} UTC)"
            else:
                route = _route_of(movement)
                if route is None or not geometry.route_box(route).widened(widest).contains(
                    lat, lon
                ):
                    continue
                distance = geometry.distance_to_route_km(point, route)
                relation = "its route (no position has been reported yet)"
            for rule in position_rules:
                if distance <= rule.radius_km:
                    movements[movement.pk] = movement
                    matches.append(
                        Match(
                            rule,
                            "movement",
                            movement.pk,
                            str(movement),
                            _url(movement),
                            distance,
                            relation,
                        )
                    )
    if route_rules:
        widest = max(r.radius_km for r in route_rules)
        horizon = now + dt.timedelta(hours=settings.ALERTS_ROUTE_HORIZON_HOURS)
        planned = MovementRequest.objects.filter(
            state__in=[MovementState.SUBMITTED, MovementState.APPROVED],
            arrive_by__gte=now,
            depart_at__lte=horizon,
        ).select_related("organisation")
        for movement in planned:
            route = _route_of(movement)
            if route is None or not geometry.route_box(route).widened(widest).contains(lat, lon):
                continue
            distance = geometry.distance_to_route_km(point, route)
            if movement.depart_at <= now:
                relation = "its planned route (its time window is under way)"
            else:
                departs = movement.depart_at.astimezone(dt.UTC)
                relation = f"its planned route (departure {departs:%d %b %H:%M} UTC)"
            for rule in route_rules:
                if distance <= rule.radius_km:
                    movements[movement.pk] = movement
                    matches.append(
                        Match(
                            rule,
                            "movement",
                            movement.pk,
                            str(movement),
                            _url(movement),
                            distance,
                            relation,
                        )
                    )
    if not matches:
        return matches
    escorts: dict[int, set[int]] = defaultdict(set)
    for movement_id, unit_id in Assignment.objects.filter(
        movement_id__in=movements, unit__isnull=False, active=True
    ).values_list("movement_id", "unit_id"):
        escorts[movement_id].add(unit_id)
    all_units = {u for units in escorts.values() for u in units}
    members = _unit_members(all_units, {Role.UNIT_COMMANDER, Role.FIELD_OFFICER})
    from safepassage.registry.models import ProtectionUnit

    unit_names = dict(ProtectionUnit.objects.filter(pk__in=all_units).values_list("pk", "name"))
    coordinators = _coordinators({m.organisation_id for m in movements.values()})
    for match in matches:
        movement = movements[match.subject_id]
        wanted = match.rule.responsible_list()
        if Responsible.ORG_COORDINATORS in wanted:
            for user_id in coordinators.get(movement.organisation_id, []):
                match.recipients.setdefault(
                    user_id, f"security coordinator, {movement.organisation.name}"
                )
        for unit_id in sorted(escorts.get(movement.pk, set())):
            for user_id, role in members.get(unit_id, []):
                if role == Role.UNIT_COMMANDER and Responsible.ESCORT_COMMANDERS in wanted:
                    match.recipients.setdefault(
                        user_id, f"commander of {unit_names[unit_id]}, escorting it"
                    )
                if role == Role.FIELD_OFFICER and Responsible.ESCORT_OFFICERS in wanted:
                    match.recipients.setdefault(
                        user_id, f"field officer of {unit_names[unit_id]}, escorting it"
                    )
        _extra(match.rule, match)
    return matches


def rules_by_subject() -> dict[SubjectKind, list[AlertRule]]:
    """The enabled rules, grouped by what they watch."""
    grouped: dict[SubjectKind, list[AlertRule]] = {kind: [] for kind in SubjectKind}
    for rule in AlertRule.objects.filter(enabled=True).prefetch_related("extra_recipients"):
        grouped[SubjectKind(rule.subject)].append(rule)
    return grouped


def rule_applies(rule: AlertRule, kind: str, attack_type: str) -> bool:
    """True when the rule's kind and attack type filters let the incident through."""
    if rule.incident_kinds and kind not in rule.incident_kinds:
        return False
    return not (rule.attack_types and attack_type not in rule.attack_types)


__all__ = ["Match", "movements_near", "rule_applies", "rules_by_subject", "sites_near"]

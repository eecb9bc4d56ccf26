"""Who may do what, kept as data.

The policy maps each role to the resources it may act on and, for each action, how far its
reach extends. The gate (``safepassage.access.gate``) turns a reach into a query filter, so
scope lives here once instead of being copied into every view, API handler and admin page.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """The roles a user can hold; one per user."""

    ADMINISTRATOR = "administrator"
    SECURITY_COORDINATOR = "security_coordinator"
    UNIT_COMMANDER = "unit_commander"
    FIELD_OFFICER = "field_officer"
    ANALYST = "analyst"
    PARTNER_LIAISON = "partner_liaison"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Action(StrEnum):
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"


class Reach(StrEnum):
    """How far a permission extends over the objects of one resource."""

    ALL = "all"  # every object in the instance
    ORG = "org"  # objects owned by the user's organisation
    REGION = "region"  # objects in the user's provinces (all provinces when none are set)
    UNIT = "unit"  # objects of the protection units the user belongs to
    NATIONALS = "nationals"  # protected people of the user's organisation's country
    SELF = "self"  # the user's own account and tokens


# Resources are the names models declare in their ``Gate.resource``.
RESOURCES = (
    "organisation",
    "project",
    "site",
    "person",
    "unit",
    "vehicle",
    "user",
    "token",
    "audit",
    "admin_site",
    # Intelligence: sources, reports (articles and field reports), incidents, engagements.
    "source",
    "report",
    "incident",
    "engagement",
    "jobs",
    # Operations: the risk picture, movements and their guidelines, tracking, alerts.
    "risk",
    "guideline",
    "movement",
    "checkin",
    "alert",
    # Sharing: agreements with partner organisations and the record of what crossed.
    "sharing",
)

V, A, C, D = Action.VIEW, Action.ADD, Action.CHANGE, Action.DELETE


def _all(reach: Reach) -> dict[Action, Reach]:
    return {V: reach, A: reach, C: reach, D: reach}


def _view(reach: Reach) -> dict[Action, Reach]:
    return {V: reach}


_OWN_TOKENS = _all(Reach.SELF)
# Everyone who uses the incident picture reads it; field staff also file reports.
_INTEL_READER: dict[str, dict[Action, Reach]] = {
    "incident": _view(Reach.ALL),
    "engagement": _view(Reach.ALL),
    "risk": _view(Reach.ALL),
    "alert": {V: Reach.SELF, C: Reach.SELF},
}
_INTEL_REPORTER: dict[str, dict[Action, Reach]] = _INTEL_READER | {
    "report": {V: Reach.ORG, A: Reach.ORG},
}
_OWN_ACCOUNT = _view(Reach.SELF)

POLICY: dict[Role, dict[str, dict[Action, Reach]]] = {
    Role.ADMINISTRATOR: {res: _all(Reach.ALL) for res in RESOURCES} | {"audit": _view(Reach.ALL)},
    # The employer's or project's security office runs its own registry.
    Role.SECURITY_COORDINATOR: _INTEL_READER
    | {
        "movement": {V: Reach.ORG, A: Reach.ORG, C: Reach.ORG},
        "guideline": _view(Reach.ALL),
        "checkin": _view(Reach.ORG),
        "organisation": _view(Reach.ORG),
        "project": _all(Reach.ORG),
        "site": _all(Reach.ORG),
        "person": _all(Reach.ORG),
        "unit": _view(Reach.ALL),
        "vehicle": _view(Reach.ALL),
        "user": _OWN_ACCOUNT,
        "token": _OWN_TOKENS,
    },
    # The protection unit commander guards everyone in the unit's provinces and runs the unit.
    Role.UNIT_COMMANDER: _INTEL_REPORTER
    | {
        # Commanders review every request and approve it (change), escorts included.
        "movement": {V: Reach.ALL, C: Reach.ALL},
        "guideline": _view(Reach.ALL),
        "checkin": {V: Reach.ALL, A: Reach.ALL, C: Reach.ALL},
        "organisation": _view(Reach.ALL),
        "project": _view(Reach.REGION),
        "site": {V: Reach.REGION, C: Reach.REGION},
        "person": _view(Reach.REGION),
        "unit": {V: Reach.REGION, C: Reach.UNIT},
        "vehicle": {V: Reach.REGION, A: Reach.UNIT, C: Reach.UNIT, D: Reach.UNIT},
        "user": _OWN_ACCOUNT,
        "token": _OWN_TOKENS,
    },
    # The escort lead needs the sites and the people on the roads of the region.
    Role.FIELD_OFFICER: _INTEL_REPORTER
    | {
        "movement": _view(Reach.UNIT),
        "guideline": _view(Reach.ALL),
        "checkin": {V: Reach.UNIT, A: Reach.UNIT, C: Reach.UNIT},
        "organisation": _view(Reach.ALL),
        "project": _view(Reach.REGION),
        "site": _view(Reach.REGION),
        "person": _view(Reach.REGION),
        "unit": _view(Reach.UNIT),
        "vehicle": _view(Reach.UNIT),
        "user": _OWN_ACCOUNT,
        "token": _OWN_TOKENS,
    },
    # Analysts work on places and threats, never on protected people's personal data.
    # They curate the incident picture: review, correct, merge and split.
    Role.ANALYST: {
        "source": _all(Reach.ORG),
        "report": {V: Reach.ALL, A: Reach.ORG, C: Reach.ALL},
        "incident": {V: Reach.ALL, A: Reach.ALL, C: Reach.ALL},
        "engagement": {V: Reach.ALL, A: Reach.ALL, C: Reach.ALL},
        "jobs": _view(Reach.ALL),
        "sharing": _view(Reach.ALL),
        "risk": _view(Reach.ALL),
        "alert": {V: Reach.SELF, C: Reach.SELF},
        "guideline": _view(Reach.ALL),
        "organisation": _view(Reach.ALL),
        "project": _view(Reach.REGION),
        "site": _view(Reach.REGION),
        "unit": _view(Reach.REGION),
        "vehicle": _view(Reach.REGION),
        "user": _OWN_ACCOUNT,
        "token": _OWN_TOKENS,
    },
    # An embassy or ministry follows its own nationals and the sites they live and work at.
    Role.PARTNER_LIAISON: _INTEL_READER
    | {
        "sharing": _view(Reach.ORG),
        "movement": _view(Reach.NATIONALS),
        "organisation": _view(Reach.ORG),
        "person": _view(Reach.NATIONALS),
        "site": _view(Reach.NATIONALS),
        "user": _OWN_ACCOUNT,
        "token": _OWN_TOKENS,
    },
    Role.VIEWER: _INTEL_READER
    | {
        "organisation": _view(Reach.ORG),
        "project": _view(Reach.ORG),
        "site": _view(Reach.ORG),
        "user": _OWN_ACCOUNT,
        "token": _OWN_TOKENS,
    },
}


def reach_for(role: str | None, resource: str, action: str) -> Reach | None:
    """The reach ``role`` has for ``action`` on ``resource``, or None when it has none."""
    if role is None:
        return None
    try:
        rules = POLICY[Role(role)]
    except ValueError:
        return None
    return rules.get(resource, {}).get(Action(action))

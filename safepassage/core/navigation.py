"""The navigation: which sections a user sees follows the permission gate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.urls import reverse

from safepassage.access import gate
from safepassage.access.policy import Action


@dataclass(frozen=True)
class Section:
    title: str
    url_name: str
    model: type[models.Model] | None
    resource: str
    action: str = Action.VIEW

    @property
    def url(self) -> str:
        return reverse(self.url_name)


def _sections() -> list[Section]:
    from safepassage.audit.models import AuditRecord
    from safepassage.registry import models as m

    return [
        # Every role reads the incident picture, so every role has a dashboard.
        Section("Dashboard", "dashboard:home", None, "incident"),
        Section("Map", "dashboard:map", None, "incident"),
        Section("Situation report", "dashboard:sitrep", None, "incident"),
        Section("Organisations", "registry:organisation-list", m.Organisation, "organisation"),
        Section("Projects", "registry:project-list", m.Project, "project"),
        Section("Sites", "registry:site-list", m.Site, "site"),
        Section("Protected people", "registry:person-list", m.ProtectedPerson, "person"),
        Section("Protection units", "registry:unit-list", m.ProtectionUnit, "unit"),
        Section("Vehicles", "registry:vehicle-list", m.Vehicle, "vehicle"),
        Section("Incidents", "intel:incident-list", None, "incident"),
        Section("Review queue", "intel:review-queue", None, "incident", Action.CHANGE),
        Section("Engagements", "intel:engagement-list", None, "engagement"),
        Section("Sources", "intel:source-list", None, "source"),
        Section("Field report", "intel:field-report", None, "report", Action.ADD),
        Section("Jobs", "intel:jobs-list", None, "jobs"),
        Section("Movements", "movements:board", None, "movement"),
        Section("Escalations", "tracking:escalations", None, "checkin"),
        Section("Risk", "risk:overview", None, "risk"),
        Section("Sharing", "sharing:agreement-list", None, "sharing"),
        Section("Audit log", "audit:log", AuditRecord, "audit"),
        Section("Alerts", "alerts:inbox", None, "alert"),
    ]


def visible_sections(user: Any) -> list[Section]:
    return [s for s in _sections() if gate.can(user, s.action, s.resource)]

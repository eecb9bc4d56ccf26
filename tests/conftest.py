"""Shared fixtures: a small world of two regions and one persona per role.

The world has a KP hydropower company with a camp guarded by the KP protection unit, a Sindh
port company with an office guarded by the Sindh unit, and a Chinese partner ministry. The
personas are scoped so that every role sees a different slice of it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from safepassage.accounts.models import User
from safepassage.registry import models as m
from safepassage.sharing.models import SharingAgreement

ROLES = [
    "admin",
    "coordinator",
    "commander",
    "officer",
    "analyst",
    "liaison",
    "viewer",
]
PASSWORD = "correct horse battery staple"


@dataclass
class World:
    spu_kp: m.Organisation
    spu_sd: m.Organisation
    hydro: m.Organisation
    port: m.Organisation
    ministry_cn: m.Organisation
    unit_kp: m.ProtectionUnit
    unit_sd: m.ProtectionUnit
    vehicle_kp: m.Vehicle
    vehicle_sd: m.Vehicle
    dasu: m.Project
    port_project: m.Project
    camp: m.Site
    office: m.Site
    engineer: m.ProtectedPerson
    clerk: m.ProtectedPerson
    users: dict[str, User]

    def user(self, persona: str) -> User:
        return self.users[persona]


def make_user(username: str, role: str, *, password: str | None = None, **extra: Any) -> User:
    """A user with ``role`` who signs in with ``password`` (without one, never by password);
    ``units`` may name the protection units they serve in."""
    units = extra.pop("units", [])
    account = User(username=username, role=role, **extra)
    if password is None:
        account.set_unusable_password()
    else:
        account.set_password(password)
    account.save()
    account.units.set(units)
    return account


def make_unit(
    organisation: m.Organisation,
    code: str,
    name: str,
    base: tuple[str, float, float],
    province: str,
    *,
    officers: tuple[int, int],
) -> m.ProtectionUnit:
    """A protection unit based at ``base`` (place, latitude, longitude) in ``province``, with
    ``officers`` (its strength, and how many of them are available)."""
    place = dict(zip(("base_name", "base_lat", "base_lon"), base, strict=True))
    strength = dict(zip(("strength", "available_strength"), officers, strict=True))
    return m.ProtectionUnit.objects.create(
        organisation=organisation, code=code, name=name, province=province, **place, **strength
    )


def make_site(
    project: m.Project,
    name: str,
    kind: str,
    where: tuple[str, str, float, float],
    *,
    posture: int,
    guards: int,
    unit: m.ProtectionUnit,
) -> m.Site:
    """A site of ``project``'s organisation ``where`` (province, district, latitude, longitude),
    at ``posture`` with ``guards`` guards, under ``unit``."""
    place = dict(zip(("province", "district", "lat", "lon"), where, strict=True))
    guard = {"posture": posture, "guard_strength": guards, "responsible_unit": unit}
    return m.Site.objects.create(
        organisation=project.organisation, project=project, name=name, kind=kind, **place, **guard
    )


def make_person(
    home_site: m.Site,
    full_name: str,
    nationality: str,
    *,
    consent: datetime.date,
    keep_days: int,
    **extra: Any,
) -> m.ProtectedPerson:
    """A protected person of ``home_site``'s organisation and project who consented on
    ``consent`` to their record being kept ``keep_days`` days."""
    return m.ProtectedPerson.objects.create(
        organisation=home_site.organisation,
        project=home_site.project,
        full_name=full_name,
        nationality=nationality,
        home_site=home_site,
        consent_date=consent,
        retention_until=consent + datetime.timedelta(days=keep_days),
        **extra,
    )


def build_world() -> World:
    org = m.Organisation.objects.create
    spu_kp = org(
        name="KP Special Protection Unit", short_name="SPU-KP", kind="protection_unit", country="PK"
    )
    spu_sd = org(
        name="Sindh Special Protection Unit",
        short_name="SPU-SD",
        kind="protection_unit",
        country="PK",
    )
    hydro = org(name="Indus Gorge Hydro Co", short_name="IGH", kind="security_office", country="PK")
    port = org(name="Arabian Sea Port Works", short_name="ASPW", kind="company", country="PK")
    ministry_cn = org(name="Partner Ministry of Public Security", kind="ministry", country="CN")
    unit_kp = make_unit(
        spu_kp, "spu-kp-1", "SPU KP Company 1", ("Mansehra", 34.33, 73.2), "KP", officers=(120, 80)
    )
    unit_sd = make_unit(
        spu_sd, "spu-sd-1", "SPU Sindh Company 1", ("Karachi", 24.86, 67.0), "SD", officers=(90, 60)
    )
    vehicle_kp = m.Vehicle.objects.create(
        unit=unit_kp, registration="KP-101", model_name="Land Cruiser", armoured=True, seats=6
    )
    vehicle_sd = m.Vehicle.objects.create(
        unit=unit_sd, registration="SD-201", model_name="Hilux", armoured=False, seats=5
    )
    dasu = m.Project.objects.create(
        organisation=hydro, code="gorge-hpp", name="Gorge Hydropower", province="KP"
    )
    port_project = m.Project.objects.create(
        organisation=port, code="berth-7", name="Berth 7 Expansion", province="SD"
    )
    camp = make_site(
        dasu,
        "Gorge Camp",
        "camp",
        ("KP", "Upper Kohistan", 35.29, 73.27),
        posture=4,
        guards=40,
        unit=unit_kp,
    )
    office = make_site(
        port_project,
        "Port Office",
        "office",
        ("SD", "Karachi", 24.78, 67.35),
        posture=2,
        guards=8,
        unit=unit_sd,
    )
    today = datetime.date(2026, 1, 1)
    engineer = make_person(camp, "Li Wei", "CN", consent=today, keep_days=3650)
    clerk = make_person(office, "Sana Baig", "PK", consent=today, keep_days=3650)

    def user(username: str, role: str, **extra: Any) -> User:
        return make_user(username, role, password=PASSWORD, **extra)

    # The partner ministry reads the shared picture up to TLP:AMBER under a standing agreement;
    # sharing tests that need no agreement, or a narrower one, change or delete it.
    SharingAgreement.objects.create(
        partner=ministry_cn, name="Joint security cooperation", max_tlp="amber"
    )
    users = {
        "admin": user("admin", "administrator", is_staff=True),
        "coordinator": user("coordinator", "security_coordinator", organisation=hydro),
        "commander": user(
            "commander", "unit_commander", organisation=spu_kp, provinces=["KP"], units=[unit_kp]
        ),
        "officer": user(
            "officer", "field_officer", organisation=spu_kp, provinces=["KP"], units=[unit_kp]
        ),
        "analyst": user("analyst", "analyst", organisation=spu_kp),
        "liaison": user("liaison", "partner_liaison", organisation=ministry_cn),
        "viewer": user("viewer", "viewer", organisation=hydro),
    }
    return World(
        spu_kp,
        spu_sd,
        hydro,
        port,
        ministry_cn,
        unit_kp,
        unit_sd,
        vehicle_kp,
        vehicle_sd,
        dasu,
        port_project,
        camp,
        office,
        engineer,
        clerk,
        users,
    )


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture
def login(client: Client, world: World):  # type: ignore[no-untyped-def]
    """Return a function that signs a persona in on the test client (no throttling path)."""

    def sign_in(persona: str) -> Client:
        if persona != "anonymous":
            client.force_login(world.user(persona))
        return client

    return sign_in

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
    unit_kp = m.ProtectionUnit.objects.create(
        organisation=spu_kp,
        code="spu-kp-1",
        name="SPU KP Company 1",
        base_name="Mansehra",
        base_lat=34.33,
        base_lon=73.2,
        province="KP",
        strength=120,
        available_strength=80,
    )
    unit_sd = m.ProtectionUnit.objects.create(
        organisation=spu_sd,
        code="spu-sd-1",
        name="SPU Sindh Company 1",
        base_name="Karachi",
        base_lat=24.86,
        base_lon=67.0,
        province="SD",
        strength=90,
        available_strength=60,
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
    camp = m.Site.objects.create(
        organisation=hydro,
        project=dasu,
        name="Gorge Camp",
        kind="camp",
        lat=35.29,
        lon=73.27,
        province="KP",
        district="Upper Kohistan",
        posture=4,
        guard_strength=40,
        responsible_unit=unit_kp,
    )
    office = m.Site.objects.create(
        organisation=port,
        project=port_project,
        name="Port Office",
        kind="office",
        lat=24.78,
        lon=67.35,
        province="SD",
        district="Karachi",
        posture=2,
        guard_strength=8,
        responsible_unit=unit_sd,
    )
    today = datetime.date(2026, 1, 1)
    engineer = m.ProtectedPerson.objects.create(
        organisation=hydro,
        project=dasu,
        full_name="Li Wei",
        nationality="CN",
        home_site=camp,
        consent_date=today,
        retention_until=today + datetime.timedelta(days=3650),
    )
    clerk = m.ProtectedPerson.objects.create(
        organisation=port,
        project=port_project,
        full_name="Sana Baig",
        nationality="PK",
        home_site=office,
        consent_date=today,
        retention_until=today + datetime.timedelta(days=3650),
    )

    def user(username: str, role: str, **extra: Any) -> User:
        units = extra.pop("units", [])
        account = User(username=username, role=role, **extra)
        account.set_password(PASSWORD)
        account.save()
        account.units.set(units)
        return account

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

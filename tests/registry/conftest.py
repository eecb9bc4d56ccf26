"""Fixtures for the CSV import/export tests: two companies, a protection unit, personas.

The hydropower company's coordinator may edit their own organisation's registry only; the
administrator may edit everything. Files are built as bytes, exactly as a user would upload.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import pytest

from safepassage.accounts.models import User
from safepassage.audit.models import AuditRecord
from safepassage.registry import models as m


@dataclass
class Scene:
    hydro: m.Organisation
    port: m.Organisation
    spu: m.Organisation
    unit: m.ProtectionUnit
    project: m.Project
    port_project: m.Project
    camp: m.Site
    port_office: m.Site
    admin: User
    coordinator: User
    commander: User
    viewer: User


def make_csv(rows: list[list[str]], *, bom: bool = False) -> bytes:
    """CSV bytes (UTF-8, CRLF line ends, as spreadsheet programs write them)."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def counts() -> dict[str, int]:
    """Rows in every registry table and in the audit log, to prove nothing changed."""
    models = (m.Organisation, m.Project, m.Site, m.ProtectedPerson, m.ProtectionUnit, m.Vehicle)
    totals = {model.__name__: model.objects.count() for model in models}
    totals["audit"] = AuditRecord.objects.count()
    return totals


SITE_HEADER = [
    "organisation", "project", "name", "kind", "lat", "lon", "province", "district",
    "posture", "guard_strength", "responsible_unit", "notes",
]  # fmt: skip


def site_row(name: str, **overrides: str) -> list[str]:
    """A valid sites row for the hydropower company, with some cells replaced."""
    row = {
        "organisation": "Indus Gorge Hydro", "project": "gorge-hpp", "name": name,
        "kind": "camp", "lat": "35.29", "lon": "73.27", "province": "KP",
        "district": "Upper Kohistan", "posture": "4", "guard_strength": "20",
        "responsible_unit": "spu-kp-1", "notes": "",
    }  # fmt: skip
    row.update(overrides)
    return [row[c] for c in SITE_HEADER]


def _user(username: str, role: str, **extra: Any) -> User:
    units = extra.pop("units", [])
    user = User(username=username, role=role, **extra)
    user.set_password("not-used-in-these-tests")
    user.save()
    user.units.set(units)
    return user


@pytest.fixture
def scene(db: Any) -> Scene:
    spu = m.Organisation.objects.create(
        name="KP Protection Unit", kind="protection_unit", country="PK"
    )
    hydro = m.Organisation.objects.create(
        name="Indus Gorge Hydro", kind="security_office", country="CN"
    )
    port = m.Organisation.objects.create(name="Arabian Port Works", kind="company", country="PK")
    unit = m.ProtectionUnit.objects.create(
        organisation=spu, code="spu-kp-1", name="SPU KP Company 1", base_name="Dasu",
        base_lat=35.29, base_lon=73.29, province="KP", strength=100, available_strength=70,
    )  # fmt: skip
    project = m.Project.objects.create(
        organisation=hydro, code="gorge-hpp", name="Gorge Hydropower", province="KP"
    )
    port_project = m.Project.objects.create(
        organisation=port, code="berth-7", name="Berth 7", province="SD"
    )
    camp = m.Site.objects.create(
        organisation=hydro, project=project, name="Gorge Camp", kind="camp", lat=35.29,
        lon=73.27, province="KP", district="Upper Kohistan", posture=4, guard_strength=40,
        responsible_unit=unit,
    )  # fmt: skip
    port_office = m.Site.objects.create(
        organisation=port, project=port_project, name="Port Office", kind="office", lat=24.78,
        lon=67.35, province="SD", district="Malir", posture=2, guard_strength=8,
    )  # fmt: skip
    return Scene(
        hydro=hydro,
        port=port,
        spu=spu,
        unit=unit,
        project=project,
        port_project=port_project,
        camp=camp,
        port_office=port_office,
        admin=_user("admin", "administrator"),
        coordinator=_user("coordinator", "security_coordinator", organisation=hydro),
        commander=_user(
            "commander", "unit_commander", organisation=spu, provinces=["KP"], units=[unit]
        ),
        viewer=_user("viewer", "viewer", organisation=hydro),
    )

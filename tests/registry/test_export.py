"""CSV export: the user's scope only, formulas neutralised, and it imports back unchanged."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied

from safepassage.accounts.models import User
from safepassage.registry import csvio
from safepassage.registry import models as m
from tests.registry.conftest import Scene, counts


def export(kind: str, user: object) -> list[list[str]]:
    out = io.StringIO()
    csvio.write_csv(csvio.resource_for(kind), user, out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def add_people_and_vehicles(scene: Scene) -> None:
    m.Vehicle.objects.create(
        unit=scene.unit, registration="KP-101", model_name="Land Cruiser", armoured=True, seats=6
    )
    m.ProtectedPerson.objects.create(
        organisation=scene.hydro, project=scene.project, staff_ref="IG-7", full_name="Gao Lan",
        nationality="CN", home_site=scene.port_office, consent_date=datetime.date(2026, 2, 1),
        retention_until=datetime.date(2028, 2, 1),
    )  # fmt: skip
    m.ProtectedPerson.objects.create(
        organisation=scene.port, full_name="Saad Memon", nationality="PK",
        home_site=scene.port_office, consent_date=datetime.date(2026, 2, 1),
        retention_until=datetime.date(2028, 2, 1),
    )  # fmt: skip


def test_it_writes_the_forms_columns_with_natural_keys(scene: Scene) -> None:
    add_people_and_vehicles(scene)
    assert export("sites", scene.admin) == [
        csvio.columns(csvio.resource_for("sites")),
        ["Indus Gorge Hydro", "gorge-hpp", "Gorge Camp", "camp", "35.29", "73.27", "KP",
         "Upper Kohistan", "4", "40", "spu-kp-1", ""],
        ["Arabian Port Works", "berth-7", "Port Office", "office", "24.78", "67.35", "SD",
         "Malir", "2", "8", "", ""],
    ]  # fmt: skip
    people = export("people", scene.admin)
    assert people[2] == [
        "Arabian Port Works", "", "", "Saad Memon", "PK", "Port Office", "2026-02-01", "2028-02-01",
    ]  # fmt: skip
    assert people[1][5] == "Arabian Port Works::Port Office"
    assert export("vehicles", scene.admin)[1] == [
        "spu-kp-1", "KP-101", "Land Cruiser", "true", "6", "available",
    ]  # fmt: skip


def test_it_exports_only_the_users_scope(scene: Scene) -> None:
    add_people_and_vehicles(scene)
    sites = export("sites", scene.coordinator)
    assert [row[2] for row in sites[1:]] == ["Gorge Camp"]
    people = export("people", scene.coordinator)
    assert [row[3] for row in people[1:]] == ["Gao Lan"]
    assert [row[0] for row in export("organisations", scene.coordinator)[1:]] == [
        "Indus Gorge Hydro"
    ]


def test_it_refuses_a_role_that_may_not_see_the_resource(scene: Scene) -> None:
    scene.viewer.role = "analyst"
    with pytest.raises(PermissionDenied):
        export("people", scene.viewer)


def test_it_neutralises_cells_a_spreadsheet_would_run(scene: Scene) -> None:
    scene.camp.notes = '=HYPERLINK("http://evil.example","click")'
    scene.camp.district = "@SUM(1+1)"
    scene.camp.save()
    m.Site.objects.filter(pk=scene.port_office.pk).update(name="+cmd|' /C calc'!A0", lon=-67.35)
    rows = {row[2]: row for row in export("sites", scene.admin)[1:]}
    camp = rows["Gorge Camp"]
    assert camp[11] == '\'=HYPERLINK("http://evil.example","click")'
    assert camp[7] == "'@SUM(1+1)"
    assert "'+cmd|' /C calc'!A0" in rows
    # A negative number is no formula and stays a number.
    assert rows["'+cmd|' /C calc'!A0"][5] == "-67.35"


@pytest.mark.parametrize("kind", list(csvio.RESOURCES))
def test_an_export_imports_back_into_an_empty_registry_unchanged(scene: Scene, kind: str) -> None:
    add_people_and_vehicles(scene)
    scene.camp.notes = "=1+1 looks like a formula"
    scene.camp.save()
    exported = export(kind, scene.admin)
    out = io.StringIO()
    csvio.write_csv(csvio.resource_for(kind), scene.admin, out)
    model = csvio.resource_for(kind).model
    # Remove what the file describes (and what depends on it), then import the file back.
    if kind in {"organisations", "projects", "units", "sites"}:
        m.ProtectedPerson.objects.all().delete()
    if kind in {"organisations", "units"}:
        m.Site.objects.all().delete()
        m.Vehicle.objects.all().delete()
    if kind == "organisations":
        m.Project.objects.all().delete()
        m.ProtectionUnit.objects.all().delete()
        User.objects.exclude(pk=scene.admin.pk).delete()
    model.objects.all().delete()
    result = csvio.import_csv(
        csvio.resource_for(kind), scene.admin, io.BytesIO(out.getvalue().encode())
    )
    assert result.ok, result.errors
    assert result.created == len(exported) - 1
    assert export(kind, scene.admin) == exported


def test_an_export_imported_with_update_changes_nothing(scene: Scene) -> None:
    add_people_and_vehicles(scene)
    m.Site.objects.filter(pk=scene.camp.pk).update(name="=Formula-like camp", notes="-x")
    before = counts()
    for kind in csvio.RESOURCES:
        out = io.StringIO()
        csvio.write_csv(csvio.resource_for(kind), scene.admin, out)
        result = csvio.import_csv(
            csvio.resource_for(kind), scene.admin, io.BytesIO(out.getvalue().encode()), update=True
        )
        assert result.ok, (kind, result.errors)
        assert (result.created, result.updated) == (0, 0)
    assert counts() == before

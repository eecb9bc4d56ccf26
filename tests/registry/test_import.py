"""CSV import of the registry: every row validated, all or nothing, scoped and audited."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from safepassage.audit.models import AuditRecord
from safepassage.lib.csvtable import Problem
from safepassage.registry import csvio
from safepassage.registry import models as m
from tests.registry.conftest import SITE_HEADER, Scene, counts, make_csv, site_row

SITES = csvio.resource_for("sites")


def run(user: object, data: bytes, kind: str = "sites", **options: bool) -> csvio.ImportResult:
    return csvio.import_csv(csvio.resource_for(kind), user, io.BytesIO(data), **options)


def test_it_imports_a_good_file_and_audits_each_row_as_an_import(scene: Scene) -> None:
    audit_before = AuditRecord.objects.count()
    data = make_csv([SITE_HEADER, site_row("North Camp"), site_row("South Camp", posture="High")])
    result = run(scene.admin, data)
    assert result.ok and (result.created, result.updated) == (2, 0)
    south = m.Site.objects.get(name="South Camp")
    assert (south.posture, south.project, south.responsible_unit) == (4, scene.project, scene.unit)
    records = AuditRecord.objects.filter(seq__gt=audit_before)
    assert {(r.source, r.correlation_id, r.actor_label, r.action) for r in records} == {
        ("import", result.correlation_id, "admin", "create")
    }
    assert records.count() == 2


def test_it_refuses_a_file_with_one_bad_row_whole_naming_its_line(scene: Scene) -> None:
    before = counts()
    rows = [SITE_HEADER] + [site_row(f"Camp {n}") for n in range(5)]
    rows[4] = site_row("Camp bad", guard_strength="many")
    result = run(scene.admin, make_csv(rows))
    assert result.errors == [Problem(5, "guard_strength", "Enter a whole number.")]
    assert (result.created, result.updated) == (0, 0)
    assert counts() == before
    assert not m.Site.objects.filter(name__startswith="Camp ").exists()


def test_it_reports_every_bad_row_not_just_the_first(scene: Scene) -> None:
    rows = [
        SITE_HEADER,
        site_row("A", lat="north"),
        site_row("B", kind="castle", province="Punjabi"),
        site_row("C", organisation="Nobody Ltd", project="no-such"),
        site_row(""),
        site_row("E", district="x" * 101),
    ]
    result = run(scene.admin, make_csv(rows))
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "lat"),
        (3, "kind"),
        (3, "province"),
        (4, "organisation"),
        (4, "project"),
        (5, "name"),
        (6, "district"),
    ]
    assert "'castle' is not one of: project_site, camp" in result.errors[1].message
    assert result.errors[3].message == "No organisation 'Nobody Ltd' in your scope."
    assert "at most 100 characters" in result.errors[6].message


def test_it_refuses_wrong_columns_before_looking_at_rows(scene: Scene) -> None:
    header = [c for c in SITE_HEADER if c != "lat"] + ["latitude", "name"]
    rows = [header, ["x"] * len(header)]
    result = run(scene.admin, make_csv(rows))
    assert result.errors == [
        Problem(1, "latitude", "Unknown column. Expected columns: " + ", ".join(SITE_HEADER) + "."),
        Problem(1, "name", "The column appears more than once."),
        Problem(1, "lat", "This required column is missing."),
    ]


@pytest.mark.parametrize(
    ("lat", "lon", "column", "message"),
    [
        ("95", "73.2", "lat", "Ensure this value is less than or equal to 90.0."),
        ("35.1", "-190", "lon", "Ensure this value is greater than or equal to -180.0."),
        ("35,1", "73.2", "lat", "Enter a number."),
        ("nan", "73.2", "lat", "Enter a number."),
        ("", "73.2", "lat", "This field is required."),
        ("73.2", "35.1", "lat/lon", "(73.2, 35.1) lies outside Pakistan"),
    ],
)
def test_it_rejects_bad_coordinates(
    scene: Scene, lat: str, lon: str, column: str, message: str
) -> None:
    result = run(scene.admin, make_csv([SITE_HEADER, site_row("Camp", lat=lat, lon=lon)]))
    assert len(result.errors) == 1
    assert (result.errors[0].line, result.errors[0].column) == (2, column)
    assert result.errors[0].message.startswith(message)
    assert not m.Site.objects.filter(name="Camp").exists()


def test_it_rejects_duplicates_within_the_file(scene: Scene) -> None:
    rows = [SITE_HEADER, site_row("Twin"), site_row("Other"), site_row("Twin", posture="5")]
    result = run(scene.admin, make_csv(rows))
    assert result.errors == [Problem(4, "", "Same organisation and name as line 2.")]
    assert not m.Site.objects.filter(name="Twin").exists()


def test_it_refuses_rows_that_exist_in_the_database_unless_asked_to_update(scene: Scene) -> None:
    data = make_csv([SITE_HEADER, site_row("Gorge Camp", guard_strength="55")])
    result = run(scene.admin, data)
    assert [(e.line, e.column) for e in result.errors] == [(2, "")]
    assert "already exists" in result.errors[0].message
    scene.camp.refresh_from_db()
    assert scene.camp.guard_strength == 40

    audit_before = AuditRecord.objects.count()
    result = run(scene.admin, data, update=True)
    assert result.ok and (result.created, result.updated) == (0, 1)
    scene.camp.refresh_from_db()
    assert scene.camp.guard_strength == 55
    record = AuditRecord.objects.get(seq=audit_before + 1)
    assert (record.source, record.action, record.changes) == (
        "import",
        "update",
        {"guard_strength": [40, 55]},
    )


def test_an_update_keeps_the_values_of_columns_left_out(scene: Scene) -> None:
    data = make_csv([["organisation", "name", "posture"], ["Indus Gorge Hydro", "Gorge Camp", "5"]])
    assert run(scene.admin, data, update=True).updated == 1
    scene.camp.refresh_from_db()
    assert (scene.camp.posture, scene.camp.guard_strength, scene.camp.lat) == (5, 40, 35.29)


def test_an_update_that_changes_nothing_writes_nothing(scene: Scene) -> None:
    out = io.StringIO()
    csvio.write_csv(SITES, scene.admin, out)
    audit_before = AuditRecord.objects.count()
    result = run(scene.admin, out.getvalue().encode(), update=True)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert AuditRecord.objects.count() == audit_before


def test_a_dry_run_checks_everything_and_saves_nothing(scene: Scene) -> None:
    before = counts()
    result = run(scene.admin, make_csv([SITE_HEADER, site_row("Dry")]), dry_run=True)
    assert result.ok and result.dry_run and result.created == 1
    assert counts() == before


def test_it_refuses_non_utf8_bytes_naming_the_line(scene: Scene) -> None:
    data = make_csv([SITE_HEADER, site_row("Fine")]) + "x,y\n".encode("latin-1")
    data = data.replace(b"Fine", "Café".encode("latin-1"))
    result = run(scene.admin, data)
    assert [(e.line, e.column) for e in result.errors] == [(2, "")]
    assert "not valid UTF-8" in result.errors[0].message


def test_it_accepts_a_bom_written_by_spreadsheet_programs(scene: Scene) -> None:
    result = run(scene.admin, make_csv([SITE_HEADER, site_row("Bom Camp")], bom=True))
    assert result.ok and result.created == 1


def test_it_refuses_nul_bytes(scene: Scene) -> None:
    data = make_csv([SITE_HEADER, site_row("Nul\x00Camp")])
    result = run(scene.admin, data)
    assert result.errors == [
        Problem(2, "", "The line contains a NUL byte; this is not a text CSV file.")
    ]


def test_it_refuses_a_header_without_rows_and_an_empty_file(scene: Scene) -> None:
    assert run(scene.admin, make_csv([SITE_HEADER])).errors == [
        Problem(None, "", "The file has a header but no data rows.")
    ]
    assert run(scene.admin, b"").errors == [Problem(None, "", "The file is empty.")]


def test_it_refuses_a_20_mb_file_with_a_clear_error(scene: Scene, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    row = make_csv([site_row("Padding camp " + "x" * 100)])
    with path.open("wb") as out:
        out.write(make_csv([SITE_HEADER]))
        out.write(row * (20 * 1024 * 1024 // len(row) + 1))
    before = counts()
    with path.open("rb") as stream:
        result = csvio.import_csv(SITES, scene.admin, stream)
    assert result.errors == [
        Problem(None, "", "The file is 20.0 MB; the limit is 10.0 MB. Split it into smaller files.")
    ]
    assert counts() == before


@override_settings(IMPORT_MAX_ROWS=3)
def test_it_refuses_more_rows_than_the_setting_allows(scene: Scene) -> None:
    rows = [SITE_HEADER] + [site_row(f"Camp {n}") for n in range(4)]
    result = run(scene.admin, make_csv(rows))
    assert result.errors == [
        Problem(None, "", "The file has more than 3 rows. Split it into smaller files.")
    ]


def test_a_coordinator_cannot_import_into_another_organisation(scene: Scene) -> None:
    before = counts()
    rows = [
        SITE_HEADER,
        site_row("Own Camp"),
        site_row("Foreign Camp", organisation="Arabian Port Works", project="berth-7"),
    ]
    result = run(scene.coordinator, make_csv(rows))
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (3, "organisation", "No organisation 'Arabian Port Works' in your scope."),
        (3, "project", "No project 'berth-7' in your scope."),
    ]
    assert counts() == before


def test_a_coordinator_cannot_update_another_organisations_record(scene: Scene) -> None:
    data = make_csv(
        [["organisation", "name", "guard_strength"], ["Arabian Port Works", "Port Office", "99"]]
    )
    result = run(scene.coordinator, data, update=True)
    assert result.errors[0].line == 2 and not result.ok
    scene.port_office.refresh_from_db()
    assert scene.port_office.guard_strength == 8


def test_the_gate_refuses_a_row_outside_the_users_write_scope_and_rolls_back_all(
    scene: Scene,
) -> None:
    other_unit = m.ProtectionUnit.objects.create(
        organisation=scene.spu, code="spu-kp-2", name="SPU KP Company 2", base_name="Besham",
        base_lat=34.92, base_lon=72.87, province="KP", strength=50, available_strength=40,
    )  # fmt: skip
    before = counts()
    header = ["unit", "registration", "model_name", "armoured", "seats", "status"]
    rows = [
        header,
        ["spu-kp-1", "KP-1", "Land Cruiser", "true", "6", "available"],
        [other_unit.code, "KP-2", "Hilux", "no", "5", "available"],
    ]
    result = run(scene.commander, make_csv(rows), kind="vehicles")
    assert [(e.line, e.message) for e in result.errors] == [
        (3, "This vehicle would fall outside what your role may add.")
    ]
    assert counts() == before


def test_a_role_without_add_rights_is_refused_outright(scene: Scene) -> None:
    with pytest.raises(PermissionDenied):
        run(scene.viewer, make_csv([SITE_HEADER, site_row("Nope")]))


def test_it_reads_booleans_dates_and_sites_by_organisation(scene: Scene) -> None:
    header = csvio.columns(csvio.resource_for("people"))
    rows = [
        header,
        ["Indus Gorge Hydro", "gorge-hpp", "IG-1", "Zhang Min", "CN", "Gorge Camp", "2026-01-05", "2027-01-05"],
        ["Indus Gorge Hydro", "", "IG-2", "Chen Jing", "CN", "Arabian Port Works::Port Office", "2026-01-05", "2027-01-05"],
        ["Indus Gorge Hydro", "", "IG-3", "Hu Bo", "CN", "Port Office", "05/01/2026", "2025-01-01"],
    ]  # fmt: skip
    result = run(scene.admin, make_csv(rows), kind="people")
    assert [(e.line, e.column) for e in result.errors] == [(4, "consent_date"), (4, "home_site")]
    rows.pop()
    result = run(scene.admin, make_csv(rows), kind="people")
    assert result.ok, result.errors
    chen = m.ProtectedPerson.objects.get(staff_ref="IG-2")
    assert chen.home_site == scene.port_office
    assert chen.consent_date == datetime.date(2026, 1, 5)
    header = ["unit", "registration", "model_name", "armoured", "seats", "status"]
    bad = run(
        scene.admin,
        make_csv([header, ["spu-kp-1", "X-1", "Hilux", "maybe", "5", "available"]]),
        kind="vehicles",
    )
    assert bad.errors == [Problem(2, "armoured", "Write true or false, not 'maybe'.")]


def test_people_without_staff_ref_are_matched_by_name(scene: Scene) -> None:
    header = ["organisation", "full_name", "nationality", "consent_date", "retention_until"]
    row = ["Indus Gorge Hydro", "Luo Kai", "CN", "2026-01-01", "2027-01-01"]
    assert run(scene.admin, make_csv([header, row]), kind="people").created == 1
    again = run(scene.admin, make_csv([header, row]), kind="people")
    assert "already exists" in again.errors[0].message
    twice = run(
        scene.admin, make_csv([header, [*row[:2], "PK", *row[3:]], row]), kind="people", update=True
    )
    assert [(e.line, e.message.split(" (")[0]) for e in twice.errors] == [
        (3, "Same organisation and staff_ref")
    ]


def test_model_rules_apply_to_imported_rows(scene: Scene) -> None:
    header = csvio.columns(csvio.resource_for("units"))
    row = [
        "KP Protection Unit",
        "u-9",
        "Unit 9",
        "Dasu",
        "35.2",
        "73.2",
        "KP",
        "10",
        "20",
        "available",
    ]
    result = run(scene.admin, make_csv([header, row]), kind="units")
    assert result.errors == [
        Problem(2, "available_strength", "Available strength cannot exceed the unit's strength.")
    ]


def test_it_quotes_only_the_start_of_a_long_bad_value(scene: Scene) -> None:
    result = run(scene.admin, make_csv([SITE_HEADER, site_row("Camp", kind="k" * 3000)]))
    assert len(result.errors) == 1
    assert result.errors[0].message.startswith("'" + "k" * 40 + "…' is not one of:")

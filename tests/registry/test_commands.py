"""The import_csv and export_csv management commands (``safepassage import`` / ``export``)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safepassage.audit.models import AuditRecord
from safepassage.core.management.base import operator_label
from safepassage.registry import models as m
from tests.registry.conftest import SITE_HEADER, Scene, counts, make_csv, site_row


def write(tmp_path: Path, rows: list[list[str]]) -> str:
    path = tmp_path / "sites.csv"
    path.write_bytes(make_csv(rows))
    return str(path)


def test_it_imports_a_file_as_the_operator_with_source_import(scene: Scene, tmp_path: Path) -> None:
    path = write(tmp_path, [SITE_HEADER, site_row("Cli Camp"), site_row("Cli Yard")])
    stdout = io.StringIO()
    last = AuditRecord.objects.count()
    call_command("import_csv", "sites", path, stdout=stdout)
    assert "created 2, updated 0" in stdout.getvalue()
    records = list(AuditRecord.objects.filter(seq__gt=last))
    assert [(r.source, r.actor_label, r.actor_id) for r in records] == [
        ("import", operator_label(), None)
    ] * 2
    assert records[0].correlation_id == records[1].correlation_id
    assert records[0].correlation_id in stdout.getvalue()


def test_it_exits_non_zero_with_the_error_table_and_changes_nothing(
    scene: Scene, tmp_path: Path
) -> None:
    path = write(tmp_path, [SITE_HEADER, site_row("Good"), site_row("Bad", lat="ninety")])
    before = counts()
    stderr = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_csv", "sites", path, stderr=stderr)
    assert refused.value.returncode == 1
    assert "nothing was imported; 1 problem(s)" in stderr.getvalue()
    assert "     3  lat                   Enter a number." in stderr.getvalue()
    assert counts() == before


def test_it_acts_as_the_named_user_within_their_scope(scene: Scene, tmp_path: Path) -> None:
    foreign = site_row("Foreign", organisation="Arabian Port Works", project="berth-7")
    path = write(tmp_path, [SITE_HEADER, foreign])
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_csv", "sites", path, "--as", "coordinator", stderr=stderr)
    assert "No organisation 'Arabian Port Works' in your scope." in stderr.getvalue()

    path = write(tmp_path, [SITE_HEADER, site_row("Own")])
    last = AuditRecord.objects.count()
    call_command("import_csv", "sites", path, "--as", "coordinator", stdout=io.StringIO())
    record = AuditRecord.objects.get(seq__gt=last)
    assert (record.source, record.actor_label, record.actor_id) == (
        "import",
        "coordinator",
        scene.coordinator.pk,
    )


def test_it_updates_and_dry_runs_on_request(scene: Scene, tmp_path: Path) -> None:
    path = write(tmp_path, [SITE_HEADER, site_row("Gorge Camp", guard_strength="77")])
    stdout = io.StringIO()
    call_command("import_csv", "sites", path, "--update", "--dry-run", stdout=stdout)
    assert "would create 0, updated 1" in stdout.getvalue()
    assert m.Site.objects.get(pk=scene.camp.pk).guard_strength == 40
    call_command("import_csv", "sites", path, "--update", stdout=io.StringIO())
    assert m.Site.objects.get(pk=scene.camp.pk).guard_strength == 77


def test_it_explains_a_missing_file_and_a_forbidden_role(scene: Scene, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot open"):
        call_command("import_csv", "sites", str(tmp_path / "missing.csv"))
    path = write(tmp_path, [SITE_HEADER, site_row("Nope")])
    with pytest.raises(CommandError, match="may not add site"):
        call_command("import_csv", "sites", path, "--as", "viewer")


def test_it_exports_to_stdout_and_to_a_file_in_the_users_scope(
    scene: Scene, tmp_path: Path
) -> None:
    stdout = io.StringIO()
    call_command("export_csv", "sites", stdout=stdout)
    lines = stdout.getvalue().splitlines()
    assert lines[0] == ",".join(SITE_HEADER)
    assert len(lines) == 3

    target = tmp_path / "out.csv"
    call_command(
        "export_csv", "sites", "--output", str(target), "--as", "coordinator", stderr=io.StringIO()
    )
    text = target.read_text(encoding="utf-8")
    assert "Gorge Camp" in text and "Port Office" not in text

    # What the export wrote, the import reads back.
    m.Site.objects.filter(pk=scene.camp.pk).delete()
    call_command("import_csv", "sites", str(target), "--as", "coordinator", stdout=io.StringIO())
    assert m.Site.objects.filter(name="Gorge Camp", organisation=scene.hydro).exists()

"""Guidelines kept as data: the default rules, the YAML import command, the admin, the demo."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from safepassage.movements.demo import DEMO_PURPOSE, create_demo_movement
from safepassage.movements.models import GuidelineRule, MovementRequest


def run(*args: str) -> str:
    out = StringIO()
    call_command("guidelines", *args, stdout=out)
    return out.getvalue()


def test_the_default_rules_are_loaded_by_the_migration(db: Any) -> None:
    codes = set(GuidelineRule.objects.values_list("code", flat=True))
    assert {"escort-strength", "armoured-vehicles", "daylight-only", "notice-period"} <= codes


def test_it_imports_rules_from_yaml_by_code(db: Any, tmp_path: Path) -> None:
    file = tmp_path / "rules.yaml"
    file.write_text(
        "rules:\n"
        "  - {code: notice-period, name: Two days notice, kind: notice, params: {min_hours: 48}}\n"
        "  - {code: no-swat, name: No Swat, kind: forbidden_areas, severity: warn,\n"
        "     params: {districts: [Swat]}}\n",
        encoding="utf-8",
    )
    assert "would be created" in run("import", str(file), "--dry-run")
    assert not GuidelineRule.objects.filter(code="no-swat").exists()
    assert run("import", str(file)).startswith("1 rule(s) were created, 1 updated")
    assert GuidelineRule.objects.get(code="notice-period").params == {"min_hours": 48}
    assert GuidelineRule.objects.get(code="no-swat").severity == "warn"
    assert "0 updated, 2 unchanged" in run("import", str(file))
    assert "no-swat" in run("export") and "no-swat" in run("list")


def test_it_refuses_a_bad_rule_file_and_changes_nothing(db: Any, tmp_path: Path) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text("rules:\n  - {code: x, name: X, kind: notice, params: {}}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="min_hours"):
        run("import", str(file))
    with pytest.raises(CommandError, match="Cannot read"):
        run("import", str(tmp_path / "missing.yaml"))
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00rules")
    with pytest.raises(CommandError):
        run("import", str(binary))


def test_it_validates_rule_parameters_on_the_model(db: Any) -> None:
    rule = GuidelineRule(code="bad", name="Bad", kind="capacity", params={"max_per_bus": 3})
    with pytest.raises(ValidationError, match="Unknown parameter"):
        rule.full_clean()


def test_administrators_edit_rules_in_the_admin_and_others_do_not(login: Any) -> None:
    rule = GuidelineRule.objects.get(code="notice-period")
    url = f"/admin/movements/guidelinerule/{rule.pk}/change/"
    assert login("admin").get(url).status_code == 200
    response = login("admin").post(
        url,
        {
            "code": rule.code,
            "name": rule.name,
            "kind": "notice",
            "params": '{"min_hours": "soon"}',
            "severity": "fail",
            "enabled": "on",
            "description": "",
        },
    )
    assert response.status_code == 200 and "must be a number" in response.content.decode()


def test_the_demo_hook_plans_the_dasu_movement_once(login: Any, world: Any) -> None:
    assert create_demo_movement() is None  # no demo data: nothing to plan
    world.camp.name = "Dasu Dam Site"
    world.camp.save()
    movement = create_demo_movement()
    assert movement is not None and movement.purpose == DEMO_PURPOSE
    assert [w["name"] for w in movement.waypoints] == ["Besham"]
    assert movement.origin_name == "Islamabad"
    assert create_demo_movement() is None  # only once
    assert MovementRequest.objects.count() == 1
    out = StringIO()
    call_command("demo_movement", stdout=out)
    assert "not created" in out.getvalue()

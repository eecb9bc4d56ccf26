"""The `safepassage` command line, run as a real process against its own SQLite database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from safepassage.accounts.models import ApiToken, User
from safepassage.cli import main
from tests.conftest import World
from tests.instance import run_safepassage


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated, separate Safe Passage instance in a temporary data directory."""
    data = tmp_path_factory.mktemp("instance")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SAFEPASSAGE_", "DATABASE_URL", "DJANGO_"))
    }
    env |= {"SAFEPASSAGE_DATA_DIR": str(data), "SAFEPASSAGE_DEBUG": "1"}
    run(env, "migrate", "--verbosity", "0")
    return env


def run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = run_safepassage(list(args), env, timeout=120)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_help_lists_the_commands(capsys) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("serve", "demo", "migrate", "createuser", "import", "export", "audit verify"):
        assert command in out


def test_createuser_then_audit_verify_then_tampering_is_named(instance: dict[str, str]) -> None:
    env = instance | {"SAFEPASSAGE_NEW_PASSWORD": "a long and unusual passphrase"}
    run(env, "createuser", "duty", "--role", "administrator")
    run(env, "createuser", "analyst1", "--role", "analyst", "--provinces", "KP,GB")
    ok = run(env, "audit", "verify")
    assert "chain intact" in ok.stdout

    db = Path(env["SAFEPASSAGE_DATA_DIR"]) / "safepassage.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE audit_auditrecord SET changes = '{}' WHERE seq = 2")
    bad = run(env, "audit", "verify", check=False)
    assert bad.returncode != 0
    assert "record 2" in bad.stderr
    assert "altered" in bad.stderr


def test_createuser_refuses_bad_input_clearly(instance: dict[str, str]) -> None:
    env = instance | {"SAFEPASSAGE_NEW_PASSWORD": "another long passphrase"}
    unknown_role = run(env, "createuser", "x", "--role", "king", check=False)
    assert unknown_role.returncode == 2 and "invalid choice" in unknown_role.stderr
    bad_province = run(env, "createuser", "y", "--role", "viewer", "--provinces", "XX", check=False)
    assert bad_province.returncode == 1 and "Unknown province codes: XX" in bad_province.stderr
    weak = run(
        instance | {"SAFEPASSAGE_NEW_PASSWORD": "123"},
        "createuser",
        "z",
        "--role",
        "viewer",
        check=False,
    )
    assert weak.returncode == 1 and "Password refused" in weak.stderr


def test_check_runs_djangos_checks(instance: dict[str, str]) -> None:
    result = run(instance, "check")
    assert "no issues" in result.stdout


def test_token_issue_list_and_revoke(world: World, capsys) -> None:
    call_command(
        "token", "issue", "officer", "--name", "tablet", "--write", "--resources", "site,vehicle"
    )
    secret = capsys.readouterr().out.strip()
    token = ApiToken.authenticate(secret)
    assert token is not None and token.resources == ["site", "vehicle"]
    assert token.allows("site", "change") and not token.allows("person", "view")
    call_command("token", "list", "officer")
    assert "tablet" in capsys.readouterr().out
    call_command("token", "revoke", token.prefix)
    assert ApiToken.authenticate(secret) is None


def test_token_issue_refuses_unknown_users_and_resources(world: World) -> None:
    with pytest.raises(CommandError, match="No user named"):
        call_command("token", "issue", "ghost", "--name", "x")
    with pytest.raises(CommandError, match="Unknown resources: bogus"):
        call_command("token", "issue", "officer", "--name", "x", "--resources", "bogus")


def test_a_user_acting_through_the_cli_is_limited_by_the_gate(world: World) -> None:
    """--as runs a command with that user's rights: an officer cannot revoke the admin's token."""
    token, _ = ApiToken.issue(world.user("admin"), "ops")
    token.save()
    from django.http import Http404

    with pytest.raises(Http404):
        call_command("token", "--as", "officer", "revoke", token.prefix)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_createuser_in_process_sets_scope(world: World) -> None:
    os.environ["SAFEPASSAGE_NEW_PASSWORD"] = "yet another long passphrase"
    try:
        call_command(
            "createuser",
            "escort2",
            "--role",
            "field_officer",
            "--organisation",
            world.spu_kp.name,
            "--provinces",
            "kp",
            "--units",
            "spu-kp-1",
        )
    finally:
        del os.environ["SAFEPASSAGE_NEW_PASSWORD"]
    user = User.objects.get(username="escort2")
    assert (user.role, user.organisation, user.provinces) == ("field_officer", world.spu_kp, ["KP"])
    assert list(user.units.all()) == [world.unit_kp]

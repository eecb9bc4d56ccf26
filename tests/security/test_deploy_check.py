"""`safepassage check --deploy` is clean under the production settings."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

from tests.instance import clean_env, run_safepassage


def _check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = clean_env()
    clean.update(
        SAFEPASSAGE_DATA_DIR=str(tmp_path),
        SAFEPASSAGE_SECRET_KEY=secrets.token_urlsafe(50),
        SAFEPASSAGE_ALLOWED_HOSTS="safepassage.example.org",
        **env,
    )
    return run_safepassage(["check", "--deploy", "--fail-level", "WARNING"], clean, timeout=120)


def test_it_passes_the_deployment_checks_with_https_and_debug_off(tmp_path: Path) -> None:
    result = _check(tmp_path, SAFEPASSAGE_HTTPS="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_warns_when_a_deployment_runs_without_https(tmp_path: Path) -> None:
    # The check is real: the same settings without HTTPS fail on the cookie and HSTS checks.
    result = _check(tmp_path)
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout
    assert "security.W012" in result.stderr + result.stdout

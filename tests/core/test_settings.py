"""Configuration: typed helpers fail loudly, and a placeholder secret is refused in production."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from safepassage.lib.env import ConfigError, env_bool, env_int, env_list

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SAFEPASSAGE_", "DATABASE_URL"))
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import safepassage.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])",
        ],
        env=clean | env,
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off() -> None:
    result = _load_settings()
    assert result.returncode != 0
    assert "SAFEPASSAGE_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "short",
        "django-insecure-abcdefghijklmnopqrstuvwxyz0123456789",
        "change-me-change-me-change-me-change-me-123",
        "dev-only-insecure-key-do-not-use-in-production",
        "a" * 64,
    ],
)
def test_it_refuses_placeholder_secret_keys_when_debug_is_off(key: str) -> None:
    result = _load_settings(SAFEPASSAGE_SECRET_KEY=key)
    assert result.returncode != 0
    assert "placeholder" in result.stderr


def test_it_accepts_a_placeholder_only_in_debug_mode() -> None:
    result = _load_settings(SAFEPASSAGE_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


def test_database_url_selects_postgresql() -> None:
    result = _load_settings(
        SAFEPASSAGE_DEBUG="1", DATABASE_URL="postgres://sp:pw@127.0.0.1:5999/safepassage"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == "django.db.backends.postgresql"


def test_a_malformed_boolean_names_the_variable() -> None:
    result = _load_settings(SAFEPASSAGE_DEBUG="maybe")
    assert result.returncode != 0
    assert "SAFEPASSAGE_DEBUG='maybe' is not a boolean" in result.stderr


def test_typed_helpers_parse_and_fail_loudly() -> None:
    env = {"A": "yes", "B": "42", "C": "x, y,,z", "D": "-3", "E": "forty"}
    assert env_bool("A", False, env) is True
    assert env_int("B", 0, env) == 42
    assert env_list("C", [], env) == ["x", "y", "z"]
    assert env_int("MISSING", 7, env) == 7
    with pytest.raises(ConfigError, match="below the minimum"):
        env_int("D", 0, env, minimum=0)
    with pytest.raises(ConfigError, match="not an integer"):
        env_int("E", 0, env)


def test_check_deploy_is_clean_under_production_settings(tmp_path) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SAFEPASSAGE_", "DATABASE_URL"))
    }
    env |= {
        "SAFEPASSAGE_SECRET_KEY": "k7Gq2vR9xPz4Lm8Nw3Ty6Ub1Hc5Jd0Fa-Zs_Qe7Wr2Tx9Yp-mB4nV8cX1zL6kJ3hG",
        "SAFEPASSAGE_HTTPS": "1",
        "SAFEPASSAGE_ALLOWED_HOSTS": "safepassage.example.org",
        "SAFEPASSAGE_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "safepassage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout

"""A separate Safe Passage instance for a test: its own data directory and SQLite database.

The tests that import into (or crash) a brand-new instance run the ``safepassage`` command in
a subprocess with an environment cleared of this suite's settings, so the instance is also
embedded during the PostgreSQL pass of the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def clean_env() -> dict[str, str]:
    """This process's environment without its Safe Passage and Django settings."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SAFEPASSAGE_", "DJANGO_")) and k != "DATABASE_URL"
    }


def instance_env(data_dir: Path, *, debug: bool = True, **settings: str) -> dict[str, str]:
    """``clean_env()`` for an instance in ``data_dir`` that runs jobs at once, in DEBUG unless
    ``debug`` is false; ``settings`` add or override (``SAFEPASSAGE_JOBS_SYNC="0"``, …)."""
    env = clean_env()
    env.update(
        DJANGO_SETTINGS_MODULE="safepassage.settings",
        SAFEPASSAGE_DATA_DIR=str(data_dir),
        SAFEPASSAGE_JOBS_SYNC="1",
        SAFEPASSAGE_LOG_LEVEL="WARNING",
    )
    if debug:
        env["SAFEPASSAGE_DEBUG"] = "1"
    env.update(settings)
    return env


def run_safepassage(
    args: list[str], env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python -m safepassage ARGS`` in the repository with ``env``; its exit status unchecked."""
    return subprocess.run(
        [sys.executable, "-m", "safepassage", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )

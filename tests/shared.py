"""Where the tests find ../shared (seed articles, contracts, evaluation data).

CI and every developer checkout have the shared folder beside the repository; a test that
needs it fails with this message rather than skipping, so a missing folder is never silent.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """``$SAFEPASSAGE_SHARED_DIR``, else ``../shared`` beside the repository."""
    configured = os.environ.get("SAFEPASSAGE_SHARED_DIR")
    return Path(configured) if configured else REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    path = shared_dir().joinpath(*parts)
    return path


def require_shared(*parts: str) -> Path:
    """The shared path, or an assertion error that says how to provide it."""
    path = shared_path(*parts)
    assert path.exists(), (
        f"{path} is missing: the shared folder must sit beside the repository "
        "(or set SAFEPASSAGE_SHARED_DIR)"
    )
    return path

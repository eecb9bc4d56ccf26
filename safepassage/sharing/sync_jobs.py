"""The scheduled sync with every active peer instance (django-q2, hourly by default)."""

from __future__ import annotations

from typing import Any

from safepassage.core.jobs import job
from safepassage.sharing.sync import sync_all


@job("sync-peers")
def sync_peers(actor: Any) -> str:
    """Sync with every active peer; one summary line per peer (failures do not stop the rest)."""
    outcomes = sync_all(actor)
    return " | ".join(o.summary() for o in outcomes) or "no active peer"

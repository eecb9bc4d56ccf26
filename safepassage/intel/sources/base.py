"""The common interface of source adapters, their errors and their shared settings.

A polled source (a feed, a watched folder) has one adapter class per kind. The poller
(:mod:`safepassage.intel.polling`) builds the adapter for a source, iterates over what
:meth:`SourceAdapter.collect` yields and hands every :class:`Item` to ``submit_report``:

* an :class:`Item` is one report-to-be;
* an :class:`ItemError` is one input the adapter could not turn into a report (a binary file,
  a broken JSONL line); the run goes on with the next input;
* a :class:`SourceError` raised from ``collect`` means the source as a whole could not be read
  (the feed is unreachable, serves garbage, the folder is missing). Its ``retryable`` says
  whether the next poll may succeed without anyone changing anything.
"""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings

from safepassage.intel.models import Source
from safepassage.lib.http import FetchPolicy


@dataclass(frozen=True)
class Item:
    """One report a source produced, ready for ``submit_report``.

    ``key`` says where it came from (an entry id, a file, a file and line) for messages;
    ``note`` carries a problem that did not stop the item (the linked page could not be
    fetched, so the feed's summary was used).
    """

    key: str
    text: str
    title: str = ""
    url: str = ""
    published: datetime.date | None = None
    note: str = ""


@dataclass(frozen=True)
class ItemError:
    """One input of a source that could not become a report; the run goes on."""

    key: str
    message: str
    retryable: bool = False


class SourceError(Exception):
    """The source as a whole could not be read in this run."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


class SourceAdapter(ABC):
    """Reads one polled source. Subclasses set ``kind`` and implement :meth:`collect`."""

    kind: ClassVar[str]

    def __init__(self, source: Source, policy: FetchPolicy | None = None) -> None:
        self.source = source
        self.policy = policy or fetch_policy()
        # Fields of the source to store after a complete run (a feed's ETag, for instance).
        self.updates: dict[str, Any] = {}
        # False when the run stopped early on purpose (time budget): the poller then keeps
        # the old validators so the next run sees the same entries again.
        self.complete = True

    @abstractmethod
    def collect(self) -> Iterator[Item | ItemError]:
        """Yield the source's new items; raise :class:`SourceError` when it cannot be read."""

    def settle(self, item: Item, error: str | None) -> None:
        """Told by the poller what became of ``item`` (None: stored or already stored)."""
        return None


def setting(name: str, default: Any) -> Any:
    """A Safe Passage setting, falling back to ``default`` when the project does not set it."""
    return getattr(settings, name, default)


def fetch_policy() -> FetchPolicy:
    """The limits every outbound request of a source runs under (see the INTEL_FETCH_* settings).

    ``INTEL_FETCH_ALLOW_NETWORKS`` exempts networks from the private-address guard. It exists
    for the test suite's loopback server and is empty unless a test sets it.
    """
    return FetchPolicy(
        connect_timeout=float(setting("INTEL_FETCH_CONNECT_TIMEOUT", 5.0)),
        read_timeout=float(setting("INTEL_FETCH_READ_TIMEOUT", 15.0)),
        total_timeout=float(setting("INTEL_FETCH_TOTAL_TIMEOUT", 30.0)),
        max_bytes=int(setting("INTEL_FETCH_MAX_BYTES", 5 * 1024 * 1024)),
        max_redirects=int(setting("INTEL_FETCH_MAX_REDIRECTS", 5)),
        allow_networks=tuple(setting("INTEL_FETCH_ALLOW_NETWORKS", ())),
    )


def poll_budget() -> float:
    """Seconds one run may spend reading its source (``INTEL_POLL_BUDGET_SECONDS``).

    It keeps a poll job well inside the worker's job timeout (300 s by default); what is left
    over waits for the next run, which skips what is already stored.
    """
    return float(setting("INTEL_POLL_BUDGET_SECONDS", 180.0))


def watch_roots() -> list[Path]:
    """Directories watched folders must lie in (``INTEL_WATCH_ROOTS``; default DATA_DIR/inbox).

    Sources are configured by analysts through the web; without this limit a folder source
    could turn any readable file on the server into a report.
    """
    roots = setting("INTEL_WATCH_ROOTS", None)
    if roots is None:
        roots = [Path(settings.DATA_DIR) / "inbox"]
    return [Path(root).resolve() for root in roots]


def inside_watch_roots(path: str) -> Path | None:
    """``path`` resolved, when it lies in one of the watch roots; None otherwise."""
    if not path or "\x00" in path:
        return None
    candidate = Path(path)
    if not candidate.is_absolute():
        return None
    resolved = candidate.resolve()
    for root in watch_roots():
        if resolved == root or resolved.is_relative_to(root):
            return resolved
    return None


def parse_iso_date(value: str | None) -> datetime.date | None:
    """A ``YYYY-MM-DD`` string as a date; None for anything else."""
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def web_url(value: str | None) -> str:
    """``value`` when it is an http(s) URL a report can keep, else an empty string."""
    if not value or len(value) > 2000:
        return ""
    lowered = value.strip().lower()
    if not lowered.startswith(("http://", "https://")) or any(ch.isspace() for ch in value.strip()):
        return ""
    return value.strip()

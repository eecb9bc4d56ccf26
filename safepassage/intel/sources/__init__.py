"""Source adapters: one module per polled source kind, behind one interface.

``adapter_for(source)`` returns the adapter that reads a source; ``POLLED_KINDS`` are the
kinds the poller reads on a schedule. API and form sources receive their reports by push
(``intel.api_push`` and the field report form) and have no adapter.
"""

from __future__ import annotations

from safepassage.intel.choices import SourceKind
from safepassage.intel.models import Source
from safepassage.intel.sources.base import Item, ItemError, SourceAdapter, SourceError
from safepassage.intel.sources.feed import FeedAdapter
from safepassage.intel.sources.folder import FolderAdapter
from safepassage.lib.http import FetchPolicy

ADAPTERS: dict[str, type[SourceAdapter]] = {
    SourceKind.FEED: FeedAdapter,
    SourceKind.FOLDER: FolderAdapter,
}
POLLED_KINDS = frozenset(ADAPTERS)


def adapter_for(source: Source, policy: FetchPolicy | None = None) -> SourceAdapter:
    """The adapter that reads ``source``; SourceError for kinds that are pushed, not polled."""
    adapter = ADAPTERS.get(source.kind)
    if adapter is None:
        raise SourceError(
            f"{source.get_kind_display()} sources receive reports by push; they are not polled.",
            retryable=False,
        )
    return adapter(source, policy)


__all__ = [
    "ADAPTERS",
    "POLLED_KINDS",
    "Item",
    "ItemError",
    "SourceAdapter",
    "SourceError",
    "adapter_for",
]

"""Incident linking core: blocking, match scores, resolution policy and near-duplicate text.

Pure Python, no Django: the intel app (``safepassage.intel.services``) feeds it plain values
read from the database and stores what it decides. Public interface::

    from safepassage.linking import LinkEvent, block_for, score, resolve_incident, fingerprint

Nothing is loaded at import time.
"""

from safepassage.linking.blocking import Block, DateWindow, block_for, cell_of, date_window
from safepassage.linking.event import LinkEvent, event_from_extraction, parse_date
from safepassage.linking.resolve import (
    ClaimView,
    Resolution,
    is_official_attribution,
    resolve_engagement,
    resolve_incident,
)
from safepassage.linking.score import LINK_THRESHOLD, Match, score
from safepassage.linking.simhash import (
    NEAR_DUPLICATE_BITS,
    bands,
    content_hash,
    fingerprint,
    hamming,
    normalise_text,
)

__all__ = [
    "LINK_THRESHOLD",
    "NEAR_DUPLICATE_BITS",
    "Block",
    "ClaimView",
    "DateWindow",
    "LinkEvent",
    "Match",
    "Resolution",
    "bands",
    "block_for",
    "cell_of",
    "content_hash",
    "date_window",
    "event_from_extraction",
    "fingerprint",
    "hamming",
    "is_official_attribution",
    "normalise_text",
    "parse_date",
    "resolve_engagement",
    "resolve_incident",
    "score",
]

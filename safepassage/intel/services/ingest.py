"""Idempotent ingestion: every source hands its reports to :func:`submit_report`.

A report is stored once. The same URL (after normalisation) or the same text (after Unicode
NFC and whitespace normalisation) gives back the stored report with ``created=False``. Unique
constraints on ``url_hash`` and ``content_hash`` make this hold when two pollers race: the
loser's insert fails, and it returns the winner's row. A new report is linked to an earlier
near-duplicate (SimHash within 3 bits) and queued for processing once its transaction commits.

Permission checks belong to the caller (the API view, the form, the poller job): this service
stores what an authorised path hands it, audited under the caller's context.
"""

from __future__ import annotations

import datetime
import hashlib
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from safepassage.intel.choices import ReportStatus
from safepassage.intel.models import Report, Source
from safepassage.linking import NEAR_DUPLICATE_BITS, bands, fingerprint, hamming, normalise_text

if TYPE_CHECKING:
    from safepassage.accounts.models import User

PROCESS_TASK = "safepassage.intel.jobs.process_report"
# Enough to find the copy a near duplicate was made from without scanning a busy band.
NEAR_DUPLICATE_CANDIDATES = 50


class ReportRejected(ValidationError):
    """The input cannot become a report (empty, too large, binary); the message says why."""


@dataclass(frozen=True)
class SubmitResult:
    """What :func:`submit_report` did."""

    report: Report
    created: bool  # False when the same URL or the same text was already stored
    near_duplicate_of: Report | None


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no trailing slash on the path."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def url_hash(url: str) -> str | None:
    """SHA-256 of the normalised URL, or None for no URL."""
    if not url.strip():
        return None
    return hashlib.sha256(normalise_url(url).encode("utf-8")).hexdigest()


def clean_text(text: Any) -> str:
    """The text to store (NFC, Unix line ends, trimmed), or :class:`ReportRejected`.

    Paragraphs are kept for reading; hashing uses the whitespace-collapsed form. Oversized
    input is refused before any normalisation, so a 50 MB body costs one length check.
    """
    if isinstance(text, bytes | bytearray):
        raise ReportRejected("Report text must be decoded text, not bytes.", code="binary")
    if not isinstance(text, str):
        raise ReportRejected("Report text must be a string.", code="invalid")
    limit = int(settings.INTEL_MAX_TEXT_BYTES)
    # Each character is at most 4 UTF-8 bytes, so only long strings need encoding to check.
    if len(text) * 4 > limit and len(text.encode("utf-8", "surrogatepass")) > limit:
        raise ReportRejected(
            f"Report text is larger than {limit} bytes (SAFEPASSAGE_INTEL_MAX_TEXT_BYTES).",
            code="too_large",
        )
    if "\x00" in text:
        raise ReportRejected("Report text contains NUL bytes: it looks binary.", code="binary")
    controls = sum(1 for ch in text[:10_000] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > max(10, len(text[:10_000]) // 100):
        raise ReportRejected(
            "Report text is mostly control characters: it looks binary.", code="binary"
        )
    if not normalise_text(text):
        raise ReportRejected("Report text is empty.", code="empty")
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _find_near_duplicate(simhash: int | None, exclude: int | None = None) -> Report | None:
    if simhash is None:
        return None
    b0, b1, b2, b3 = bands(simhash)
    candidates = (
        Report.objects.filter(Q(band0=b0) | Q(band1=b1) | Q(band2=b2) | Q(band3=b3))
        .exclude(pk=exclude)
        .only("pk", "simhash", "near_duplicate_of_id")
        .order_by("pk")[:NEAR_DUPLICATE_CANDIDATES]
    )
    for candidate in candidates:
        if (
            candidate.simhash is not None
            and hamming(candidate.simhash, simhash) <= NEAR_DUPLICATE_BITS
        ):
            # Point at the first copy, so a family of copies forms a star, not a chain.
            return Report.objects.get(pk=candidate.near_duplicate_of_id or candidate.pk)
    return None


def _existing(url_key: str | None, content_key: str) -> Report | None:
    query = Q(content_hash=content_key)
    if url_key:
        query |= Q(url_hash=url_key)
    return Report.objects.filter(query).order_by("pk").first()


def submit_report(
    *,
    source: Source,
    text: str,
    title: str = "",
    url: str = "",
    published: datetime.date | None = None,
    structured: dict[str, Any] | None = None,
    submitted_by: User | None = None,
    tlp: str | None = None,
) -> SubmitResult:
    """Store one report once and queue it for extraction and linking.

    Raises :class:`ReportRejected` (a ``ValidationError``) for empty, binary or oversized text.
    """
    from safepassage.linking import content_hash

    stored = clean_text(text)
    content_key = content_hash(stored)
    url_key = url_hash(url) if url else None
    found = _existing(url_key, content_key)
    if found is not None:
        return SubmitResult(found, False, found.near_duplicate_of)
    simhash = fingerprint(stored)
    near = _find_near_duplicate(simhash)
    report = Report(
        source=source,
        organisation_id=source.organisation_id,
        url=url.strip()[:2000],
        url_hash=url_key,
        content_hash=content_key,
        simhash=simhash,
        near_duplicate_of=near,
        title=normalise_text(title)[:500],
        text=stored,
        published=published,
        structured=structured,
        submitted_by=submitted_by,
        tlp=tlp or source.default_tlp,
        status=ReportStatus.PENDING,
    )
    if simhash is not None:
        report.band0, report.band1, report.band2, report.band3 = bands(simhash)
    try:
        with transaction.atomic():
            report.save()
            if report.tlp == "red" and submitted_by is not None:
                # A RED field report reaches at least the officer who filed it.
                report.recipients.add(submitted_by)
            transaction.on_commit(lambda: enqueue(report.pk))
    except IntegrityError:
        # Another process stored the same URL or text between our check and our insert.
        found = _existing(url_key, content_key)
        if found is None:
            raise
        return SubmitResult(found, False, found.near_duplicate_of)
    return SubmitResult(report, True, near)


def enqueue(report_id: int) -> None:
    """Queue the processing job for one report (django-q2; in-process when jobs run sync)."""
    from django_q.tasks import async_task

    async_task(
        PROCESS_TASK, report_id, task_name=f"process-report-{report_id}", group="process-report"
    )

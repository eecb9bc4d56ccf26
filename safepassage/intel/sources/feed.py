"""RSS and Atom feeds, and optionally the web pages their entries link to.

The feed is fetched through the HTTP wrapper with the validators of the last run
(``If-None-Match``/``If-Modified-Since``), so an unchanged feed costs one 304. Entries are
parsed by the extraction engine's feed reader; with ``fetch_pages`` each entry's page is
fetched too and its main text (trafilatura, through the engine's HTML reader) replaces the
feed's summary. A page is fetched only for a URL not stored yet, so re-polling a feed does not
fetch its pages again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from safepassage.extract.document import Document, FailedDocument
from safepassage.extract.readers import read_feed_bytes, read_html_bytes
from safepassage.intel.choices import SourceKind
from safepassage.intel.models import Report
from safepassage.intel.sources.base import (
    Item,
    ItemError,
    SourceAdapter,
    SourceError,
    parse_iso_date,
    poll_budget,
    setting,
    web_url,
)
from safepassage.lib.http import FetchError, Response, fetch

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/x-rss+xml",
    "application/xml",
    "text/xml",
)
PAGE_TYPES = ("text/html", "application/xhtml+xml")
_VALIDATOR_MAX = 200  # the length of Source.etag and Source.modified


def _validator(value: str | None) -> str:
    """An ETag or Last-Modified value safe to store and send back, or ''."""
    if not value or len(value) > _VALIDATOR_MAX or any(ord(ch) < 32 for ch in value):
        return ""
    return value


def _as_utf8(response: Response) -> bytes:
    """The page as UTF-8 bytes: the HTML reader decodes UTF-8 only."""
    charset = response.charset or "utf-8"
    if charset.replace("-", "").replace("_", "") in ("utf8", "usascii", "ascii"):
        return response.body
    try:
        return response.body.decode(charset).encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return response.body  # the reader reports an undecodable page itself


def _is_empty_feed(body: bytes) -> bool:
    """True for a well-formed feed that simply has no entries (not an error)."""
    import feedparser

    parsed = feedparser.parse(body)
    return bool(parsed.get("version")) and not parsed.get("bozo") and not parsed.entries


class FeedAdapter(SourceAdapter):
    """Reads an RSS or Atom feed source."""

    kind = SourceKind.FEED

    def collect(self) -> Iterator[Item | ItemError]:
        source = self.source
        if not source.url:
            raise SourceError("The feed source has no URL.", retryable=False)
        started = time.monotonic()
        headers = {}
        if _validator(source.etag):
            headers["If-None-Match"] = source.etag
        if _validator(source.modified):
            headers["If-Modified-Since"] = source.modified
        try:
            response = fetch(source.url, accept=FEED_TYPES, policy=self.policy, headers=headers)
        except FetchError as exc:
            raise SourceError(
                f"The feed could not be fetched: {exc}", retryable=exc.retryable
            ) from exc
        if response.not_modified:
            return
        self.updates = {
            "etag": _validator(response.headers.get("etag")),
            "modified": _validator(response.headers.get("last-modified")),
        }
        documents = list(read_feed_bytes(source.url, response.body, None))
        if len(documents) == 1 and isinstance(documents[0], FailedDocument):
            if _is_empty_feed(response.body):
                return
            raise SourceError(
                f"The response is not an RSS or Atom feed: {documents[0].error}", retryable=False
            )
        limit = int(setting("INTEL_FEED_MAX_ENTRIES", 200))
        budget = poll_budget()
        deadline = started + budget
        for index, document in enumerate(documents[:limit]):
            if isinstance(document, FailedDocument):
                yield ItemError(document.id, document.error)
                continue
            if source.fetch_pages and time.monotonic() > deadline:
                self.complete = False
                left = min(len(documents), limit) - index
                yield ItemError(
                    source.url,
                    f"Stopped after {budget:g} seconds; {left} entries wait for the next poll.",
                    retryable=True,
                )
                return
            yield self._item(document)

    def _item(self, entry: Document) -> Item:
        url = web_url(entry.url)
        title = entry.title or ""
        published = parse_iso_date(entry.published)
        summary = entry.text
        if not (self.source.fetch_pages and url):
            return Item(entry.id, summary, title, url, published)
        from safepassage.intel.services.ingest import url_hash

        if Report.objects.filter(url_hash=url_hash(url)).exists():
            # Already stored: submit_report finds it by URL; the page is not fetched again.
            return Item(entry.id, summary, title, url, published)
        try:
            page = fetch(url, accept=PAGE_TYPES, policy=self.policy)
        except FetchError as exc:
            return Item(entry.id, summary, title, url, published, note=f"page not fetched: {exc}")
        document = read_html_bytes(url, _as_utf8(page), entry.published)
        if isinstance(document, FailedDocument):
            return Item(
                entry.id, summary, title, url, published, note=f"page unreadable: {document.error}"
            )
        return Item(
            entry.id,
            document.text,
            title or document.title or "",
            url,
            published or parse_iso_date(document.published),
        )

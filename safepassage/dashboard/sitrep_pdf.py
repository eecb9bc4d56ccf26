"""Situation reports as HTML and PDF (WeasyPrint), with no fetch outside the app's own files.

WeasyPrint loads stylesheets and images through a URL fetcher. The one used here answers
only URLs under the app's static prefix, from the files Django's static finders locate on
disk; every other URL (another host, ``file:``, ``data:``, a path outside the static files)
is refused and recorded. Fonts come from the system through fontconfig, never from the web.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string

from safepassage.dashboard.sitrep import MIN_RISK_CHANGE, Sitrep
from safepassage.sharing import tlp

# A base address under the reserved .invalid domain (RFC 2606), which never resolves: the
# static links of the document resolve against it and the fetcher maps them to files.
BASE_URL = "https://safepassage.invalid/"


# TLP 2.0 colours, each shown on black.
TLP_COLOURS = {
    tlp.CLEAR: "#ffffff",
    tlp.GREEN: "#33ff00",
    tlp.AMBER: "#ffc000",
    tlp.AMBER_STRICT: "#ffc000",
    tlp.RED: "#ff2b2b",
}


class FetchRefused(ValueError):
    """The PDF asked for something other than the app's own static files."""


def _static_prefix() -> str:
    return "/" + str(settings.STATIC_URL).strip("/") + "/"


def static_path(url: str) -> Path | None:
    """The file on disk behind ``url`` when it names one of the app's static files."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or parts.query:
        return None
    prefix = _static_prefix()
    if not parts.path.startswith(prefix):
        return None
    relative = unquote(parts.path[len(prefix) :])
    if not relative or relative.startswith("/") or ".." in relative.split("/"):
        return None
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation:
        return None
    if not isinstance(found, str):
        return None
    path = Path(found)
    return path if path.is_file() else None


def static_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves static files and refuses everything else.

    ``fetched`` and ``refused`` list the URLs asked for, so tests can prove the PDF made no
    outside fetch.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("https",), allow_redirects=False)
            self.fetched: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            path = static_path(url)
            if path is None:
                self.refused.append(url)
                raise FetchRefused(f"The report loads only the app's own static files: {url}")
            self.fetched.append(url)
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})

    return StaticOnlyFetcher()


def _context(report: Sitrep, *, links: bool) -> dict[str, Any]:
    return {
        "report": report,
        "min_change": MIN_RISK_CHANGE,
        "cap_label": tlp.label(report.cap) if report.cap else "",
        "links": links,
        "tlp_colour": TLP_COLOURS[report.tlp],
    }


def render_body(report: Sitrep) -> str:
    """The report's HTML fragment, as the page shows it and as it is stored."""
    return str(render_to_string("dashboard/sitrep_body.html", _context(report, links=True)))


def render_document(report: Sitrep) -> str:
    """The report as one HTML document, the source of the PDF."""
    # The PDF travels outside the app, so it carries no links back into it.
    return str(render_to_string("dashboard/sitrep_document.html", _context(report, links=False)))


def render_pdf(report: Sitrep, fetcher: Any = None) -> bytes:
    """The report as PDF bytes; ``fetcher`` defaults to a fresh static-only fetcher."""
    import weasyprint

    html = weasyprint.HTML(
        string=render_document(report),
        base_url=BASE_URL,
        url_fetcher=fetcher or static_only_fetcher(),
    )
    return bytes(html.write_pdf())


def filename(report: Sitrep) -> str:
    """A download name that carries the day and the marking."""
    marking = report.tlp.replace("+", "-")
    return f"sitrep-{report.day.isoformat()}-tlp-{marking}.pdf"

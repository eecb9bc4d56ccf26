"""The PDF of the situation report: a real PDF, only the reader's content, no outside fetch."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from pdfminer.high_level import extract_text
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import resolve1

from safepassage.dashboard import sitrep
from safepassage.dashboard.sitrep_pdf import (
    BASE_URL,
    FetchRefused,
    render_body,
    render_pdf,
    static_only_fetcher,
    static_path,
)
from tests.dashboard.sitrep_helpers import incident, movement

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    return extract_text(io.BytesIO(pdf))


def test_the_pdf_is_a_pdf_that_holds_the_readers_content_and_marking(world):
    incident(tlp="green", place_name="Alpuri")
    incident(tlp="amber+strict", organisation=world.port, place_name="Karachi Port")
    incident(tlp="red", recipients=[world.user("analyst")], place_name="Thakot")
    movement(world, timezone.localdate(), reference="MV-PDF-1")
    fetcher = static_only_fetcher()
    report = sitrep.build(world.user("coordinator"), timezone.localdate())
    pdf = render_pdf(report, fetcher)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Alpuri" in text
    assert "MV-PDF-1" in text
    assert "TLP:AMBER" in text and "TLP:AMBER+STRICT" not in text
    assert "Karachi Port" not in text
    assert "Thakot" not in text
    # Its stylesheets came from the app's static files and nothing else was asked for.
    assert fetcher.refused == []
    assert fetcher.fetched
    assert all(url.startswith(BASE_URL + "static/dashboard/") for url in fetcher.fetched)


def test_a_named_recipient_gets_the_red_incident_and_a_red_pdf(world):
    incident(tlp="red", recipients=[world.user("analyst")], place_name="Thakot")
    report = sitrep.build(world.user("analyst"), timezone.localdate())
    text = pdf_text(render_pdf(report))
    assert "Thakot" in text
    assert "TLP:RED" in text


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/static/dashboard/sitrep.css",
        "http://127.0.0.1/static/dashboard/sitrep.css",
        "file:///etc/passwd",
        "data:text/css,body{}",
        BASE_URL + "static/../settings.py",
        BASE_URL + "static/%2e%2e/%2e%2e/etc/passwd",
        BASE_URL + "static//etc/passwd",
        BASE_URL + "static/dashboard/sitrep.css?x=1",
        BASE_URL + "static/dashboard/no-such-file.css",
        BASE_URL + "media/upload.png",
    ],
)
def test_the_fetcher_refuses_everything_but_the_apps_static_files(url):
    fetcher = static_only_fetcher()
    assert static_path(url) is None
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_the_apps_own_stylesheet():
    fetcher = static_only_fetcher()
    response = fetcher.fetch(BASE_URL + "static/dashboard/sitrep.css")
    assert b".tlp-red" in response.read()
    assert response.content_type == "text/css"


def test_an_outside_link_in_the_document_is_refused_and_the_pdf_still_renders(world):
    import weasyprint

    fetcher = static_only_fetcher()
    html = (
        '<link rel="stylesheet" href="https://fonts.example.net/font.css">'
        '<img src="http://198.51.100.7/track.png"><p>Offline</p>'
    )
    pdf = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    assert pdf.startswith(b"%PDF")
    assert set(fetcher.refused) == {
        "https://fonts.example.net/font.css",
        "http://198.51.100.7/track.png",
    }
    assert fetcher.fetched == []


def test_the_pdf_carries_no_links_back_into_the_app(world):
    incident(tlp="green", place_name="Alpuri")
    report = sitrep.build(world.user("viewer"), timezone.localdate())
    pdf = render_pdf(report)
    annotations = [
        resolve1(annotation)
        for page in PDFPage.get_pages(io.BytesIO(pdf))
        for annotation in resolve1(page.annots) or []
    ]
    assert annotations == []
    # The page itself links every incident.
    assert f'href="/intel/incidents/{report.incidents.lines[0].pk}/"' in render_body(report)

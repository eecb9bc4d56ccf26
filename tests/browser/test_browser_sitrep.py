"""The daily situation report in the browser: the reader picks a day, reads the report with
its TLP marking, and downloads the PDF, which holds what the page holds and nothing the gate
hides from this reader (an AMBER+STRICT incident of another organisation, a RED incident that
does not name them).
"""

from __future__ import annotations

import datetime
import io
from typing import Any

from pdfminer.high_level import extract_text
from playwright.sync_api import expect

from tests.browser.conftest import BROWSER_DB, BrowserSession, shot
from tests.dashboard.sitrep_helpers import entered_on, incident

pytestmark = BROWSER_DB

# A fixed past day: the report of a day that is over does not change while the test runs.
DAY = datetime.date(2026, 3, 26)


def test_the_reader_picks_a_day_reads_the_report_and_downloads_the_pdf(
    browser: BrowserSession, world: Any
) -> None:
    visible = incident(date=DAY, place_name="Alpuri", admin2="Shangla", deaths=3)
    strict = incident(
        date=DAY, place_name="Camp Gate Strict", tlp="amber+strict", organisation=world.port
    )
    red = incident(date=DAY, place_name="Red Ridge", tlp="red", recipients=[world.user("admin")])
    for made in (visible, strict, red):
        entered_on(made, DAY)

    page = browser.sign_in("analyst")
    page.goto("/dashboard/sitrep/")
    page.get_by_label("Day", exact=True).fill(DAY.isoformat())
    page.get_by_role("button", name="Show report").click()
    page.wait_for_url(f"**/dashboard/sitrep/?day={DAY.isoformat()}*")
    report = page.locator("article.sitrep")
    expect(report.locator("h1")).to_contain_text("Thursday 26 March 2026")
    expect(report.locator(".sitrep-head .tlp-mark")).to_have_text("TLP:AMBER")
    expect(report).to_contain_text("Alpuri")
    expect(report).not_to_contain_text("Camp Gate Strict")
    expect(report).not_to_contain_text("Red Ridge")
    shot(page, "sitrep-analyst")

    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download PDF").click()
    expect(page.locator(".sitrep-tools .loading")).to_have_text("The PDF is ready.")
    download = waiting.value
    assert download.suggested_filename.endswith(".pdf")
    assert DAY.isoformat() in download.suggested_filename
    pdf = download.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    text = extract_text(io.BytesIO(pdf))
    assert "Alpuri" in text and "TLP:AMBER" in text
    assert "Camp Gate Strict" not in text and "Red Ridge" not in text


def test_the_recipient_of_a_red_incident_gets_a_red_report(
    browser: BrowserSession, world: Any
) -> None:
    red = incident(date=DAY, place_name="Red Ridge", tlp="red", recipients=[world.user("admin")])
    entered_on(red, DAY)
    page = browser.sign_in("admin")
    page.goto(f"/dashboard/sitrep/?day={DAY.isoformat()}")
    expect(page.locator("article.sitrep .sitrep-head .tlp-mark")).to_have_text("TLP:RED")
    expect(page.locator("article.sitrep")).to_contain_text("Red Ridge")


def test_an_empty_day_says_so(browser: BrowserSession, world: Any) -> None:
    page = browser.sign_in("viewer")
    page.goto(f"/dashboard/sitrep/?day={DAY.isoformat()}")
    expect(page.locator("article.sitrep .empty").first).to_contain_text("Nothing to report")

"""The harness itself: requests outside the app are caught and stopped, whether the page's
Content-Security-Policy or the guard's own interception stops them; JavaScript errors and
missing static files are caught; the app's own requests pass untouched.

The outside address is in TEST-NET-2 (198.51.100.0/24, reserved for documentation). Nothing is
ever sent to it: the page's policy or the guard stops each request inside the browser, and the
browser's dead loopback proxy would stop it even if both did not.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import BROWSER_DB, BrowserSession, RequestGuard, wait_until

pytestmark = BROWSER_DB

OUTSIDE = "http://198.51.100.7"


def test_it_passes_a_page_that_only_asks_the_app(browser: BrowserSession) -> None:
    page = browser.new_page()
    page.goto("/accounts/login/")
    assert page.get_by_role("heading", name="Sign in").is_visible()
    browser.settle()
    assert browser.guards[-1].problems() == []


def test_it_reports_an_image_and_a_fetch_from_an_outside_address(
    browser: BrowserSession,
) -> None:
    page = browser.new_page()
    page.goto("/accounts/login/")
    outcome = page.evaluate(
        """async (base) => {
            const img = new Image();
            const loaded = new Promise((ok) => { img.onload = () => ok("loaded");
                                                 img.onerror = () => ok("blocked"); });
            img.src = base + "/tiles/5/22/13.png";
            let fetched;
            try { await fetch(base + "/api/leak"); fetched = "sent"; }
            catch (e) { fetched = "blocked"; }
            return [await loaded, fetched];
        }""",
        OUTSIDE,
    )
    assert outcome == ["blocked", "blocked"]
    guard = browser.guards[-1]
    wait_until(page, lambda: len(guard.outside) >= 2)
    assert any(f"{OUTSIDE}/tiles/5/22/13.png" in line for line in guard.outside)
    assert any(f"{OUTSIDE}/api/leak" in line for line in guard.outside)
    with pytest.raises(AssertionError, match="198.51.100.7"):
        guard.assert_clean()
    # The finding is what this test is about; forget it so the fixture's own check passes.
    guard.clear()


def test_it_stops_a_navigation_to_an_outside_address(browser: BrowserSession) -> None:
    page = browser.new_page()
    page.goto("/accounts/login/")
    with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
        page.goto(f"{OUTSIDE}/news")
    guard = browser.guards[-1]
    assert guard.outside == [f"GET {OUTSIDE}/news (document)"]
    guard.clear()


def test_it_reports_a_script_the_pages_policy_refuses(browser: BrowserSession) -> None:
    page = browser.new_page()
    page.goto("/accounts/login/")
    page.evaluate(
        """() => {
            const s = document.createElement("script");
            s.textContent = "window.ranInline = true";
            document.body.appendChild(s);
        }"""
    )
    guard = browser.guards[-1]
    wait_until(page, lambda: guard.refused)
    assert page.evaluate("() => window.ranInline === undefined")
    assert "script-src" in guard.refused[0]
    guard.clear()


def test_it_treats_another_port_or_host_name_as_outside_the_app() -> None:
    guard = RequestGuard("http://127.0.0.1:8123")
    assert guard.allows("http://127.0.0.1:8123/static/safepassage/app.css")
    assert guard.allows("data:image/png;base64,AAAA")
    assert not guard.allows("http://127.0.0.1:5432/")
    assert not guard.allows("https://127.0.0.1:8123/")
    assert not guard.allows("http://localhost:8123/")
    assert not guard.allows("https://unpkg.com/leaflet@1.9.4/dist/leaflet.css")


def test_it_reports_a_javascript_error_and_a_missing_static_file(
    browser: BrowserSession,
) -> None:
    page = browser.new_page()
    page.goto("/accounts/login/")
    with page.expect_event("pageerror"), page.expect_response("**/no-such-file.js"):
        page.evaluate(
            """() => {
                const s = document.createElement("script");
                s.src = "/static/safepassage/no-such-file.js";
                document.head.appendChild(s);
                setTimeout(() => { throw new Error("boom from the page"); }, 0);
            }"""
        )
    guard = browser.guards[-1]
    problems = "\n".join(guard.problems())
    assert "boom from the page" in problems
    assert "404" in problems and "no-such-file.js" in problems
    guard.clear()

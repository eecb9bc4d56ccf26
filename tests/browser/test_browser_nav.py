"""The top navigation on a phone: folded behind a "Menu" button so the header stays small,
opened by touch or keyboard, and left open on a desktop and in a browser without JavaScript."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.conftest import BROWSER_DB, PHONE, PHONE_WIDTH, BrowserSession, shot

pytestmark = BROWSER_DB

PHONE_VIEWPORT: ViewportSize = {"width": PHONE_WIDTH, "height": PHONE["viewport"]["height"]}
PHONE_HEIGHT = PHONE_VIEWPORT["height"]
DESKTOP_VIEWPORT: ViewportSize = {"width": 1280, "height": 800}


def header_height(page: Page) -> float:
    return float(
        page.evaluate("() => document.querySelector('header.top').getBoundingClientRect().height")
    )


def test_on_a_phone_the_menu_is_folded_and_opens_on_a_tap(
    browser: BrowserSession, world: Any
) -> None:
    page = browser.sign_in("officer", **PHONE)
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_have_attribute("aria-controls", "site-menu")
    expect(nav).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    height = header_height(page)
    assert height < 0.2 * PHONE_HEIGHT, f"the folded header is {height}px high"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH
    shot(page, "nav-phone-folded")

    menu.tap()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    for name in ("Dashboard", "Map", "Movements"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH
    shot(page, "nav-phone-open")

    nav.get_by_role("link", name="Movements", exact=True).tap()
    page.wait_for_url("**/movements/**")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    page.get_by_role("button", name="Menu").tap()
    page.get_by_role("button", name="Menu").tap()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()


def test_on_a_phone_the_menu_works_from_the_keyboard(browser: BrowserSession, world: Any) -> None:
    page = browser.sign_in("analyst", **PHONE)
    menu = page.get_by_role("button", name="Menu")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Safe Passage", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(menu).to_be_focused()
    outline = menu.evaluate(
        "(b) => getComputedStyle(b).outlineStyle + ' ' + getComputedStyle(b).outlineWidth"
    )
    assert outline == "solid 3px", f"no visible focus ring on the menu button: {outline}"
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    page.keyboard.press(" ")
    expect(menu).to_have_attribute("aria-expanded", "true")


def test_on_a_desktop_the_navigation_shows_without_a_click(
    browser: BrowserSession, world: Any
) -> None:
    page = browser.sign_in("officer", viewport=DESKTOP_VIEWPORT)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="Map", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    # As before the menu: the navigation starts on the brand's row, right of it.
    brand = page.get_by_role("link", name="Safe Passage", exact=True).bounding_box()
    box = nav.bounding_box()
    assert brand and box
    assert box["y"] <= brand["y"] and box["x"] > brand["x"] + brand["width"]
    assert header_height(page) < 0.2 * DESKTOP_VIEWPORT["height"]
    # A phone-sized window folded to the menu and widened again shows the navigation again.
    page.set_viewport_size(PHONE_VIEWPORT)
    expect(nav).to_be_hidden()
    page.set_viewport_size(DESKTOP_VIEWPORT)
    expect(nav).to_be_visible()


def test_without_javascript_a_phone_still_gets_every_link(
    browser: BrowserSession, world: Any
) -> None:
    page = browser.sign_in("officer", java_script_enabled=False, **PHONE)
    try:
        nav = page.get_by_role("navigation", name="Main")
        expect(nav).to_be_visible()
        expect(nav.get_by_role("link", name="Movements", exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    finally:
        # The harness's teardown waits on a timer inside each open page, which never fires
        # with JavaScript off.
        page.close()

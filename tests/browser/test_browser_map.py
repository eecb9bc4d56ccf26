"""The offline map in the browser: it draws the basemap and the incidents the reader may see,
filters them (nationality, province, the time slider), and opens an incident's sources and
claims in the side panel and then on the incident page. Every asset comes from the app: the
harness fails the test on any request outside it.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from playwright.sync_api import Page, expect

from safepassage.intel.models import Incident
from tests.browser.conftest import BROWSER_DB, PHONE, PHONE_WIDTH, BrowserSession, shot
from tests.incidents import attack
from tests.intel.conftest_views import Picture, build_picture

pytestmark = BROWSER_DB


def strict_incident_of_another_organisation(world: Any) -> Incident:
    """An AMBER+STRICT incident owned by the port company: the KP analyst must not see it."""
    return attack(
        "Strictly Port Quay",
        "Mansehra",
        datetime.date(2024, 8, 1),
        town=(34.33, 73.2),
        attack_type="armed_assault",
        deaths=1,
        victim_nationalities=["CN"],
        review_state="confirmed",
        tlp="amber+strict",
        organisation=world.port,
    )


def open_map(page: Page, query: str = "") -> None:
    """Open the map and wait until the incidents have been drawn and listed."""
    page.goto(f"/dashboard/map/{query}")
    expect(page.locator("#map-status")).to_contain_text("incidents with a position are shown")
    expect(page.locator("#map-status")).not_to_have_class(re.compile(r"\bloading\b"))


def listed_places(page: Page) -> list[str]:
    """The place column of the incident list under the map, top to bottom."""
    return page.locator("#map-list tbody tr td:nth-child(3)").all_inner_texts()


def test_the_map_draws_filters_and_opens_an_incident_with_its_sources_and_claims(
    browser: BrowserSession, world: Any
) -> None:
    picture: Picture = build_picture(world.spu_kp, world.hydro)
    strict_incident_of_another_organisation(world)
    page = browser.sign_in("analyst")
    open_map(page)

    # The offline basemap is drawn (country and province outlines) and so are the markers.
    assert page.locator("#map .leaflet-overlay-pane path").count() > 0
    expect(page.locator("#map .leaflet-marker-icon").first).to_be_visible()
    # Two incidents have a position, Karachi has none; the strict one is not there at all.
    expect(page.locator("#map-status")).to_contain_text("2 of 2 incidents with a position")
    assert sorted(place.split(",")[0] for place in listed_places(page)) == ["Besham", "Dasu"]
    assert "Strictly Port Quay" not in page.content()
    shot(page, "map-analyst")

    # Victims' nationality: only Dasu lists Pakistani victims.
    page.get_by_label("Victims' nationality").fill("PK")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#map-status")).to_contain_text("1 of 1 incidents with a position")
    assert [place.split(",")[0] for place in listed_places(page)] == ["Dasu"]
    assert "nationality=PK" in page.url

    # Province and kind: Sindh has no located incident; back to Khyber Pakhtunkhwa attacks.
    page.get_by_label("Victims' nationality").fill("")
    page.get_by_label("Province").select_option("Sindh")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#map-status")).to_contain_text("0 of 0 incidents with a position")
    expect(page.locator("#map-list")).to_contain_text("No incidents match")
    page.get_by_label("Province").select_option("Khyber Pakhtunkhwa")
    page.get_by_label("Kind").select_option("attack")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#map-status")).to_contain_text("2 of 2 incidents with a position")

    # The time slider, by keyboard: back to the first day only Dasu (2021) is shown.
    slider = page.locator("#map-time")
    slider.focus()
    slider.press("Home")
    expect(page.locator("#map-time-label")).to_contain_text("2021-07-14")
    expect(page.locator("#map-status")).to_contain_text("1 of 2 incidents with a position")
    assert [place.split(",")[0] for place in listed_places(page)] == ["Dasu"]
    slider.press("End")
    expect(page.locator("#map-status")).to_contain_text("2 of 2 incidents with a position")

    # Open Dasu: its two sources and their conflicting death tolls, in the side panel.
    row = page.locator("#map-list tbody tr", has_text="Dasu")
    row.get_by_role("button", name="Sources and claims").click()
    panel = page.locator("#map-panel")
    expect(panel).to_be_visible()
    expect(panel).not_to_have_attribute("aria-busy", "true")
    expect(panel).to_contain_text(picture.police.name)
    expect(panel).to_contain_text(picture.wire.name)
    expect(panel.locator(".claim-field.conflict")).to_contain_text("13")
    expect(panel.locator(".claim-field.conflict")).to_contain_text("12")
    shot(page, "map-incident-panel")

    # Escape closes the panel; reopen and follow the link to the incident page.
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    row.get_by_role("button", name="Sources and claims").click()
    panel.get_by_role("link", name="Open the incident page").click()
    page.wait_for_url(f"**/intel/incidents/{picture.dasu.pk}/")
    expect(page.locator("h1")).to_contain_text("Dasu")
    expect(page.locator("main")).to_contain_text("leaving 12 dead")
    expect(page.locator("main")).to_contain_text("killing 13 people, police said")
    shot(page, "incident-page")


def test_a_bad_filter_in_the_address_is_explained_and_the_map_still_opens(
    browser: BrowserSession, world: Any
) -> None:
    build_picture(world.spu_kp, world.hydro)
    page = browser.sign_in("analyst")
    page.goto("/dashboard/map/?date_from=not-a-date&nationality=%3Cscript%3E")
    expect(page.locator("#filter-errors")).to_be_visible()
    expect(page.locator("#map-status")).to_contain_text("2 of 2 incidents with a position")


def test_the_map_fits_a_phone_for_a_field_officer(browser: BrowserSession, world: Any) -> None:
    build_picture(world.spu_kp, world.hydro)
    page = browser.sign_in("officer", **PHONE)
    open_map(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"the page scrolls sideways ({width}px)"
    box = page.locator("#map").bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    shot(page, "map-phone")

"""The persona dashboards, charts and engagements timeline in the browser: each persona lands
on its own panels after signing in, works them by keyboard (the skip link), reads them on a
phone, and follows a panel into the work it lists.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from safepassage.intel.models import Engagement
from safepassage.movements.choices import MovementState
from safepassage.movements.demo import plan_demo_movement
from safepassage.movements.models import MovementRequest
from safepassage.movements.services import transition
from tests.browser.conftest import BROWSER_DB, PHONE, PHONE_WIDTH, BrowserSession, shot
from tests.intel.conftest_views import build_picture

pytestmark = BROWSER_DB

# The panels each persona must find on landing (a subset of what the role gets).
EXPECTED_PANELS = {
    "coordinator": ["My people", "My sites", "My movements"],
    "commander": ["Requests to decide", "Escorts on duty", "Overdue check-ins"],
    "analyst": ["Review queue", "New incidents", "Trends"],
    "liaison": ["Shared with me"],
    "officer": ["Overdue check-ins"],
    "viewer": ["New incidents"],
}


def submitted_movement(world: Any) -> MovementRequest:
    """The demo movement, submitted by the coordinator and waiting for a decision."""
    movement = plan_demo_movement(
        destination=world.camp,
        people=[world.engineer],
        vehicles=[world.vehicle_kp],
        created_by=world.user("coordinator"),
        day=timezone.localdate() + datetime.timedelta(days=2),
    )
    transition(world.user("coordinator"), movement, MovementState.SUBMITTED)
    return movement


def panel_titles(page: Page) -> list[str]:
    """The headings of the dashboard's panels, in page order."""
    return page.locator(".dash-grid .panel h2").all_inner_texts()


@pytest.mark.parametrize("persona", sorted(EXPECTED_PANELS))
def test_each_persona_lands_on_its_own_dashboard(
    browser: BrowserSession, world: Any, persona: str
) -> None:
    build_picture(world.spu_kp, world.hydro)
    submitted_movement(world)
    page = browser.sign_in(persona)
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    titles = panel_titles(page)
    for title in EXPECTED_PANELS[persona]:
        assert title in titles, f"{persona} misses the panel {title!r}: {titles}"
    shot(page, f"dashboard-{persona}")


def test_the_commander_decides_a_request_from_the_dashboard(
    browser: BrowserSession, world: Any
) -> None:
    movement = submitted_movement(world)
    page = browser.sign_in("commander")
    panel = page.locator(".panel-decide")
    expect(panel).to_contain_text(movement.reference)
    panel.get_by_role("link", name=f"{movement.reference} · decide").click()
    page.wait_for_url(f"**/movements/{movement.pk}/approve/")
    expect(page.locator("h1")).to_contain_text(f"Decide {movement.reference}")


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_content(
    browser: BrowserSession, world: Any
) -> None:
    page = browser.sign_in("analyst")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused, for sighted keyboard users
    page.keyboard.press("Enter")
    focused = page.evaluate("() => document.activeElement && document.activeElement.id")
    assert focused == "main" or page.url.endswith("#main")
    page.keyboard.press("Tab")
    inside_main = page.evaluate("() => !!document.activeElement.closest('main')")
    assert inside_main, "the next Tab after the skip link should land inside the content"


def test_the_dashboard_fits_a_phone(browser: BrowserSession, world: Any) -> None:
    build_picture(world.spu_kp, world.hydro)
    page = browser.sign_in("officer", **PHONE)
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"the page scrolls sideways ({width}px)"
    shot(page, "dashboard-officer-phone")


def test_the_charts_draw_from_the_apps_own_chart_library(
    browser: BrowserSession, world: Any
) -> None:
    build_picture(world.spu_kp, world.hydro)
    page = browser.sign_in("analyst")
    page.goto("/dashboard/charts/")
    boxes = page.locator(".chart-box")
    assert boxes.count() >= 3
    for index in range(boxes.count()):
        box = boxes.nth(index)
        expect(box).not_to_have_class(re.compile(r"\bloading\b"))
        expect(box.locator(".chart-status")).to_be_hidden()
        drawn = box.locator("canvas").evaluate("(c) => c.width > 0 && c.height > 0")
        assert drawn
    assert page.evaluate("() => typeof window.Chart") == "function"
    shot(page, "charts-analyst")


def test_the_engagement_timeline_lists_the_meeting_with_its_participants(
    browser: BrowserSession, world: Any
) -> None:
    picture = build_picture(world.spu_kp, world.hydro)
    Engagement.objects.create(
        kind="agreement",
        title="Port security accord",
        date=datetime.date(2025, 2, 1),
        date_precision="day",
        place_name="Islamabad",
        country="PK",
        participants=[{"name": "Port authority", "country": "PK"}],
        topics=["port_security"],
        review_state="confirmed",
    )
    page = browser.sign_in("analyst")
    page.goto("/dashboard/timeline/")
    expect(page.locator(".tl-item")).to_have_count(2)
    item = page.locator(".tl-item", has_text=picture.meeting.title)
    expect(item).to_contain_text("Minister of Public Security")
    expect(item).to_contain_text("counter_terrorism")
    item.get_by_role("link", name="counter_terrorism").click()
    expect(page.locator(".tl-item")).to_have_count(1)
    expect(page.locator(".tl-item")).to_contain_text(picture.meeting.title)
    shot(page, "timeline-analyst")

"""A movement from request to the road, in the browser: the coordinator fills in the request
and sees the rules judge it live, saves and submits it; the commander assigns the escort and
approves it on the approval page, then sets it under way; the escorting field officer checks
in from a phone with the position the browser gives.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from safepassage.movements.choices import MovementState
from safepassage.movements.demo import plan_demo_movement
from safepassage.movements.models import MovementRequest
from safepassage.movements.services import transition
from safepassage.tracking.models import CheckIn
from tests.browser.conftest import BROWSER_DB, PHONE, BrowserSession, shot
from tests.movements.conftest import make_incidents
from tests.tracking.conftest import make_movement, start

pytestmark = BROWSER_DB

# Where the phone says it is: on the Karakoram Highway at Besham.
BESHAM = {"latitude": 34.93, "longitude": 72.87}


def fill_request(page: Page, world: Any, day: datetime.date, vehicle: str) -> None:
    """Fill the request form as a coordinator would, field by field."""
    page.get_by_label("Purpose").fill("Engineers' rotation to the camp")
    page.get_by_label("Origin place").fill("Islamabad")
    page.get_by_label("Destination site").select_option(label=str(world.camp))
    page.get_by_label("Waypoints").fill("Bisham")
    page.get_by_label("Depart at").fill(f"{day:%Y-%m-%d}T07:30")
    page.get_by_label("Arrive by").fill(f"{day:%Y-%m-%d}T16:00")
    page.get_by_label("People").select_option(label=str(world.engineer))
    page.get_by_label("Vehicles").select_option(label=vehicle)


def request_and_submit(browser: BrowserSession, world: Any) -> tuple[Page, MovementRequest]:
    """The coordinator's part: fill, watch the live rules, save the draft, submit."""
    day = timezone.localdate() + datetime.timedelta(days=2)
    page = browser.sign_in("coordinator")
    page.goto("/movements/new/")
    fill_request(page, world, day, str(world.vehicle_kp))
    evaluation = page.locator("#evaluation")
    # No escort is assigned yet, so the live check fails the escort rule, and the route
    # passes both incidents.
    expect(evaluation.locator("tr", has_text="Escort strength")).to_contain_text("fail")
    expect(evaluation).to_contain_text("Bisham")
    expect(evaluation).to_contain_text("Dasu")
    shot(page, "movement-request-live-rules")

    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/movements/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("saved as a draft")
    movement = MovementRequest.objects.get()
    assert movement.state == MovementState.DRAFT

    page.get_by_label("Reason for Submitted").fill("Ready for the rotation")
    page.get_by_role("button", name="Submitted").click()
    expect(page.locator("h1 .badge")).to_have_text("Submitted")
    shot(page, "movement-detail-submitted")
    return page, movement


def approve_and_start(browser: BrowserSession, movement: MovementRequest) -> Page:
    """The commander's part: the escort the rules ask for, approval, then under way."""
    page = browser.sign_in("commander")
    page.goto(movement.get_absolute_url())
    page.get_by_role("link", name="Decide (approval page)").click()
    page.wait_for_url("**/approve/")
    required = page.get_by_text(re.compile(r"Escort required by the rules: \d+ officers"))
    officers = re.search(r"(\d+) officers", required.first.inner_text())
    assert officers is not None
    page.get_by_label("Officers from SPU KP Company 1").fill(officers.group(1))
    page.get_by_label("Reason", exact=True).fill("Escort from Mansehra")
    shot(page, "movement-approval")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r"/movements/\d+/$"))
    expect(page.locator("h1 .badge")).to_have_text("Approved")
    holds = page.locator(".card", has=page.get_by_role("heading", name="Escort and holds"))
    expect(holds).to_contain_text("SPU KP Company 1")

    page.get_by_label("Reason for Under way").fill("Convoy left Islamabad")
    page.get_by_role("button", name="Under way").click()
    expect(page.locator("h1 .badge")).to_have_text("Under way")
    return page


def test_a_movement_goes_from_request_through_approval_to_a_check_in_from_the_road(
    browser: BrowserSession, world: Any
) -> None:
    make_incidents()
    _, movement = request_and_submit(browser, world)
    approve_and_start(browser, movement)
    movement.refresh_from_db()
    assert movement.state == MovementState.UNDER_WAY
    assert movement.assignments.filter(unit=world.unit_kp, active=True).exists()

    phone = browser.sign_in("officer", **PHONE, geolocation=BESHAM, permissions=["geolocation"])
    phone.goto(f"/tracking/movements/{movement.pk}/check-in/")
    # The page asks the browser for the position and fills the fields in.
    expect(phone.locator("#geo-state")).to_contain_text("Position found")
    expect(phone.get_by_label("Latitude")).to_have_value("34.930000")
    expect(phone.get_by_label("Longitude")).to_have_value("72.870000")
    shot(phone, "check-in-phone")
    phone.get_by_label("Note").fill("Passing Besham, all well")
    phone.get_by_role("button", name="OK", exact=True).click()
    expect(phone.locator(".messages")).to_contain_text("Check-in recorded: OK")

    checkin = CheckIn.objects.get(movement=movement)
    assert checkin.officer == world.user("officer") and checkin.status == "ok"
    assert (round(checkin.lat, 2), round(checkin.lon, 2)) == (34.93, 72.87)

    phone.get_by_role("link", name="Tracking page").click()
    expect(phone.locator("tr.checkin-ok")).to_contain_text("Passing Besham, all well")
    shot(phone, "tracking-phone")


def test_a_commander_cannot_approve_a_failing_request_without_an_override(
    browser: BrowserSession, world: Any
) -> None:
    make_incidents()
    movement = plan_demo_movement(
        destination=world.camp,
        people=[world.engineer],
        vehicles=[world.vehicle_kp],
        created_by=world.user("coordinator"),
        day=timezone.localdate() + datetime.timedelta(days=2),
    )
    transition(world.user("coordinator"), movement, MovementState.SUBMITTED)
    page = browser.sign_in("commander")
    page.goto(f"/movements/{movement.pk}/approve/")
    # No escort chosen: the escort rule fails, and approval without an override reason is
    # refused with the reason on the page.
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".errorlist")).to_contain_text("override")
    movement.refresh_from_db()
    assert movement.state == MovementState.SUBMITTED


def test_a_field_officer_types_the_position_in_when_the_phone_gives_none(
    browser: BrowserSession, world: Any
) -> None:
    movement = start(world, make_movement(world))
    phone = browser.sign_in("officer", **PHONE)  # no permission to read the position
    phone.goto(f"/tracking/movements/{movement.pk}/check-in/")
    expect(phone.locator("#geo-state")).to_contain_text("type it in")
    phone.get_by_role("button", name="Delayed").click()
    expect(phone.get_by_role("alert")).to_contain_text("position")
    assert not CheckIn.objects.filter(movement=movement).exists()
    phone.get_by_label("Latitude").fill("34.5")
    phone.get_by_label("Longitude").fill("73.1")
    phone.get_by_role("button", name="Delayed").click()
    expect(phone.locator(".messages")).to_contain_text("Check-in recorded: Delayed")
    assert CheckIn.objects.get(movement=movement).status == "delayed"

"""Signing in through the real form, as every persona, and the refusals around it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import BROWSER_DB, PASSWORD, BrowserSession, shot

pytestmark = BROWSER_DB


def test_it_sends_a_signed_out_visitor_to_the_sign_in_page(browser: BrowserSession) -> None:
    page = browser.new_page()
    page.goto("/movements/")
    assert "/accounts/login/" in page.url and "next=" in page.url
    shot(page, "sign-in")


def test_it_refuses_a_wrong_password_and_stays_on_the_form(browser: BrowserSession) -> None:
    page = browser.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD + " typo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    assert page.locator(".errorlist").count() > 0
    assert page.get_by_role("button", name="Sign out").count() == 0


@pytest.mark.parametrize("persona", ["coordinator", "commander", "officer", "analyst"])
def test_it_signs_each_persona_in_and_shows_who_is_signed_in(
    browser: BrowserSession, persona: str
) -> None:
    page = browser.sign_in(persona)
    assert page.locator(".who").inner_text().startswith(persona)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")
    page.goto("/movements/")
    assert "/accounts/login/" in page.url

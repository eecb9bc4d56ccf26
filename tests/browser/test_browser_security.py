"""The Content Security Policy in a real browser: pages work under it and it stops inline code.

The harness fails a test on any CSP refusal, JavaScript error or outside request, so opening a
page is itself a check that the page needs nothing the policy forbids.
"""

from __future__ import annotations

from playwright.sync_api import Dialog

from safepassage.registry.models import Organisation
from tests.browser.conftest import BROWSER_DB, BrowserSession, wait_until

pytestmark = BROWSER_DB


def test_the_api_documentation_renders_under_the_policy(browser: BrowserSession) -> None:
    page = browser.sign_in("admin")
    page.goto("/api/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 20


def test_a_delete_button_asks_first_without_an_inline_handler(
    browser: BrowserSession, world: object
) -> None:
    spare = Organisation.objects.create(name="Spare Org", kind="company", country="PK")
    page = browser.sign_in("admin")
    page.goto(f"/registry/organisations/{spare.pk}/")
    questions: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.get_by_role("button", name="Delete").click()
    wait_until(page, lambda: questions)
    assert questions == ["Delete this organisation?"]
    assert Organisation.objects.filter(pk=spare.pk).exists()


def test_the_policy_refuses_an_inline_script_a_page_would_inject(
    browser: BrowserSession,
) -> None:
    page = browser.sign_in("analyst")
    ran = page.evaluate(
        """() => {
            window.injected = false;
            const s = document.createElement("script");
            s.textContent = "window.injected = true";
            document.body.appendChild(s);
            return window.injected;
        }"""
    )
    assert ran is False
    browser.settle()
    refused = browser.guards[-1].refused
    assert any("script-src" in line for line in refused)
    browser.guards[-1].clear()  # the refusal was the point of this test

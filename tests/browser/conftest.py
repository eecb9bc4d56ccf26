"""The browser test harness: the real app on 127.0.0.1, Debian's Chromium, a request guard.

How it fits together (docs/DASHBOARD.md, "Browser tests", says why):

* ``app_server`` serves the Django app from a thread on 127.0.0.1 (Django's own live-server
  thread, as pytest-django's ``live_server`` uses) against the test database, so the suite's
  ``world`` fixture and any ORM set-up are what the browser sees, on SQLite and on PostgreSQL
  alike. Requests are handled one at a time: on SQLite the test database lives in memory and
  every server thread shares one connection, which two requests in flight at once (a page's
  parallel ``fetch`` calls) would corrupt.
* Browser tests write through real HTTP requests, so they run on a transactional database
  (``BROWSER_DB`` below, put on every module as ``pytestmark``) with the migrations' rows
  (guideline rules, escalation ladder, audit chain head) restored before each test.
  ``pytest_collection_modifyitems`` runs them after every other test, so the tables they leave
  empty never reach another test, and the tables are emptied once before the first of them.
* ``chromium`` starts Debian's Chromium once per run (never a downloaded one: ``playwright
  install`` is not used) with the flags from the tech notes, plus a dead proxy for anything but
  loopback, so a request that slipped past the guard still could not leave the machine.
* ``browser`` gives each test fresh contexts (``new_page``, ``sign_in``), each with a
  ``RequestGuard``: any request to an address other than the app's own origin is recorded and
  aborted, and the test fails at teardown with the list; so do requests the page's
  Content-Security-Policy stopped, other policy refusals, uncaught JavaScript errors and static
  files that failed to load.
* ``shot`` saves full-page screenshots under ``var/screenshots/<database>/`` (override with
  ``SAFEPASSAGE_SCREENSHOTS``); the folder is printed at the end of the run.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management import call_command
from django.db import connection, connections
from django.test.testcases import LiveServerThread
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Request,
    Route,
    expect,
    sync_playwright,
)
from playwright.sync_api import (
    Error as PlaywrightError,
)

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SAFEPASSAGE_CHROMIUM", "/usr/bin/chromium")
# The flags the tech notes name for Debian's Chromium, and a proxy that answers nothing:
# Chromium always reaches loopback directly, so only a request for another address would
# go to it, and fail there instead of leaving the machine.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=http://127.0.0.1:9",
]
# Every browser test module sets ``pytestmark = BROWSER_DB``.
BROWSER_DB = pytest.mark.django_db(transaction=True, serialized_rollback=True)
# A phone held upright, for the field officer's pages.
PHONE_WIDTH = 390
PHONE: dict[str, Any] = {
    "viewport": {"width": PHONE_WIDTH, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
# Long enough for the slowest page on a busy two-core machine, short enough to fail fast.
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``browser`` marker (put on every test here; ``-m "not browser"`` skips them)."""
    config.addinivalue_line(
        "markers", "browser: drives the app in Chromium (tests/browser); runs after all others"
    )


def _is_browser_test(item: pytest.Item) -> bool:
    return Path(str(item.path)).is_relative_to(Path(__file__).parent)


def pytest_itemcollected(item: pytest.Item) -> None:
    """Mark each browser test ``browser`` as it is collected (so ``-m`` can select on it)."""
    if _is_browser_test(item):
        item.add_marker(pytest.mark.browser)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last (after pytest-django's own ordering): they leave the
    database's tables empty, and any test after them would miss the migrations' rows."""
    browser = [item for item in items if _is_browser_test(item)]
    if browser:
        items[:] = [item for item in items if not _is_browser_test(item)] + browser


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so the page fixture can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say where the screenshots are, when this run took any."""
    if _SHOTS:
        where = sorted({str(path.parent) for path in _SHOTS})
        terminalreporter.write_sep("-", "browser screenshots")
        for folder in where:
            count = sum(1 for path in _SHOTS if str(path.parent) == folder)
            terminalreporter.write_line(f"{count} screenshots in {folder}")


_SHOTS: list[Path] = []


def screenshot_dir() -> Path:
    """Where this run's screenshots go: one folder per database, so both runs keep theirs."""
    base = Path(os.environ.get("SAFEPASSAGE_SCREENSHOTS", ROOT / "var" / "screenshots"))
    return base / connection.vendor


class _OneAtATime:
    """A WSGI application that lets one request at a time into the app and reads the whole
    response body before letting the next one in (the app's code runs while it is read)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            result = self.app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        return [body]


def _serve_static_one_at_a_time(app: Any) -> _OneAtATime:
    return _OneAtATime(StaticFilesHandler(app))


@pytest.fixture(scope="session", autouse=True)
def _empty_tables_before_the_first_browser_test(
    django_db_setup: None, django_db_blocker: Any
) -> None:
    """Empty every table once, before the first browser test restores the migrations' rows.

    A transactional test that ran earlier without ``serialized_rollback`` (the concurrency
    tests) ends with a flush that lets ``post_migrate`` create content types, permissions and
    job schedules again, under new ids; restoring the snapshot on top of them would collide on
    their unique names. Between browser tests the flush skips ``post_migrate``, so once is
    enough. Nothing runs after the browser tests, so nothing else sees the empty tables.
    """
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)


@pytest.fixture(scope="session")
def app_server(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, against the test database; yields its origin."""
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    thread = LiveServerThread(
        "127.0.0.1",
        static_handler=_serve_static_one_at_a_time,
        connections_override=shared,
    )
    thread.daemon = True
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    try:
        if thread.error:
            raise thread.error
        yield f"http://127.0.0.1:{thread.port}"
    finally:
        thread.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()


# Runs in every page before its own scripts: reports each Content-Security-Policy violation
# (a blocked outside request, an inline script the policy refused) to the guard.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__safepassageGuard(event.violatedDirective, event.blockedURI || "",
                            event.sourceFile || "", event.lineNumber || 0);
});
"""


@dataclass
class RequestGuard:
    """Records and aborts every request a browser context makes outside the app's origin.

    Also records what the page's Content-Security-Policy refused (an outside address counts
    as a request outside the app, though the policy stopped it before the network; an inline
    script means a feature that silently does not run), uncaught JavaScript errors, and
    static files that failed to load.
    """

    origin: str
    outside: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    broken_assets: list[str] = field(default_factory=list)

    def allows(self, url: str) -> bool:
        """True for the app's own origin and for URLs that never reach a network."""
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return True
        own = urlsplit(self.origin)
        return (parts.scheme, parts.hostname, parts.port) == (own.scheme, own.hostname, own.port)

    def attach(self, context: BrowserContext) -> None:
        """Guard every page of ``context``, those opened later included."""
        context.route("**/*", self._route)
        context.expose_binding("__safepassageGuard", self._on_policy_violation)
        context.add_init_script(_CSP_LISTENER)
        context.on("page", self._watch)
        context.on("response", self._on_response)

    def _route(self, route: Route, request: Request) -> None:
        if self.allows(request.url):
            route.continue_()
        else:
            self.outside.append(f"{request.method} {request.url} ({request.resource_type})")
            route.abort("blockedbyclient")

    def _on_policy_violation(
        self, source: Any, directive: str, blocked: str, where: str, line: int
    ) -> None:
        if urlsplit(blocked).scheme in ("http", "https", "ws", "wss") and not self.allows(blocked):
            self.outside.append(f"{blocked} (stopped by the page's CSP, {directive})")
        else:
            self.refused.append(f"{directive} refused {blocked or 'a resource'} ({where}:{line})")

    def _watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))
        page.on("websocket", self._on_websocket)

    def _on_websocket(self, socket: Any) -> None:
        if urlsplit(socket.url).hostname != urlsplit(self.origin).hostname:
            self.outside.append(f"WEBSOCKET {socket.url}")

    def _on_response(self, response: Any) -> None:
        if response.status >= 400 and urlsplit(response.url).path.startswith("/static/"):
            self.broken_assets.append(f"{response.status} {response.url}")

    def problems(self) -> list[str]:
        """Everything that fails a test, in words."""
        found = [f"request outside the app: {r}" for r in self.outside]
        found += [f"Content-Security-Policy: {r}" for r in self.refused]
        found += [f"JavaScript error: {e}" for e in self.page_errors]
        found += [f"static file failed: {a}" for a in self.broken_assets]
        return found

    def assert_clean(self) -> None:
        """Fail with every recorded problem, if any."""
        found = self.problems()
        assert not found, "The page broke the browser rules:\n" + "\n".join(found)

    def clear(self) -> None:
        """Forget what was recorded (for tests of the guard itself)."""
        for found in (self.outside, self.refused, self.page_errors, self.broken_assets):
            found.clear()


class BrowserSession:
    """Opens guarded browser contexts on the app and signs personas in."""

    def __init__(self, browser: Browser, origin: str) -> None:
        self.browser = browser
        self.origin = origin
        self.guards: list[RequestGuard] = []
        self.contexts: list[BrowserContext] = []

    def new_page(self, **options: Any) -> Page:
        """A fresh, signed-out page in its own context (own cookies), guarded."""
        settings = {**DESKTOP, **options}
        context = self.browser.new_context(
            base_url=self.origin,
            service_workers="block",
            locale="en-GB",
            timezone_id="Asia/Karachi",
            **settings,
        )
        context.set_default_timeout(TIMEOUT_MS)
        guard = RequestGuard(self.origin)
        guard.attach(context)
        self.guards.append(guard)
        self.contexts.append(context)
        return context.new_page()

    def sign_in(self, persona: str, **options: Any) -> Page:
        """A page signed in as ``persona`` through the real sign-in form."""
        page = self.new_page(**options)
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(persona)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    def settle(self) -> None:
        """Let each open page deliver the guard reports still on their way."""
        for context in self.contexts:
            for page in context.pages:
                try:
                    page.evaluate("() => new Promise((done) => setTimeout(done, 50))")
                except PlaywrightError:  # closed, or showing the browser's own error page
                    continue

    def close(self) -> None:
        """Close every context this session opened."""
        for context in self.contexts:
            context.close()


def wait_until(page: Page, condition: Callable[[], object], timeout_ms: int = 5_000) -> None:
    """Pump the page's events until ``condition()`` is true; fail after ``timeout_ms``."""
    waited = 0
    while not condition():
        if waited >= timeout_ms:
            pytest.fail(f"Nothing happened within {timeout_ms} ms.")
        page.wait_for_timeout(25)
        waited += 25


@pytest.fixture(scope="session")
def chromium(app_server: str) -> Iterator[Browser]:
    """Debian's Chromium, started once for the run's browser tests.

    Playwright's synchronous API keeps an asyncio loop marked as running in this thread while
    it is open, which changes two things in Django. Its ORM refuses calls under a running
    loop: the tests' set-up and checks are plain synchronous code, so that check is lifted
    until Chromium is closed (the browser tests run after all others, so no other test runs
    under it). And its per-thread connection storage becomes a per-context one that starts
    empty: this thread's connections are put there, so the tests, pytest-django's flush and
    restore between tests, and the app server keep using the same connection objects.
    (Depending on ``app_server`` makes this close before the test database goes away.)
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: install Debian's `chromium` (.ci/run does), "
            "or set SAFEPASSAGE_CHROMIUM."
        )
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    originals = {alias: connections[alias] for alias in connections}
    try:
        with sync_playwright() as playwright:
            for alias, conn in originals.items():
                connections[alias] = conn
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            yield browser
            browser.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def browser(
    request: pytest.FixtureRequest, app_server: str, chromium: Browser, world: Any
) -> Iterator[BrowserSession]:
    """Guarded pages on the app with the world's personas; each test gets fresh contexts
    (no cookie survives it) and fails on anything its guards found."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        pytest.fail("Browser test modules must set `pytestmark = BROWSER_DB` (tests/browser).")
    session = BrowserSession(chromium, app_server)
    try:
        yield session
        session.settle()
        failed = getattr(request.node, "report_call", None)
        if failed is not None and failed.failed:
            for index, context in enumerate(session.contexts):
                for number, page in enumerate(context.pages):
                    name = f"FAILED-{request.node.name}-{index}-{number}"
                    shot(page, re.sub(r"[^A-Za-z0-9_.-]+", "_", name))
    finally:
        session.close()
    for guard in session.guards:
        guard.assert_clean()


def shot(page: Page, name: str) -> Path:
    """Save a full-page screenshot of ``page`` as ``<name>.png`` in this run's folder."""
    folder = screenshot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    _SHOTS.append(path)
    return path

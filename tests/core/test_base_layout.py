"""The base layout's header: at phone width the navigation folds behind a "Menu" button
(tests/browser/test_browser_nav.py checks the behaviour in Chromium); without JavaScript the
button stays hidden and every link stays reachable."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.conftest import World


class _Header(HTMLParser):
    """Collects the start tags inside <header class="top"> with their attributes, and the
    id of the innermost open element around each link."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.stack: list[dict[str, str]] = []
        self.links_in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "header" and "top" in found.get("class", "").split():
            self.depth = 1
            return
        if not self.depth:
            return
        self.tags.append((tag, found))
        if tag == "a":
            self.links_in.append(" ".join(a.get("id", "") for a in self.stack))
        elif tag not in ("input", "br", "img"):
            self.stack.append(found)

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag == "header":
            self.depth = 0
        elif self.depth and self.stack and tag not in ("a",):
            self.stack.pop()


def header_of(html: str) -> _Header:
    parser = _Header()
    parser.feed(html)
    return parser


def test_the_menu_button_controls_the_wrapper_around_the_navigation(
    world: World, login: Any
) -> None:
    html = login("officer").get(reverse("dashboard:home")).content.decode()
    header = header_of(html)
    buttons = [
        a for tag, a in header.tags if tag == "button" and "menu-toggle" in a.get("class", "")
    ]
    assert len(buttons) == 1
    (button,) = buttons
    assert button["type"] == "button"
    assert button["aria-expanded"] == "false"
    assert button["aria-controls"] == "site-menu"
    assert re.search(r'class="menu-toggle"[^>]*>Menu</button>', html)
    # The button comes before what it controls, which holds the nav, the user and sign-out.
    names = [(tag, a.get("id") or a.get("class", "")) for tag, a in header.tags]
    assert names.index(("button", "menu-toggle")) < names.index(("div", "site-menu"))
    assert html.count('id="site-menu"') == 1
    assert all("site-menu" in where.split() for where in header.links_in[1:])
    assert header.tags[0] == ("a", {"class": "brand", "href": reverse("core:home")})
    assert '<nav aria-label="Main">' in html
    menu = html.split('id="site-menu"', 1)[1]
    assert menu.index('<nav aria-label="Main">') < menu.index("Sign out")


def test_the_skip_link_still_comes_first_and_the_menu_script_is_a_static_file(
    world: World, login: Any
) -> None:
    html = login("analyst").get(reverse("dashboard:home")).content.decode()
    body = html.split("<body>", 1)[1]
    assert body.lstrip().startswith('<a class="skip-link" href="#main">')
    assert '<script src="/static/safepassage/nav.js"></script>' in html
    script = finders.find("safepassage/nav.js")
    assert script, "nav.js must be a static file of the app"
    with open(script, encoding="utf-8") as handle:
        code = handle.read()
    assert 'classList.add("js-menu")' in code and "aria-expanded" in code
    assert "Escape" in code


def test_without_javascript_the_menu_stays_open() -> None:
    """The collapsed state needs the class nav.js sets; the stylesheet hides the button and
    shows the menu otherwise, so no link is hidden from a browser without JavaScript."""
    css_path = finders.find("safepassage/app.css")
    assert css_path
    with open(css_path, encoding="utf-8") as handle:
        css = handle.read()
    assert "header.top .menu-toggle { display:none; }" in css
    assert "header.top .site-menu { display:contents; }" in css
    phone = css.split("@media (max-width: 800px) {", 1)[1].split("\n}\n", 1)[0]
    rules = re.findall(r"^\s*([^{\n]+)\{", phone, re.M)
    assert len(rules) >= 5
    for rule in rules:
        assert rule.strip().startswith(".js-menu "), f"phone rule without .js-menu: {rule}"


def test_a_signed_out_page_has_no_menu(db: Any, client: Any) -> None:
    html = client.get(reverse("accounts:login")).content.decode()
    assert "menu-toggle" not in html and 'id="site-menu"' not in html

"""The map page: one per persona, only the layers the role may see, only the app's own assets."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db

PAGE = "/dashboard/map/"
STATIC = Path(__file__).resolve().parents[2] / "safepassage" / "dashboard" / "static" / "dashboard"
URL_ATTRIBUTES = {"src", "href", "action", "data-basemap", "data-incidents", "data-sites"}
URL_ATTRIBUTES |= {"data-hexagons", "data-movements", "poster", "srcset"}


class References(HTMLParser):
    """Every URL the page could load or send the browser to."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value:
                self.urls.append((tag, name, value))
            if name == "style" and value and "url(" in value:
                self.urls.append((tag, name, value))
        self._in_script = tag == "script" and not dict(attrs).get("src")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def references(client: Client) -> References:
    response = client.get(PAGE)
    assert response.status_code == 200
    parser = References()
    parser.feed(response.content.decode())
    return parser


@pytest.mark.parametrize(
    ("persona", "boxes"),
    [
        ("admin", {"incidents", "sites", "hexagons", "under_way", "planned"}),
        ("coordinator", {"incidents", "sites", "hexagons", "under_way", "planned"}),
        ("commander", {"incidents", "sites", "hexagons", "under_way", "planned"}),
        ("officer", {"incidents", "sites", "hexagons", "under_way", "planned"}),
        ("analyst", {"incidents", "sites", "hexagons"}),
        ("liaison", {"incidents", "sites", "hexagons", "under_way", "planned"}),
        ("viewer", {"incidents", "sites", "hexagons"}),
    ],
)
def test_it_offers_each_persona_the_layers_their_role_may_see(
    world: Any, login: Any, persona: str, boxes: set[str]
):
    html = login(persona).get(PAGE).content.decode()
    assert set(re.findall(r'data-layer="([a-z_]+)"', html)) == boxes


def test_it_sends_a_signed_out_visitor_to_the_login_page(world: Any, client: Client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_references_only_the_apps_own_assets(world: Any, login: Any):
    parser = references(login("coordinator"))
    assert parser.urls, "the page should reference its scripts and styles"
    for tag, attribute, url in parser.urls:
        if url.startswith("#"):
            continue  # a place on the same page (the skip link)
        assert url.startswith("/") and not url.startswith("//"), (tag, attribute, url)
        assert "url(" not in url, (tag, attribute, url)
    assert parser.inline_scripts == 0


def test_it_serves_every_asset_the_page_loads_from_the_app(world: Any, login: Any):
    client = login("coordinator")
    static = [url for _, _, url in references(client).urls if url.startswith("/static/")]
    assert {u.rsplit("/", 1)[-1] for u in static} >= {
        "leaflet.js",
        "leaflet.css",
        "leaflet.markercluster.js",
        "MarkerCluster.css",
        "map.js",
        "map.css",
        "basemap.geojson",
    }
    for url in static:
        found = finders.find(url.removeprefix("/static/"))
        assert found, f"{url} is not among the static files; run `bash scripts/assets.sh`"
        response = client.get(url)
        assert response.status_code == 200, url
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)  # type: ignore[arg-type]


def test_its_stylesheets_load_nothing_from_outside(world: Any):
    sheets = [STATIC / "map.css", *sorted((STATIC / "vendor").rglob("*.css"))]
    assert len(sheets) >= 4, "vendor stylesheets missing; run `bash scripts/assets.sh`"
    for sheet in sheets:
        text = sheet.read_text()
        for target in re.findall(r"url\(\s*['\"]?([^'\")]+)", text):
            assert not re.match(r"^(https?:)?//", target), (sheet.name, target)
            if not target.startswith(("data:", "#")):  # "#default#VML" is an old IE behaviour
                assert (sheet.parent / target).is_file(), (sheet.name, target)
        assert "@import" not in text, sheet.name


def test_its_script_fetches_only_the_urls_the_page_gives_it(world: Any):
    script = (STATIC / "map.js").read_text()
    assert not re.search(r"https?://", script)
    # No tile layer: the background is the basemap file, never a tile server.
    assert "tileLayer" not in script
    assert "innerHTML = " not in script.replace("holder.innerHTML", "")


def test_it_shows_what_is_wrong_with_bad_filters_in_the_page(world: Any, login: Any):
    response = login("viewer").get(PAGE, {"date_from": "yesterday", "province": "Atlantis"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "date_from: Give a date as YYYY-MM-DD" in html
    assert "Unknown province &#x27;Atlantis&#x27;" in html
    # The form falls back to defaults rather than echoing the bad values.
    assert 'value="yesterday"' not in html


def test_it_keeps_good_filters_in_the_form(world: Any, login: Any):
    html = login("viewer").get(PAGE, {"province": "NWFP", "kind": "attack"}).content.decode()
    assert "<option selected>Khyber Pakhtunkhwa</option>" in html
    assert '<option value="attack" selected>' in html


def test_it_refuses_anything_but_get(world: Any, login: Any):
    assert login("viewer").post(PAGE).status_code == 405

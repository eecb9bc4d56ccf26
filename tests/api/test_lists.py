"""Lists filter with the web list's FilterSet and paginate with limit, offset and a total."""

from __future__ import annotations

from typing import Any

from safepassage.registry import models as m
from tests.api.conftest import World

R = "/api/registry"


def add_sites(world: World, count: int, **fields: Any) -> list[m.Site]:
    """``count`` more sites of organisation Alpha, named uniquely."""
    defaults: dict[str, Any] = {
        "organisation": world.org_a,
        "kind": "camp",
        "lat": 34.0,
        "lon": 72.0,
        "province": "KP",
        "district": "Swat",
        "posture": 2,
    }
    defaults.update(fields)
    start = m.Site.objects.count()
    return [m.Site.objects.create(name=f"Extra {start + i:03d}", **defaults) for i in range(count)]


def test_the_sites_list_filters_like_the_web_list(api_world: World, admin: Any) -> None:
    wanted = add_sites(api_world, 2, kind="project_site", posture=4)
    add_sites(api_world, 1, kind="project_site", posture=2, province="PB")
    add_sites(api_world, 1, kind="camp", posture=5)
    response = admin.get(f"{R}/sites/", province="KP", kind="project_site", min_posture="3")
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 2
    assert {item["id"] for item in page["items"]} == {site.pk for site in wanted}


def test_pages_cover_every_item_once_with_the_total(api_world: World, coordinator: Any) -> None:
    add_sites(api_world, 11)
    seen: list[int] = []
    offset = 0
    while True:
        page = coordinator.get(f"{R}/sites/", limit="5", offset=str(offset)).json()
        assert page["count"] == 12
        assert (page["limit"], page["offset"]) == (5, offset)
        if not page["items"]:
            break
        seen += [item["id"] for item in page["items"]]
        offset += 5
    assert len(seen) == len(set(seen)) == 12


def test_the_default_page_is_fifty(api_world: World, coordinator: Any) -> None:
    add_sites(api_world, 60)
    page = coordinator.get(f"{R}/sites/").json()
    assert (page["count"], page["limit"], len(page["items"])) == (61, 50, 50)


def test_name_search_and_boolean_filters_work(api_world: World, admin: Any) -> None:
    assert [o["name"] for o in admin.get(f"{R}/organisations/", q="beta").json()["items"]] == [
        "Beta Cement Security Office"
    ]
    armoured = admin.get(f"{R}/vehicles/", armoured="true").json()["items"]
    assert [v["registration"] for v in armoured] == ["KP-1001"]


def test_filters_apply_inside_the_scope_only(api_world: World, coordinator: Any) -> None:
    # Beta Plant is a KP project site too, but not the coordinator's.
    page = coordinator.get(f"{R}/sites/", kind="project_site").json()
    assert page["count"] == 0


def test_each_item_carries_every_field_with_foreign_keys_as_ids(
    api_world: World, admin: Any
) -> None:
    item = admin.get(f"{R}/sites/{api_world.site_a.pk}").json()
    assert item == {
        "id": api_world.site_a.pk,
        "organisation": api_world.org_a.pk,
        "project": api_world.project_a.pk,
        "name": "Alpha Camp",
        "kind": "camp",
        "lat": 35.1,
        "lon": 72.9,
        "province": "KP",
        "district": "Swat",
        "posture": 3,
        "guard_strength": 30,
        "responsible_unit": api_world.unit.pk,
        "notes": "",
    }

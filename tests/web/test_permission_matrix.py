"""Every registry page × every persona (and anonymous): who is allowed, who is refused.

The expectations are written out by hand from the product's rules, not derived from the
policy module, so a change to the policy that widens or narrows access makes this fail.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import ROLES, World

# resource key -> url name -> object attribute names in the world
OBJECTS = {
    "organisations": ("organisation", ["spu_kp", "spu_sd", "hydro", "port", "ministry_cn"]),
    "projects": ("project", ["dasu", "port_project"]),
    "sites": ("site", ["camp", "office"]),
    "people": ("person", ["engineer", "clerk"]),
    "units": ("unit", ["unit_kp", "unit_sd"]),
    "vehicles": ("vehicle", ["vehicle_kp", "vehicle_sd"]),
}

ALL = {key: set(names) for key, (_, names) in OBJECTS.items()}
NONE = None  # the role may not list this resource at all (403)

# What each persona may VIEW, per resource.
VISIBLE: dict[str, dict[str, set[str] | None]] = {
    "admin": ALL,
    "coordinator": {
        "organisations": {"hydro"},
        "projects": {"dasu"},
        "sites": {"camp"},
        "people": {"engineer"},
        "units": ALL["units"],
        "vehicles": ALL["vehicles"],
    },
    "commander": {
        "organisations": ALL["organisations"],
        "projects": {"dasu"},
        "sites": {"camp"},
        "people": {"engineer"},
        "units": {"unit_kp"},
        "vehicles": {"vehicle_kp"},
    },
    "officer": {
        "organisations": ALL["organisations"],
        "projects": {"dasu"},
        "sites": {"camp"},
        "people": {"engineer"},
        "units": {"unit_kp"},
        "vehicles": {"vehicle_kp"},
    },
    "analyst": {
        "organisations": ALL["organisations"],
        "projects": ALL["projects"],
        "sites": ALL["sites"],
        "people": NONE,
        "units": ALL["units"],
        "vehicles": ALL["vehicles"],
    },
    "liaison": {
        "organisations": {"ministry_cn"},
        "projects": NONE,
        "sites": {"camp"},
        "people": {"engineer"},
        "units": NONE,
        "vehicles": NONE,
    },
    "viewer": {
        "organisations": {"hydro"},
        "projects": {"dasu"},
        "sites": {"camp"},
        "people": NONE,
        "units": NONE,
        "vehicles": NONE,
    },
}

# Which resources each persona may create, and which objects it may edit.
CAN_ADD = {
    "admin": set(OBJECTS),
    "coordinator": {"projects", "sites", "people"},
    "commander": {"vehicles"},
}
EDITABLE = {
    "admin": ALL,
    "coordinator": {"projects": {"dasu"}, "sites": {"camp"}, "people": {"engineer"}},
    "commander": {"sites": {"camp"}, "units": {"unit_kp"}, "vehicles": {"vehicle_kp"}},
}
DELETABLE = {
    "admin": ALL,
    "coordinator": {"projects": {"dasu"}, "sites": {"camp"}, "people": {"engineer"}},
    "commander": {"vehicles": {"vehicle_kp"}},
}

CASES = [(persona, key) for persona in ROLES for key in OBJECTS]


@pytest.mark.parametrize(("persona", "key"), CASES)
def test_list_pages_show_exactly_the_personas_scope(
    world: World, login, persona: str, key: str
) -> None:
    name, objects = OBJECTS[key]
    client = login(persona)
    response = client.get(reverse(f"registry:{name}-list"))
    expected = VISIBLE[persona][key]
    if expected is NONE:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    shown = {str(obj) for obj, _ in response.context["rows"]}
    assert shown == {str(getattr(world, attr)) for attr in expected}


@pytest.mark.parametrize(("persona", "key"), CASES)
def test_detail_pages_answer_404_outside_scope(world: World, login, persona: str, key: str) -> None:
    name, objects = OBJECTS[key]
    client = login(persona)
    visible = VISIBLE[persona][key] or set()
    for attr in objects:
        obj = getattr(world, attr)
        response = client.get(reverse(f"registry:{name}-detail", args=[obj.pk]))
        assert response.status_code == (200 if attr in visible else 404), (persona, attr)


@pytest.mark.parametrize(("persona", "key"), CASES)
def test_create_pages_follow_the_role(world: World, login, persona: str, key: str) -> None:
    name, _ = OBJECTS[key]
    client = login(persona)
    response = client.get(reverse(f"registry:{name}-create"))
    assert response.status_code == (200 if key in CAN_ADD.get(persona, set()) else 403)


@pytest.mark.parametrize(("persona", "key"), CASES)
def test_edit_pages_follow_role_and_scope(world: World, login, persona: str, key: str) -> None:
    name, objects = OBJECTS[key]
    client = login(persona)
    editable = EDITABLE.get(persona, {}).get(key, set())
    for attr in objects:
        obj = getattr(world, attr)
        response = client.get(reverse(f"registry:{name}-edit", args=[obj.pk]))
        assert response.status_code == (200 if attr in editable else 404), (persona, attr)


@pytest.mark.parametrize(("persona", "key"), CASES)
def test_delete_is_refused_outside_role_and_scope(
    world: World, login, persona: str, key: str
) -> None:
    name, objects = OBJECTS[key]
    client = login(persona)
    deletable = DELETABLE.get(persona, {}).get(key, set())
    for attr in objects:
        obj = getattr(world, attr)
        if attr in deletable:
            continue  # deletion success is covered below; deleting here would change the world
        response = client.post(reverse(f"registry:{name}-delete", args=[obj.pk]))
        assert response.status_code == 404, (persona, attr)
        assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("key", list(OBJECTS))
def test_anonymous_visitors_are_sent_to_sign_in(world: World, client, key: str) -> None:
    name, objects = OBJECTS[key]
    obj = getattr(world, objects[0])
    for url in (
        reverse(f"registry:{name}-list"),
        reverse(f"registry:{name}-create"),
        reverse(f"registry:{name}-detail", args=[obj.pk]),
        reverse(f"registry:{name}-edit", args=[obj.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", ROLES + ["anonymous"])
def test_audit_log_page_is_for_administrators_only(world: World, login, persona: str) -> None:
    response = login(persona).get(reverse("audit:log"))
    if persona == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == (200 if persona == "admin" else 403)


@pytest.mark.parametrize("persona", ROLES + ["anonymous"])
def test_admin_site_is_for_administrators_only(world: World, login, persona: str) -> None:
    response = login(persona).get("/admin/")
    if persona == "admin":
        assert response.status_code == 200
    else:
        assert response.status_code == 302  # the admin sends everyone else to its login


def test_a_coordinator_cannot_move_a_site_into_another_organisation(world: World, login) -> None:
    client = login("coordinator")
    camp = world.camp
    data = {
        "organisation": world.port.pk,
        "name": camp.name,
        "kind": camp.kind,
        "lat": camp.lat,
        "lon": camp.lon,
        "province": camp.province,
        "district": camp.district,
        "posture": camp.posture,
        "guard_strength": camp.guard_strength,
        "notes": "",
    }
    response = client.post(reverse("registry:site-edit", args=[camp.pk]), data)
    assert response.status_code == 400  # port is not a choice the coordinator can see
    camp.refresh_from_db()
    assert camp.organisation_id == world.hydro.pk


def test_a_commander_may_edit_a_site_in_the_region_but_not_move_it_out(world: World, login) -> None:
    client = login("commander")
    camp = world.camp
    base = {
        "organisation": world.hydro.pk,
        "name": camp.name,
        "kind": camp.kind,
        "lat": camp.lat,
        "lon": camp.lon,
        "district": camp.district,
        "posture": 5,
        "guard_strength": 60,
        "notes": "",
        "responsible_unit": world.unit_kp.pk,
    }
    moved = client.post(reverse("registry:site-edit", args=[camp.pk]), base | {"province": "SD"})
    assert moved.status_code == 400
    assert "outside" in moved.content.decode()
    camp.refresh_from_db()
    assert (camp.province, camp.posture) == ("KP", 4)
    raised = client.post(reverse("registry:site-edit", args=[camp.pk]), base | {"province": "KP"})
    assert raised.status_code == 302
    camp.refresh_from_db()
    assert camp.posture == 5


def test_a_coordinator_deletes_a_person_of_their_own_organisation(world: World, login) -> None:
    response = login("coordinator").post(
        reverse("registry:person-delete", args=[world.engineer.pk])
    )
    assert response.status_code == 302
    assert not type(world.engineer).objects.filter(pk=world.engineer.pk).exists()


def test_home_page_counts_only_what_the_persona_sees(world: World, login) -> None:
    response = login("liaison").get(reverse("core:home"))
    assert response.status_code == 200
    counts = {item["section"].title: item["count"] for item in response.context["sections"]}
    registry = {
        k: v
        for k, v in counts.items()
        if k
        in {
            "Organisations",
            "Projects",
            "Sites",
            "Protected people",
            "Protection units",
            "Vehicles",
            "Audit log",
        }
    }
    assert registry == {"Organisations": 1, "Sites": 1, "Protected people": 1}

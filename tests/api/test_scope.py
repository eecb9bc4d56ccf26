"""No object leaks across organisations or scopes, in answers or in foreign-key ids."""

from __future__ import annotations

from typing import Any

import pytest

from safepassage.audit.models import AuditRecord
from safepassage.registry import models as m
from tests.api.conftest import World

R = "/api/registry"


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


@pytest.mark.parametrize(
    ("key", "own", "other"),
    [
        ("sites", "site_a", "site_b"),
        ("people", "person_a", "person_b"),
        ("projects", "project_a", "project_b"),
    ],
)
def test_a_coordinator_never_sees_or_touches_another_organisations_records(
    api_world: World, coordinator: Any, key: str, own: str, other: str
) -> None:
    mine, theirs = getattr(api_world, own), getattr(api_world, other)
    assert ids(coordinator.get(f"{R}/{key}/")) == {mine.pk}
    missing = coordinator.get(f"{R}/{key}/999999")
    for response in (
        coordinator.get(f"{R}/{key}/{theirs.pk}"),
        coordinator.patch(f"{R}/{key}/{theirs.pk}", {}),
        coordinator.delete(f"{R}/{key}/{theirs.pk}"),
    ):
        assert response.status_code == 404
        # The answer for "not yours" is the answer for "does not exist".
        assert response.json() == missing.json()
    assert type(theirs).objects.filter(pk=theirs.pk).exists()


def test_the_other_organisations_coordinator_sees_only_theirs(
    api_world: World, as_token: Any
) -> None:
    other = as_token("coordinator_b")
    assert ids(other.get(f"{R}/sites/")) == {api_world.site_b.pk}
    assert ids(other.get(f"{R}/people/")) == {api_world.person_b.pk}
    assert other.get(f"{R}/people/{api_world.person_a.pk}").status_code == 404


def test_a_liaison_sees_only_their_nationals_and_the_sites_they_live_at(
    api_world: World, liaison: Any
) -> None:
    assert ids(liaison.get(f"{R}/people/")) == {api_world.person_a.pk}
    assert ids(liaison.get(f"{R}/sites/")) == {api_world.site_a.pk}
    assert liaison.get(f"{R}/people/{api_world.person_b.pk}").status_code == 404
    assert liaison.get(f"{R}/sites/{api_world.site_b.pk}").status_code == 404


def test_regional_roles_see_only_their_provinces(api_world: World, commander: Any) -> None:
    assert ids(commander.get(f"{R}/units/")) == {api_world.unit.pk}
    assert ids(commander.get(f"{R}/vehicles/")) == {api_world.vehicle.pk}
    assert commander.get(f"{R}/units/{api_world.unit_sd.pk}").status_code == 404


def test_a_foreign_key_to_an_object_outside_the_callers_scope_is_returned_as_null(
    api_world: World, commander: Any, liaison: Any
) -> None:
    # Beta Plant (KP) is guarded by the Sindh unit, which the KP commander may not see.
    site_b = commander.get(f"{R}/sites/{api_world.site_b.pk}").json()
    assert site_b["responsible_unit"] is None
    assert site_b["organisation"] == api_world.org_b.pk
    # The liaison follows a Chinese engineer but may not see the employer or the project.
    person = liaison.get(f"{R}/people/{api_world.person_a.pk}").json()
    assert person["organisation"] is None
    assert person["project"] is None
    assert person["home_site"] == api_world.site_a.pk
    listed = liaison.get(f"{R}/people/").json()["items"]
    assert listed == [person]


def test_the_same_foreign_keys_are_shown_to_a_role_that_may_see_them(
    api_world: World, admin: Any
) -> None:
    site_b = admin.get(f"{R}/sites/{api_world.site_b.pk}").json()
    assert site_b["responsible_unit"] == api_world.unit_sd.pk
    assert site_b["project"] == api_world.project_b.pk


def test_it_rejects_a_related_object_outside_the_callers_scope_on_create(
    api_world: World, coordinator: Any
) -> None:
    before = AuditRecord.objects.count()
    response = coordinator.post(
        f"{R}/sites/",
        {
            "organisation": api_world.org_b.pk,
            "project": api_world.project_b.pk,
            "name": "Sneaky Site",
            "kind": "camp",
            "lat": 34.0,
            "lon": 72.0,
            "province": "KP",
            "district": "Swat",
        },
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"organisation", "project"}
    assert not m.Site.objects.filter(name="Sneaky Site").exists()
    assert AuditRecord.objects.count() == before


def test_it_rejects_moving_an_object_to_another_organisation_on_update(
    api_world: World, coordinator: Any
) -> None:
    response = coordinator.patch(
        f"{R}/people/{api_world.person_a.pk}", {"organisation": api_world.org_b.pk}
    )
    assert response.status_code == 422
    assert "organisation" in response.json()["errors"]
    assert (
        m.ProtectedPerson.objects.get(pk=api_world.person_a.pk).organisation_id
        == api_world.org_a.pk
    )


def test_a_change_that_would_move_an_object_out_of_scope_is_refused_and_rolled_back(
    api_world: World, commander: Any
) -> None:
    before = AuditRecord.objects.count()
    response = commander.patch(f"{R}/sites/{api_world.site_a.pk}", {"province": "SD"})
    assert response.status_code == 403
    assert "outside" in response.json()["detail"]
    assert m.Site.objects.get(pk=api_world.site_a.pk).province == "KP"
    assert AuditRecord.objects.count() == before


def test_an_object_the_caller_may_see_but_not_change_answers_403(
    api_world: World, as_token: Any, commander: Any
) -> None:
    # Another KP unit's vehicle lies in the commander's region (visible) but not their unit.
    other_unit_vehicle = m.Vehicle.objects.create(
        unit=m.ProtectionUnit.objects.create(
            organisation=api_world.police,
            code="kp-9",
            name="KP Company 9",
            base_name="Dir",
            base_lat=35.2,
            base_lon=71.9,
            province="KP",
            strength=10,
            available_strength=5,
        ),
        registration="KP-9009",
        model_name="Hilux",
        seats=5,
    )
    assert commander.get(f"{R}/vehicles/{other_unit_vehicle.pk}").status_code == 200
    response = commander.patch(f"{R}/vehicles/{other_unit_vehicle.pk}", {"seats": 4})
    assert response.status_code == 403
    assert commander.delete(f"{R}/vehicles/{other_unit_vehicle.pk}").status_code == 403
    assert m.Vehicle.objects.get(pk=other_unit_vehicle.pk).seats == 5


def test_a_commander_may_not_add_a_vehicle_to_a_unit_outside_their_own(
    api_world: World, commander: Any
) -> None:
    response = commander.post(
        f"{R}/vehicles/",
        {"unit": api_world.unit_sd.pk, "registration": "SD-7", "model_name": "Prado", "seats": 5},
    )
    # The Sindh unit is outside the commander's view, so the form does not offer it.
    assert response.status_code == 422
    assert "unit" in response.json()["errors"]


def test_filters_cannot_name_related_objects_outside_the_scope(
    api_world: World, coordinator: Any
) -> None:
    response = coordinator.get(f"{R}/sites/", organisation=api_world.org_b.pk)
    assert response.status_code == 422
    assert "organisation" in response.json()["errors"]


def test_an_update_keeps_a_reference_the_caller_cannot_see_unless_it_changes_it(
    api_world: World, commander: Any
) -> None:
    site_b = api_world.site_b.pk
    response = commander.patch(f"{R}/sites/{site_b}", {"posture": 4})
    assert response.status_code == 200, response.content
    stored = m.Site.objects.get(pk=site_b)
    assert (stored.posture, stored.responsible_unit_id) == (4, api_world.unit_sd.pk)
    # Sending the current id back is not a new reference either.
    echoed = commander.patch(f"{R}/sites/{site_b}", {"responsible_unit": api_world.unit_sd.pk})
    assert echoed.status_code == 200
    # Pointing at it afresh from another site is.
    fresh = commander.patch(
        f"{R}/sites/{api_world.site_a.pk}", {"responsible_unit": api_world.unit_sd.pk}
    )
    assert fresh.status_code == 422
    assert m.Site.objects.get(pk=api_world.site_a.pk).responsible_unit_id == api_world.unit.pk


def test_sending_back_what_was_read_does_not_erase_a_hidden_reference(
    api_world: World, commander: Any
) -> None:
    path = f"{R}/sites/{api_world.site_b.pk}"
    read = commander.get(path).json()
    assert read["responsible_unit"] is None
    read.pop("id")
    read["guard_strength"] = 14
    response = commander.patch(path, read)
    assert response.status_code == 200, response.content
    stored = m.Site.objects.get(pk=api_world.site_b.pk)
    assert (stored.guard_strength, stored.responsible_unit_id) == (14, api_world.unit_sd.pk)

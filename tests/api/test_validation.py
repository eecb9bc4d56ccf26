"""Malformed, hostile and oversized input gets a clear 4xx JSON answer, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from safepassage.audit.models import AuditRecord
from safepassage.registry import models as m
from tests.api.conftest import World

R = "/api/registry"


def good_site(world: World, **changes: Any) -> dict[str, Any]:
    body = {
        "organisation": world.org_a.pk,
        "name": "Alpha Quarry",
        "kind": "project_site",
        "lat": 34.8,
        "lon": 72.3,
        "province": "KP",
        "district": "Swat",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def assert_invalid(response: Any, *fields: str, status: int = 422) -> dict[str, list[str]]:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert body["detail"]
    for field in fields:
        assert body["errors"].get(field), body
    return body["errors"]  # type: ignore[no-any-return]


def test_a_valid_site_is_created_with_the_model_defaults(
    api_world: World, coordinator: Any
) -> None:
    response = coordinator.post(f"{R}/sites/", good_site(api_world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["posture"] == 2
    assert body["guard_strength"] == 0
    assert body["organisation"] == api_world.org_a.pk
    assert m.Site.objects.get(pk=body["id"]).name == "Alpha Quarry"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lat": 91.0}, "lat"),
        ({"lat": -90.5}, "lat"),
        ({"lon": 180.01}, "lon"),
        ({"lon": -1000}, "lon"),
    ],
)
def test_it_rejects_bad_coordinates_with_the_forms_message(
    api_world: World, coordinator: Any, changes: dict[str, Any], field: str
) -> None:
    errors = assert_invalid(coordinator.post(f"{R}/sites/", good_site(api_world, **changes)), field)
    assert "Ensure this value is" in errors[field][0]


def test_it_rejects_not_a_number_coordinates(api_world: World, coordinator: Any) -> None:
    response = coordinator.post(
        f"{R}/sites/",
        raw=b'{"organisation": %d, "name": "N", "kind": "camp", "lat": NaN, '
        b'"lon": Infinity, "province": "KP", "district": "Swat"}' % api_world.org_a.pk,
    )
    assert_invalid(response, "lat", "lon")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "castle"}, "kind"),
        ({"province": "XX"}, "province"),
        ({"posture": 9}, "posture"),
        ({"posture": "high"}, "posture"),
    ],
)
def test_it_rejects_an_unknown_choice(
    api_world: World, coordinator: Any, changes: dict[str, Any], field: str
) -> None:
    assert_invalid(coordinator.post(f"{R}/sites/", good_site(api_world, **changes)), field)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lat": "north"}, "lat"),
        ({"name": 12}, "name"),
        ({"name": ["a"]}, "name"),
        ({"organisation": "alpha"}, "organisation"),
        ({"organisation": {"id": 1}}, "organisation"),
        ({"guard_strength": 1.5}, "guard_strength"),
        ({"guard_strength": -3}, "guard_strength"),
        ({"guard_strength": 10**30}, "guard_strength"),
        ({"organisation": 10**30}, "organisation"),
        ({"organisation": 0}, "organisation"),
    ],
)
def test_it_rejects_wrong_types_and_out_of_range_numbers(
    api_world: World, coordinator: Any, changes: dict[str, Any], field: str
) -> None:
    assert_invalid(coordinator.post(f"{R}/sites/", good_site(api_world, **changes)), field)


def test_it_names_every_missing_required_field(api_world: World, coordinator: Any) -> None:
    errors = assert_invalid(coordinator.post(f"{R}/sites/", {"name": "Half a site"}))
    assert set(errors) == {"organisation", "kind", "lat", "lon", "province", "district"}


def test_an_empty_body_on_create_names_the_missing_fields(
    api_world: World, coordinator: Any
) -> None:
    errors = assert_invalid(coordinator.post(f"{R}/projects/", raw=b""))
    assert {"organisation", "code", "name", "province"} <= set(errors)


def test_it_rejects_unknown_fields(api_world: World, coordinator: Any) -> None:
    assert_invalid(
        coordinator.post(f"{R}/sites/", good_site(api_world, passport_number="X1")),
        "passport_number",
    )


def test_it_rejects_a_megabyte_string_without_echoing_it(
    api_world: World, coordinator: Any
) -> None:
    huge = "A" * 1_000_000
    before = AuditRecord.objects.count()
    response = coordinator.post(f"{R}/sites/", good_site(api_world, name=huge, notes=huge))
    errors = assert_invalid(response, "name", "notes")
    assert len(response.content) < 2000
    assert AuditRecord.objects.count() == before
    assert errors


def test_it_rejects_a_megabyte_string_on_update(api_world: World, coordinator: Any) -> None:
    response = coordinator.patch(
        f"{R}/people/{api_world.person_a.pk}", {"full_name": "B" * 1_000_000}
    )
    assert_invalid(response, "full_name")
    assert m.ProtectedPerson.objects.get(pk=api_world.person_a.pk).full_name == "Chen Ming"


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"name=Alpha&kind=camp",
        b"\xff\xfe\x00garbage",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"organisation": ' + b"9" * 5000 + b"}",
    ],
    ids=["broken", "form-encoded", "not-utf8", "deeply-nested", "huge-integer-literal"],
)
def test_a_body_that_is_not_json_gets_400(api_world: World, coordinator: Any, raw: bytes) -> None:
    response = coordinator.post(f"{R}/sites/", raw=raw)
    assert response.status_code == 400
    assert response.json()["detail"] == "The request body is not valid JSON."


@pytest.mark.parametrize("raw", [b"[]", b'"site"', b"42", b"null"])
def test_a_json_body_that_is_not_an_object_gets_422(
    api_world: World, coordinator: Any, raw: bytes
) -> None:
    errors = assert_invalid(coordinator.patch(f"{R}/sites/{api_world.site_a.pk}", raw=raw))
    assert errors == {"__all__": ["The request body must be a JSON object."]}


def test_a_body_over_the_upload_limit_gets_413(api_world: World, coordinator: Any) -> None:
    raw = b'{"notes": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'
    response = coordinator.patch(f"{R}/sites/{api_world.site_a.pk}", raw=raw)
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_a_huge_form_encoded_body_with_a_session_gets_413_not_500(
    api_world: World, as_session: Any
) -> None:
    api = as_session("coordinator", csrf=True)
    # With a CSRF cookie present, the CSRF check reads the form body to look for the token.
    api.client.cookies["csrftoken"] = "c" * 32
    raw = b"a=" + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    response = api.post(f"{R}/sites/", raw=raw, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response.json()["detail"]


def test_a_role_that_may_not_write_hears_403_whatever_it_sends(
    api_world: World, viewer: Any
) -> None:
    assert viewer.post(f"{R}/sites/", raw=b"{not json").status_code == 403
    assert viewer.post(f"{R}/sites/", {"lat": "x"}).status_code == 403


def test_an_object_outside_scope_answers_404_before_its_body_is_read(
    api_world: World, coordinator: Any
) -> None:
    response = coordinator.patch(f"{R}/sites/{api_world.site_b.pk}", raw=b"{not json")
    assert response.status_code == 404


def test_form_rules_across_fields_are_applied(api_world: World, admin: Any) -> None:
    errors = assert_invalid(
        admin.patch(f"{R}/units/{api_world.unit.pk}", {"available_strength": 500}),
        "available_strength",
    )
    assert "cannot exceed" in errors["available_strength"][0]
    errors = assert_invalid(
        admin.patch(f"{R}/people/{api_world.person_a.pk}", {"retention_until": "2020-01-01"}),
        "retention_until",
    )
    assert_invalid(
        admin.patch(f"{R}/people/{api_world.person_a.pk}", {"consent_date": "soon"}), "consent_date"
    )
    assert_invalid(
        admin.patch(f"{R}/organisations/{api_world.org_a.pk}", {"country": "pak"}), "country"
    )


def test_a_null_for_a_required_field_is_the_forms_required_error(
    api_world: World, coordinator: Any
) -> None:
    errors = assert_invalid(
        coordinator.patch(f"{R}/sites/{api_world.site_a.pk}", {"name": None}), "name"
    )
    assert errors["name"] == ["This field is required."]


def test_a_patch_changes_only_the_fields_sent(api_world: World, coordinator: Any) -> None:
    response = coordinator.patch(f"{R}/sites/{api_world.site_a.pk}", {"guard_strength": 45})
    assert response.status_code == 200
    stored = m.Site.objects.get(pk=api_world.site_a.pk)
    assert (stored.guard_strength, stored.name, stored.posture) == (45, "Alpha Camp", 3)


def test_a_duplicate_gets_409_with_the_field(
    api_world: World, coordinator: Any, admin: Any
) -> None:
    errors = assert_invalid(
        coordinator.post(f"{R}/sites/", good_site(api_world, name="Alpha Camp")), status=409
    )
    assert errors["__all__"]
    errors = assert_invalid(
        admin.post(
            f"{R}/organisations/", {"name": api_world.org_b.name, "kind": "other", "country": "PK"}
        ),
        "name",
        status=409,
    )


def test_a_duplicate_staff_reference_in_one_organisation_gets_409(
    api_world: World, coordinator: Any
) -> None:
    person = {
        "organisation": api_world.org_a.pk,
        "full_name": "Sun Hao",
        "nationality": "CN",
        "consent_date": "2026-03-01",
        "retention_until": "2027-03-01",
    }
    assert_invalid(coordinator.post(f"{R}/people/", {**person, "staff_ref": "A-1"}), status=409)
    # The same reference in another organisation is no conflict (Beta uses B-1, not A-1).
    assert coordinator.post(f"{R}/people/", {**person, "staff_ref": "B-1"}).status_code == 201


def test_a_duplicate_mixed_with_other_errors_is_a_422(api_world: World, admin: Any) -> None:
    response = admin.post(
        f"{R}/organisations/", {"name": api_world.org_b.name, "kind": "other", "country": "pk"}
    )
    assert_invalid(response, "name", "country", status=422)


def test_deleting_a_record_others_depend_on_gets_409_and_changes_nothing(
    api_world: World, admin: Any
) -> None:
    before = AuditRecord.objects.count()
    response = admin.delete(f"{R}/organisations/{api_world.org_a.pk}")
    assert response.status_code == 409
    assert "referenced" in response.json()["detail"]
    assert m.Organisation.objects.filter(pk=api_world.org_a.pk).exists()
    assert AuditRecord.objects.count() == before


@pytest.mark.parametrize(
    "path",
    [
        f"{R}/sites/abc",
        f"{R}/sites/0",
        f"{R}/sites/-4",
        f"{R}/sites/{10**30}",
    ],
)
def test_a_malformed_id_in_the_path_is_a_422(api_world: World, coordinator: Any, path: str) -> None:
    assert coordinator.get(path).status_code == 422


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"province": "Mars"}, "province"),
        ({"min_posture": "9"}, "min_posture"),
        ({"organisation": str(10**30)}, "organisation"),
        ({"organisation": "abc"}, "organisation"),
        ({"limit": "0"}, "limit"),
        ({"limit": "100000"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"q": "x" * 5000}, "q"),
    ],
)
def test_a_bad_filter_is_a_422_naming_it(
    api_world: World, admin: Any, query: dict[str, str], field: str
) -> None:
    assert_invalid(admin.get(f"{R}/sites/", **query), field)


def test_numeric_filters_refuse_absurd_values(api_world: World, admin: Any) -> None:
    assert_invalid(admin.get(f"{R}/vehicles/", min_seats="1e400"), "min_seats")
    assert admin.get(f"{R}/vehicles/", min_seats="5").status_code == 200

"""Every API endpoint x every role, plus anonymous, with the status each must get.

The table is the specification: read a row as "this endpoint, called by each principal on
an object inside the role's reach where the role has any, answers ...". 404 means the
object lies outside the role's scope (the liaison and organisation Alpha), 403 that the
role may not do this at all. Each case runs once with a bearer token and once with a
browser session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from safepassage.api.router import api
from tests.api.conftest import PRINCIPALS, World

R = "/api/registry"

# fmt: off
MATRIX: dict[str, tuple[int, ...]] = {
    #                           anon  admin coord cmdr  offcr anlst liais view
    "organisations list":      (401,  200,  200,  200,  200,  200,  200,  200),
    "organisations get":       (401,  200,  200,  200,  200,  200,  404,  200),
    "organisations create":    (401,  201,  403,  403,  403,  403,  403,  403),
    "organisations update":    (401,  200,  403,  403,  403,  403,  403,  403),
    "organisations delete":    (401,  204,  403,  403,  403,  403,  403,  403),
    "projects list":           (401,  200,  200,  200,  200,  200,  403,  200),
    "projects get":            (401,  200,  200,  200,  200,  200,  403,  200),
    "projects create":         (401,  201,  201,  403,  403,  403,  403,  403),
    "projects update":         (401,  200,  200,  403,  403,  403,  403,  403),
    "projects delete":         (401,  204,  204,  403,  403,  403,  403,  403),
    "sites list":              (401,  200,  200,  200,  200,  200,  200,  200),
    "sites get":               (401,  200,  200,  200,  200,  200,  200,  200),
    "sites create":            (401,  201,  201,  403,  403,  403,  403,  403),
    "sites update":            (401,  200,  200,  200,  403,  403,  403,  403),
    "sites delete":            (401,  204,  204,  403,  403,  403,  403,  403),
    "people list":             (401,  200,  200,  200,  200,  403,  200,  403),
    "people get":              (401,  200,  200,  200,  200,  403,  200,  403),
    "people create":           (401,  201,  201,  403,  403,  403,  403,  403),
    "people update":           (401,  200,  200,  403,  403,  403,  403,  403),
    "people delete":           (401,  204,  204,  403,  403,  403,  403,  403),
    "units list":              (401,  200,  200,  200,  200,  200,  403,  403),
    "units get":               (401,  200,  200,  200,  200,  200,  403,  403),
    "units create":            (401,  201,  403,  403,  403,  403,  403,  403),
    "units update":            (401,  200,  403,  200,  403,  403,  403,  403),
    "units delete":            (401,  204,  403,  403,  403,  403,  403,  403),
    "vehicles list":           (401,  200,  200,  200,  200,  200,  403,  403),
    "vehicles get":            (401,  200,  200,  200,  200,  200,  403,  403),
    "vehicles create":         (401,  201,  403,  201,  403,  403,  403,  403),
    "vehicles update":         (401,  200,  403,  200,  403,  403,  403,  403),
    "vehicles delete":         (401,  204,  403,  204,  403,  403,  403,  403),
    "accounts me":             (401,  200,  200,  200,  200,  200,  200,  200),
    "accounts tokens":         (401,  200,  200,  200,  200,  200,  200,  200),
    "accounts revoke":         (401,  200,  200,  200,  200,  200,  200,  200),
    "audit records":           (401,  200,  403,  403,  403,  403,  403,  403),
    "audit verify":            (401,  200,  403,  403,  403,  403,  403,  403),
}
# fmt: on

Call = tuple[str, str, Any]  # method, path, JSON body

# The object each resource's get/update/delete targets, and what create and update send.
TARGETS: dict[str, Callable[[World], Any]] = {
    "organisations": lambda w: w.org_a,
    "projects": lambda w: w.project_a,
    "sites": lambda w: w.site_a,
    "people": lambda w: w.person_a,
    "units": lambda w: w.unit,
    "vehicles": lambda w: w.vehicle,
}
DELETE_TARGETS: dict[str, Callable[[World], Any]] = {
    **TARGETS,
    # Alpha is still referenced by projects, sites and people; delete one nothing points at.
    "organisations": lambda w: w.spare,
}
CREATE: dict[str, Callable[[World], dict[str, Any]]] = {
    "organisations": lambda w: {"name": "Gamma Works", "kind": "company", "country": "PK"},
    "projects": lambda w: {
        "organisation": w.org_a.pk,
        "code": "alpha-road",
        "name": "Alpha Road",
        "province": "KP",
    },
    "sites": lambda w: {
        "organisation": w.org_a.pk,
        "name": "Alpha Quarry",
        "kind": "project_site",
        "lat": 34.8,
        "lon": 72.3,
        "province": "KP",
        "district": "Swat",
    },
    "people": lambda w: {
        "organisation": w.org_a.pk,
        "full_name": "Zhou Lan",
        "nationality": "CN",
        "consent_date": "2026-02-01",
        "retention_until": "2027-02-01",
    },
    "units": lambda w: {
        "organisation": w.police.pk,
        "code": "kp-2",
        "name": "KP Company 2",
        "base_name": "Swabi",
        "base_lat": 34.12,
        "base_lon": 72.47,
        "province": "KP",
        "strength": 50,
        "available_strength": 20,
    },
    "vehicles": lambda w: {
        "unit": w.unit.pk,
        "registration": "KP-1002",
        "model_name": "Prado",
        "seats": 5,
    },
}
UPDATE: dict[str, dict[str, Any]] = {
    "organisations": {"short_name": "AHSO"},
    "projects": {"description": "Second phase."},
    "sites": {"notes": "Night curfew in force."},
    "people": {"staff_ref": "A-9"},
    "units": {"available_strength": 55},
    "vehicles": {"status": "maintenance"},
}


def call_for(endpoint: str, world: World, persona: str) -> Call:
    """The request that exercises ``endpoint`` for ``persona``."""
    area, operation = endpoint.split(" ")
    if area == "accounts":
        if operation == "me":
            return "GET", "/api/accounts/me", None
        if operation == "tokens":
            return "GET", "/api/accounts/tokens", None
        owner = "admin" if persona == "anonymous" else persona
        return "POST", f"/api/accounts/tokens/{world.tokens[owner].pk}/revoke", None
    if area == "audit":
        return "GET", f"/api/audit/{operation}", None
    if operation == "list":
        return "GET", f"{R}/{area}/", None
    if operation == "create":
        return "POST", f"{R}/{area}/", CREATE[area](world)
    if operation == "delete":
        return "DELETE", f"{R}/{area}/{DELETE_TARGETS[area](world).pk}", None
    target = TARGETS[area](world).pk
    if operation == "get":
        return "GET", f"{R}/{area}/{target}", None
    return "PATCH", f"{R}/{area}/{target}", UPDATE[area]


CASES = [
    pytest.param(endpoint, persona, expected[index], id=f"{endpoint}-{persona}")
    for endpoint, expected in MATRIX.items()
    for index, persona in enumerate(PRINCIPALS)
]


@pytest.mark.parametrize(("endpoint", "persona", "expected"), CASES)
def test_each_role_gets_the_status_the_matrix_says_with_a_token(
    api_world: World, as_token: Any, endpoint: str, persona: str, expected: int
) -> None:
    method, path, body = call_for(endpoint, api_world, persona)
    response = as_token(persona).request(method, path, body)
    assert response.status_code == expected, response.content[:500]
    if expected != 204:
        assert response["Content-Type"].startswith("application/json")
        assert "detail" in response.json() or expected < 300


@pytest.mark.parametrize(("endpoint", "persona", "expected"), CASES)
def test_each_role_gets_the_status_the_matrix_says_with_a_session(
    api_world: World, as_session: Any, endpoint: str, persona: str, expected: int
) -> None:
    method, path, body = call_for(endpoint, api_world, persona)
    response = as_session(persona).request(method, path, body)
    assert response.status_code == expected, response.content[:500]


def test_the_matrix_covers_every_registry_accounts_and_audit_endpoint() -> None:
    served = set()
    for prefix, router in api._routers:
        # Other areas' routers (intel, movements, ...) keep their own matrices.
        if prefix.strip("/") not in {"registry", "accounts", "audit"}:
            continue
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                served.add(operation.operation_id)
    covered = set()
    for endpoint in MATRIX:
        area, operation = endpoint.split(" ")
        if area == "accounts":
            covered.add(
                {"me": "accounts_me", "tokens": "accounts_tokens_list"}.get(
                    operation, "accounts_tokens_revoke"
                )
            )
        elif area == "audit":
            covered.add({"records": "audit_records_list"}.get(operation, "audit_verify"))
        else:
            covered.add(f"registry_{area}_{operation}")
    assert served - {None} == covered

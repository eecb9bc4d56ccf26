"""The OpenAPI document is valid JSON, lists every endpoint and documents its answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from safepassage.api.router import api
from safepassage.registry.resources import RESOURCES

EXPECTED: dict[str, set[str]] = {
    "/api/accounts/me": {"get"},
    "/api/accounts/tokens": {"get"},
    "/api/accounts/tokens/{pk}/revoke": {"post"},
    "/api/audit/records": {"get"},
    "/api/audit/verify": {"get"},
}
for _key in RESOURCES:
    EXPECTED[f"/api/registry/{_key}/"] = {"get", "post"}
    EXPECTED[f"/api/registry/{_key}/{{pk}}"] = {"get", "patch", "delete"}


@pytest.fixture(scope="module")
def document(django_db_setup: Any, django_db_blocker: Any) -> dict[str, Any]:
    # Every request opens a transaction (ATOMIC_REQUESTS), even one that reads nothing.
    with django_db_blocker.unblock():
        response = Client().get("/api/openapi.json")
        assert response.status_code == 200
    return json.loads(response.content)  # type: ignore[no-any-return]


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


MINE = ("/api/registry/", "/api/accounts/", "/api/audit/")


def test_the_document_is_openapi_json_listing_every_endpoint(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.")
    served = {path: set(item) for path, item in document["paths"].items()}
    # Other areas add their own routers; these three are the registry, accounts and audit.
    assert {path: methods for path, methods in served.items() if path.startswith(MINE)} == EXPECTED


def test_every_operation_the_api_serves_is_in_the_document(document: dict[str, Any]) -> None:
    documented = {op["operationId"] for _p, _m, op in operations(document)}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if operation.include_in_schema:
                    assert operation.operation_id is None or operation.operation_id in documented


def test_every_operation_has_a_unique_id_and_documents_its_errors(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for _p, _m, op in operations(document)]
    assert len(ids) == len(set(ids))
    for path, method, op in operations(document):
        if not path.startswith(MINE):
            continue
        codes = set(op["responses"])
        assert {"401", "403"} <= codes, (path, method)
        if "{pk}" in path:
            assert "404" in codes, (path, method)
        if method in {"post", "patch"} and path.startswith("/api/registry/"):
            assert {"201" if method == "post" else "200", "400", "409", "413", "422"} <= codes
            body = op["requestBody"]["content"]["application/json"]["schema"]
            assert body["additionalProperties"] is False
            assert body["properties"]
        if method == "delete":
            assert {"204", "409"} <= codes


def test_every_schema_reference_resolves(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    schemas = document["components"]["schemas"]
    for ref in {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}:
        assert ref in schemas, ref


def test_list_endpoints_document_their_filters_and_pagination(document: dict[str, Any]) -> None:
    params = {p["name"] for p in document["paths"]["/api/registry/sites/"]["get"]["parameters"]}
    assert {"limit", "offset", "province", "kind", "min_posture", "organisation", "q"} <= params
    audit = {p["name"] for p in document["paths"]["/api/audit/records"]["get"]["parameters"]}
    assert {
        "actor",
        "source",
        "action",
        "object_type",
        "object_id",
        "correlation_id",
        "since",
        "until",
    } <= audit


def test_the_create_schema_requires_what_the_form_requires(document: dict[str, Any]) -> None:
    op = document["paths"]["/api/registry/people/"]["post"]
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == {
        "organisation",
        "full_name",
        "nationality",
        "consent_date",
        "retention_until",
    }
    assert "passport" not in json.dumps(schema).lower()


def test_the_documentation_page_is_served(db: Any) -> None:
    response = Client().get("/api/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content

"""Schemathesis drives every API operation from the OpenAPI document: no 5xx, no schema violation.

The document comes from the API object itself, and the calls go in-process to the WSGI
application (no server, no network), with an administrator's read-and-write token so that the
generated requests reach the handlers rather than stop at authentication. The number of
examples per operation is bounded so the whole run stays well under two minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from safepassage.accounts.models import ApiToken
from safepassage.api.router import api
from safepassage.wsgi import application
from tests.conftest import build_world

EXAMPLES_PER_OPERATION = 4

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/"))
schema.app = application


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Calls go to the WSGI app directly, not through Django's test client, so the request
    signals would close the test's database connection (and its transaction) after each call
    on PostgreSQL. Django's test client disconnects the same handler for the same reason."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db: Any) -> str:
    build_world()
    cache.clear()
    admin = build_world.__globals__["User"].objects.get(username="admin")
    token, secret = ApiToken.issue(admin, "schemathesis", access=ApiToken.Access.READ_WRITE)
    token.save()
    return secret


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_it_answers_every_generated_request_without_a_server_error(
    case: schemathesis.Case, admin_token: str
) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}"},
        checks=[
            schemathesis.checks.not_a_server_error,
            response_schema_conformance,
            content_type_conformance,
            status_code_conformance,
        ],
    )

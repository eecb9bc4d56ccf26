"""Times sent to the API must carry a real-world offset; others get a 422, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "value",
    ["2026-11-22T10:00:00+22:35", "2026-11-22T10:00:00-15:04", "0001-01-01T00:00:00+14:00"],
)
@pytest.mark.parametrize("url", ["/api/movements/", "/api/sharing/stix/bundle"])
def test_an_impossible_offset_is_refused_with_a_clear_error(
    world: World, client: Client, url: str, value: str
) -> None:
    client.force_login(world.user("admin"))
    param = "departs_after" if "movements" in url else "since"
    response = client.get(url, {param: value})
    assert response.status_code == 422, response.content[:300]
    assert "offset" in response.content.decode() or "out of range" in response.content.decode()


def test_a_real_offset_is_accepted_and_read_as_utc(world: World, client: Client) -> None:
    client.force_login(world.user("admin"))
    response: Any = client.get("/api/movements/", {"departs_after": "2026-11-22T10:00:00+05:00"})
    assert response.status_code == 200

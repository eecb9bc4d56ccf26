"""Fixtures for the API tests: a small world, one persona per role, and a JSON client.

The world has two security offices (Alpha in KP, Beta also in KP so regional roles see both),
a KP police protection unit with one vehicle, a Sindh unit outside the KP personas' reach, a
Chinese embassy whose liaison follows Chinese nationals, and an unreferenced organisation
that can be deleted. Each persona holds a read-and-write token.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from safepassage.accounts.models import ApiToken, User
from safepassage.registry import models as m
from safepassage.sharing.models import SharingAgreement
from tests.conftest import make_person, make_site, make_unit, make_user

ROLES = ("admin", "coordinator", "commander", "officer", "analyst", "liaison", "viewer")
PRINCIPALS = ("anonymous", *ROLES)
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass
class World:
    org_a: m.Organisation
    org_b: m.Organisation
    police: m.Organisation
    police_sd: m.Organisation
    embassy: m.Organisation
    spare: m.Organisation
    unit: m.ProtectionUnit
    unit_sd: m.ProtectionUnit
    vehicle: m.Vehicle
    vehicle_sd: m.Vehicle
    project_a: m.Project
    project_b: m.Project
    site_a: m.Site
    site_b: m.Site
    person_a: m.ProtectedPerson
    person_b: m.ProtectedPerson
    users: dict[str, User] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, ApiToken] = field(default_factory=dict)


def issue_token(user: User, **options: Any) -> tuple[ApiToken, str]:
    """Issue and store a token for ``user``; returns it with its secret."""
    token, secret = ApiToken.issue(user, options.pop("name", "tests"), **options)
    token.save()
    return token, secret


def build_world() -> World:
    org = m.Organisation.objects.create
    org_a = org(name="Alpha Hydro Security Office", kind="security_office", country="PK")
    org_b = org(name="Beta Cement Security Office", kind="security_office", country="PK")
    police = org(name="KP Protection Police", kind="protection_unit", country="PK")
    police_sd = org(name="Sindh Protection Police", kind="protection_unit", country="PK")
    embassy = org(name="Embassy of China", kind="embassy", country="CN")
    spare = org(name="Dormant Partner", kind="other", country="PK")
    unit = make_unit(
        police, "kp-1", "KP Company 1", ("Mardan", 34.2, 72.05), "KP", officers=(100, 60)
    )
    unit_sd = make_unit(
        police_sd, "sd-1", "Sindh Company 1", ("Hyderabad", 25.39, 68.37), "SD", officers=(80, 50)
    )
    vehicle = m.Vehicle.objects.create(
        unit=unit, registration="KP-1001", model_name="Land Cruiser", armoured=True, seats=7
    )
    vehicle_sd = m.Vehicle.objects.create(
        unit=unit_sd, registration="SD-2001", model_name="Hilux", armoured=False, seats=5
    )
    project_a = m.Project.objects.create(
        organisation=org_a, code="alpha-dam", name="Alpha Dam", province="KP"
    )
    project_b = m.Project.objects.create(
        organisation=org_b, code="beta-kiln", name="Beta Kiln", province="KP"
    )
    site_a = make_site(
        project_a, "Alpha Camp", "camp", ("KP", "Swat", 35.1, 72.9), posture=3, guards=30, unit=unit
    )
    site_b = make_site(
        project_b,
        "Beta Plant",
        "project_site",
        ("KP", "Nowshera", 34.0, 71.6),
        posture=2,
        guards=12,
        unit=unit_sd,
    )
    start = datetime.date(2026, 1, 1)
    person_a = make_person(site_a, "Chen Ming", "CN", consent=start, keep_days=730, staff_ref="A-1")
    person_b = make_person(
        site_b, "Anna Weber", "DE", consent=start, keep_days=730, staff_ref="B-1"
    )
    world = World(
        org_a,
        org_b,
        police,
        police_sd,
        embassy,
        spare,
        unit,
        unit_sd,
        vehicle,
        vehicle_sd,
        project_a,
        project_b,
        site_a,
        site_b,
        person_a,
        person_b,
    )
    # The embassy reads the shared picture up to TLP:AMBER under a standing agreement.
    SharingAgreement.objects.create(partner=embassy, name="Embassy liaison", max_tlp="amber")
    world.users = {
        "admin": make_user("admin", "administrator", is_staff=True),
        "coordinator": make_user("coordinator", "security_coordinator", organisation=org_a),
        "coordinator_b": make_user("coordinator_b", "security_coordinator", organisation=org_b),
        "commander": make_user(
            "commander", "unit_commander", organisation=police, provinces=["KP"], units=[unit]
        ),
        "officer": make_user(
            "officer", "field_officer", organisation=police, provinces=["KP"], units=[unit]
        ),
        "analyst": make_user("analyst", "analyst", organisation=police, provinces=["KP"]),
        "liaison": make_user("liaison", "partner_liaison", organisation=embassy),
        "viewer": make_user("viewer", "viewer", organisation=org_a),
    }
    for persona, user in world.users.items():
        token, secret = issue_token(user, access=ApiToken.Access.READ_WRITE)
        world.tokens[persona] = token
        world.secrets[persona] = secret
    return world


@pytest.fixture(scope="module")
def _module_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The world, built once per module inside a transaction rolled back at its end.

    Each test still runs in its own savepoint (pytest-django's ``db``), so what a test
    writes is undone before the next; building the world once keeps the suite fast.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def api_world(_module_world: World, db: Any) -> World:
    """The shared world; re-read objects from the database after a write, not from here."""
    return _module_world


class JsonClient:
    """A thin JSON client over Django's test client, as one principal."""

    def __init__(self, client: Client, secret: str | None = None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | str | None = None,
        content_type: str = "application/json",
        query: dict[str, Any] | None = None,
    ) -> Any:
        """Send ``body`` as JSON (or ``raw`` bytes as they are) and return the response."""
        if method == "GET":
            return self.client.get(path, query or {}, headers=self.headers)
        data: Any = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.client.generic(
            method, path, data=data, content_type=content_type, headers=self.headers
        )

    def get(self, path: str, **query: Any) -> Any:
        return self.request("GET", path, query=query)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)


@pytest.fixture
def as_token(api_world: World):  # type: ignore[no-untyped-def]
    """``as_token(persona)``: a JSON client that authenticates with the persona's token."""

    def make(persona: str) -> JsonClient:
        secret = None if persona == "anonymous" else api_world.secrets[persona]
        return JsonClient(Client(), secret)

    return make


@pytest.fixture
def as_session(api_world: World):  # type: ignore[no-untyped-def]
    """``as_session(persona, csrf=False)``: a JSON client signed in with a session."""

    def make(persona: str, csrf: bool = False) -> JsonClient:
        client = Client(enforce_csrf_checks=csrf)
        if persona != "anonymous":
            client.force_login(api_world.users[persona], backend=MODEL_BACKEND)
        return JsonClient(client)

    return make


@pytest.fixture
def admin(as_token: Any) -> JsonClient:
    return as_token("admin")  # type: ignore[no-any-return]


@pytest.fixture
def coordinator(as_token: Any) -> JsonClient:
    return as_token("coordinator")  # type: ignore[no-any-return]


@pytest.fixture
def commander(as_token: Any) -> JsonClient:
    return as_token("commander")  # type: ignore[no-any-return]


@pytest.fixture
def officer(as_token: Any) -> JsonClient:
    return as_token("officer")  # type: ignore[no-any-return]


@pytest.fixture
def analyst(as_token: Any) -> JsonClient:
    return as_token("analyst")  # type: ignore[no-any-return]


@pytest.fixture
def liaison(as_token: Any) -> JsonClient:
    return as_token("liaison")  # type: ignore[no-any-return]


@pytest.fixture
def viewer(as_token: Any) -> JsonClient:
    return as_token("viewer")  # type: ignore[no-any-return]

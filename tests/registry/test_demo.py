"""The fictional demo data: complete, idempotent, audited, and one user per role."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from safepassage.access import gate
from safepassage.access.policy import Role
from safepassage.accounts.models import User
from safepassage.audit.models import AuditRecord
from safepassage.core.demo import DEMO_PASSWORD, load_demo_data
from safepassage.registry import csvio
from safepassage.registry import models as m
from tests.registry.conftest import counts


@pytest.fixture
def logins(db: object) -> dict[str, str]:
    return load_demo_data()


def test_it_returns_one_login_per_role_and_the_password(logins: dict[str, str]) -> None:
    assert logins.pop("password") == DEMO_PASSWORD
    assert sorted(logins) == sorted(
        ["admin", "coordinator", "commander", "officer", "analyst", "liaison", "viewer"]
    )
    users = User.objects.filter(username__in=logins)
    assert sorted(u.role for u in users) == sorted(r.value for r in Role)
    assert all(u.check_password(DEMO_PASSWORD) for u in users)
    assert {u.username: u.role_label for u in users} == logins


def test_it_loads_the_registry_described_in_the_brief(logins: dict[str, str]) -> None:
    assert m.Organisation.objects.count() == 8
    assert m.Project.objects.count() >= 4
    assert m.ProtectionUnit.objects.count() == 6
    assert all(2 <= u.vehicles.count() <= 4 for u in m.ProtectionUnit.objects.all())
    armour = set(m.Vehicle.objects.values_list("armoured", flat=True))
    assert armour == {True, False}
    sites = m.Site.objects.all()
    assert 10 <= sites.count() <= 14
    assert {s.province for s in sites} == {"KP", "GB", "PB", "SD", "BA", "ICT"}
    south, north, west, east = csvio.PAKISTAN_BOX
    assert all(south <= s.lat <= north and west <= s.lon <= east for s in sites)
    people = m.ProtectedPerson.objects.all()
    assert people.count() == 50
    assert len({p.full_name for p in people}) == 50
    nationalities = Counter(p.nationality for p in people)
    assert nationalities["CN"] >= 35 and nationalities["PK"] >= 5 and len(nationalities) >= 3
    today = timezone.localdate()
    assert all(p.consent_date < today < p.retention_until for p in people)


def test_it_is_idempotent(logins: dict[str, str]) -> None:
    before = counts()
    assert load_demo_data() == logins
    assert counts() == before


def test_its_writes_are_audited_as_the_demo_loader(logins: dict[str, str]) -> None:
    labels = set(AuditRecord.objects.values_list("source", "actor_label"))
    assert labels == {("system", "demo")}
    assert AuditRecord.objects.filter(object_type="registry.protectedperson").count() == 50


def test_each_role_sees_its_own_slice(logins: dict[str, str]) -> None:
    def visible(username: str, model: type) -> int:
        user = User.objects.get(username=username)
        return gate.restrict(model.objects.all(), user, "view").count()

    assert visible("admin", m.ProtectedPerson) == 50
    assert 0 < visible("coordinator", m.ProtectedPerson) < 50
    assert 0 < visible("commander", m.Site) < m.Site.objects.count()
    assert (
        visible("liaison", m.ProtectedPerson)
        == m.ProtectedPerson.objects.filter(nationality="CN").count()
    )
    assert visible("analyst", m.ProtectedPerson) == 0
    assert visible("viewer", m.Site) > 0


def test_the_demo_registry_exports_and_imports_back_unchanged(logins: dict[str, str]) -> None:
    admin = User.objects.get(username="admin")
    for kind in csvio.RESOURCES:
        out = io.StringIO()
        csvio.write_csv(csvio.resource_for(kind), admin, out)
        result = csvio.import_csv(
            csvio.resource_for(kind), admin, io.BytesIO(out.getvalue().encode()), update=True
        )
        assert result.ok, (kind, result.errors[:3])
        assert result.unchanged == csvio.resource_for(kind).model.objects.count()


def test_the_command_loads_the_data_and_prints_the_logins(db: object) -> None:
    stdout = io.StringIO()
    call_command("demo_data", stdout=stdout)
    assert "coordinator" in stdout.getvalue()
    assert DEMO_PASSWORD in stdout.getvalue()
    assert m.ProtectedPerson.objects.count() == 50

"""Every write path appends an audit record with the right source, actor and diff.

The API and CSV-import paths are covered next to their own tests (tests/api, tests/registry).
"""

from __future__ import annotations

import datetime

from django.core.management import call_command
from django.urls import reverse

from safepassage.audit.models import AuditRecord
from safepassage.registry.jobs import purge_expired_people
from safepassage.registry.models import ProtectedPerson, Site
from tests.conftest import World


def _last(object_type: str) -> AuditRecord:
    return AuditRecord.objects.filter(object_type=object_type).order_by("-seq").first()


def _site_form(site: Site, **changes: object) -> dict[str, object]:
    data = {
        "organisation": site.organisation_id,
        "project": site.project_id or "",
        "name": site.name,
        "kind": site.kind,
        "lat": site.lat,
        "lon": site.lon,
        "province": site.province,
        "district": site.district,
        "posture": site.posture,
        "guard_strength": site.guard_strength,
        "responsible_unit": site.responsible_unit_id or "",
        "notes": site.notes,
    }
    return data | changes


def test_a_web_edit_records_actor_source_and_diff(world: World, login) -> None:
    response = login("coordinator").post(
        reverse("registry:site-edit", args=[world.camp.pk]),
        _site_form(world.camp, guard_strength=55),
    )
    assert response.status_code == 302
    record = _last("registry.site")
    assert record.action == "update"
    assert record.source == "web"
    assert record.actor_label == "coordinator"
    assert record.actor_id == world.user("coordinator").pk
    assert record.organisation_id == world.hydro.pk
    assert record.changes == {"guard_strength": [40, 55]}
    assert record.correlation_id == response["X-Request-ID"]


def test_a_web_create_and_delete_are_recorded(world: World, login) -> None:
    client = login("coordinator")
    data = _site_form(world.camp, name="Gorge Quarry", project="", responsible_unit="")
    response = client.post(reverse("registry:site-create"), data)
    assert response.status_code == 302
    site = Site.objects.get(name="Gorge Quarry")
    created = _last("registry.site")
    assert (created.action, created.object_id, created.source) == ("create", str(site.pk), "web")
    assert created.changes["name"] == [None, "Gorge Quarry"]
    client.post(reverse("registry:site-delete", args=[site.pk]))
    deleted = _last("registry.site")
    assert (deleted.action, deleted.object_id) == ("delete", str(site.pk))
    assert deleted.changes["name"] == ["Gorge Quarry", None]


def test_an_admin_edit_is_recorded_as_admin(world: World, login) -> None:
    client = login("admin")
    url = reverse("admin:registry_site_change", args=[world.office.pk])
    response = client.post(url, _site_form(world.office, posture=3))
    assert response.status_code == 302, response.content[:2000]
    record = _last("registry.site")
    assert (record.source, record.actor_label, record.changes) == (
        "admin",
        "admin",
        {"posture": [2, 3]},
    )


def test_a_cli_command_is_recorded_as_the_shell_operator(world: World) -> None:
    call_command("token", "issue", "officer", "--name", "phone")
    record = _last("accounts.apitoken")
    assert record.source == "cli"
    assert record.actor_label.startswith("cli:")
    assert record.actor_id is None
    assert record.changes["digest"] == [None, "[redacted]"]


def test_a_cli_command_run_as_a_user_is_recorded_as_that_user(world: World) -> None:
    call_command("token", "--as", "admin", "issue", "admin", "--name", "ops")
    record = _last("accounts.apitoken")
    assert (record.source, record.actor_label) == ("cli", "admin")


def test_a_background_job_is_recorded_as_the_job(world: World) -> None:
    world.clerk.retention_until = datetime.date(2020, 1, 1)
    world.clerk.save()
    assert purge_expired_people() == 1
    assert not ProtectedPerson.objects.filter(pk=world.clerk.pk).exists()
    record = _last("registry.protectedperson")
    assert record.action == "delete"
    assert record.source == "job"
    assert record.actor_label == "job:purge-expired-people"
    assert record.correlation_id.startswith("job-")


def test_personal_names_never_reach_the_audit_log(world: World) -> None:
    names = {"Li Wei", "Sana Baig"}
    world.engineer.full_name = "Li Wei Jr"
    world.engineer.save()
    world.engineer.delete()
    for record in AuditRecord.objects.filter(object_type="registry.protectedperson"):
        text = f"{record.object_repr} {record.changes}"
        assert not any(name in text for name in names | {"Li Wei Jr"}), text


def test_passwords_are_redacted_and_last_login_is_not_noise(world: World, client) -> None:
    before = AuditRecord.objects.count()
    user = world.user("viewer")
    user.set_password("another long passphrase")
    user.save()
    record = _last("accounts.user")
    assert record.changes == {"password": ["[redacted]", "[redacted]"]}
    assert "another long passphrase" not in str(record.changes)
    client.force_login(user)  # updates last_login only
    assert AuditRecord.objects.count() == before + 1


def test_m2m_changes_to_a_users_units_are_recorded(world: World) -> None:
    world.user("officer").units.add(world.unit_sd)
    record = _last("accounts.user")
    assert record.changes == {"units": {"added": [world.unit_sd.pk]}}


def test_a_job_queued_on_django_q_is_recorded_as_the_job(world: World) -> None:
    """The same job, queued through the real job engine (synchronous in tests)."""
    from django_q.models import Success
    from django_q.tasks import async_task

    world.engineer.retention_until = datetime.date(2020, 1, 1)
    world.engineer.save()
    task_id = async_task("safepassage.registry.jobs.purge_expired_people")
    assert Success.objects.filter(id=task_id).exists()
    record = _last("registry.protectedperson")
    assert (record.action, record.source) == ("delete", "job")


def test_the_retention_job_is_scheduled_daily(db) -> None:
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="safepassage.registry.jobs.purge_expired_people")
    assert schedule.schedule_type == Schedule.DAILY

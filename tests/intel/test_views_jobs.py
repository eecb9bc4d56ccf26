"""The jobs page: the dead-letter list with tracebacks, queue counts, and retry."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import Failure, OrmQ, Task

from safepassage.audit.models import AuditRecord
from tests.conftest import World

TRACEBACK = "Traceback (most recent call last):\n  ...\nValueError: <b>the feed was garbage</b>"


@pytest.fixture
def failed(world: World) -> Task:
    """A failed task whose function works now (so a retry succeeds in the in-process queue)."""
    now = timezone.now()
    return Task.objects.create(
        id=uuid.uuid4().hex,
        name="process-report-7",
        func="math.floor",
        args=(2.5,),
        kwargs={},
        result=TRACEBACK,
        group="process-report",
        started=now,
        stopped=now,
        success=False,
        attempt_count=5,
    )


def test_the_jobs_page_lists_failed_tasks_with_their_traceback_escaped(
    login: Any, failed: Task
) -> None:
    response = login("analyst").get(reverse("intel:jobs-list"))
    page = response.content.decode()
    assert "process-report-7" in page and "math.floor" in page and "(2.5,)" in page
    assert "&lt;b&gt;the feed was garbage&lt;/b&gt;" in page
    assert response.context["failed"][0].attempts == 5
    assert not response.context["can_retry"]
    assert reverse("intel:jobs-retry", args=[failed.id]) not in page


def test_the_jobs_page_counts_queued_tasks_and_survives_an_unreadable_one(
    login: Any, world: World
) -> None:
    OrmQ.objects.create(key="safepassage", payload="not a signed payload", lock=None)
    OrmQ.objects.create(key="safepassage", payload="also garbage", lock=timezone.now())
    queued = login("admin").get(reverse("intel:jobs-list")).context["queued"]
    assert queued["total"] == 2 and queued["claimed"] == 1
    assert queued["by_func"] == [("(unreadable)", 2)]


def test_an_administrator_retries_a_failed_task_with_its_arguments(
    login: Any, failed: Task
) -> None:
    response = login("admin").post(reverse("intel:jobs-retry", args=[failed.id]))
    assert response.status_code == 302
    assert not Failure.objects.filter(id=failed.id).exists()
    rerun = Task.objects.get(func="math.floor")
    assert rerun.success and rerun.result == 2 and rerun.name == "process-report-7"
    record = AuditRecord.objects.get(object_type="django_q.failure", object_id=failed.id)
    assert record.source == "web" and record.actor_label == "admin"
    assert record.changes["retried_as"]


@pytest.mark.parametrize("persona", ["analyst", "coordinator", "viewer"])
def test_only_administrators_may_retry(login: Any, failed: Task, persona: str) -> None:
    response = login(persona).post(reverse("intel:jobs-retry", args=[failed.id]))
    assert response.status_code == 403
    assert Failure.objects.filter(id=failed.id).exists()


@pytest.mark.parametrize("task_id", ["../../etc", "x" * 500, "0" * 32])
def test_retrying_an_unknown_or_malformed_task_id_is_not_found(
    login: Any, world: World, task_id: str
) -> None:
    response = login("admin").post(f"/intel/jobs/{task_id}/retry/")
    assert response.status_code == 404


def test_retry_needs_a_post(login: Any, failed: Task) -> None:
    response = login("admin").get(reverse("intel:jobs-retry", args=[failed.id]))
    assert response.status_code == 405

"""Two escalation runs at the same moment, each on its own database connection, never take a
ladder step twice: the expected check-in's row lock and the one-row-per-step constraint
decide. (On SQLite a run that finds the database locked logs it and leaves the step to the
next minute, which also never doubles a step.)
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from safepassage.access.principals import SystemActor
from safepassage.alerts.models import Alert
from safepassage.tracking import services
from safepassage.tracking.models import Escalation
from tests.conftest import build_world
from tests.tracking.conftest import make_movement, start


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_escalation_runs_take_each_step_once() -> None:
    world = build_world()
    movement = start(world, make_movement(world))
    first = movement.expected_checkins.order_by("seq")[0]
    now = first.overdue_at + dt.timedelta(minutes=25)
    barrier = threading.Barrier(2)
    taken: list[int] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            taken.append(services.escalate_due(now, SystemActor("job:escalate-checkins")))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(taken)[0] == 0  # one run found nothing left to do
    levels = sorted(Escalation.objects.filter(expected=first).values_list("level", flat=True))
    assert levels == ["1", "2", "3"]
    assert Alert.objects.filter(kind="tracking_missed_checkin").count() == 3

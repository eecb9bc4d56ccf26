"""Other apps alert people through notify(): once per event, on every channel."""

from __future__ import annotations

from typing import Any

import pytest

from safepassage.alerts.models import Alert, Delivery
from safepassage.alerts.services import notify

pytestmark = pytest.mark.django_db


def test_notify_from_another_app_alerts_each_person_once_per_event(
    world: Any, make_movement: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    commander = world.user("commander")
    commander.email = "commander@spu.example"
    commander.save()
    movement = make_movement("under_way")
    people = [commander, world.user("officer")]
    why = "You lead the escort of MV-1. The check-in due at 14:00 was missed by 20 minutes."
    # Deliveries leave once the caller's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        stored = notify(
            people,
            "Missed check-in: MV-1",
            why,
            kind="checkin_missed",
            severity="high",
            dedupe_key=f"checkin-missed:{movement.pk}:step:1",
            related=movement,
        )
    assert {a.recipient.username for a in stored} == {"commander", "officer"}
    alert = Alert.objects.get(recipient=commander, kind="checkin_missed")
    assert alert.why == why and alert.state == "delivered"
    assert alert.subject_type == "movementrequest" and alert.subject_id == movement.pk
    assert [m["Subject"] for _s, _r, m in smtp.messages] == [
        "[Safe Passage] High: Missed check-in: MV-1"
    ]
    again = notify(
        people,
        "Missed check-in: MV-1",
        why,
        kind="checkin_missed",
        severity="high",
        dedupe_key=f"checkin-missed:{movement.pk}:step:1",
        related=movement,
    )
    assert again == []
    assert Alert.objects.filter(kind="checkin_missed").count() == 2


def test_notify_is_never_held_as_a_repeat_so_each_escalation_step_goes_out(
    world: Any, make_movement: Any
) -> None:
    movement = make_movement("under_way")
    for step in (1, 2, 3):
        notify(
            [world.user("commander")],
            f"Missed check-in, step {step}",
            "Nobody has acknowledged the missed check-in.",
            kind="checkin_missed",
            severity=3,
            dedupe_key=f"checkin-missed:{movement.pk}:step:{step}",
            related=movement,
        )
    states = list(Alert.objects.filter(kind="checkin_missed").values_list("state", flat=True))
    assert states == ["delivered", "delivered", "delivered"]


def test_an_sos_is_critical_and_reaches_the_inbox_at_once(world: Any) -> None:
    [alert] = notify(
        [world.user("coordinator").pk],
        "SOS from convoy MV-1",
        "The escort lead pressed SOS.",
        kind="sos",
        severity="critical",
        dedupe_key="sos:1",
    )
    assert alert.severity == 4 and alert.state == "delivered"
    assert Delivery.objects.filter(alert=alert, channel="in_app", status="sent").exists()


def test_notify_refuses_an_unknown_severity_and_an_empty_key(world: Any) -> None:
    with pytest.raises(ValueError):
        notify([world.user("viewer")], "x", "y", kind="k", severity="apocalyptic", dedupe_key="a")
    with pytest.raises(ValueError):
        notify([world.user("viewer")], "x", "y", kind="k", severity="low", dedupe_key="  ")
    with pytest.raises(TypeError):
        notify(["viewer"], "x", "y", kind="k", severity="low", dedupe_key="b")


def test_notify_keeps_very_long_keys_apart_and_idempotent(world: Any) -> None:
    base = "escalation:" + "x" * 400
    for _ in range(2):
        for tail in ("a", "b"):
            notify(
                [world.user("viewer")],
                "Notice",
                "Because.",
                kind="notice",
                severity="low",
                dedupe_key=base + tail,
            )
    keys = list(Alert.objects.filter(kind="notice").values_list("dedupe_key", flat=True))
    assert len(keys) == 2 and len(set(keys)) == 2
    assert all(len(k) <= 300 for k in keys)

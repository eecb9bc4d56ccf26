"""An alert is a read: it reaches only people whom the incident's TLP marking reaches."""

from __future__ import annotations

from typing import Any

import pytest

from safepassage.access import gate
from safepassage.alerts.models import Alert
from safepassage.intel.models import Incident

pytestmark = pytest.mark.django_db


def recipients(incident: Incident) -> set[str]:
    return set(
        Alert.objects.filter(incident=incident).values_list("recipient__username", flat=True)
    )


def test_an_amber_strict_incident_alerts_only_its_own_organisation(
    world: Any, make_incident: Any
) -> None:
    # Owned by the KP police: their commander is alerted, the company's coordinator is not.
    incident = make_incident(tlp="amber+strict", organisation=world.spu_kp)
    assert recipients(incident) == {"commander"}


def test_a_red_incident_alerts_only_named_recipients(world: Any, make_incident: Any) -> None:
    with_names = make_incident(tlp="red")
    assert recipients(with_names) == set()
    named = Incident.objects.create(
        kind="attack",
        attack_type="bombing",
        date=with_names.date,
        lat=35.35,
        lon=73.35,
        deaths=6,
        review_state="confirmed",
        tlp="red",
    )
    named.recipients.add(world.user("coordinator"))
    from safepassage.alerts.services import evaluate_incident

    evaluate_incident(named.pk)
    assert recipients(named) == {"coordinator"}


def test_an_alert_disappears_from_the_inbox_when_its_incident_is_marked_out_of_reach(
    world: Any, make_incident: Any
) -> None:
    incident = make_incident(tlp="amber", organisation=world.spu_kp)
    coordinator = world.user("coordinator")
    assert gate.restrict(Alert.objects.filter(incident=incident), coordinator).exists()
    Incident.objects.filter(pk=incident.pk).update(tlp="amber+strict")
    assert not gate.restrict(Alert.objects.filter(incident=incident), coordinator).exists()

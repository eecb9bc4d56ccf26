"""Background jobs of the alerts app, run by django-q2 as attributed system actors."""

from __future__ import annotations

from typing import Any

from safepassage.core.jobs import job


@job("evaluate_incident_alerts")
def evaluate_incident(actor: Any, incident_id: int) -> str:
    """Evaluate one incident against the alert rules (queued after an incident save)."""
    from safepassage.alerts.services import evaluate_incident as evaluate

    stored = evaluate(int(incident_id))
    return f"{len(stored)} alerts stored"


@job("deliver_alert")
def deliver(actor: Any, delivery_id: int) -> str:
    """Send one delivery (first attempt or a scheduled retry)."""
    from safepassage.alerts.delivery import attempt

    delivery = attempt(int(delivery_id))
    return "gone" if delivery is None else f"{delivery.channel}: {delivery.status}"


@job("send_alert_digests")
def send_due_digests(actor: Any) -> str:
    """Send the digests whose quiet-grouping window has closed (every minute)."""
    from safepassage.alerts.delivery import send_due_digests as send

    return f"{send()} digests sent"

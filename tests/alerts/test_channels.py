"""Alerts leave on their channels: email through a real SMTP server, signed webhooks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django_q.models import Schedule

from safepassage.alerts.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from safepassage.alerts.delivery import attempt
from safepassage.alerts.models import Alert, AlertRule, Delivery, Webhook

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-the-loopback-receiver"


@pytest.fixture
def emails(world: Any) -> None:
    world.user("coordinator").email = "coordinator@hydro.example"
    world.user("coordinator").save()
    world.user("commander").email = "commander@spu.example"
    world.user("commander").save()


def test_an_alert_arrives_by_email_with_its_why_text(
    world: Any, emails: None, smtp: Any, make_incident: Any
) -> None:
    make_incident()
    by_recipient = {rcpt[0]: msg for _sender, rcpt, msg in smtp.messages}
    assert set(by_recipient) == {"coordinator@hydro.example", "commander@spu.example"}
    mail = by_recipient["coordinator@hydro.example"]
    assert mail["Subject"].startswith("[Safe Passage] Critical: Suicide bombing")
    body = mail.get_payload(decode=True).decode()
    assert "You are responsible for Gorge Camp (security coordinator, Indus Gorge Hydro Co)" in body
    delivery = Delivery.objects.get(channel="email", target="coordinator@hydro.example")
    assert delivery.status == "sent" and delivery.attempts == 1


def test_a_person_without_an_address_gets_a_skipped_email_delivery_and_the_inbox(
    world: Any, smtp: Any, make_incident: Any
) -> None:
    incident = make_incident()
    alert = Alert.objects.get(incident=incident, recipient=world.user("coordinator"))
    statuses = {d.channel: d.status for d in alert.deliveries.all()}
    assert statuses == {"in_app": "sent", "email": "skipped"}
    assert smtp.messages == []


def test_a_webhook_receives_the_alert_with_a_valid_signature(
    world: Any, receiver: Any, make_incident: Any
) -> None:
    Webhook.objects.create(organisation=world.hydro, name="SOC", url=receiver.url, secret=SECRET)
    incident = make_incident()
    assert len(receiver.received) == 1  # the coordinator is in the hydro company
    hit = receiver.received[0]
    assert hit.headers["content-type"] == "application/json"
    assert verify(
        SECRET,
        hit.headers[TIMESTAMP_HEADER.lower()],
        hit.body,
        hit.headers[SIGNATURE_HEADER.lower()],
    )
    assert not verify(
        "another-secret",
        hit.headers[TIMESTAMP_HEADER.lower()],
        hit.body,
        hit.headers[SIGNATURE_HEADER.lower()],
    )
    payload = hit.json()
    assert payload["type"] == "alert" and payload["recipient"] == "coordinator"
    assert payload["alert"]["incident_id"] == incident.pk
    assert payload["alert"]["why"].startswith("You are responsible for Gorge Camp")


def test_a_failing_webhook_is_recorded_and_retried_while_email_still_goes(
    world: Any, emails: None, smtp: Any, receiver: Any, make_incident: Any
) -> None:
    receiver.statuses = [503]
    Webhook.objects.create(organisation=world.hydro, name="SOC", url=receiver.url, secret=SECRET)
    make_incident()
    assert {rcpt[0] for _s, rcpt, _m in smtp.messages} == {
        "coordinator@hydro.example",
        "commander@spu.example",
    }
    hook = Delivery.objects.get(channel="webhook")
    assert hook.status == "retrying" and hook.attempts == 1
    assert "503" in hook.error
    assert hook.next_attempt_at is not None
    retry = Schedule.objects.get(func="safepassage.alerts.jobs.deliver", args=repr((hook.pk,)))
    assert retry.next_run == hook.next_attempt_at
    # The scheduler fires the retry; the receiver has recovered.
    attempt(hook.pk)
    hook.refresh_from_db()
    assert hook.status == "sent" and hook.attempts == 2 and hook.error == ""
    assert len(receiver.received) == 2


def test_a_webhook_that_keeps_failing_stops_after_the_last_attempt(
    world: Any, receiver: Any, make_incident: Any, settings: Any
) -> None:
    settings.ALERTS_MAX_ATTEMPTS = 2
    receiver.statuses = [500, 500]
    Webhook.objects.create(organisation=world.hydro, name="SOC", url=receiver.url, secret=SECRET)
    make_incident()
    hook = Delivery.objects.get(channel="webhook")
    attempt(hook.pk)
    hook.refresh_from_db()
    assert hook.status == "failed" and hook.attempts == 2


def test_a_webhook_on_a_private_address_is_refused_outside_tests_without_retry(
    world: Any, make_incident: Any
) -> None:
    Webhook.objects.create(
        organisation=world.hydro, name="Internal", url="http://127.0.0.1:9/hook", secret=SECRET
    )
    make_incident()
    hook = Delivery.objects.get(channel="webhook")
    assert hook.status == "failed" and "loopback" in hook.error


def test_an_unreachable_smtp_server_is_retried_later(
    world: Any, emails: None, settings: Any, make_incident: Any
) -> None:
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on discard
    make_incident()
    email = Delivery.objects.filter(channel="email").first()
    assert email is not None and email.status == "retrying"
    assert email.next_attempt_at is not None
    assert email.next_attempt_at - email.created >= dt.timedelta(seconds=59)


def test_a_digest_goes_out_as_one_email_listing_each_alert(
    world: Any, emails: None, smtp: Any, make_incident: Any
) -> None:
    from safepassage.registry.models import Site

    AlertRule.objects.filter(subject="site").update(dedupe_minutes=0)
    Site.objects.create(
        organisation=world.hydro,
        name="Gorge Store",
        kind="depot",
        lat=35.36,
        lon=73.36,
        province="KP",
        district="Kohistan",
    )
    make_incident()
    to_coordinator = [m for _s, rcpt, m in smtp.messages if rcpt == ["coordinator@hydro.example"]]
    assert len(to_coordinator) == 1
    assert to_coordinator[0]["Subject"] == "[Safe Passage] 2 alerts"
    body = to_coordinator[0].get_payload(decode=True).decode()
    assert "Gorge Camp" in body and "Gorge Store" in body
    assert set(
        Alert.objects.filter(recipient=world.user("coordinator")).values_list("state", flat=True)
    ) == {"grouped"}

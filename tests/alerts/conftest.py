"""Fixtures of the alert tests: a real SMTP server and a webhook receiver on loopback.

Both run in threads of the test process and listen on free ports of 127.0.0.1 only. The
webhook channel reaches its receiver because the tests, and only the tests, exempt
127.0.0.0/8 from the outbound address guard.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.mail.utils import DNS_NAME
from django.utils import timezone

from safepassage.intel.models import Incident
from safepassage.movements.models import Assignment, MovementRequest

NOW = timezone.now


class _Collector:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content))
        )
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: _Collector

    @property
    def messages(self) -> list[tuple[str, list[str], Message]]:
        return self.handler.messages


@pytest.fixture(scope="module")
def _smtp() -> Iterator[SmtpServer]:
    handler = _Collector()
    # The controller checks its own port after starting, so it needs a real one up front:
    # let the operating system pick a free port, then hand it over.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # A fixed server name spares a reverse DNS lookup of the machine (seconds where DNS is slow).
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, handler)
    finally:
        controller.stop()


@pytest.fixture
def smtp(_smtp: SmtpServer, settings: Any, monkeypatch: pytest.MonkeyPatch) -> SmtpServer:
    """The local SMTP server, emptied, with Django's SMTP settings pointing at it."""
    _smtp.handler.messages.clear()
    settings.EMAIL_HOST = _smtp.host
    settings.EMAIL_PORT = _smtp.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    # Django names the client in its EHLO from a cached lookup of the machine's FQDN; set the
    # cache so the test does not wait on DNS.
    monkeypatch.setattr(DNS_NAME, "_fqdn", "localhost", raising=False)
    return _smtp


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    url: str
    received: list[Received] = field(default_factory=list)
    # Statuses to answer, in order; once used up, 200.
    statuses: list[int] = field(default_factory=list)


@pytest.fixture
def receiver(settings: Any) -> Iterator[WebhookReceiver]:
    """An HTTP server on loopback that records each POST and answers the queued statuses."""
    state = WebhookReceiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                state.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    settings.ALERTS_WEBHOOK_ALLOW_NETWORKS = ("127.0.0.0/8",)
    settings.ALERTS_WEBHOOK_TIMEOUT = 5
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def make_incident(django_capture_on_commit_callbacks: Any) -> Callable[..., Incident]:
    """Create an incident and run what its commit triggers (the alert evaluation job)."""

    def make(**fields: Any) -> Incident:
        values: dict[str, Any] = {
            "kind": "attack",
            "attack_type": "suicide_bombing",
            "date": timezone.localdate(),
            "date_precision": "day",
            "place_name": "Near the camp",
            "lat": 35.35,
            "lon": 73.35,
            "geo_precision": "town",
            "deaths": 6,
            "review_state": "confirmed",
        }
        values.update(fields)
        with django_capture_on_commit_callbacks(execute=True):
            return Incident.objects.create(**values)

    return make


@pytest.fixture
def make_movement(world: Any) -> Callable[..., MovementRequest]:
    """A movement of the hydro company escorted by the KP unit."""

    def make(
        state: str = "approved",
        *,
        depart_in: dt.timedelta = dt.timedelta(hours=2),
        hours: int = 6,
        origin: tuple[float, float] = (34.0, 73.0),
        destination: tuple[float, float] = (35.29, 73.27),
        escort: bool = True,
        reference: str = "MV-1",
    ) -> MovementRequest:
        depart = timezone.now() + depart_in
        movement = MovementRequest.objects.create(
            organisation=world.hydro,
            reference=reference,
            purpose="Site visit",
            origin_name="Abbottabad",
            origin_lat=origin[0],
            origin_lon=origin[1],
            destination_name="Gorge Camp",
            destination_lat=destination[0],
            destination_lon=destination[1],
            depart_at=depart,
            arrive_by=depart + dt.timedelta(hours=hours),
            state=state,
            created_by=world.user("coordinator"),
        )
        if escort:
            Assignment.objects.create(
                movement=movement,
                unit=world.unit_kp,
                officers=8,
                starts=movement.depart_at,
                ends=movement.arrive_by,
            )
        return movement

    return make

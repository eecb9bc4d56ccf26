"""The webhook channel: JSON POSTed through safepassage.lib.http with an HMAC-SHA256 signature.

The receiver checks ``X-SafePassage-Signature: sha256=<hex>``, computed over
``<timestamp>.<body>`` with the webhook's secret, and ``X-SafePassage-Timestamp`` to refuse
replays. :func:`verify` is the reference check.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from django.conf import settings

from safepassage.alerts.channels.base import ChannelError, Destination, Message
from safepassage.lib.http import FetchError, FetchPolicy, post

SIGNATURE_HEADER = "X-SafePassage-Signature"
TIMESTAMP_HEADER = "X-SafePassage-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, *, max_age_s: int = 300
) -> bool:
    """True when ``signature`` is valid for ``body`` and ``timestamp`` is recent."""
    try:
        age = abs(time.time() - int(timestamp))
    except ValueError:
        return False
    return age <= max_age_s and hmac.compare_digest(sign(secret, timestamp, body), signature)


def _policy() -> FetchPolicy:
    timeout = float(settings.ALERTS_WEBHOOK_TIMEOUT)
    return FetchPolicy(
        connect_timeout=timeout,
        read_timeout=timeout,
        total_timeout=timeout * 2,
        max_bytes=64 * 1024,
        allow_networks=tuple(settings.ALERTS_WEBHOOK_ALLOW_NETWORKS),
    )


class WebhookChannel:
    """POSTs the message's payload as JSON to the webhook's URL."""

    name = "webhook"

    def send(self, message: Message, destination: Destination) -> None:
        """POST once; raise ChannelError with the fetch error's retry advice."""
        if not destination.secret:
            raise ChannelError("the webhook has no signing secret", retryable=False)
        body = json.dumps(message.payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        timestamp = str(int(time.time()))
        headers = {
            SIGNATURE_HEADER: sign(destination.secret, timestamp, body),
            TIMESTAMP_HEADER: timestamp,
        }
        try:
            post(
                destination.address,
                body=body,
                content_type="application/json",
                policy=_policy(),
                headers=headers,
            )
        except FetchError as exc:
            raise ChannelError(str(exc), retryable=exc.retryable) from exc

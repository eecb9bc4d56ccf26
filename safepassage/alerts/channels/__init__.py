"""Alert channels, one module each, behind a small registry keyed by channel name."""

from __future__ import annotations

from safepassage.alerts.channels.base import Adapter, ChannelError, Destination, Message
from safepassage.alerts.channels.email import EmailChannel
from safepassage.alerts.channels.in_app import InAppChannel
from safepassage.alerts.channels.webhook import WebhookChannel

REGISTRY: dict[str, Adapter] = {
    adapter.name: adapter for adapter in (InAppChannel(), EmailChannel(), WebhookChannel())
}


def adapter_for(name: str) -> Adapter:
    """The adapter registered as ``name``; LookupError for an unknown channel."""
    try:
        return REGISTRY[name]
    except KeyError as exc:
        raise LookupError(f"No alert channel is called {name!r}.") from exc


__all__ = ["REGISTRY", "Adapter", "ChannelError", "Destination", "Message", "adapter_for"]

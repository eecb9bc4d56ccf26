"""What every alert channel adapter provides: a message, a destination and one error type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Message:
    """One alert or digest, rendered once for every channel."""

    subject: str
    text: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Destination:
    """Where a channel sends: an email address, a webhook URL (with its signing secret)."""

    address: str
    secret: str = ""


class ChannelError(Exception):
    """Sending failed; ``retryable`` says whether a later attempt may succeed."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


class Adapter(Protocol):
    """A channel: sends a message to a destination or raises ChannelError."""

    name: str

    def send(self, message: Message, destination: Destination) -> None: ...

"""The in-app channel: the alert row itself is what the inbox shows, so nothing is sent."""

from __future__ import annotations

from safepassage.alerts.channels.base import Destination, Message


class InAppChannel:
    """Always succeeds: storing the alert already put it in the recipient's inbox."""

    name = "in_app"

    def send(self, message: Message, destination: Destination) -> None:
        """Nothing to transmit; the inbox reads the stored alert."""
        return None

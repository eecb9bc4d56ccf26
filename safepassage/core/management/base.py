"""Base class for CLI commands that write: every write is audited as coming from the CLI.

``--as USERNAME`` runs the command as that user, through the permission gate. Without it the
command acts as the operator at the shell (recorded as ``cli:<os user>``), who is trusted
with full rights because they already hold the server and its database.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.access.principals import SystemActor
from safepassage.audit.context import Source, acting


def operator_label() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


class AuditedCommand(BaseCommand):
    audit_source = Source.CLI

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USERNAME",
            help="Act as this user, limited by their role and scope (default: the shell operator).",
        )

    def acting_user(self, options: dict[str, Any]) -> Any:
        """The user named by --as, or the shell operator as a system actor."""
        from django.contrib.auth import get_user_model

        username = options.get("as_user")
        if not username:
            return SystemActor(operator_label())
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        return user

    def execute(self, *args: Any, **options: Any) -> Any:
        self.user = self.acting_user(options)
        with acting(self.audit_source, user=self.user, label=operator_label()):
            return super().execute(*args, **options)

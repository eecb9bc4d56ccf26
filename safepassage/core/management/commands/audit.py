"""`safepassage audit verify`: check the audit log's hash chain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.audit.verify import verify


class Command(BaseCommand):
    help = "Audit log tools."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Recompute the hash chain; name the first altered record.")

    def handle(self, *args: Any, **options: Any) -> None:
        count, problem = verify()
        if problem is not None:
            raise CommandError(
                f"Audit log FAILED verification at record {problem.seq}: {problem.reason}. "
                f"({count} records stored.)"
            )
        self.stdout.write(self.style.SUCCESS(f"Audit log OK: {count} records, chain intact."))

"""`safepassage poll [--source NAME] [--all]`: poll sources now and print how each run went."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from safepassage.core.management.base import AuditedCommand


class Command(AuditedCommand):
    help = (
        "Poll feed and folder sources: the due ones (the worker does this every minute), "
        "one named source, or all enabled ones."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--source", metavar="NAME", help="Poll this source now, due or not.")
        parser.add_argument(
            "--all", action="store_true", help="Poll every enabled source now, due or not."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.utils import timezone

        from safepassage.intel import polling

        if options["source"] and options["all"]:
            raise CommandError("Give --source or --all, not both.")
        if options["source"]:
            found = polling.polled_sources(self.user).filter(name=options["source"]).first()
            if found is None:
                raise CommandError(f"No feed or folder source named {options['source']!r}.")
            outcomes = [polling.poll_source(self.user, found)]
        elif options["all"]:
            outcomes = [
                polling.poll_source(self.user, source)
                for source in polling.polled_sources(self.user).filter(enabled=True)
            ]
        else:
            outcomes = polling.poll_due(self.user, now=timezone.now())
        if not outcomes:
            self.stdout.write("No source is due.")
        for outcome in outcomes:
            self.stdout.write(outcome.summary)
        failed = [o for o in outcomes if o.status == polling.ERROR and not o.skipped]
        if failed and len(failed) == len(outcomes):
            raise CommandError(f"Every polled source failed ({len(failed)}).")

"""`safepassage tracking escalate|purge-positions`: run a tracking job now, without the worker.

Both run exactly as the scheduled jobs do (as their system actor, audited as ``job``), so an
operator can take due escalation steps or erase expired positions by hand; running them
again at once changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run a tracking job now: escalate missed check-ins, or erase expired positions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job", choices=["escalate", "purge-positions"])

    def handle(self, *args: Any, **options: Any) -> None:
        from safepassage.tracking import jobs

        if options["job"] == "escalate":
            taken = jobs.escalate_checkins()
            self.stdout.write(f"{taken} escalation step(s) taken.")
        else:
            erased = jobs.purge_positions()
            self.stdout.write(f"{erased} check-in position(s) erased.")

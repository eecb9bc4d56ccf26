"""``export_csv KIND``: write registry records as CSV, in the format ``import_csv`` reads."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser

from safepassage.core.management.base import AuditedCommand
from safepassage.registry import csvio
from safepassage.registry.resources import RESOURCES


class Command(AuditedCommand):
    help = "Export registry records (within the --as user's scope) as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("kind", choices=list(RESOURCES), help="What to export.")
        parser.add_argument("--output", "-o", help="Write to this file instead of stdout.")

    def handle(self, *args: Any, **options: Any) -> None:
        resource = csvio.resource_for(options["kind"])
        try:
            if options["output"]:
                with open(options["output"], "w", encoding="utf-8", newline="") as out:
                    count = csvio.write_csv(resource, self.user, out)
                self.stderr.write(f"Wrote {count} {resource.title.lower()} to {options['output']}.")
            else:
                csvio.write_csv(resource, self.user, self.stdout)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        except BrokenPipeError:
            # The reader stopped early (`export sites | head`): not an error worth a trace.
            return
        except OSError as exc:
            raise CommandError(f"Cannot write {options['output'] or 'stdout'}: {exc}") from exc

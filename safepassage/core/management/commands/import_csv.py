"""``import_csv KIND FILE``: import a registry CSV file, all rows or none.

Every problem is printed to stderr with its line number and the command exits with status 1;
nothing is saved then. Writes are audited with source ``import`` and one correlation id, as
the operator (or the ``--as`` user, within their scope).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser

from safepassage.audit.context import Source, acting
from safepassage.core.management.base import AuditedCommand
from safepassage.registry import csvio
from safepassage.registry.resources import RESOURCES


class Command(AuditedCommand):
    help = "Import registry records from a CSV file; a file with any bad row changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("kind", choices=list(RESOURCES), help="What the file holds.")
        parser.add_argument("file", help="Path of the CSV file (UTF-8; header = column names).")
        parser.add_argument(
            "--update", action="store_true", help="Update records that already exist."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row, then save nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        resource = csvio.resource_for(options["kind"])
        path = Path(options["file"])
        try:
            stream = path.open("rb")
        except OSError as exc:
            raise CommandError(f"Cannot open {path}: {exc.strerror or exc}") from exc
        # The import runs as the acting user (or the operator) with the audit source
        # "import"; import_csv sets the shared correlation id of its writes.
        with stream, acting(Source.IMPORT, user=self.user):
            try:
                result = csvio.import_csv(
                    resource,
                    self.user,
                    stream,
                    update=options["update"],
                    dry_run=options["dry_run"],
                )
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from exc
        if not result.ok:
            self.stderr.write(f"{path}: nothing was imported; {len(result.errors)} problem(s):")
            self.stderr.write(f"{'line':>6}  {'column':<20}  problem")
            for line, column, message in result.errors:
                where = "file" if line is None else str(line)
                self.stderr.write(f"{where:>6}  {column or '-':<20}  {message}")
            raise CommandError(f"Import of {path} refused.")
        verb = "would create" if result.dry_run else "created"
        self.stdout.write(
            f"{resource.title}: {verb} {result.created}, updated {result.updated}, "
            f"unchanged {result.unchanged}"
            + ("" if result.dry_run else f" (audit correlation id {result.correlation_id}).")
        )

"""``misp export|import``: MISP events of the incident picture, on the command line.

``safepassage misp export [--for PARTNER] [--since ISO] [-o FILE]`` writes the MISP events of
what the acting user (``--as``; the shell operator by default) may read, or, with ``--for``,
what that partner organisation's agreements let it receive (recorded as shared).
``safepassage misp import FILE [--origin PARTNER] [--owner ORG]`` imports events: all of them
or, listing every error, none of them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser

from safepassage.core.management.base import AuditedCommand
from safepassage.sharing import misp, tlp
from safepassage.sharing.management.commands._common import (
    organisation,
    read_input,
    since_option,
    write_output,
)
from safepassage.sharing.services import PartnerReader


class Command(AuditedCommand):
    help = "Export or import MISP events of physical incidents and engagements."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Write MISP events (stdout by default).")
        export.add_argument("--for", dest="partner", help="Partner organisation (name or id).")
        export.add_argument(
            "--since", help="Only incidents and engagements updated at or after (ISO 8601)."
        )
        export.add_argument("--output", "-o", help="Write to this file instead of stdout.")
        imp = sub.add_parser("import", help="Import a MISP JSON file ('-' for stdin).")
        imp.add_argument("file")
        imp.add_argument("--origin", help="Partner organisation the events came from.")
        imp.add_argument(
            "--owner", help="Organisation that holds the incidents here (AMBER+STRICT)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "export":
                self._export(options)
            else:
                self._import(options)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc

    def _export(self, options: dict[str, Any]) -> None:
        since = since_option(options["since"])
        partner = organisation(options["partner"]) if options["partner"] else None
        reader: Any = PartnerReader(partner) if partner is not None else self.user
        result = misp.export_events(reader, partner=partner, actor=self.user, since=since)
        text = misp.dumps(result)
        write_output(self, options["output"], text)
        self.stderr.write(f"{len(result.events)} events, marked {tlp.label(result.marking)}.")

    def _import(self, options: dict[str, Any]) -> None:
        data = read_input(options["file"], misp.MAX_BYTES)
        origin = organisation(options["origin"]) if options["origin"] else None
        owner = organisation(options["owner"]) if options["owner"] else None
        try:
            result = misp.import_events(data, actor=self.user, origin=origin, owner=owner)
        except misp.MispRejected as exc:
            lines = "\n".join(f"  - {error}" for error in exc.errors)
            raise CommandError(
                f"The MISP input was refused; nothing was imported:\n{lines}"
            ) from exc
        for event_uuid, outcome in result.events.items():
            self.stdout.write(f"{event_uuid}  {outcome}")
        self.stderr.write(
            f"Created {result.created}, updated {result.updated}, "
            f"unchanged {result.unchanged}, skipped {result.skipped}."
        )

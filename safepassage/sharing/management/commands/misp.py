"""``misp export|import``: MISP events of the incident picture, on the command line.

``safepassage misp export [--for PARTNER] [--since ISO] [-o FILE]`` writes the MISP events of
what the acting user (``--as``; the shell operator by default) may read, or, with ``--for``,
what that partner organisation's agreements let it receive (recorded as shared).
``safepassage misp import FILE [--origin PARTNER] [--owner ORG]`` imports events: all of them
or, listing every error, none of them.
"""

from __future__ import annotations

import datetime
import sys
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from safepassage.core.management.base import AuditedCommand
from safepassage.registry.models import Organisation
from safepassage.sharing import misp, tlp
from safepassage.sharing.services import PartnerReader


def _organisation(name: str) -> Organisation:
    found: Organisation | None = Organisation.objects.filter(name=name).first()
    if found is None and name.isascii() and name.isdigit() and len(name) < 19:
        found = Organisation.objects.filter(pk=int(name)).first()
    if found is None:
        raise CommandError(f"No organisation named {name!r}.")
    return found


class Command(AuditedCommand):
    help = "Export or import MISP events of physical incidents."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Write MISP events (stdout by default).")
        export.add_argument("--for", dest="partner", help="Partner organisation (name or id).")
        export.add_argument("--since", help="Only incidents updated at or after (ISO 8601).")
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
        since = None
        if options["since"]:
            since = parse_datetime(options["since"])
            if since is None:
                raise CommandError(f"--since {options['since']!r} is not an ISO 8601 time.")
            if since.tzinfo is None:
                since = since.replace(tzinfo=datetime.UTC)
        partner = _organisation(options["partner"]) if options["partner"] else None
        reader: Any = PartnerReader(partner) if partner is not None else self.user
        result = misp.export_events(reader, partner=partner, actor=self.user, since=since)
        text = misp.dumps(result)
        if options["output"]:
            try:
                with open(options["output"], "w", encoding="utf-8") as out:
                    out.write(text + "\n")
            except OSError as exc:
                raise CommandError(f"Cannot write {options['output']}: {exc}") from exc
        else:
            self.stdout.write(text)
        self.stderr.write(f"{len(result.events)} events, marked {tlp.label(result.marking)}.")

    def _import(self, options: dict[str, Any]) -> None:
        path = options["file"]
        try:
            if path == "-":
                data = sys.stdin.buffer.read(misp.MAX_BYTES + 1)
            else:
                with open(path, "rb") as handle:
                    data = handle.read(misp.MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        origin = _organisation(options["origin"]) if options["origin"] else None
        owner = _organisation(options["owner"]) if options["owner"] else None
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

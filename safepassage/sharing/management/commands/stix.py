"""``stix export|import``: STIX 2.1 bundles of the incident picture, on the command line.

``safepassage stix export [--for PARTNER] [--since ISO] [--text] [-o FILE]`` writes the bundle
of what the acting user (``--as``; the shell operator by default) may read, or, with
``--for``, what that partner organisation's agreements let it receive (recorded as shared).
``safepassage stix import FILE [--origin PARTNER]`` imports a bundle: all of it or, listing
every error, none of it.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser

from safepassage.core.management.base import AuditedCommand
from safepassage.sharing import tlp
from safepassage.sharing.management.commands._common import (
    organisation,
    read_input,
    since_option,
    write_output,
)
from safepassage.sharing.services import PartnerReader, personal_data_allowed
from safepassage.sharing.stix import collect, record_export
from safepassage.sharing.stix_import import MAX_BYTES, BundleRejected, import_bundle


class Command(AuditedCommand):
    help = "Export or import STIX 2.1 bundles of incidents, engagements, reports and sightings."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Write a bundle (stdout by default).")
        export.add_argument("--for", dest="partner", help="Partner organisation (name or id).")
        export.add_argument(
            "--since", help="Only incidents and engagements updated at or after (ISO 8601)."
        )
        export.add_argument(
            "--text", action="store_true", help="Carry article text (personal data)."
        )
        export.add_argument("--output", "-o", help="Write to this file instead of stdout.")
        imp = sub.add_parser("import", help="Import a bundle file ('-' for stdin).")
        imp.add_argument("file")
        imp.add_argument("--origin", help="Partner organisation the bundle came from.")

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
        include_text = options["text"] and (partner is None or personal_data_allowed(partner))
        export = collect(reader, since=since, include_text=include_text)
        text = json.dumps(export.bundle(), indent=2, ensure_ascii=False)
        if partner is not None:
            record_export(export, partner, channel="export", actor=self.user)
        write_output(self, options["output"], text)
        self.stderr.write(
            f"{len(export.rows)} incidents, engagements and reports, marked "
            f"{tlp.label(export.marking)}."
        )

    def _import(self, options: dict[str, Any]) -> None:
        data = read_input(options["file"], MAX_BYTES)
        origin = organisation(options["origin"]) if options["origin"] else None
        try:
            result = import_bundle(data, actor=self.user, origin=origin)
        except BundleRejected as exc:
            lines = "\n".join(f"  - {error}" for error in exc.errors)
            raise CommandError(f"The bundle was refused; nothing was imported:\n{lines}") from exc
        self.stdout.write(json.dumps(result.as_dict(), indent=2))
        self.stderr.write(
            f"Created {result.created}, updated {result.updated}, unchanged {result.unchanged}, "
            f"mapped {result.mapped}, skipped {result.skipped}."
        )

"""What the `stix` and `misp` commands share: finding organisations, reading and writing files.

Django lists no command for a module whose name starts with an underscore.
"""

from __future__ import annotations

import datetime
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from safepassage.registry.models import Organisation


def organisation(name: str) -> Organisation:
    """The organisation with this name, or else this id (digits only, within the id range)."""
    found: Organisation | None = Organisation.objects.filter(name=name).first()
    if found is None and name.isascii() and name.isdigit() and len(name) < 19:
        found = Organisation.objects.filter(pk=int(name)).first()
    if found is None:
        raise CommandError(f"No organisation named {name!r}.")
    return found


def since_option(value: str | None) -> datetime.datetime | None:
    """The --since time, read as UTC when it names no offset."""
    if not value:
        return None
    since = parse_datetime(value)
    if since is None:
        raise CommandError(f"--since {value!r} is not an ISO 8601 time.")
    return since.replace(tzinfo=datetime.UTC) if since.tzinfo is None else since


def read_input(path: str, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of ``path`` ('-' for stdin), so the importer sees an excess."""
    try:
        if path == "-":
            return sys.stdin.buffer.read(limit + 1)
        with open(path, "rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc}") from exc


def write_output(command: BaseCommand, path: str | None, text: str) -> None:
    """Write ``text`` to ``path``, or to the command's standard output without one."""
    if not path:
        command.stdout.write(text)
        return
    try:
        with open(path, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    except OSError as exc:
        raise CommandError(f"Cannot write {path}: {exc}") from exc

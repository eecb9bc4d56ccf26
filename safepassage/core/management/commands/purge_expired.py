"""`safepassage purge-expired`: run the retention job now (it also runs daily in the worker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from safepassage.registry.jobs import purge_expired_people


class Command(BaseCommand):
    help = "Delete protected people whose retention date has passed."

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_expired_people()
        self.stdout.write(f"Deleted {count} expired protected-person record(s).")

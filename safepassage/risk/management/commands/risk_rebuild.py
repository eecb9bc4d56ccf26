"""Recompute the stored risk from every incident (first install, or after changing constants)."""

from typing import Any

from django.core.management.base import BaseCommand

from safepassage.risk.aggregates import rebuild


class Command(BaseCommand):
    help = "Recompute every incident's risk contribution and the cell and area aggregates."

    def handle(self, *args: Any, **options: Any) -> None:
        written = rebuild()
        self.stdout.write(f"{written} incidents contribute to the risk picture.")

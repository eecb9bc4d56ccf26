"""`safepassage demo_movement`: plan the demo movement Islamabad → Besham → Dasu."""

from __future__ import annotations

from typing import Any

from safepassage.core.management.base import AuditedCommand
from safepassage.movements.demo import create_demo_movement


class Command(AuditedCommand):
    help = "Plan the demo movement from Islamabad to the Dasu project site through Besham."

    def handle(self, *args: Any, **options: Any) -> None:
        movement = create_demo_movement()
        if movement is None:
            self.stdout.write("Demo movement not created (already there, or no demo data).")
            return
        failing = [r["code"] for r in movement.rule_results if r["outcome"] == "fail"]
        self.stdout.write(
            f"Planned {movement.reference}: {movement}; failing rules: {', '.join(failing) or 'none'}."
        )

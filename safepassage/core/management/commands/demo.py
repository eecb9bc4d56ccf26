"""`safepassage demo`: migrate the embedded database, load demo data, print logins, serve."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Set up and serve the demo on the embedded database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="Set up only; do not serve.")

    def handle(self, *args: Any, **options: Any) -> None:
        from safepassage.core.demo import load_demo_data

        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database ready.")
        logins = load_demo_data()
        password = logins.pop("password", "")
        from safepassage.core.demo_intel import load_demo_reports, seeds_dir
        from safepassage.movements.demo import create_demo_movement

        if seeds_dir() is None:
            self.stdout.write(
                "No seed articles found (../shared/seeds): the incident list starts empty."
            )
        else:
            self.stdout.write("Reading the seed articles into the incident picture …")
            count = load_demo_reports()
            self.stdout.write(f"{count} new report(s) processed.")
        movement = create_demo_movement()
        if movement is not None:
            self.stdout.write(f"Demo movement {movement.reference} planned: {movement}.")
        from safepassage.dashboard.demo import extend_demo

        for added in extend_demo():
            self.stdout.write(f"Dashboard demo: {added}.")
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"Safe Passage demo: open {url} and sign in as one of:")
        )
        for username, role in sorted(logins.items()):
            self.stdout.write(f"  {username:<12} ({role})")
        self.stdout.write(f"Every demo user's password is: {password}")
        self.stdout.write("")
        if not options["no_serve"]:
            call_command("serve", host=options["host"], port=options["port"])

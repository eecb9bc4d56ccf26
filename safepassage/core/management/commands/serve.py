"""Serve the web app and API with waitress, a production WSGI server with no C dependencies."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Safe Passage on HOST:PORT (default 127.0.0.1:8000)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from safepassage.wsgi import application

        self.stdout.write(f"Serving Safe Passage on http://{options['host']}:{options['port']}/")
        serve(application, host=options["host"], port=options["port"], threads=options["threads"])

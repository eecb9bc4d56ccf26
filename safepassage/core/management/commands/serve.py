"""Serve the web app and API with waitress, with the embedded job worker beside it.

On one machine the worker (django-q2 `qcluster`) runs as a child process of the server, so
polling, ingestion, alerts and escalations work with nothing else running. A deployment with
separate workers starts the server with --no-worker (or SAFEPASSAGE_EMBEDDED_WORKER=0).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from safepassage.lib.env import env_bool


class Command(BaseCommand):
    help = "Serve Safe Passage on HOST:PORT (default 127.0.0.1:8000) with the embedded worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            default=not env_bool("SAFEPASSAGE_EMBEDDED_WORKER", True),
            help="Do not start the embedded job worker (run `safepassage worker` elsewhere).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
        from waitress import serve

        from safepassage.wsgi import application

        worker = None if options["no_worker"] else self._start_worker()
        self.stdout.write(f"Serving Safe Passage on http://{options['host']}:{options['port']}/")
        try:
            serve(
                application, host=options["host"], port=options["port"], threads=options["threads"]
            )
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _start_worker(self) -> subprocess.Popen[bytes]:
        self.stdout.write("Starting the embedded job worker (django-q2).")
        return subprocess.Popen(
            [sys.executable, "-m", "safepassage", "worker"], env=os.environ.copy()
        )

"""The `safepassage` command-line tool.

Extraction and evaluation run without Django (they are pure-Python cores used by workers and
batch jobs too). Every other subcommand is a Django management command, so the CLI, the
admin and the web share the same models, gate and audit log.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

# `safepassage NAME` -> management command, where the two names differ.
ALIASES = {
    "import": "import_csv",
    "export": "export_csv",
    "worker": "qcluster",
    "purge-expired": "purge_expired",
    "demo-data": "demo_data",
}

USAGE = """usage: safepassage COMMAND [ARGS]

Platform:
  demo                 set up the embedded database, load demo data and serve on 127.0.0.1:8000
  serve                serve the web app and API (waitress)  [--host H --port P]
  migrate              create or update the database schema
  check [--deploy]     run Django's system checks (security checks with --deploy)
  createuser           create a user with a role and scope
  token                issue, list or revoke API tokens
  import KIND FILE     import a CSV file (organisations, projects, sites, people, units, vehicles)
  export KIND          export a CSV file
  audit verify         check the audit log's hash chain; names the first altered record
  worker               run the background job worker (django-q2); several may run at once
  poll [--source NAME] poll news sources now (feeds, watched folders)
  purge-expired        delete protected people whose retention date has passed
  tracking escalate|purge-positions   run the check-in escalation or position retention job now
  stix export|import [FILE]   STIX 2.1 bundles of incidents (--for PARTNER, --since, --origin)
  misp export|import [FILE]   MISP events of incidents (--for PARTNER, --since, --origin, --owner)
  sync [peers|add-peer]       sync incidents with peer instances now, list or add peers

Intelligence:
  extract [PATH ...]   extract structured events from articles (JSONL on stdout)
  eval                 score extraction against the gold sets

Any other Django management command also works, e.g. `safepassage shell`.
"""


def _ensure_demo_secret() -> None:
    """The demo runs with DEBUG off, so it needs a real key: keep one under the data dir."""
    if os.environ.get("SAFEPASSAGE_SECRET_KEY") or os.environ.get("SAFEPASSAGE_SECRET_KEY_FILE"):
        return
    data_dir = Path(os.environ.get("SAFEPASSAGE_DATA_DIR", Path.cwd() / "var"))
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / "secret.key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
    os.environ["SAFEPASSAGE_SECRET_KEY_FILE"] = str(key_file)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    command, rest = args[0], args[1:]
    if command == "extract":
        from safepassage.extract.cli import main as extract_main

        return extract_main(rest)
    if command == "eval":
        from safepassage.evaluation.cli import main as eval_main

        return eval_main(rest)
    if command == "demo":
        _ensure_demo_secret()
    if not os.environ.get("DATABASE_URL"):
        # The embedded database lives in the data directory; SQLite will not create folders.
        Path(os.environ.get("SAFEPASSAGE_DATA_DIR", Path.cwd() / "var")).mkdir(
            parents=True, exist_ok=True
        )

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepassage.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["safepassage", ALIASES.get(command, command), *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main())

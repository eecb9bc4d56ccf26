#!/usr/bin/env bash
# THE demo command: set up .venv if needed, then `safepassage demo`, which migrates the
# embedded SQLite database under ./var/, loads the fictional demo data, prints the demo logins
# and serves on http://127.0.0.1:8000/ until Ctrl-C. Extra arguments go to `safepassage demo`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash "$ROOT/scripts/bootstrap.sh"
exec "$ROOT/.venv/bin/safepassage" demo "$@"

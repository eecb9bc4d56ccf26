#!/usr/bin/env bash
# Create the project's virtual environment (.venv) and install the pinned dependencies, then
# the pinned front-end assets (scripts/assets.sh: npm ci from package-lock.json).
#
# Idempotent and cheap to repeat: the install runs only when requirements.lock or
# pyproject.toml changed since the last successful run (their hash is kept in a stamp file
# inside .venv). An existing .venv is never deleted, even when it looks broken: we stop with
# a message instead, because other people's work may live in it.
#
# Environment:
#   SAFEPASSAGE_PYTHON   interpreter to create .venv with (default: the first Python 3.11 found)
#   SAFEPASSAGE_VENV     where the virtual environment lives (default: <repo>/.venv)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SAFEPASSAGE_VENV:-$ROOT/.venv}"
LOCK_FILE="$ROOT/requirements.lock"
STAMP="$VENV/.safepassage-bootstrap.stamp"

say() { printf 'bootstrap: %s\n' "$*" >&2; }
die() { printf 'bootstrap: ERROR: %s\n' "$*" >&2; exit 1; }

is_py311() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' >/dev/null 2>&1; }

# Print the path of a Python 3.11 that can create virtual environments.
find_python() {
    local candidate
    local -a candidates=()
    [ -n "${SAFEPASSAGE_PYTHON:-}" ] && candidates+=("$SAFEPASSAGE_PYTHON")
    candidates+=(python3.11 python3)
    # CI and cron shells may lack pyenv's shims on PATH, so look in the usual places too.
    for candidate in "$HOME"/.pyenv/versions/3.11*/bin/python3.11 /usr/local/bin/python3.11 /usr/bin/python3.11; do
        [ -x "$candidate" ] && candidates+=("$candidate")
    done
    for candidate in "${candidates[@]}"; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        is_py311 "$candidate" || continue
        "$candidate" -c 'import ensurepip, venv' >/dev/null 2>&1 || continue
        command -v "$candidate"
        return 0
    done
    return 1
}

[ -f "$LOCK_FILE" ] || die "$LOCK_FILE is missing"

# Several people (and CI) may bootstrap the same checkout at once; serialise on a lock that
# lives outside the work tree so it never shows up in git status.
LOCK_DIR="${TMPDIR:-/tmp}"
LOCK_PATH="$LOCK_DIR/safepassage-bootstrap-$(printf '%s' "$VENV" | cksum | cut -d' ' -f1).lock"
exec 9>"$LOCK_PATH"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi

if [ ! -e "$VENV" ]; then
    PYTHON="$(find_python)" || die "no Python 3.11 with the venv module found. Install it (Debian: apt-get install python3.11 python3.11-venv) or set SAFEPASSAGE_PYTHON=/path/to/python3.11."
    say "creating $VENV with $PYTHON"
    "$PYTHON" -m venv "$VENV"
fi

VPY="$VENV/bin/python"
[ -x "$VPY" ] || die "$VENV exists but has no bin/python. It was left as it is; move it away yourself and run this script again."
is_py311 "$VPY" || die "$VPY is not a working Python 3.11. It was left as it is; move $VENV away yourself and run this script again."

# The stamp covers both files because a change to pyproject.toml (a new console script, a new
# package) needs the editable install redone even when the lock did not move.
want="$(cat "$LOCK_FILE" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1) $("$VPY" -c 'import sys; print(sys.version.split()[0])')"
have="$(cat "$STAMP" 2>/dev/null || true)"

if [ "$want" != "$have" ] || [ ! -x "$VENV/bin/safepassage" ]; then
    PIP=("$VPY" -m pip --disable-pip-version-check --no-input)
    say "installing requirements.lock into $VENV"
    "${PIP[@]}" install --quiet -r "$LOCK_FILE"
    say "installing the project (editable, no dependencies)"
    "${PIP[@]}" install --quiet --no-deps -e "$ROOT"
    printf '%s\n' "$want" >"$STAMP"
    say "done"
fi

# Front-end assets (map, basemap, Chart.js) from package-lock.json with `npm ci`; a no-op when
# nothing changed. Here so that the demo and the test command both get them.
SAFEPASSAGE_ASSETS_PYTHON="$VPY" bash "$ROOT/scripts/assets.sh"

#!/usr/bin/env bash
# THE test command: every check a change must pass, in the order CI runs them.
#
#   bash scripts/test.sh [PYTEST ARGS...]        e.g. bash scripts/test.sh -k audit -x
#
# Steps: bootstrap .venv, ruff lint, ruff format check, mypy on the pure-Python cores, Django
# system checks, makemigrations --check, pytest on SQLite, pytest again on a real PostgreSQL 15
# cluster started for this run (and stopped afterwards, also on failure or Ctrl-C), then the
# coverage floor over both runs. Stops at the first failing step with its exit code.
#
# Environment:
#   SAFEPASSAGE_TEST_DB   sqlite | postgres | both (default both)
#   SAFEPASSAGE_CHROMIUM  the Chromium the browser tests drive (default /usr/bin/chromium)
set -euo pipefail

# The coverage floor, in percent, over the SQLite and PostgreSQL runs together.
COVERAGE_FLOOR=80

# Pure-Python cores (no Django imports) that must pass mypy --strict; missing ones are skipped.
TYPED_CORES=(safepassage/geo safepassage/extract safepassage/evaluation safepassage/lib safepassage/linking safepassage/riskmodel safepassage/guidelines)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TEST_DB="${SAFEPASSAGE_TEST_DB:-both}"
case "$TEST_DB" in
    sqlite | postgres | both) ;;
    *) echo "SAFEPASSAGE_TEST_DB must be sqlite, postgres or both (got '$TEST_DB')" >&2; exit 2 ;;
esac

STEP_START=$SECONDS
section() {
    printf '\n========== %s ==========\n' "$*"
}
step_done() {
    printf -- '---------- ok (%ss)\n' "$((SECONDS - STEP_START))"
    STEP_START=$SECONDS
}
fail() {
    printf '\n########## FAILED: %s\n' "$*" >&2
}

# Everything this run writes outside the repo lives here and goes away at exit.
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/safepassage-test.XXXXXX")"
PG_DIR=""
CHILD=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
        kill -TERM "$CHILD" 2>/dev/null || true
        wait "$CHILD" 2>/dev/null || true
    fi
    if [ -n "$PG_DIR" ]; then
        bash "$ROOT/scripts/pg.sh" stop "$PG_DIR" || true
    fi
    rm -rf "$RUN_DIR"
    exit "$rc"
}
trap cleanup EXIT
# A signal becomes a normal exit so the EXIT trap above stops PostgreSQL.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

section "bootstrap (.venv from requirements.lock)"
bash "$ROOT/scripts/bootstrap.sh"
export PATH="$ROOT/.venv/bin:$PATH"
export VIRTUAL_ENV="$ROOT/.venv"
step_done

# The browser tests (tests/browser) drive Debian's Chromium through Playwright; stop here, not
# after the long steps, when it is missing.
CHROMIUM="${SAFEPASSAGE_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
    fail "Chromium is missing at $CHROMIUM: the browser tests need it (Debian: apt-get install chromium; .ci/run installs it)"
    exit 1
fi

# Each step: run it; on failure name it and stop with its exit code.
run_step() {
    local name="$1"
    shift
    local rc=0
    "$@" || rc=$?
    if [ "$rc" -ne 0 ]; then
        fail "$name (exit $rc)"
        exit "$rc"
    fi
}

section "ruff check"
run_step "ruff check" ruff check .
step_done

section "ruff format --check"
run_step "ruff format --check (run 'make format' to fix)" ruff format --check .
step_done

section "mypy --strict on the pure-Python cores"
cores=()
for core in "${TYPED_CORES[@]}"; do
    [ -d "$core" ] && cores+=("$core")
done
if [ ${#cores[@]} -gt 0 ]; then
    echo "checking: ${cores[*]}"
    run_step "mypy" mypy "${cores[@]}"
else
    echo "no pure-Python core packages yet; skipped"
fi
step_done

# The settings refuse a placeholder secret when DEBUG is off, so the suite gets a random one.
if [ -z "${SAFEPASSAGE_SECRET_KEY:-}" ]; then
    SAFEPASSAGE_SECRET_KEY="test-$(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
    export SAFEPASSAGE_SECRET_KEY
fi
# The product's settings for the checks below; pytest keeps the module named in pyproject.toml
# (an exported DJANGO_SETTINGS_MODULE would override it).
PRODUCT_SETTINGS=safepassage.settings
unset DJANGO_SETTINGS_MODULE
# The SQLite steps must not pick up a DATABASE_URL from the caller's shell.
unset DATABASE_URL

if [ ! -f safepassage/settings.py ] && [ ! -d safepassage/settings ]; then
    fail "safepassage/settings.py is missing: the Django project is not there"
    exit 1
fi

section "django check"
run_step "django check" env DJANGO_SETTINGS_MODULE="$PRODUCT_SETTINGS" python -m django check --fail-level ERROR
step_done

section "makemigrations --check (no model change without a migration)"
run_step "makemigrations --check: run 'python -m django makemigrations' and commit the result" \
    env DJANGO_SETTINGS_MODULE="$PRODUCT_SETTINGS" python -m django makemigrations --check --dry-run
step_done

# One coverage data file per run, shared by the SQLite and PostgreSQL passes.
export COVERAGE_FILE="$RUN_DIR/.coverage"

run_pytest() {
    local label="$1"
    shift
    local rc=0
    # In the background so that a signal to this script is handled at once (bash runs traps
    # only after a foreground child ends); stdin is passed on for --pdb.
    pytest --cov --cov-report= "$@" <&0 &
    CHILD=$!
    wait "$CHILD" || rc=$?
    CHILD=""
    case "$rc" in
        0) ;;
        5)
            fail "pytest on $label collected no tests (exit 5)"
            exit 5
            ;;
        *)
            fail "pytest on $label (exit $rc)"
            exit "$rc"
            ;;
    esac
}

if [ "$TEST_DB" != postgres ]; then
    section "pytest on SQLite"
    run_pytest SQLite "$@"
    step_done
fi

if [ "$TEST_DB" != sqlite ]; then
    section "pytest on PostgreSQL 15"
    # --owner: if this script is killed outright, a watchdog still stops the cluster.
    pg_env="$(bash "$ROOT/scripts/pg.sh" start --owner $$)" || { fail "could not start PostgreSQL"; exit 1; }
    eval "$pg_env"
    PG_DIR="$SAFEPASSAGE_PG_DIR"
    append=()
    [ "$TEST_DB" = both ] && append=(--cov-append)
    run_pytest PostgreSQL "${append[@]}" "$@"
    bash "$ROOT/scripts/pg.sh" stop "$PG_DIR"
    PG_DIR=""
    unset DATABASE_URL PGHOST PGPORT PGUSER PGDATABASE SAFEPASSAGE_PG_DIR
    step_done
fi

section "coverage (floor ${COVERAGE_FLOOR}%)"
run_step "coverage below ${COVERAGE_FLOOR}%" coverage report --skip-covered --fail-under="$COVERAGE_FLOOR"
step_done

printf '\nAll checks passed (%ss in total).\n' "$SECONDS"

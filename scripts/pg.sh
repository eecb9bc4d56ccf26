#!/usr/bin/env bash
# Run a throw-away PostgreSQL 15 cluster for the test suite.
#
#   scripts/pg.sh start [--owner PID]   start a fresh cluster; print shell `export` lines
#   scripts/pg.sh env [DIR]             print the `export` lines of a running cluster again
#   scripts/pg.sh stop [DIR]            stop the cluster and delete its directory
#   scripts/pg.sh status [DIR]          exit 0 when the cluster answers, 1 otherwise
#
# Typical use:   eval "$(scripts/pg.sh start)"; ...; scripts/pg.sh stop
#
# The cluster lives in a new temporary directory (data, log and unix socket), listens only on
# 127.0.0.1 on a free port, trusts loopback connections only, and runs with fsync off because
# its data is disposable. When running as root it runs as the `postgres` user, since the server
# refuses to run as root.
#
# With --owner PID a small watchdog stops the cluster as soon as that process is gone, so a
# test run that is killed outright (SIGKILL, closed terminal) does not leave a server behind.
#
# Without DIR, `env`, `stop` and `status` use $SAFEPASSAGE_PG_DIR, else the cluster that
# `start` last recorded in var/pg.current.
#
# Environment:
#   SAFEPASSAGE_PG_BIN   PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
#   SAFEPASSAGE_PG_DB    database to create (default safepassage)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SELF="$ROOT/scripts/pg.sh"
PG_BIN="${SAFEPASSAGE_PG_BIN:-/usr/lib/postgresql/15/bin}"
DB_NAME="${SAFEPASSAGE_PG_DB:-safepassage}"
CURRENT="$ROOT/var/pg.current"
MARKER=".safepassage-pg"   # only directories holding this file are ever deleted

say() { printf 'pg: %s\n' "$*" >&2; }
die() { printf 'pg: ERROR: %s\n' "$*" >&2; exit 1; }

require_binaries() {
    local tool
    for tool in initdb pg_ctl pg_isready createdb postgres; do
        if [ ! -x "$PG_BIN/$tool" ]; then
            die "PostgreSQL 15 is not installed ($PG_BIN/$tool is missing). Run '.ci/run' as root, or install it: apt-get install --no-install-recommends postgresql-15"
        fi
    done
}

# Run a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        # Start from a directory the postgres user can enter, or every tool complains.
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

free_port() {
    local py
    for py in "$ROOT/.venv/bin/python" python3 python; do
        if command -v "$py" >/dev/null 2>&1; then
            "$py" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
            return
        fi
    done
    die "no python found to pick a free port"
}

resolve_dir() {
    local dir="${1:-${SAFEPASSAGE_PG_DIR:-}}"
    if [ -z "$dir" ] && [ -f "$CURRENT" ]; then
        dir="$(cat "$CURRENT")"
    fi
    [ -n "$dir" ] || die "no cluster given: pass its directory, set SAFEPASSAGE_PG_DIR, or run 'scripts/pg.sh start' first"
    printf '%s\n' "$dir"
}

print_env() {
    local dir="$1"
    [ -f "$dir/env" ] || die "$dir is not a cluster started by scripts/pg.sh"
    cat "$dir/env"
}

# EXIT trap of a start that did not finish: show why, then remove what was made.
abandon_start() {
    local rc=$?
    say "start failed; removing ${START_DIR}"
    [ -f "$START_DIR/server.log" ] && tail -n 20 "$START_DIR/server.log" >&2
    "$SELF" stop "$START_DIR" >/dev/null 2>&1 || true
    exit "$rc"
}

cmd_start() {
    local owner=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --owner) owner="${2:?--owner needs a PID}"; shift 2 ;;
            *) die "unknown option for start: $1" ;;
        esac
    done
    require_binaries

    local dir
    dir="$(mktemp -d "${TMPDIR:-/tmp}/safepassage-pg.XXXXXX")"
    touch "$dir/$MARKER"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || { rm -rf "$dir"; die "running as root but there is no 'postgres' user to run the server (install postgresql-15, or run as a normal user)"; }
        chown postgres: "$dir"
    fi
    # From here on any failure (set -e included) must not leave a half-started cluster behind.
    START_DIR="$dir"
    trap abandon_start EXIT

    as_owner "$PG_BIN/initdb" --pgdata="$dir/data" --username=postgres --encoding=UTF8 \
        --locale=C.UTF-8 --auth=trust --no-sync --no-instructions >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; false; }

    # Trust, but only over the cluster's own unix socket and the IPv4 loopback.
    as_owner tee "$dir/data/pg_hba.conf" >/dev/null <<'EOF'
# Written by scripts/pg.sh: a disposable test cluster reachable from this machine only.
local   all   all                  trust
host    all   all   127.0.0.1/32   trust
EOF

    local port attempt started=""
    for attempt in 1 2 3 4 5; do
        port="$(free_port)"
        # The port could be taken between picking and binding; then pick another one.
        if as_owner "$PG_BIN/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait --timeout=60 \
            -o "-p $port -h 127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null 2>&1; then
            started=1
            break
        fi
        say "could not start on port $port (attempt $attempt)"
    done
    [ -n "$started" ] || die "the server did not start"

    local _
    for _ in $(seq 1 60); do
        "$PG_BIN/pg_isready" --quiet --host=127.0.0.1 --port="$port" --username=postgres && break
        sleep 0.5
    done
    "$PG_BIN/pg_isready" --quiet --host=127.0.0.1 --port="$port" --username=postgres

    "$PG_BIN/createdb" --host=127.0.0.1 --port="$port" --username=postgres "$DB_NAME"

    cat >"$dir/env" <<EOF
export DATABASE_URL=postgres://postgres@127.0.0.1:$port/$DB_NAME
export SAFEPASSAGE_PG_DIR=$dir
export PGHOST=127.0.0.1
export PGPORT=$port
export PGUSER=postgres
export PGDATABASE=$DB_NAME
EOF
    mkdir -p "$(dirname "$CURRENT")"
    printf '%s\n' "$dir" >"$CURRENT"
    trap - EXIT

    if [ -n "$owner" ]; then
        # Detached, with every descriptor closed: a caller reading our stdout through $(...)
        # must not wait for the watchdog. Its arguments are passed as $1..$3 on purpose.
        # shellcheck disable=SC2016
        nohup setsid bash -c '
            owner=$1; dir=$2; self=$3
            while kill -0 "$owner" 2>/dev/null && [ -d "$dir" ]; do sleep 1; done
            [ -d "$dir" ] && "$self" stop "$dir"
        ' pg-watchdog "$owner" "$dir" "$SELF" </dev/null >>"$dir/watchdog.log" 2>&1 &
    fi

    say "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') ready on 127.0.0.1:$port (dir $dir)"
    cat "$dir/env"
}

cmd_stop() {
    local dir
    dir="$(resolve_dir "${1:-}")"
    if [ ! -d "$dir" ]; then
        say "$dir is already gone"
        [ -f "$CURRENT" ] && [ "$(cat "$CURRENT")" = "$dir" ] && rm -f "$CURRENT"
        return 0
    fi
    [ -f "$dir/$MARKER" ] || die "$dir was not created by scripts/pg.sh; not touching it"
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$PG_BIN/pg_ctl" --pgdata="$dir/data" --mode=fast --wait --timeout=30 stop >/dev/null 2>&1 \
            || as_owner "$PG_BIN/pg_ctl" --pgdata="$dir/data" --mode=immediate --wait --timeout=30 stop >/dev/null 2>&1 \
            || true
    fi
    # pg_ctl can fail (for example on a corrupt pid file); make sure no server is left.
    local pid
    if [ -f "$dir/data/postmaster.pid" ]; then
        pid="$(head -n 1 "$dir/data/postmaster.pid")"
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -QUIT "$pid" 2>/dev/null || true
            sleep 1
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$dir"
    [ -f "$CURRENT" ] && [ "$(cat "$CURRENT")" = "$dir" ] && rm -f "$CURRENT"
    say "stopped and removed $dir"
}

cmd_status() {
    local dir port
    dir="$(resolve_dir "${1:-}")"
    [ -f "$dir/env" ] || return 1
    port="$(sed -n 's/^export PGPORT=//p' "$dir/env")"
    "$PG_BIN/pg_isready" --quiet --host=127.0.0.1 --port="$port" --username=postgres
}

case "${1:-}" in
    start) shift; cmd_start "$@" ;;
    stop) shift; cmd_stop "$@" ;;
    env) shift; print_env "$(resolve_dir "${1:-}")" ;;
    status) shift; cmd_status "$@" ;;
    *)
        echo "usage: scripts/pg.sh start [--owner PID] | env [DIR] | stop [DIR] | status [DIR]" >&2
        exit 2
        ;;
esac

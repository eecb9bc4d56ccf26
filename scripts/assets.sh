#!/usr/bin/env bash
# Front-end assets that the app serves itself (the offline map, its basemap, the charts).
#
#   bash scripts/assets.sh            install and build when something changed (cheap otherwise)
#   bash scripts/assets.sh --force    rebuild even when the stamp says nothing changed
#
# 1. `npm ci --ignore-scripts` installs exactly what package-lock.json pins into node_modules/
#    (no package's install script runs: nothing is downloaded besides the packages themselves).
# 2. The files the pages load are copied into safepassage/dashboard/static/dashboard/vendor/
#    (gitignored), where Django's staticfiles and WhiteNoise serve them under
#    /static/dashboard/vendor/.
# 3. The basemap (Natural Earth countries plus Pakistan's current provinces, FATA merged into
#    Khyber Pakhtunkhwa) is built from those packages by safepassage/dashboard/map_basemap.py
#    into vendor/basemap.geojson. The build is deterministic: the same inputs give the same bytes.
#
# scripts/bootstrap.sh runs this after the Python install, so `bash scripts/demo.sh` and
# `bash scripts/test.sh` both get the assets. A stamp (hash of the lock, this script and the
# basemap builder) skips all the work when nothing changed.
#
# Environment:
#   SAFEPASSAGE_ASSETS_PYTHON   Python that runs the basemap builder (default: .venv/bin/python)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENDOR="$ROOT/safepassage/dashboard/static/dashboard/vendor"
STAMP="$VENDOR/.assets.stamp"
NODE_STAMP="$ROOT/node_modules/.safepassage-npm.stamp"
BUILDER="$ROOT/safepassage/dashboard/map_basemap.py"
PYTHON="${SAFEPASSAGE_ASSETS_PYTHON:-$ROOT/.venv/bin/python}"

say() { printf 'assets: %s\n' "$*" >&2; }
die() { printf 'assets: ERROR: %s\n' "$*" >&2; exit 1; }

force=0
case "${1:-}" in
    "") ;;
    --force) force=1 ;;
    *) die "unknown argument '$1' (only --force is understood)" ;;
esac

[ -f "$ROOT/package.json" ] || die "package.json is missing"
[ -f "$ROOT/package-lock.json" ] || die "package-lock.json is missing: it pins every front-end file; restore it from git"
command -v node >/dev/null 2>&1 || die "node is not installed. Debian: apt-get install nodejs npm"
command -v npm >/dev/null 2>&1 || die "npm is not installed. Debian: apt-get install npm"
[ -x "$PYTHON" ] || die "no Python at $PYTHON to build the basemap; run scripts/bootstrap.sh first or set SAFEPASSAGE_ASSETS_PYTHON"

# Several people (and CI) may build the same checkout at once; serialise on a lock outside the
# work tree. bootstrap.sh holds its own lock on another file, so there is no deadlock.
LOCK_PATH="${TMPDIR:-/tmp}/safepassage-assets-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1).lock"
exec 8>"$LOCK_PATH"
if command -v flock >/dev/null 2>&1; then
    flock 8
fi

want="$(cat "$ROOT/package.json" "$ROOT/package-lock.json" "$ROOT/scripts/assets.sh" "$BUILDER" | sha256sum | cut -d' ' -f1)"
if [ "$force" -eq 0 ] && [ "$(cat "$STAMP" 2>/dev/null || true)" = "$want" ] && [ -s "$VENDOR/basemap.geojson" ]; then
    exit 0
fi

# npm ci wipes node_modules first, so run it only when the lock changed since the last install.
lock_hash="$(cat "$ROOT/package.json" "$ROOT/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [ "$force" -eq 1 ] || [ "$(cat "$NODE_STAMP" 2>/dev/null || true)" != "$lock_hash" ]; then
    say "npm ci (package-lock.json)"
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2 \
        || die "npm ci failed. The npm registry must be reachable the first time; the lock pins every version."
    printf '%s\n' "$lock_hash" >"$NODE_STAMP"
fi

NM="$ROOT/node_modules"
# What the pages load: source path in node_modules -> path under vendor/.
FILES=(
    "leaflet/dist/leaflet.js:leaflet/leaflet.js"
    "leaflet/dist/leaflet.css:leaflet/leaflet.css"
    "leaflet/dist/images/layers.png:leaflet/images/layers.png"
    "leaflet/dist/images/layers-2x.png:leaflet/images/layers-2x.png"
    "leaflet/dist/images/marker-icon.png:leaflet/images/marker-icon.png"
    "leaflet/dist/images/marker-icon-2x.png:leaflet/images/marker-icon-2x.png"
    "leaflet/dist/images/marker-shadow.png:leaflet/images/marker-shadow.png"
    "leaflet/LICENSE:leaflet/LICENSE"
    "leaflet.markercluster/dist/leaflet.markercluster.js:markercluster/leaflet.markercluster.js"
    "leaflet.markercluster/dist/MarkerCluster.css:markercluster/MarkerCluster.css"
    "leaflet.markercluster/dist/MarkerCluster.Default.css:markercluster/MarkerCluster.Default.css"
    "leaflet.markercluster/MIT-LICENCE.txt:markercluster/LICENSE"
    "chart.js/dist/chart.umd.min.js:chart.umd.min.js"
    "chart.js/LICENSE.md:chart.js.LICENSE.md"
)

# Build into a fresh folder and swap it in, so a server never sees half a vendor folder.
mkdir -p "$(dirname "$VENDOR")"
STAGE="$(mktemp -d "$ROOT/safepassage/dashboard/static/dashboard/.vendor.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
for pair in "${FILES[@]}"; do
    src="$NM/${pair%%:*}"
    dst="$STAGE/${pair#*:}"
    [ -f "$src" ] || die "$src is missing after npm ci (package-lock.json and this script disagree)"
    mkdir -p "$(dirname "$dst")"
    cp "$src" "$dst"
done

say "building the basemap"
"$PYTHON" "$BUILDER" --node-modules "$NM" --out "$STAGE/basemap.geojson" \
    || die "the basemap build failed (see the message above)"

printf '%s\n' "$want" >"$STAGE/.assets.stamp"
chmod 755 "$STAGE"
rm -rf "$VENDOR.old"
[ -d "$VENDOR" ] && mv "$VENDOR" "$VENDOR.old"
mv "$STAGE" "$VENDOR"
rm -rf "$VENDOR.old"
trap - EXIT
say "vendor files ready in ${VENDOR#"$ROOT"/}"

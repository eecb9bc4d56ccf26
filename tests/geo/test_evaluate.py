"""The UCDP-style geocoding evaluation."""

from __future__ import annotations

import csv
import json

from safepassage.geo import Gazetteer
from safepassage.geo.evaluate import default_data_path, evaluate, geocode_row


def _row(location: str, admin2: str, admin1: str, lat: float, lon: float) -> dict[str, str]:
    return {
        "location": location,
        "admin2": admin2,
        "admin1": admin1,
        "lat": str(lat),
        "lon": str(lon),
        "extra": json.dumps({"where_prec": "1"}),
    }


def test_it_falls_back_from_an_unknown_village_to_its_district(gaz: Gazetteer) -> None:
    place, level = geocode_row(
        gaz, "Nowherekhel village", "Shangla district", "Khyber Pakhtunkwa province"
    )
    assert place is not None and level == "admin2" and place.admin2 == "Shangla"


def test_it_scores_province_and_distance_on_hand_made_rows(gaz: Gazetteer) -> None:
    rows = [
        # right town and province
        _row("Besham town", "Shangla district", "Khyber Pakhtunkwa province", 34.93, 72.87),
        # right province, point 100 km off the coded one
        _row("Quetta town", "Quetta district", "Balochistan province", 31.08, 67.00),
        # nothing resolvable at all
        _row("Zzyzx", "", "", 30.0, 70.0),
    ]
    report = evaluate(rows, gaz)
    summary = report.as_dict()
    assert summary["rows"] == 3
    assert summary["province_rows"] == 2
    assert summary["province_correct_pct"] == 100.0
    assert report.within_25km == 1
    assert report.unresolved == 1


def test_it_meets_the_province_target_on_the_ucdp_dev_data(gaz: Gazetteer) -> None:
    assert default_data_path().is_file(), f"{default_data_path()} is missing (shared folder)"
    with open(default_data_path(), encoding="utf-8", newline="") as fh:
        summary = evaluate(csv.DictReader(fh), gaz).as_dict()
    assert isinstance(summary["rows"], int) and summary["rows"] > 1000
    assert isinstance(summary["province_correct_pct"], float)
    assert isinstance(summary["within_25km_pct"], float)
    assert summary["province_correct_pct"] >= 95.0
    # Regression guard at the measured level (see docs/GEO.md); villages that no packaged
    # source lists keep this below the extractor's 85% target on their own.
    assert summary["within_25km_pct"] >= 77.0

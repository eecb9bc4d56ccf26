"""Measure the geocoder on UCDP GED rows: is the province right, is the point within 25 km?

Each row of ``ucdp_pakistan_dev.csv`` names its place three ways (``location``, ``admin2``,
``admin1``) and gives the coded point. The geocoder resolves the most specific name it knows,
using the other two as context, and falls back to the district, then the province::

    python -m safepassage.geo.evaluate [--data PATH] [--misses N]

The data path defaults to ``$SAFEPASSAGE_SHARED_DATA/ucdp_pakistan_dev.csv``, else
``../shared/data/ucdp_pakistan_dev.csv`` relative to the repository. This measures the
gazetteer alone, on the names UCDP's coders wrote; the extractor's own figures (names found in
headlines) are reported separately.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .admin import normalise_admin1
from .gazetteer import Gazetteer
from .geoparse import best_place
from .model import Place, distance_km

WITHIN_KM = 25.0


@dataclass
class Report:
    """Counts and rates from one evaluation run."""

    rows: int = 0
    with_province: int = 0
    province_correct: int = 0
    within_25km: int = 0
    unresolved: int = 0
    level: Counter[str] = field(default_factory=Counter)
    by_where_prec: dict[str, list[int]] = field(default_factory=dict)
    misses: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly summary."""
        return {
            "rows": self.rows,
            "province_correct_pct": _pct(self.province_correct, self.with_province),
            "province_rows": self.with_province,
            "within_25km_pct": _pct(self.within_25km, self.rows),
            "unresolved": self.unresolved,
            "resolved_from": dict(sorted(self.level.items())),
            "within_25km_pct_by_where_prec": {
                k: {"rows": v[1], "pct": _pct(v[0], v[1])}
                for k, v in sorted(self.by_where_prec.items())
            },
        }


def _pct(n: int, d: int) -> float:
    return round(100.0 * n / d, 1) if d else 0.0


def default_data_path() -> Path:
    """Where the UCDP dev file is expected (see the module docstring)."""
    env = os.environ.get("SAFEPASSAGE_SHARED_DIR")
    if env:
        return Path(env) / "data" / "ucdp_pakistan_dev.csv"
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "ucdp_pakistan_dev.csv"


def geocode_row(
    gaz: Gazetteer, location: str, admin2: str, admin1: str
) -> tuple[Place | None, str]:
    """Resolve the most specific of a row's names; returns the place and which name gave it."""
    attempts = (
        ("location", location, (admin2, admin1)),
        ("admin2", admin2, (admin1,)),
        ("admin1", admin1, ()),
    )
    for level, name, context in attempts:
        if not name.strip():
            continue
        place = gaz.resolve(name, context=[c for c in context if c], country_hint="PK")
        if place is not None and place.country == "PK":
            return place, level
    return None, "none"


def evaluate(
    rows: Iterable[dict[str, str]], gaz: Gazetteer | None = None, from_text: bool = False
) -> Report:
    """Score the gazetteer on UCDP-style rows (columns location, admin1, admin2, lat, lon).

    With ``from_text`` the place comes from the row's ``text`` (the headlines) through the
    dictionary geoparser instead of from the coders' place names: a baseline for the extractor.
    """
    gaz = gaz or Gazetteer.default()
    report = Report()
    for row in rows:
        report.rows += 1
        if from_text:
            place = best_place(gaz, row.get("text") or "")
            level = place.kind if place else "none"
        else:
            place, level = geocode_row(gaz, row["location"], row["admin2"], row["admin1"])
        report.level[level] += 1
        gold_admin1 = normalise_admin1(row["admin1"]) if row["admin1"] else None
        try:
            prec = str(json.loads(row.get("extra") or "{}").get("where_prec", "?"))
        except (ValueError, AttributeError):
            prec = "?"
        bucket = report.by_where_prec.setdefault(prec, [0, 0])
        bucket[1] += 1
        if gold_admin1:
            report.with_province += 1
            if place is not None and place.admin1 == gold_admin1:
                report.province_correct += 1
        if place is None:
            report.unresolved += 1
            report.misses[f"{row['location']} | {row['admin2']}"] += 1
            continue
        d = distance_km(place.lat, place.lon, float(row["lat"]), float(row["lon"]))
        if d <= WITHIN_KM:
            report.within_25km += 1
            bucket[0] += 1
        else:
            label = row["text"][:70] if from_text else f"{row['location']} | {row['admin2']}"
            report.misses[f"{label} -> {place.id} ({d:.0f} km)"] += 1
    return report


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; prints the JSON summary and, optionally, the commonest misses."""
    parser = argparse.ArgumentParser(description="Geocoder accuracy on UCDP GED rows")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--misses", type=int, default=0, help="list the N commonest misses")
    parser.add_argument(
        "--from-text", action="store_true", help="geoparse the headlines instead of the names"
    )
    args = parser.parse_args(argv)
    path: Path = args.data or default_data_path()
    if not path.is_file():
        print(f"no such file: {path} (set SAFEPASSAGE_SHARED_DATA or pass --data)", file=sys.stderr)
        return 2
    with open(path, encoding="utf-8", newline="") as fh:
        report = evaluate(csv.DictReader(fh), from_text=args.from_text)
    print(json.dumps(report.as_dict(), indent=2))
    for miss, n in report.misses.most_common(args.misses):
        print(f"{n:4d}  {miss}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

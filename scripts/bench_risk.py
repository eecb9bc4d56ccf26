"""Benchmark of the risk picture (issue 5): `make bench-risk`.

Loads synthetic incidents (1,000,000 by default) into the database named by DATABASE_URL
(PostgreSQL; `make bench-risk` starts a throw-away cluster), with their risk rows and
aggregates, then measures:

(a) ``route_risk`` for random Islamabad → northern Khyber Pakhtunkhwa routes (a few hundred
    km, 20 points, 10 km buffer): p50 and p95 in milliseconds, with the number of
    contributing incidents;
(b) one incremental update of the stored risk (``aggregates.apply``) when an incident is
    created, changed, merged or rejected: p50 and p95.

Incidents are bulk-inserted by COPY without signals, their risk rows computed by the same
``contribution_fields`` the signal handler uses, and aggregates and cell packs summed in
memory, so the load is the same state the incremental path would have reached.

Usage: python scripts/bench_risk.py [--incidents N] [--routes N] [--updates N] [--seed N]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

# Places incidents cluster around (lat, lon, spread in degrees, share of the clustered ones).
HOTSPOTS = [
    (34.01, 71.54, 0.35, 0.16),  # Peshawar
    (33.00, 70.10, 0.45, 0.12),  # North Waziristan / Bannu
    (32.30, 69.80, 0.40, 0.10),  # South Waziristan
    (34.80, 72.30, 0.35, 0.08),  # Swat
    (34.95, 72.85, 0.25, 0.05),  # Shangla / Besham
    (35.30, 73.25, 0.25, 0.04),  # Kohistan / Dasu
    (34.70, 71.50, 0.35, 0.06),  # Bajaur / Dir
    (30.19, 67.01, 0.40, 0.12),  # Quetta
    (25.80, 63.30, 0.60, 0.10),  # Turbat / Kech / Gwadar
    (24.90, 67.05, 0.25, 0.08),  # Karachi
    (28.40, 68.50, 0.60, 0.09),  # Sibi / Naseerabad
]
CLUSTERED = 0.7
ATTACK_TYPES = [
    ("bombing", 0.25),
    ("armed_assault", 0.35),
    ("suicide_bombing", 0.05),
    ("kidnapping", 0.07),
    ("assassination", 0.08),
    ("facility_attack", 0.08),
    ("unknown", 0.12),
]
PRECISIONS = [("point", 0.2), ("town", 0.5), ("district", 0.2), ("province", 0.1)]
ISLAMABAD = (33.6844, 73.0479)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepassage.settings")
    os.environ.setdefault("SAFEPASSAGE_DEBUG", "1")
    os.environ.setdefault("SAFEPASSAGE_LOG_LEVEL", "WARNING")
    os.environ.setdefault("SAFEPASSAGE_JOBS_SYNC", "0")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()


def _pick(rng: random.Random, table: list[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def _province(lat: float, lon: float) -> str:
    # Rough boxes: enough to spread province aggregates like the real ones.
    if lat > 35.5:
        return "Gilgit-Baltistan"
    if lon < 69.0 and lat < 31.5 or lat < 29.0 and lon < 66.5:
        return "Balochistan"
    if lat < 28.5:
        return "Sindh"
    if lon < 72.5 and lat > 31.5 or lat > 34.0:
        return "Khyber Pakhtunkhwa"
    if abs(lat - 33.7) < 0.15 and abs(lon - 73.05) < 0.2:
        return "Islamabad Capital Territory"
    return "Punjab"


class Light:
    """The attributes of an Incident the risk model reads, without a Django model's cost."""

    merged_into_id = None
    review_state = "auto"
    deaths_by_nationality: dict[str, int] = {}
    victim_nationalities: list[str] = []

    def __init__(self, pk: int, **fields: Any) -> None:
        self.pk = pk
        self.__dict__.update(fields)

    def __str__(self) -> str:
        what = (self.attack_type or self.kind).replace("_", " ").capitalize()
        return f"{what}, {self.admin2}, {self.date.isoformat()}"


def synthetic(rng: random.Random, n: int, today: datetime.date, first_pk: int = 1) -> list[Light]:
    """``n`` incidents over Pakistan and the last ten years, numbered from ``first_pk``."""
    import h3

    weights = [h[3] for h in HOTSPOTS]
    out = []
    for i in range(n):
        if rng.random() < CLUSTERED:
            lat0, lon0, spread, _w = rng.choices(HOTSPOTS, weights=weights)[0]
            lat, lon = rng.gauss(lat0, spread), rng.gauss(lon0, spread)
        else:
            lat, lon = rng.uniform(24.5, 36.5), rng.uniform(61.5, 75.5)
        lat, lon = min(37.0, max(23.7, lat)), min(77.0, max(60.9, lon))
        attack = rng.random() < 0.8
        out.append(
            Light(
                first_pk + i,
                kind="attack" if attack else "security_operation",
                attack_type=_pick(rng, ATTACK_TYPES) if attack else "",
                date=today - datetime.timedelta(days=rng.randrange(3650)),
                lat=lat,
                lon=lon,
                geo_precision=_pick(rng, PRECISIONS),
                admin1=_province(lat, lon),
                admin2=f"District {h3.latlng_to_cell(lat, lon, 3)[:7]}",
                deaths=min(80, int(rng.expovariate(0.4))),
                injured=min(150, int(rng.expovariate(0.25))),
                confidence=rng.uniform(0.3, 1.0),
            )
        )
    return out


def _incident_columns() -> tuple[list[str], list[Any]]:
    """Every column of the incident table and a default value for each, as COPY text."""
    from django.utils import timezone

    from safepassage.intel.models import Incident

    template = Incident(kind="attack")
    now = timezone.now()
    columns, defaults = [], []
    for field in Incident._meta.concrete_fields:
        value = getattr(template, field.attname)
        if field.get_internal_type() == "JSONField":
            value = json.dumps(value)
        if field.name in ("created", "updated"):
            value = now
        columns.append(field.column)
        defaults.append(value)
    return columns, defaults


def load(n: int, rng: random.Random, batch: int = 50_000) -> float:
    """Insert ``n`` incidents with their risk rows and aggregates by COPY; returns seconds."""
    from django.db import connection, transaction

    from safepassage.intel.models import Incident
    from safepassage.risk import aggregates
    from safepassage.risk.models import IncidentRisk

    started = time.perf_counter()
    today = datetime.date.today()
    p = aggregates.params()
    totals = aggregates.Totals()
    columns, defaults = _incident_columns()
    varying = [
        "id",
        "kind",
        "attack_type",
        "date",
        "date_precision",
        "lat",
        "lon",
        "geo_precision",
        "country",
        "admin1",
        "admin2",
        "deaths",
        "injured",
        "confidence",
    ]
    positions = [columns.index(c) for c in varying]
    risk_columns = [f.column for f in IncidentRisk._meta.concrete_fields]
    incident_table = Incident._meta.db_table
    risk_table = IncidentRisk._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        aggregates.clear()
        # Table names come from the models, never from input.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {incident_table}")  # noqa: S608
        first = cursor.fetchone()[0] + 1
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        done = 0
        while done < n:
            chunk = synthetic(rng, min(batch, n - done), today, first + done)
            rows = []
            with raw.copy(f"COPY {incident_table} ({', '.join(columns)}) FROM STDIN") as copy:
                for inc in chunk:
                    row = list(defaults)
                    values = [
                        inc.pk,
                        inc.kind,
                        inc.attack_type,
                        inc.date,
                        "day",
                        inc.lat,
                        inc.lon,
                        inc.geo_precision,
                        "PK",
                        inc.admin1,
                        inc.admin2,
                        inc.deaths,
                        inc.injured,
                        inc.confidence,
                    ]
                    for pos, value in zip(positions, values, strict=True):
                        row[pos] = value
                    copy.write_row(row)
                    fields = aggregates.contribution_fields(inc, p)
                    if fields is not None:
                        totals.add(SimpleNamespace(**fields))
                        rows.append([fields[c] for c in risk_columns])
            with raw.copy(f"COPY {risk_table} ({', '.join(risk_columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            done += len(chunk)
            print(
                f"  loaded {done:,} incidents ({time.perf_counter() - started:.0f} s)", flush=True
            )
        sequence = f"SELECT setval(pg_get_serial_sequence('{incident_table}', 'id'), "
        cursor.execute(sequence + f"(SELECT MAX(id) FROM {incident_table}))")  # noqa: S608
        totals.save(5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def random_route(rng: random.Random) -> list[tuple[float, float]]:
    """Islamabad to a random point in northern KP, 20 points with road-like wiggles."""
    start = (ISLAMABAD[0] + rng.uniform(-0.05, 0.05), ISLAMABAD[1] + rng.uniform(-0.05, 0.05))
    end = (rng.uniform(34.6, 35.6), rng.uniform(71.6, 73.4))
    points = [start]
    for i in range(1, 19):
        t = i / 19
        points.append(
            (
                start[0] + (end[0] - start[0]) * t + rng.uniform(-0.04, 0.04),
                start[1] + (end[1] - start[1]) * t + rng.uniform(-0.04, 0.04),
            )
        )
    points.append(end)
    return points


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def bench_routes(rng: random.Random, count: int) -> dict[str, float]:
    from safepassage.risk.services import route_risk
    from safepassage.riskmodel.geometry import route_length_km

    route_risk(random_route(rng))  # loads the gazetteer and warms the connection
    timings, cpu, contributions, lengths = [], [], [], []
    for _ in range(count):
        route = random_route(rng)
        started, started_cpu = time.perf_counter(), time.process_time()
        result = route_risk(route, buffer_km=10.0)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        contributions.append(len(result.contributions))
        lengths.append(route_length_km(route))
    p50, p95 = _percentiles(timings)
    cpu50, cpu95 = _percentiles(cpu)
    return {
        "cpu_p50_ms": cpu50,
        "cpu_p95_ms": cpu95,
        "p50_ms": p50,
        "p95_ms": p95,
        "max_ms": max(timings),
        "contributions_median": statistics.median(contributions),
        "km_median": statistics.median(lengths),
    }


def _real(light: Light) -> Any:
    from safepassage.intel.models import Incident

    fields = {k: v for k, v in vars(light).items() if k != "pk"}
    return Incident(**fields, date_precision="day", country="PK", review_state="auto")


def _timed(samples: list[float], incident: Any) -> None:
    from safepassage.risk import aggregates

    started = time.perf_counter()
    aggregates.apply(incident)
    samples.append((time.perf_counter() - started) * 1000)


def bench_updates(rng: random.Random, count: int) -> dict[str, float]:
    """Time ``aggregates.apply`` for creates, changes, merges and rejections."""
    from django.db.models.signals import post_save

    from safepassage.intel.models import Incident
    from safepassage.risk.apps import _incident_saved

    # Time the risk work alone: other apps' handlers are not this benchmark's business.
    post_save.disconnect(_incident_saved, sender=Incident, dispatch_uid="risk-incident-saved")
    timings: dict[str, list[float]] = {"create": [], "change": [], "merge": [], "reject": []}
    try:
        today = datetime.date.today()
        for _ in range(count):
            a, b = (_real(light) for light in synthetic(rng, 2, today))
            a.save()
            b.save()
            _timed(timings["create"], a)
            _timed([], b)  # b is merged below; it has to contribute first
            a.deaths = (a.deaths or 0) + 5
            a.save()
            _timed(timings["change"], a)
            b.merged_into = a
            b.save()
            _timed(timings["merge"], b)
            a.review_state = "rejected"
            a.save()
            _timed(timings["reject"], a)
    finally:
        post_save.connect(_incident_saved, sender=Incident, dispatch_uid="risk-incident-saved")
    out = {}
    for name, samples in timings.items():
        p50, p95 = _percentiles(samples)
        out[f"{name}_p50_ms"], out[f"{name}_p95_ms"] = p50, p95
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--routes", type=int, default=200)
    parser.add_argument("--updates", type=int, default=100)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--skip-load", action="store_true", help="reuse incidents already loaded")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (make bench-risk starts one).")
    _setup()
    from django.core.management import call_command
    from django.db import connection

    from safepassage.risk.models import IncidentRisk

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}, {connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}"
    )
    if not args.skip_load:
        print(f"loading {args.incidents:,} synthetic incidents ...")
        seconds = load(args.incidents, rng)
        print(f"load: {seconds:.0f} s; {IncidentRisk.objects.count():,} contribute")
    routes = bench_routes(rng, args.routes)
    print(
        f"route_risk over {args.routes} routes (median {routes['km_median']:.0f} km, 10 km buffer, "
        f"breakdowns list the {routes['contributions_median']:.0f} largest): "
        f"p50 {routes['p50_ms']:.1f} ms, p95 {routes['p95_ms']:.1f} ms, max {routes['max_ms']:.1f} ms "
        f"(this process's CPU time p50 {routes['cpu_p50_ms']:.1f} ms, p95 {routes['cpu_p95_ms']:.1f} ms)"
    )
    updates = bench_updates(rng, args.updates)
    print(
        "incremental update (aggregates.apply), p50 / p95 ms: "
        + ", ".join(
            f"{n} {updates[n + '_p50_ms']:.2f} / {updates[n + '_p95_ms']:.2f}"
            for n in ("create", "change", "merge", "reject")
        )
    )


if __name__ == "__main__":
    main()

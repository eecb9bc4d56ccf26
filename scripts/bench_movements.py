"""Benchmark of movement evaluation (issue 5): `make bench-movements`.

Loads 1,000,000 synthetic incidents with their stored risk (the RISK benchmark's loader in
scripts/bench_risk.py), 10,000 sites, 300 protection units with 900 vehicles and 1,000
approved escort holds into the PostgreSQL database named by DATABASE_URL, then times the
whole evaluation of a movement request as the request form and the approval page run it:
every enabled guideline, the route risk with its breakdown, and the escort proposal (free
units near the start with their free vehicles). Prints p50 and p95 in milliseconds.

Usage: python scripts/bench_movements.py [--incidents N] [--sites N] [--requests N]
       [--seed N] [--skip-load]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_risk  # the RISK engineer's loader and route generator

BENCH_ORG = "Bench movements organisation"


def load_registry(rng: random.Random, sites: int, units: int) -> None:
    """Sites, units with vehicles, one requester and approved holds spread over 30 days."""
    from django.db import transaction
    from django.utils import timezone

    from safepassage.accounts.models import User
    from safepassage.movements.models import Assignment, MovementRequest
    from safepassage.registry import models as m

    with transaction.atomic():
        org = m.Organisation.objects.create(name=BENCH_ORG, kind="company", country="PK")
        m.Site.objects.bulk_create(
            [
                m.Site(
                    organisation=org,
                    name=f"Bench site {i}",
                    kind="camp",
                    lat=rng.uniform(24.5, 36.5),
                    lon=rng.uniform(61.5, 75.5),
                    province="KP",
                    district=f"District {i % 150}",
                )
                for i in range(sites)
            ],
            batch_size=5000,
        )
        unit_rows = m.ProtectionUnit.objects.bulk_create(
            [
                m.ProtectionUnit(
                    organisation=org,
                    code=f"bench-unit-{i}",
                    name=f"Bench unit {i}",
                    base_name=f"Base {i}",
                    base_lat=rng.uniform(24.5, 36.5),
                    base_lon=rng.uniform(61.5, 75.5),
                    province="KP",
                    strength=60,
                    available_strength=rng.randrange(4, 60),
                )
                for i in range(units)
            ]
        )
        m.Vehicle.objects.bulk_create(
            [
                m.Vehicle(
                    unit=unit,
                    registration=f"BN-{unit.pk}-{k}",
                    model_name="Land Cruiser",
                    armoured=k != 2,
                    seats=6,
                )
                for unit in unit_rows
                for k in range(3)
            ]
        )
        user = User.objects.create(username="bench-coordinator", role="security_coordinator")
        now = timezone.now()
        holds = []
        for i in range(1000):
            start = now + datetime.timedelta(hours=rng.randrange(0, 24 * 30))
            movement = MovementRequest.objects.create(
                organisation=org,
                reference=f"BENCH-{i}",
                purpose="bench",
                origin_name="A",
                origin_lat=33.7,
                origin_lon=73.0,
                destination_name="B",
                destination_lat=35.3,
                destination_lon=73.2,
                depart_at=start,
                arrive_by=start + datetime.timedelta(hours=8),
                state="approved",
                created_by=user,
            )
            holds.append(
                Assignment(
                    movement=movement,
                    unit=rng.choice(unit_rows),
                    officers=8,
                    starts=movement.depart_at,
                    ends=movement.arrive_by,
                )
            )
        Assignment.objects.bulk_create(holds)


def bench(rng: random.Random, count: int) -> list[float]:
    """Milliseconds for each of ``count`` full evaluations of random requests."""
    from django.utils import timezone

    from safepassage.movements.services import Plan, evaluate_plan
    from safepassage.registry.models import ProtectionUnit, Vehicle

    units = list(ProtectionUnit.objects.order_by("?")[:50])
    vehicles = list(Vehicle.objects.order_by("?")[:50])
    now = timezone.now()

    def request() -> Plan:
        route = bench_risk.random_route(rng)
        # A request names origin, a few waypoints and destination, not 20 points.
        points = [route[0], route[6], route[12], route[-1]]
        depart = now + datetime.timedelta(days=rng.randrange(1, 30), hours=rng.randrange(0, 6))
        return Plan(
            points=points,
            people=rng.randrange(1, 6),
            vehicles=rng.sample(vehicles, 2),
            escorts=[(rng.choice(units), rng.randrange(0, 16))],
            depart_at=depart,
            arrive_by=depart + datetime.timedelta(hours=rng.randrange(4, 11)),
            requested_at=now,
        )

    evaluate_plan(request())  # loads the gazetteer and warms the connection
    timings = []
    for _ in range(count):
        plan = request()
        started = time.perf_counter()
        evaluate_plan(plan)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-load", action="store_true", help="reuse data already loaded")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (make bench-movements starts one).")
    bench_risk._setup()
    from django.core.management import call_command
    from django.db import connection

    from safepassage.intel.models import Incident
    from safepassage.registry.models import Organisation, Site

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}"
    )
    if not args.skip_load:
        if not Incident.objects.exists():
            print(f"loading {args.incidents:,} synthetic incidents ...")
            print(f"incidents: {bench_risk.load(args.incidents, rng):.0f} s")
        if not Organisation.objects.filter(name=BENCH_ORG).exists():
            load_registry(rng, args.sites, args.units)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"data: {Incident.objects.count():,} incidents, {Site.objects.count():,} sites")
    timings = bench(rng, args.requests)
    p50, p95 = bench_risk._percentiles(timings)
    print(
        f"evaluate movement request (all rules + route risk + escort proposal) over "
        f"{args.requests} requests: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(timings):.1f} ms"
        f" (target p95 <= 50 ms: {'met' if p95 <= 50 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()

"""Benchmark of the alert evaluation (issue 5): `make bench-alerts`.

Target: a new incident reaches the alert evaluation for every affected site and movement
within 5 seconds. The world has 10,000 sites spread over Pakistan, some hundreds of
movements under way (each with a reported position) and some hundreds of approved
movements departing within a day, with their escorts and coordinators.

Two measures, over ``--probes`` incidents placed next to random sites and movements:

(a) evaluation: ``evaluate_incident`` called in process (find sites, movements and routes,
    decide, store alerts and deliveries), as the job body runs;
(b) end to end: the incident is saved and committed, a django-q2 worker (``qcluster``, the
    ORM broker, as deployed) picks the job up and finishes the evaluation; measured from the
    incident's creation to the evaluation's ``finished_at``.

SQLite is used unless DATABASE_URL is set; for PostgreSQL run
``eval "$(bash scripts/pg.sh start)"`` first (a fresh, empty database).

Usage: python scripts/bench_alerts.py [--sites N] [--under-way N] [--planned N] [--probes N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Pakistan's settled area, roughly: where sites and roads are.
LAT, LON = (24.5, 36.5), (61.5, 75.5)


def _setup(data_dir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="safepassage.settings",
        SAFEPASSAGE_DATA_DIR=data_dir,
        SAFEPASSAGE_DEBUG="1",
        SAFEPASSAGE_JOBS_SYNC="0",
        SAFEPASSAGE_LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _world(rng: random.Random, sites: int, under_way: int, planned: int) -> dict[str, Any]:
    from django.utils import timezone

    from safepassage.accounts.models import User
    from safepassage.movements.models import Assignment, MovementRequest
    from safepassage.registry import models as m
    from safepassage.tracking.models import CheckIn

    orgs = m.Organisation.objects.bulk_create(
        m.Organisation(name=f"Bench company {i}", kind="company", country="PK") for i in range(40)
    )
    spu = m.Organisation.objects.create(name="Bench SPU", kind="protection_unit", country="PK")
    units = m.ProtectionUnit.objects.bulk_create(
        m.ProtectionUnit(
            organisation=spu,
            code=f"bench-unit-{i}",
            name=f"Bench unit {i}",
            base_name="Base",
            base_lat=rng.uniform(*LAT),
            base_lon=rng.uniform(*LON),
            province="KP",
            strength=100,
            available_strength=80,
        )
        for i in range(20)
    )
    people: list[User] = []
    for org in orgs:
        people += [
            User(username=f"coord-{org.pk}-{k}", role="security_coordinator", organisation=org)
            for k in range(2)
        ]
    for unit in units:
        people.append(User(username=f"cmd-{unit.pk}", role="unit_commander", organisation=spu))
        people += [
            User(username=f"off-{unit.pk}-{k}", role="field_officer", organisation=spu)
            for k in range(3)
        ]
    User.objects.bulk_create(people)
    members = User.units.through
    by_name = dict(User.objects.values_list("username", "pk"))
    links = []
    for unit in units:
        links.append(members(user_id=by_name[f"cmd-{unit.pk}"], protectionunit_id=unit.pk))
        links += [
            members(user_id=by_name[f"off-{unit.pk}-{k}"], protectionunit_id=unit.pk)
            for k in range(3)
        ]
    members.objects.bulk_create(links)
    m.Site.objects.bulk_create(
        (
            m.Site(
                organisation=orgs[i % len(orgs)],
                name=f"Bench site {i}",
                kind="camp",
                lat=rng.uniform(*LAT),
                lon=rng.uniform(*LON),
                province="KP",
                district="Bench",
                responsible_unit=units[i % len(units)],
            )
            for i in range(sites)
        ),
        batch_size=2000,
    )
    creator = User.objects.get(username=f"coord-{orgs[0].pk}-0")
    now = timezone.now()
    movements = []
    for i in range(under_way + planned):
        start = (rng.uniform(*LAT), rng.uniform(*LON))
        end = (start[0] + rng.uniform(-1, 1), start[1] + rng.uniform(-1, 1))
        middle = {
            "name": "via",
            "lat": (start[0] + end[0]) / 2 + 0.05,
            "lon": (start[1] + end[1]) / 2,
        }
        moving = i < under_way
        depart = (
            now - dt.timedelta(hours=1) if moving else now + dt.timedelta(hours=rng.uniform(1, 24))
        )
        movements.append(
            MovementRequest(
                organisation=orgs[i % len(orgs)],
                reference=f"BENCH-{i}",
                purpose="Bench",
                origin_name="A",
                origin_lat=start[0],
                origin_lon=start[1],
                destination_name="B",
                destination_lat=end[0],
                destination_lon=end[1],
                waypoints=[middle],
                depart_at=depart,
                arrive_by=depart + dt.timedelta(hours=8),
                state="under_way" if moving else "approved",
                created_by=creator,
            )
        )
    movements = MovementRequest.objects.bulk_create(movements)
    Assignment.objects.bulk_create(
        Assignment(
            movement=mv,
            unit=units[i % len(units)],
            officers=6,
            starts=mv.depart_at,
            ends=mv.arrive_by,
        )
        for i, mv in enumerate(movements)
    )
    officer = User.objects.filter(role="field_officer").first()
    CheckIn.objects.bulk_create(
        CheckIn(
            movement=mv,
            officer=officer,
            at=now - dt.timedelta(minutes=rng.uniform(1, 30)),
            lat=(mv.origin_lat + mv.destination_lat) / 2,
            lon=(mv.origin_lon + mv.destination_lon) / 2,
            status="ok",
        )
        for mv in movements[:under_way]
    )
    return {"movements": movements}


def _probe_points(
    rng: random.Random, count: int, movements: list[Any]
) -> list[tuple[float, float]]:
    from safepassage.registry.models import Site

    site_points = list(Site.objects.values_list("lat", "lon"))
    points = []
    for i in range(count):
        if i % 3 == 0:
            lat, lon = rng.choice(site_points)
        elif i % 3 == 1:
            mv = rng.choice(movements)
            lat, lon = (
                (mv.origin_lat + mv.destination_lat) / 2,
                (mv.origin_lon + mv.destination_lon) / 2,
            )
        else:
            lat, lon = rng.uniform(*LAT), rng.uniform(*LON)
        points.append((lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05)))
    return points


def _incident(lat: float, lon: float, n: int) -> Any:
    from django.utils import timezone

    from safepassage.intel.models import Incident

    return Incident.objects.create(
        kind="attack",
        attack_type="armed_assault" if n % 2 else "bombing",
        date=timezone.localdate(),
        date_precision="day",
        lat=lat,
        lon=lon,
        geo_precision="town",
        deaths=n % 4,
        review_state="confirmed",
    )


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "mean": statistics.fmean(values),
        "p50": statistics.median(values),
        "p95": p95,
        "max": max(values),
    }


def in_process(points: list[tuple[float, float]]) -> tuple[dict[str, float], int, int]:
    """Time evaluate_incident itself; the post_save queueing is bypassed with raw saves."""
    from django.db.models.signals import post_save

    from safepassage.alerts.apps import _incident_saved
    from safepassage.alerts.services import evaluate_incident
    from safepassage.intel.models import Incident

    post_save.disconnect(_incident_saved, sender=Incident, dispatch_uid="alerts-incident-saved")
    timings, alerts, subjects = [], 0, 0
    try:
        # The first evaluation in a process loads the URL configuration and more: not counted.
        evaluate_incident(_incident(LAT[0] - 5, LON[0] - 5, 0).pk)
        for n, (lat, lon) in enumerate(points):
            incident = _incident(lat, lon, n)
            start = time.perf_counter()
            stored = evaluate_incident(incident.pk)
            timings.append(time.perf_counter() - start)
            alerts += len(stored)
            subjects += incident.alert_evaluation.subjects
    finally:
        post_save.connect(_incident_saved, sender=Incident, dispatch_uid="alerts-incident-saved")
    return _summary(timings), alerts, subjects


def end_to_end(points: list[tuple[float, float]], timeout_s: float) -> dict[str, float]:
    """Incident saved and committed -> a qcluster worker finished its evaluation."""
    from django.db import connections

    from safepassage.alerts.models import IncidentEvaluation

    connections.close_all()
    worker = subprocess.Popen(
        [sys.executable, "-m", "django", "qcluster"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # A long-running worker has loaded its code: one evaluation far from everything warms
        # it up (its time is reported apart, not counted in the figures).
        warm = _incident(LAT[0] - 5, LON[0] - 5, 0)
        began = time.monotonic()
        while not IncidentEvaluation.objects.filter(
            incident=warm, finished_at__isnull=False
        ).exists():
            if time.monotonic() - began > 120:
                raise SystemExit("the qcluster worker did not pick up the warm-up job in 120 s")
            time.sleep(0.05)
        print(f"    worker start and first (cold) evaluation: {time.monotonic() - began:.1f} s")
        latencies = []
        for n, (lat, lon) in enumerate(points):
            incident = _incident(lat, lon, 1000 + n)
            created = incident.created
            deadline = time.monotonic() + timeout_s
            while True:
                finished = (
                    IncidentEvaluation.objects.filter(incident=incident)
                    .values_list("finished_at", flat=True)
                    .first()
                )
                if finished is not None:
                    latencies.append((finished - created).total_seconds())
                    break
                if time.monotonic() > deadline:
                    latencies.append(float("inf"))
                    break
                time.sleep(0.02)
        return _summary(latencies)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--under-way", type=int, default=300)
    parser.add_argument("--planned", type=int, default=300)
    parser.add_argument("--probes", type=int, default=40)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=30.0, help="Give up on a probe after s.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as data_dir:
        _setup(data_dir)
        from django.conf import settings
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        rng = random.Random(args.seed)
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        began = time.perf_counter()
        world = _world(rng, args.sites, args.under_way, args.planned)
        print(
            f"world: {args.sites} sites, {args.under_way} movements under way, {args.planned} "
            f"planned, built in {time.perf_counter() - began:.1f} s on {engine}"
        )
        points = _probe_points(rng, args.probes, world["movements"])
        stats, alerts, subjects = in_process(points)
        print(
            f"(a) evaluation in process, {args.probes} incidents ({subjects} subjects matched, "
            f"{alerts} alerts stored): "
            + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in stats.items())
        )
        e2e = end_to_end(_probe_points(rng, args.probes, world["movements"]), args.timeout)
        print(
            "(b) incident created -> evaluation finished by a qcluster worker: "
            + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in e2e.items())
        )
        verdict = "met" if e2e["max"] <= 5.0 else "MISSED"
        print(f"target (every affected subject evaluated within 5 s): {verdict}")
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, {engine}"
        )


if __name__ == "__main__":
    main()

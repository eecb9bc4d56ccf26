"""Benchmark of ingestion and linking (issue 4): `make bench-ingest`.

(a) Throughput: generated articles submitted through ``submit_report`` and processed
    (extract, link, resolve) by a pool of worker processes, one per core, on a fresh embedded
    SQLite instance. Reported as articles per hour.
(b) Linking latency: with 100,000 incidents spread over Pakistan and ten years, the time to
    find the incident a new report's event links to (block, query, score), mean and p95.

Usage: python scripts/bench_ingest.py [--articles N] [--incidents N] [--probes N] [--workers N]
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _setup(data_dir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="safepassage.settings",
        SAFEPASSAGE_DATA_DIR=data_dir,
        SAFEPASSAGE_DEBUG="1",
        SAFEPASSAGE_JOBS_SYNC="0",
        SAFEPASSAGE_LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()


def _process(args: tuple[str, list[int]]) -> int:
    data_dir, ids = args
    _setup(data_dir)
    from safepassage.intel.jobs import process_report, warm_up

    warm_up()
    for report_id in ids:
        process_report(report_id)
    return len(ids)


def throughput(articles: int, workers: int) -> dict[str, float]:
    from django.core.management import call_command

    from safepassage.intel.models import Report, Source
    from safepassage.intel.services.ingest import submit_report
    from safepassage.linking.synthetic import articles as generate
    from safepassage.registry.models import Organisation

    call_command("migrate", verbosity=0)
    org = Organisation.objects.create(name="Bench desk", kind="protection_unit", country="PK")
    source = Source.objects.create(organisation=org, name="Bench wire", kind="api")
    start = time.perf_counter()
    for article in generate(max(1, articles // 4), 4):
        submit_report(
            source=source, text=article.text, title=article.title, published=article.published
        )
    submitted = time.perf_counter() - start
    ids = list(Report.objects.order_by("pk").values_list("pk", flat=True))
    from django.db import connections

    connections.close_all()
    shares = [(os.environ["SAFEPASSAGE_DATA_DIR"], ids[i::workers]) for i in range(workers)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        # Each process loads the models first, as a long-running worker has.
        pool.map(_warm, range(workers))
        begin = time.perf_counter()
        done = sum(pool.map(_process, shares))
        processed = time.perf_counter() - begin
    total = submitted + processed
    return {
        "articles": done,
        "submit_s": submitted,
        "process_s": processed,
        "per_hour": done / total * 3600,
        "done": Report.objects.filter(status="done").count(),
    }


def _warm(_: int) -> None:
    from safepassage.intel.jobs import warm_up

    warm_up()


def latency(incidents: int, probes: int) -> dict[str, float]:
    import h3

    from safepassage.intel.models import Incident
    from safepassage.intel.services.linker import best_match
    from safepassage.linking import LinkEvent

    rng = random.Random(11)
    start = datetime.date(2015, 1, 1)
    types = ["bombing", "armed_assault", "suicide_bombing", "kidnapping", "unknown"]
    provinces = ["Balochistan", "Khyber Pakhtunkhwa", "Sindh", "Punjab", "Gilgit-Baltistan"]
    batch = []
    for _ in range(incidents):
        coarse = rng.random() < 0.1
        lat, lon = rng.uniform(24.5, 36.5), rng.uniform(61.5, 75.5)
        precision = "province" if coarse else rng.choice(["town", "point", "district"])
        batch.append(
            Incident(
                kind="attack" if rng.random() < 0.8 else "security_operation",
                date=start + datetime.timedelta(days=rng.randrange(3650)),
                date_precision="day" if rng.random() < 0.9 else "month",
                lat=lat,
                lon=lon,
                geo_precision=precision,
                country="PK",
                admin1=rng.choice(provinces),
                h3_r5="" if coarse else h3.latlng_to_cell(lat, lon, 5),
                attack_type=rng.choice(types),
                deaths=rng.randrange(0, 20),
                victim_nationalities=["PK"],
            )
        )
    for day in (d for d in [b for b in batch if b.date_precision == "month"]):
        day.date = day.date.replace(day=1)
    Incident.objects.bulk_create(batch, batch_size=2000)
    from django.db import transaction

    from safepassage.access.principals import SystemActor
    from safepassage.audit.context import Source as AuditSource
    from safepassage.audit.context import acting
    from safepassage.intel.models import Report, Source
    from safepassage.intel.services.linker import link_mention, recompute
    from safepassage.registry.models import Organisation

    org = Organisation.objects.create(name="Bench desk", kind="protection_unit", country="PK")
    source = Source.objects.create(organisation=org, name="Bench wire", kind="api")
    actor = SystemActor("job:bench")
    decide, full = [], []
    for probe in range(probes):
        lat, lon = rng.uniform(24.5, 36.5), rng.uniform(61.5, 75.5)
        day = start + datetime.timedelta(days=rng.randrange(3650))
        attack_type, deaths = rng.choice(types), rng.randrange(0, 20)
        province = rng.choice(provinces)
        event = LinkEvent(
            kind="attack",
            date=day,
            date_precision="day",
            lat=lat,
            lon=lon,
            geo_precision="town",
            country="PK",
            admin1=province,
            attack_type=attack_type,
            deaths=deaths,
            nationalities=frozenset({"PK"}),
        )
        begin = time.perf_counter()
        best_match(event, event.date)
        decide.append(time.perf_counter() - begin)
        # The whole write path of one event: link or create, mention, claims, resolve, audit.
        extracted = {
            "kind": "attack",
            "background": False,
            "attack_type": attack_type,
            "date": {"value": day.isoformat(), "precision": "day", "text": None},
            "location": {
                "name": f"Place {probe}",
                "country": "PK",
                "admin1": province,
                "admin2": None,
                "lat": lat,
                "lon": lon,
                "precision": "town",
            },
            "fatalities": {
                "total": deaths,
                "by_group": [{"group": "x", "nationality": "PK", "count": deaths}],
            },
            "evidence": [],
            "confidence": 0.8,
        }
        report = Report.objects.create(
            source=source, organisation=org, content_hash=f"bench-{probe}", text="x", published=day
        )
        begin = time.perf_counter()
        with acting(AuditSource.JOB, user=actor), transaction.atomic():
            _, decision = link_mention(actor, report, 0, extracted)
            recompute(decision.target, actor=actor)
        full.append(time.perf_counter() - begin)
    decide.sort()
    full.sort()
    return {
        "incidents": Incident.objects.count(),
        "probes": probes,
        "mean_ms": statistics.fmean(decide) * 1000,
        "p95_ms": decide[int(0.95 * (len(decide) - 1))] * 1000,
        "full_mean_ms": statistics.fmean(full) * 1000,
        "full_p95_ms": full[int(0.95 * (len(full) - 1))] * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--phase", choices=["both", "ingest", "link"], default="both")
    args = parser.parse_args()
    if args.phase == "both":
        # Each phase in its own process, with its own fresh instance and settings.
        for phase in ("ingest", "link"):
            command = [sys.executable, __file__, *sys.argv[1:], "--phase", phase]
            if subprocess.run(command, check=False).returncode:
                return 1
        return 0
    with tempfile.TemporaryDirectory(prefix=f"bench-{args.phase}-") as data_dir:
        _setup(data_dir)
        from django.core.management import call_command

        if args.phase == "ingest":
            result = throughput(args.articles, args.workers)
            print(
                f"ingest: {result['articles']} articles ({result['done']} done) with "
                f"{args.workers} workers: submit {result['submit_s']:.1f} s, extract+link "
                f"{result['process_s']:.1f} s -> {result['per_hour']:,.0f} articles/hour",
                flush=True,
            )
        else:
            call_command("migrate", verbosity=0)
            link = latency(args.incidents, args.probes)
            print(
                f"link: {link['incidents']:,} incidents, {link['probes']} new events: "
                f"decision mean {link['mean_ms']:.1f} ms, p95 {link['p95_ms']:.1f} ms; "
                f"with writes (mention, claims, resolve, audit) mean "
                f"{link['full_mean_ms']:.1f} ms, p95 {link['full_p95_ms']:.1f} ms",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

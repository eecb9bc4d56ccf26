"""Benchmark of what partners pull (TAXII, STIX, MISP, sync): `make bench-sharing`.

Builds a throw-away instance (SQLite in a temp dir) holding N incidents (2,000 by default) of
every marking, each with the report(s), mention(s) and claims the ingest path leaves behind
(the same fields as ``tests/sharing/stix_data.py`` builds), some of them imported from another
instance or from the partner itself (identity-map rows), plus a partner organisation with an
agreement in force up to TLP:AMBER and a partner liaison with an API token. Then, read as the
partner, it times each of these and counts its SQL queries:

* TAXII ``objects`` first page and a later page (``next`` cursor half way), limit 100 and 1000,
  through Django's test client with the partner's bearer token (share records written);
* TAXII ``objects`` deep page (``next`` cursor nine tenths in), limit 100;
* TAXII ``manifest`` first page and deep page (limit 100);
* a full STIX bundle export for the partner (``stix.export_bundle``, recorded);
* a MISP export for the partner (``misp.export_events`` + ``misp.dumps``, recorded);
* one sync pull page (``sync.serve_pull``, ``SAFEPASSAGE_SYNC_PAGE_SIZE`` incidents).

Rows are bulk-inserted (no audit records: nothing on the read path depends on them). Each
figure is the median of ``--repeat`` runs after one warm-up run.

The instance is the same for the same seed (ids, times), so ``--dump`` on one version of the
code and ``--compare`` on another check that the outputs did not change, byte for byte.

Usage: python scripts/bench_sharing.py [--incidents N] [--repeat N] [--seed N] [--profile NAME]
       [--dump PATH] [--compare PATH] [--only NAME]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import hashlib
import json
import os
import platform
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

MARKINGS = [("clear", 0.15), ("green", 0.3), ("amber", 0.4), ("amber+strict", 0.1), ("red", 0.05)]
ATTACK_TYPES = ["bombing", "armed_assault", "suicide_bombing", "kidnapping", "assassination"]
BUNDLE_ID = re.compile(r"bundle--[0-9a-f-]{36}")
NOW = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
PLACES = [
    ("Besham", "Khyber Pakhtunkhwa", "Shangla", 34.9305, 72.8756),
    ("Peshawar", "Khyber Pakhtunkhwa", "Peshawar", 34.0151, 71.5249),
    ("Quetta", "Balochistan", "Quetta", 30.1798, 66.9750),
    ("Gwadar", "Balochistan", "Gwadar", 25.1264, 62.3225),
    ("Karachi", "Sindh", "Karachi", 24.8607, 67.0011),
]


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


def _pick(rng: random.Random, table: list[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def build(n: int, seed: int) -> dict[str, Any]:
    """The instance described in the module docstring; returns the partner and its secret."""
    from django.core.management import call_command
    from django.db import transaction

    from safepassage.accounts.models import ApiToken, User
    from safepassage.intel.models import Claim, Incident, Mention, Report, Source
    from safepassage.linking import bands
    from safepassage.linking.blocking import cell_of
    from safepassage.registry.models import Organisation
    from safepassage.sharing.models import ExternalObject, InstanceIdentity, SharingAgreement

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    # Fixed ids and times: the same seed gives the same export, byte for byte (--dump).
    now = NOW
    with transaction.atomic():
        # The migration made this instance's identity with a random uuid: fix it.
        InstanceIdentity.objects.update(
            uuid=uuid.UUID(int=rng.getrandbits(128), version=4), name="Safe Passage", created=now
        )
        org = Organisation.objects.create
        holder = org(name="KP Special Protection Unit", short_name="SPU-KP", kind="protection_unit")
        other = org(
            name="Sindh Special Protection Unit", short_name="SPU-SD", kind="protection_unit"
        )
        partner = org(name="Partner Ministry", kind="ministry", country="CN")
        third = org(name="Third Ministry", kind="ministry", country="AF")
        Organisation.objects.update(created=now)
        SharingAgreement.objects.create(partner=partner, name="Cooperation", max_tlp="amber")
        liaison = User.objects.create(
            username="liaison", role="partner_liaison", organisation=partner
        )
        analyst = User.objects.create(username="analyst", role="analyst", organisation=holder)
        token, secret = ApiToken.issue(liaison, "bench")
        token.save()
        sources = [
            Source.objects.create(organisation=holder, name="Wire", kind="feed", reliability="C"),
            Source.objects.create(
                organisation=holder, name="Bulletin", kind="api", reliability="A"
            ),
        ]

        incidents = []
        for i in range(n):
            place, province, district, lat, lon = rng.choice(PLACES)
            lat, lon = lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05)
            precision = rng.choice(["town", "point", "district"])
            deaths = rng.randrange(0, 12)
            incidents.append(
                Incident(
                    kind="attack",
                    attack_type=rng.choice(ATTACK_TYPES),
                    date=(now - datetime.timedelta(days=rng.randrange(365))).date(),
                    date_precision="day",
                    place_name=f"{place} {i}",
                    country="PK",
                    admin1=province,
                    admin2=district,
                    lat=lat,
                    lon=lon,
                    geo_precision=precision,
                    gazetteer_id=f"local:{place.lower()}",
                    h3_r5=cell_of(lat, lon, precision),
                    tlp=_pick(rng, MARKINGS),
                    organisation=rng.choice([holder, holder, other]),
                    deaths=deaths,
                    deaths_min=max(0, deaths - 1),
                    deaths_max=deaths + 1,
                    injured=rng.randrange(0, 20),
                    deaths_by_nationality={"PK": deaths},
                    perpetrators=[{"name": "Group A", "relation": "claimed", "by": None}],
                    targets=[{"description": "convoy", "type": "convoy", "nationality": "CN"}],
                    victim_nationalities=["PK", "CN"],
                    review_state=rng.choice(["auto", "confirmed"]),
                    confidence=round(rng.uniform(0.5, 1.0), 3),
                    report_count=1,
                )
            )
        incidents = Incident.objects.bulk_create(incidents, batch_size=500)
        # Spread the changes over the last 30 days (bulk_create stamps them all "now").
        for row in incidents:
            row.updated = now - datetime.timedelta(seconds=rng.randrange(30 * 86400))
            row.created = row.updated - datetime.timedelta(days=rng.randrange(30))
        Incident.objects.bulk_update(incidents, ["updated", "created"], batch_size=500)
        for row in rng.sample(incidents, max(1, n // 50)):
            row.merged_into = incidents[0] if row is not incidents[0] else None
        Incident.objects.bulk_update(incidents, ["merged_into"], batch_size=500)
        red = [row for row in incidents if row.tlp == "red"]
        Incident.recipients.through.objects.bulk_create(
            [Incident.recipients.through(incident_id=row.pk, user_id=analyst.pk) for row in red]
        )

        # One report per incident, and every tenth report also describes a second incident.
        reports = []
        for i, row in enumerate(incidents):
            text = f"Report {i}: an attack in {row.place_name} killed {row.deaths} people."
            digest = hashlib.sha256(text.encode()).hexdigest()
            simhash = int(digest[:15], 16)
            b0, b1, b2, b3 = bands(simhash)
            reports.append(
                Report(
                    source=sources[i % 2],
                    organisation=holder,
                    url=f"https://news.example.org/{digest[:12]}",
                    url_hash=digest,
                    content_hash=digest,
                    simhash=simhash,
                    band0=b0,
                    band1=b1,
                    band2=b2,
                    band3=b3,
                    title=f"Attack in {row.place_name}" if i % 3 else "",
                    text=text,
                    published=row.date,
                    language="en",
                    status="done",
                    processed_at=row.updated,
                    tlp=rng.choice(["clear", "green", "amber", "amber"]),
                )
            )
        reports = Report.objects.bulk_create(reports, batch_size=500)
        for report, row in zip(reports, incidents, strict=True):
            report.received_at = row.updated - datetime.timedelta(minutes=5)
        Report.objects.bulk_update(reports, ["received_at"], batch_size=500)
        mentions = []
        for i, (report, row) in enumerate(zip(reports, incidents, strict=True)):
            event = {"kind": "attack", "summary": report.text}
            mentions.append(
                Mention(
                    report=report,
                    index=0,
                    kind="attack",
                    confidence=0.9,
                    event=event,
                    incident=row,
                    link_score=0.9,
                    link_reasons=["same district", "same day"],
                )
            )
            if i % 10 == 0 and i + 1 < n:
                mentions.append(
                    Mention(
                        report=report,
                        index=1,
                        kind="attack",
                        confidence=0.7,
                        event=event,
                        incident=incidents[i + 1],
                        link_score=0.6,
                        link_reasons=["same day"],
                    )
                )
        mentions = Mention.objects.bulk_create(mentions, batch_size=500)
        claims = []
        for mention in mentions:
            row = mention.incident
            claims += [
                Claim(
                    incident=row,
                    field="deaths",
                    value=row.deaths,
                    mention=mention,
                    report=mention.report,
                    start=10,
                    end=30,
                ),
                Claim(
                    incident=row,
                    field="attack_type",
                    value=row.attack_type,
                    mention=mention,
                    report=mention.report,
                    start=0,
                    end=9,
                ),
            ]
        claims.append(
            Claim(incident=incidents[0], field="attack_type", value="bombing", analyst=analyst)
        )
        Claim.objects.bulk_create(claims, batch_size=500)

        # Some incidents came from outside: 10 % from a third instance, 5 % from the partner.
        imported = []
        for row in rng.sample(incidents, n // 7):
            from_partner = rng.random() < 1 / 3
            imported.append(
                ExternalObject(
                    stix_id=f"incident--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                    uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    stix_type="incident",
                    model="intel.incident",
                    local_id=row.pk,
                    origin=partner if from_partner else third,
                    origin_instance=f"identity--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                    channel="sync_in" if from_partner else "stix",
                )
            )
        for entry in imported:
            entry.uuid = uuid.UUID(entry.stix_id.split("--", 1)[1])
        ExternalObject.objects.bulk_create(imported)
    return {"partner": partner, "liaison": liaison, "secret": secret}


def measure(
    label: str, run: Callable[[], Any], repeat: int, profile: str | None
) -> tuple[float, float, int, Any]:
    """Median wall and CPU seconds and the queries of one run of ``run`` (after a warm-up)."""
    from django.db import connection

    # Counted by a wrapper rather than connection.queries, which keeps only the last 9,000.
    counted = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        counted[0] += 1
        return execute(sql, params, many, context)

    result = run()
    timings, cpu = [], []
    for _ in range(repeat):
        counted[0] = 0
        with connection.execute_wrapper(count):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = run()
            timings.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    queries = counted[0]
    if profile and profile in label:
        profiler = cProfile.Profile()
        profiler.enable()
        run()
        profiler.disable()
        print(f"--- profile of {label}", flush=True)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return statistics.median(timings), statistics.median(cpu), queries, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", help="cProfile the measurements whose label contains this")
    parser.add_argument("--only", help="run only the measurements whose label contains this")
    parser.add_argument(
        "--dump", type=Path, help="write every output to this JSON file (before/after checks)"
    )
    parser.add_argument(
        "--compare", type=Path, help="fail unless every output equals this earlier --dump"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sharing-") as data_dir:
        _setup(data_dir)
        from django.test import Client

        from safepassage.sharing import misp, stix, sync, taxii
        from safepassage.sharing.services import PartnerReader

        cpu = platform.processor() or platform.machine()
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
        print(
            f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
            f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC",
            flush=True,
        )
        start = time.perf_counter()
        made = build(args.incidents, args.seed)
        print(
            f"built {args.incidents:,} incidents in {time.perf_counter() - start:.1f} s", flush=True
        )
        partner, liaison, secret = made["partner"], made["liaison"], made["secret"]
        reader = PartnerReader(partner)
        client = Client(HTTP_HOST="127.0.0.1")
        headers = {
            "HTTP_ACCEPT": taxii.TAXII_MEDIA_TYPE,
            "HTTP_AUTHORIZATION": f"Bearer {secret}",
        }
        base = f"/api/taxii2/{taxii.API_ROOT}/collections/{taxii.COLLECTION_ALIAS}/"

        def cursor_after(count: int) -> str | None:
            """The ``next`` value the server gives after the first ``count`` objects (read
            through the manifest, a page of at most 1,000 at a time)."""
            params: dict[str, Any] = {}
            cursor = None
            while count > 0:
                params["limit"] = min(count, taxii.MAX_LIMIT)
                response = client.get(base + "manifest/", params, **headers)
                data = json.loads(response.content)
                count -= len(data.get("objects", []))
                cursor = data.get("next")
                if cursor is None:
                    break
                params["next"] = cursor
            return cursor

        # How many objects the collection holds, then cursors half way and nine tenths in.
        held, cursor = 0, None
        while True:
            page = json.loads(
                client.get(
                    base + "manifest/",
                    {"limit": taxii.MAX_LIMIT, **({"next": cursor} if cursor else {})},
                    **headers,
                ).content
            )
            held += len(page.get("objects", []))
            cursor = page.get("next")
            if not cursor:
                break
        middle = cursor_after(held // 2 + 1)
        deep = cursor_after(held * 9 // 10)
        print(f"the partner's collection holds {held:,} objects", flush=True)

        def taxii_get(path: str, **params: Any) -> Callable[[], Any]:
            def run() -> Any:
                response = client.get(base + path, params, **headers)
                assert response.status_code == 200, response.content[:300]
                return response.content.decode()

            return run

        cases: list[tuple[str, Callable[[], Any]]] = [
            ("taxii objects first page, limit 100", taxii_get("objects/", limit=100)),
            ("taxii objects later page, limit 100", taxii_get("objects/", limit=100, next=middle)),
            ("taxii objects first page, limit 1000", taxii_get("objects/", limit=1000)),
            (
                "taxii objects later page, limit 1000",
                taxii_get("objects/", limit=1000, next=middle),
            ),
            (
                "taxii objects deep page (nine tenths in), limit 100",
                taxii_get("objects/", limit=100, next=deep),
            ),
            ("taxii manifest first page, limit 100", taxii_get("manifest/", limit=100)),
            (
                "taxii manifest deep page (nine tenths in), limit 100",
                taxii_get("manifest/", limit=100, next=deep),
            ),
            (
                "stix bundle export (full)",
                lambda: json.dumps(stix.export_bundle(reader, partner=partner, channel="export")),
            ),
            (
                "misp export (full)",
                lambda: misp.dumps(misp.export_events(reader, partner=partner)),
            ),
            ("sync pull page", lambda: json.dumps(sync.serve_pull(liaison, None))),
        ]
        dumped: dict[str, Any] = {}
        for label, run in cases:
            if args.only and args.only not in label:
                continue
            seconds, cpu, queries, result = measure(label, run, args.repeat, args.profile)
            # Each output is kept as the text that leaves (compared byte for byte).
            data = json.loads(result) if not label.startswith("misp") else {}
            size = len(data.get("bundle", data).get("objects", []))
            what = f"{size:,} objects" if size else f"{len(result):,} characters"
            print(
                f"{label}: {seconds * 1000:,.0f} ms (this process's CPU {cpu * 1000:,.0f} ms), "
                f"{queries} queries ({what})",
                flush=True,
            )
            dumped[label] = result
        if args.dump:
            args.dump.write_text(json.dumps(dumped, indent=1))
            print(f"outputs written to {args.dump}")
        if args.compare:
            earlier = json.loads(args.compare.read_text())
            # A bundle's own id is a fresh uuid each time (stix2 makes it): left out.
            differ = [
                label
                for label in dumped
                if BUNDLE_ID.sub("bundle--", dumped[label])
                != BUNDLE_ID.sub("bundle--", earlier.get(label, ""))
            ]
            if differ:
                print(f"DIFFERENT from {args.compare}: {', '.join(differ)}")
                return 1
            print(f"every output is identical to {args.compare}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

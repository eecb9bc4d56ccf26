"""Every TAXII page a reader can ask for, written to one JSON file: before/after checks.

Builds the instance of ``bench_sharing.py`` (same seed, same ids and times) with fewer
incidents by default, adds what that fixture lacks (engagements with their places and reports,
some of them the partner's own; incidents held by no organisation or with no place; an
organisation created later; stamps that differ only below the millisecond, so ties on
``date_added`` are broken by the id; reports processed well after their incidents), then asks
the TAXII server, as a partner liaison and as an analyst, for:

* every page of the objects and the manifest at several limits, following ``next``;
* the same with ``added_after`` (on a date added, between two, before everything) and with
  ``match[type]``, ``match[id]``, ``match[version]`` and ``match[spec_version]`` filters;
* one object and its versions, for a sample of ids (and ids the reader may not see);
* a few malformed requests.

Each answer is kept as its status, the headers a client reads (``Content-Type``,
``X-TAXII-Date-Added-First``/``-Last``) and its body, byte for byte, with the share records
it wrote. ``--compare`` on another version of the code names every answer that differs.

Usage: python scripts/dump_taxii_pages.py [--incidents N] [--seed N] [--dump PATH]
       [--compare PATH] [--whole-collection]

``--whole-collection`` (for the code before ``stix_collection.py``) reads the whole collection
for every page instead of bounding the read by ``added_after`` or the ``next`` cursor less an
hour, so that every page is cut from the collection a first page is cut from; the code since
has no such bound, and the option changes nothing there.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_sharing


def extend(made: dict[str, Any], seed: int) -> dict[str, Any]:
    """What the benchmark's instance lacks (see the module docstring); returns the analyst's
    token secret."""
    from django.db import transaction

    from safepassage.accounts.models import ApiToken, User
    from safepassage.intel.models import Engagement, Incident, Mention, Report, Source
    from safepassage.registry.models import Organisation
    from safepassage.sharing.models import ExternalObject

    rng = random.Random(seed + 1)
    now = bench_sharing.NOW
    partner = made["partner"]
    with transaction.atomic():
        analyst = User.objects.get(username="analyst")
        token, secret = ApiToken.issue(analyst, "dump")
        token.save()
        holder = Organisation.objects.get(short_name="SPU-KP")
        late = Organisation.objects.create(
            name="Balochistan Levies", short_name="LEV-BL", kind="protection_unit"
        )
        Organisation.objects.filter(pk=late.pk).update(created=now - datetime.timedelta(days=9))
        late.refresh_from_db()
        source = Source.objects.filter(organisation=holder).order_by("pk").first()
        incidents = list(Incident.objects.order_by("pk")[:60])
        # Held by no organisation (the instance names itself), with no place, or by ``late``.
        for row in incidents[:8]:
            row.organisation = None
        for row in incidents[8:16]:
            row.lat = row.lon = None
            row.country = ""
        for row in incidents[16:24]:
            row.organisation = late
        # Stamps that differ below the millisecond: one bucket, ordered by id.
        base = now - datetime.timedelta(days=12, seconds=7)
        for n, row in enumerate(incidents[24:36]):
            row.updated = base + datetime.timedelta(microseconds=(n * 83) % 1000)
        Incident.objects.bulk_update(
            incidents[:36], ["organisation", "lat", "lon", "country", "updated"]
        )
        for row in incidents[24:36]:
            Report.objects.filter(mentions__incident=row).update(processed_at=row.updated)
        # Reports processed long after every incident they describe.
        for row in incidents[36:40]:
            Report.objects.filter(mentions__incident=row).update(
                processed_at=now - datetime.timedelta(days=2, minutes=rng.randrange(600))
            )

        engagements = []
        for n in range(40):
            placed = n % 4 != 0
            engagements.append(
                Engagement(
                    kind=rng.choice(["meeting", "agreement", "announcement"]),
                    title=f"Engagement {n}",
                    date=(now - datetime.timedelta(days=rng.randrange(200))).date(),
                    date_precision="day",
                    place_name=f"Venue {n}" if placed else "",
                    country="PK" if placed else "",
                    admin1="Sindh" if n % 2 else "Balochistan",
                    lat=24.86 + n / 100 if placed and n % 3 else None,
                    lon=67.0 + n / 100 if placed and n % 3 else None,
                    geo_precision="town" if placed else "",
                    tlp=rng.choice(["clear", "green", "amber", "amber", "amber+strict", "red"]),
                    organisation=rng.choice([holder, late, None]),
                    participants=[{"name": f"Person {n}", "title": "Minister", "country": "PK"}],
                    topics=["security"],
                    review_state="auto",
                    confidence=0.8,
                    report_count=1,
                )
            )
        engagements = Engagement.objects.bulk_create(engagements)
        for row in engagements:
            row.updated = now - datetime.timedelta(seconds=rng.randrange(30 * 86400))
            row.created = row.updated - datetime.timedelta(days=3)
        Engagement.objects.bulk_update(engagements, ["updated", "created"])
        reports = list(Report.objects.order_by("pk")[100:140])
        for n, row in enumerate(engagements):
            if n % 2:
                # A report that describes an incident too: the engagement joins its refs.
                report = reports[n]
            else:
                report = Report.objects.create(
                    source=source,
                    organisation=rng.choice([holder, late]),
                    url=f"https://news.example.org/engagement-{n}",
                    content_hash=f"{n:064x}",
                    title=f"Meeting {n}" if n % 3 else "",
                    text=f"Officials met in Venue {n}.",
                    language="en",
                    status="done",
                    processed_at=row.updated + datetime.timedelta(seconds=n),
                    tlp=rng.choice(["clear", "green", "amber"]),
                )
                Report.objects.filter(pk=report.pk).update(received_at=row.updated)
            Mention.objects.create(
                report=report,
                index=7,
                kind=row.kind,
                confidence=0.8,
                event={"kind": row.kind},
                engagement=row,
                link_score=0.7,
                link_reasons=["same day"],
            )
        for row in engagements[::9]:
            ExternalObject.objects.create(
                stix_id=f"safepassage-engagement--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                stix_type="safepassage-engagement",
                model="intel.engagement",
                local_id=row.pk,
                origin=partner,
                channel="sync_in",
            )
    return {"analyst": secret}


class Asker:
    """Asks the TAXII server and keeps each answer (with the share records it wrote)."""

    def __init__(self, base: str) -> None:
        from django.test import Client

        self.client = Client(HTTP_HOST="127.0.0.1")
        self.base = base
        self.answers: dict[str, Any] = {}
        self.requests = 0
        self.seconds = 0.0

    def get(self, label: str, secret: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        from safepassage.sharing import taxii
        from safepassage.sharing.models import ShareRecord

        last = ShareRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        start = time.perf_counter()
        response = self.client.get(
            self.base + path,
            params,
            HTTP_ACCEPT=taxii.TAXII_MEDIA_TYPE,
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        self.seconds += time.perf_counter() - start
        self.requests += 1
        records = sorted(
            ShareRecord.objects.filter(pk__gt=last).values_list(
                "channel", "object_type", "object_id", "stix_id", "tlp", "actor_id"
            )
        )
        answer = {
            "status": response.status_code,
            "headers": {
                name: response[name]
                for name in (
                    "Content-Type",
                    "X-TAXII-Date-Added-First",
                    "X-TAXII-Date-Added-Last",
                    "WWW-Authenticate",
                )
                if response.has_header(name)
            },
            "body": response.content.decode(),
            "records": [list(r) for r in records],
        }
        key = f"{label} | {path} | {json.dumps(params, sort_keys=True)}"
        assert key not in self.answers, key
        self.answers[key] = answer
        return answer

    def pages(self, label: str, secret: str, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every page from the first, following ``next``; the objects of all of them."""
        params = dict(params)
        found: list[dict[str, Any]] = []
        while True:
            answer = self.get(label, secret, path, params)
            if answer["status"] != 200:
                return found
            data = json.loads(answer["body"])
            found += data.get("objects", [])
            if not data.get("more"):
                return found
            params["next"] = data["next"]


def ask_everything(asker: Asker, who: str, secret: str, rng: random.Random) -> None:
    objects, manifest = "objects/", "manifest/"
    # The whole collection, through the manifest: ids, dates added and versions to choose from.
    held = asker.pages(who, secret, manifest, limit=1000)
    print(f"{who}: the collection holds {len(held):,} objects", flush=True)
    dates = sorted({m["date_added"] for m in held})
    ids = [m["id"] for m in held]
    for limit in (1000, 100, 37):
        asker.pages(who, secret, objects, limit=limit)
    asker.pages(who, secret, manifest, limit=100)
    asker.pages(who, secret, objects)  # the default limit
    middle = dates[len(dates) // 2]
    for after in (
        middle,
        dates[len(dates) * 9 // 10],
        middle.replace("Z", "") + "+05:00",
        "2026-10-15T12:00:00.0005Z",
        "0001-01-01T00:00:00Z",
        "1950-01-01T00:00:00Z",
        dates[-1],
    ):
        asker.pages(who, secret, objects, limit=50, added_after=after)
        asker.pages(who, secret, manifest, limit=200, added_after=after)
    for types in (
        "incident",
        "report,sighting",
        "identity",
        "marking-definition",
        "location,relationship",
        "safepassage-engagement",
        "extension-definition",
        "indicator",
    ):
        asker.pages(who, secret, objects, limit=40, **{"match[type]": types})
    asker.pages(
        who, secret, objects, limit=10, added_after=middle, **{"match[type]": "incident,report"}
    )
    asker.pages(who, secret, manifest, limit=25, **{"match[type]": "sighting"})
    chosen = rng.sample(ids, 30)
    hidden = "incident--00000000-0000-4000-8000-000000000000"
    asker.pages(who, secret, objects, limit=7, **{"match[id]": ",".join([*chosen, hidden])})
    asker.pages(who, secret, manifest, limit=7, **{"match[id]": ",".join(chosen[:10])})
    asker.pages(
        who, secret, objects, limit=5, added_after=middle, **{"match[id]": ",".join(chosen)}
    )
    versions = [m["version"] for m in rng.sample(held, 5)]
    asker.pages(who, secret, objects, limit=20, **{"match[version]": ",".join(versions)})
    asker.pages(who, secret, objects, limit=500, **{"match[version]": "first"})
    asker.pages(who, secret, objects, limit=500, **{"match[spec_version]": "2.1"})
    asker.pages(who, secret, objects, **{"match[spec_version]": "2.0"})
    for object_id in [*rng.sample(ids, 25), *ids[:3], *ids[-3:], hidden]:
        asker.get(who, secret, f"{objects}{object_id}/", {})
        asker.get(who, secret, f"{objects}{object_id}/versions/", {})
    for object_id in rng.sample(ids, 5):
        asker.get(who, secret, f"{objects}{object_id}/", {"match[version]": "all"})
        asker.get(who, secret, f"{objects}{object_id}/", {"match[type]": "report"})
        asker.get(who, secret, f"{objects}{object_id}/versions/", {"added_after": middle})
    for params in (
        {"limit": "0"},
        {"next": "bm90LWEtY3Vyc29y"},
        {"added_after": "yesterday"},
        {"match[id]": "incident--nope"},
        {"match[type]": "Bad Type"},
        {"match[version]": "sometime"},
    ):
        asker.get(who, secret, objects, params)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dump", type=Path, help="write every answer to this JSON file")
    parser.add_argument(
        "--compare", type=Path, help="fail unless every answer equals this earlier --dump"
    )
    parser.add_argument(
        "--whole-collection",
        action="store_true",
        help="the code before the page builder: read the whole collection for every page",
    )
    args = parser.parse_args()
    # Hundreds of requests a minute from one token: the API's rate limits are off here.
    os.environ["SAFEPASSAGE_API_RATE_PER_MINUTE"] = "0"
    os.environ["SAFEPASSAGE_API_RATE_PER_ADDRESS_PER_MINUTE"] = "0"
    with tempfile.TemporaryDirectory(prefix="taxii-pages-") as data_dir:
        bench_sharing._setup(data_dir)
        from safepassage.sharing import taxii

        if args.whole_collection:
            taxii._since = lambda request: None  # type: ignore[attr-defined]
        made = bench_sharing.build(args.incidents, args.seed)
        secrets = {"partner": made["secret"], **extend(made, args.seed)}
        base = f"/api/taxii2/{taxii.API_ROOT}/collections/{taxii.COLLECTION_ALIAS}/"
        asker = Asker(base)
        for who, secret in secrets.items():
            ask_everything(asker, who, secret, random.Random(args.seed))
        print(
            f"{asker.requests:,} requests in {asker.seconds:.1f} s "
            f"({asker.seconds / asker.requests * 1000:.0f} ms each)",
            flush=True,
        )
        if args.dump:
            args.dump.write_text(json.dumps(asker.answers, indent=1, ensure_ascii=False))
            print(f"{len(asker.answers):,} answers written to {args.dump}")
        if args.compare:
            earlier = json.loads(args.compare.read_text())
            differ = [k for k in asker.answers if asker.answers[k] != earlier.get(k)]
            missing = [k for k in earlier if k not in asker.answers]
            for key in (differ + missing)[:40]:
                print(f"DIFFERENT: {key}")
            if differ or missing:
                print(
                    f"{len(differ)} answers differ and {len(missing)} are missing "
                    f"(of {len(earlier):,} in {args.compare})"
                )
                return 1
            print(f"all {len(asker.answers):,} answers identical to {args.compare}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

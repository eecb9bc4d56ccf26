#!/usr/bin/env python3
"""Benchmark the extraction engine: documents/s, words/s and peak memory per process.

It generates short field reports (about 60 words) and full articles (about 600 words) from
fixed templates with a seeded random generator, so every run sees the same text, and runs
``extract_many`` with one worker per CPU. Each size is measured in a fresh child process, so
its memory figures are its own: the peak RSS of that process (the "parent", which reads and
writes the stream) and the largest peak RSS of its worker processes.

Usage::

    python scripts/bench_extract.py                 # both sizes, default counts
    python scripts/bench_extract.py --short 2000 --full 300 --json
    make bench-extract

Exit status: 0 when the targets of issue 3 are met (>= 100 short/s, >= 20 full/s, <= 1 GiB per
process), 1 when one is missed and ``--require-targets`` is given, 2 on misuse.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

TARGET_DOCS_PER_S = {"short": 100.0, "full": 20.0}
TARGET_MAX_RSS_MIB = 1024.0
SEED = 20240326

# Places with the province and district the text names; the generator mixes them so the
# geocoder sees many different names.
PLACES = [
    ("Quetta", "Balochistan"),
    ("Gwadar", "Balochistan"),
    ("Turbat", "Balochistan"),
    ("Mastung", "Balochistan"),
    ("Khuzdar", "Balochistan"),
    ("Peshawar", "Khyber Pakhtunkhwa"),
    ("Bannu", "Khyber Pakhtunkhwa"),
    ("Dera Ismail Khan", "Khyber Pakhtunkhwa"),
    ("Besham", "Khyber Pakhtunkhwa"),
    ("Dasu", "Khyber Pakhtunkhwa"),
    ("Mingora", "Khyber Pakhtunkhwa"),
    ("Parachinar", "Khyber Pakhtunkhwa"),
    ("Karachi", "Sindh"),
    ("Hyderabad", "Sindh"),
    ("Sukkur", "Sindh"),
    ("Lahore", "Punjab"),
    ("Multan", "Punjab"),
    ("Rawalpindi", "Punjab"),
    ("Chilas", "Gilgit-Baltistan"),
    ("Gilgit", "Gilgit-Baltistan"),
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
]
NUMBER_WORDS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"]
GROUPS = [
    "Balochistan Liberation Army",
    "Tehreek-e-Taliban Pakistan",
    "Balochistan Liberation Front",
]
TARGETS = [
    "a police checkpoint",
    "a convoy of engineers",
    "a passenger bus",
    "a Frontier Corps patrol",
    "a market",
]
WEAPONS = [
    ("a roadside bomb exploded near", "bombing"),
    ("gunmen opened fire on", "armed assault"),
    ("a suicide bomber struck", "suicide attack"),
    ("attackers threw a grenade at", "grenade attack"),
]

SHORT_TEMPLATE = (
    "{place_upper}: {weapon_cap} {target} in {place} on {weekday}, killing {dead} people and wounding "
    "{hurt} others, police in {province} said. Among the dead were {chinese} Chinese nationals and their "
    "Pakistani driver. The {group} said it had carried out the attack. Officials said security on the "
    "roads around {place} had been increased."
)

FULL_PARAGRAPHS = [
    "{place_upper}: {weapon_cap} {target} in {place} on {weekday} morning, killing at least {dead} people "
    "and wounding {hurt} others, officials in {province} said. The attack happened shortly after 9am on "
    "a busy road leading to the town's main market, and rescue workers took the wounded to hospitals in "
    "the city, where doctors declared an emergency and called in staff who were off duty.",
    "Figures varied during the day. The district administration first spoke of {low} dead, while hospital "
    "records later showed {dead} bodies, among them {chinese} Chinese engineers and {locals} Pakistani "
    "guards who had been escorting them. Police said {attackers} attackers were also killed when security "
    "forces returned fire, and that a search of nearby buildings was continuing into the evening.",
    "The {group} said in a statement sent to reporters that its fighters had carried out the attack, "
    "which it described as a warning to companies working on projects in the province. The provincial "
    "Counter-Terrorism Department said it had opened an investigation and that several suspects had "
    "been detained for questioning in {other}.",
    "The attack came weeks after a meeting in Islamabad at which Pakistan's interior minister and a "
    "visiting Chinese delegation agreed to expand intelligence sharing, train more officers for the "
    "Special Protection Unit and tighten the rules for moving foreign staff by road. Chinese officials "
    "have repeatedly asked Pakistan to do more to protect their citizens.",
    "In {month} last year, a similar attack on a convoy near {other} killed {old_dead} people, including "
    "{old_chinese} Chinese workers. No group claimed that attack, but officials suspected fighters linked "
    "to the {group}. Residents said the roads had been closed for days and that traders had lost money "
    "while the security forces searched the hills.",
    "Analysts in Islamabad said the latest attack showed that militant groups were able to strike even "
    "in places where the security forces had set up new checkpoints. One retired police officer said "
    "the authorities needed better intelligence from local communities, who often know when strangers "
    "arrive in an area but are afraid to speak to the police.",
    "The provincial government announced compensation for the families of the dead and said the injured "
    "would be treated at the state's expense. The chief minister chaired an emergency meeting in the "
    "provincial capital and ordered the police to review security for foreigners, schools and markets "
    "across {province}.",
    "Local elders condemned the violence and called for calm. They said the people of {place} had "
    "suffered for years from attacks by militants and from the operations launched against them, and "
    "that young people in the area needed jobs and schools rather than more checkpoints on the roads.",
    "Traffic on the main highway through {place} was suspended for several hours while bomb disposal "
    "teams checked the area. Mobile phone services were also cut in parts of the district, officials "
    "said, to stop the attackers' accomplices from communicating with each other.",
    "The federal interior minister is expected to visit {place} later this week. Officials said he "
    "would meet the families of the victims and chair a meeting on the security of Chinese nationals "
    "working on projects in {province}, where thousands of foreign engineers are employed.",
]


def _values(rng: random.Random, index: int) -> dict[str, str]:
    place, province = PLACES[index % len(PLACES)]
    other = PLACES[(index * 7 + 3) % len(PLACES)][0]
    weapon, _kind = WEAPONS[rng.randrange(len(WEAPONS))]
    dead = rng.randrange(3, 30)
    return {
        "place": place,
        "place_upper": place.upper(),
        "province": province,
        "other": other,
        "weapon_cap": weapon[0].upper() + weapon[1:],
        "target": rng.choice(TARGETS),
        "weekday": rng.choice(WEEKDAYS),
        "month": rng.choice(MONTHS),
        "dead": str(dead),
        "low": str(max(1, dead - rng.randrange(1, 4))),
        "hurt": str(rng.randrange(2, 60)),
        "chinese": NUMBER_WORDS[rng.randrange(len(NUMBER_WORDS))],
        "locals": NUMBER_WORDS[rng.randrange(3)],
        "attackers": NUMBER_WORDS[rng.randrange(4)],
        "old_dead": str(rng.randrange(5, 20)),
        "old_chinese": NUMBER_WORDS[rng.randrange(5)],
        "group": rng.choice(GROUPS),
    }


def make_documents(size: str, count: int, seed: int = SEED) -> Iterator[tuple[str, str, str]]:
    """Yield ``count`` deterministic (id, text, published) documents of the given size."""
    rng = random.Random(f"{seed}-{size}")
    for index in range(count):
        values = _values(rng, index)
        if size == "short":
            text = SHORT_TEMPLATE.format(**values)
        else:
            text = "\n\n".join(paragraph.format(**values) for paragraph in FULL_PARAGRAPHS)
        published = f"2024-{1 + index % 12:02d}-{1 + index % 28:02d}"
        yield f"{size}-{index:05d}", text, published


def _cpu_seconds() -> float:
    """User plus system CPU time of this process and of its reaped children (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _rss_mib(kib: int) -> float:
    # ru_maxrss is in KiB on Linux.
    return kib / 1024.0


def measure(size: str, count: int, workers: int) -> dict[str, Any]:
    """Run one size in this process and return its figures (called in a fresh child process)."""
    from safepassage.extract import Document, extract_many

    documents = [
        Document(id=doc_id, text=text, published=published)
        for doc_id, text, published in make_documents(size, count)
    ]
    words = sum(len(document.text.split()) for document in documents)

    # Warm-up: loads the model (in this process, or in every worker where the pool does not
    # fork) and pays the first pool start; it is reported separately as start-up time.
    cpu_start = _cpu_seconds()
    start = time.perf_counter()
    warm = list(extract_many(documents[: 2 * workers], workers=workers))
    startup_s = time.perf_counter() - start
    startup_cpu = _cpu_seconds() - cpu_start

    cpu_before = _cpu_seconds()
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    events = 0
    errors = 0
    done = 0
    for result in extract_many(documents, workers=workers):
        done += 1
        events += len(result.get("events", []))
        errors += 1 if result.get("document", {}).get("error") else 0
    elapsed = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu_before
    load_after = os.getloadavg()[0]
    del warm
    # The model is loaded once per process. In-process, or when the pool forks its workers from
    # this process (they inherit the model it loaded), only the warm-up call pays for loading and
    # the timed call's figures hold none of it. With another start method every call's workers
    # load their own, so the timed call pays start-up once more, and the figures after start-up
    # leave that out.
    reloads = workers > 1 and multiprocessing.get_context().get_start_method() != "fork"
    steady = elapsed - startup_s if reloads else elapsed
    work_cpu = cpu - startup_cpu if reloads else cpu
    return {
        "size": size,
        "documents": done,
        "words": words,
        "mean_words": round(words / max(1, done), 1),
        "workers": workers,
        "start_method": multiprocessing.get_context().get_start_method(),
        "timed_call_loads_model": reloads,
        "seconds": round(elapsed, 3),
        "startup_seconds": round(startup_s, 3),
        "docs_per_s": round(done / elapsed, 1),
        "words_per_s": round(words / elapsed, 0),
        "docs_per_s_after_startup": round(done / steady, 1) if steady > 0 else None,
        "cpu_seconds": round(cpu, 3),
        "startup_cpu_seconds": round(startup_cpu, 3),
        "docs_per_cpu_s": round(done / work_cpu, 1) if work_cpu > 0 else None,
        # What the same work would reach with every worker on an otherwise idle core: documents
        # per CPU-second times the workers (a CPU-bound projection, not a measurement).
        "projected_idle_docs_per_s": round(done / work_cpu * min(workers, os.cpu_count() or 1), 1)
        if work_cpu > 0
        else None,
        "load_average_1m": [round(load_before, 2), round(load_after, 2)],
        "events": events,
        "errors": errors,
        "peak_rss_parent_mib": round(
            _rss_mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss), 1
        ),
        "peak_rss_worker_mib": round(
            _rss_mib(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss), 1
        ),
    }


def cpu_model() -> str:
    """The CPU model name as ``lscpu`` prints it, or the platform's processor string."""
    try:
        output = subprocess.run(
            ["lscpu"], capture_output=True, text=True, check=False, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        output = ""
    for line in output.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def run_child(size: str, count: int, workers: int) -> dict[str, Any]:
    """Measure one size in a fresh interpreter so memory figures are not mixed between sizes."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        size,
        "--count",
        str(count),
        "--workers",
        str(workers),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)
    if completed.returncode != 0:
        raise RuntimeError(f"benchmark of {size} documents failed:\n{completed.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def check_targets(result: dict[str, Any]) -> list[tuple[str, bool]]:
    """Return (description, met) for the throughput and memory targets of one size."""
    target = TARGET_DOCS_PER_S[result["size"]]
    peak = max(result["peak_rss_parent_mib"], result["peak_rss_worker_mib"])
    return [
        (f"{result['size']}: >= {target:g} documents/s", result["docs_per_s"] >= target),
        (
            f"{result['size']}: <= {TARGET_MAX_RSS_MIB:g} MiB per process",
            peak <= TARGET_MAX_RSS_MIB,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--short", type=int, default=2000, help="number of short reports (default 2000)"
    )
    parser.add_argument(
        "--full", type=int, default=300, help="number of full articles (default 300)"
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: CPUs)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--require-targets", action="store_true", help="exit 1 when a target is missed"
    )
    parser.add_argument("--child", choices=["short", "full"], help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.workers < 1 or args.short < 0 or args.full < 0:
        parser.error("counts must be >= 0 and --workers >= 1")

    if args.child:
        print(json.dumps(measure(args.child, args.count, args.workers)))
        return 0

    results = []
    for size, count in (("short", args.short), ("full", args.full)):
        if count:
            results.append(run_child(size, count, args.workers))
    machine = {
        "cpu_model": cpu_model(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    outcomes = [item for result in results for item in check_targets(result)]
    if args.json:
        print(
            json.dumps(
                {
                    "machine": machine,
                    "results": results,
                    "targets": [{"target": name, "met": met} for name, met in outcomes],
                },
                indent=2,
            )
        )
    else:
        print(
            f"machine: {machine['cpu_model']}, {machine['cpus']} CPUs, Python {machine['python']}"
        )
        header = f"{'size':<6}{'docs':>7}{'words/doc':>10}{'seconds':>9}{'docs/s':>9}{'words/s':>10}{'start-up s':>11}{'parent MiB':>11}{'worker MiB':>11}"
        print(header)
        for result in results:
            print(
                f"{result['size']:<6}{result['documents']:>7}{result['mean_words']:>10}{result['seconds']:>9}"
                f"{result['docs_per_s']:>9}{result['words_per_s']:>10.0f}{result['startup_seconds']:>11}"
                f"{result['peak_rss_parent_mib']:>11}{result['peak_rss_worker_mib']:>11}"
            )
        for result in results:
            again = "again in" if result["timed_call_loads_model"] else "none of it in"
            print(
                f"{result['size']}: {result['docs_per_s_after_startup']} docs/s after start-up; "
                f"{result['cpu_seconds']} CPU-s (start-up {result['startup_cpu_seconds']} CPU-s "
                f"in the warm-up call, {again} the timed one), "
                f"{result['docs_per_cpu_s']} docs per CPU-second, "
                f"projected on idle cores {result['projected_idle_docs_per_s']} docs/s; "
                f"load average (1 min) before/after {result['load_average_1m']}"
            )
        for name, met in outcomes:
            print(f"   {'PASS' if met else 'FAIL':<5}{name}")
    if args.require_targets and not all(met for _name, met in outcomes):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

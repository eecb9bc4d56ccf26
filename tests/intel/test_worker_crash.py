"""Killing the worker with SIGKILL mid-batch loses no report and doubles none.

A real instance: its own SQLite data directory, `safepassage migrate`, 1,000 generated
articles queued through `submit_report`, and `safepassage worker` (django-q2) run as a
process group that is killed with SIGKILL once some hundreds are done, then started again.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.instance import ROOT, instance_env, run_safepassage

ARTICLES = 1000
EVENTS = 250
KILL_AFTER = 200
SUBMIT = f"""
from django.db import transaction

from safepassage.intel.models import Source
from safepassage.intel.services.ingest import submit_report
from safepassage.linking.synthetic import articles
from safepassage.registry.models import Organisation

org = Organisation.objects.create(name="Crash test desk", kind="protection_unit", country="PK")
source = Source.objects.create(organisation=org, name="Generated wire", kind="api", reliability="C")
# One transaction, as a batch import does: the jobs are queued when it commits.
with transaction.atomic():
    created = sum(
        submit_report(source=source, text=a.text, title=a.title, published=a.published).created
        for a in articles({EVENTS}, {ARTICLES // EVENTS})
    )
print("submitted", created)
"""

pytestmark = [pytest.mark.slow]


def _env(data_dir: Path) -> dict[str, str]:
    # Its own embedded instance, also during the PostgreSQL pass of the suite.
    return instance_env(
        data_dir,
        SAFEPASSAGE_JOBS_SYNC="0",
        SAFEPASSAGE_WORKERS="2",
        # Short, so jobs the killed worker had claimed are handed out again within the test.
        SAFEPASSAGE_JOB_TIMEOUT="10",
        SAFEPASSAGE_JOB_RETRY="11",
    )


def _run(args: list[str], env: dict[str, str], timeout: float) -> str:
    done = run_safepassage(args, env, timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return conn.execute(sql).fetchall()


def _done(db: Path) -> int:
    return int(_query(db, "SELECT count(*) FROM intel_report WHERE status = 'done'")[0][0])


@pytest.fixture
def worker_log(tmp_path: Path) -> Iterator[Path]:
    log = tmp_path / "worker.log"
    yield log


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "safepassage", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: one SIGKILL takes all its children
        )


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def _wait_for(
    db: Path, target: int, deadline: float, process: subprocess.Popen[bytes], log: Path
) -> int:
    done = 0
    while time.monotonic() < deadline:
        assert process.poll() is None, f"worker exited early:\n{log.read_text()[-3000:]}"
        done = _done(db)
        if done >= target:
            return done
        time.sleep(0.2)
    return done


def test_it_processes_every_article_exactly_once_after_the_worker_is_killed(
    tmp_path: Path, worker_log: Path
) -> None:
    data_dir = tmp_path / "instance"
    data_dir.mkdir()
    env = _env(data_dir)
    db = data_dir / "safepassage.sqlite3"
    _run(["migrate", "--no-input"], env, timeout=120)
    assert "submitted 1000" in _run(["shell", "-c", SUBMIT], env, timeout=120)
    assert _query(db, "SELECT count(*) FROM django_q_ormq")[0][0] == ARTICLES

    first = _start_worker(env, worker_log)
    try:
        done = _wait_for(db, KILL_AFTER, time.monotonic() + 240, first, worker_log)
    finally:
        _kill_group(first)
    assert KILL_AFTER <= done < ARTICLES, f"{done} done when the worker was killed"

    second = _start_worker(env, worker_log)
    try:
        done = _wait_for(db, ARTICLES, time.monotonic() + 600, second, worker_log)
    finally:
        _kill_group(second)
    assert done == ARTICLES, f"only {done} of {ARTICLES} done:\n{worker_log.read_text()[-3000:]}"

    assert _query(db, "SELECT count(*) FROM intel_report WHERE status != 'done'")[0][0] == 0
    # Every report has exactly the mentions its stored extraction lists, each once.
    per_report = _query(
        db,
        "SELECT r.id, json_array_length(r.extraction, '$.events'), count(m.id), "
        'count(DISTINCT m."index") FROM intel_report r '
        "LEFT JOIN intel_mention m ON m.report_id = r.id GROUP BY r.id",
    )
    assert len(per_report) == ARTICLES
    assert all(events == mentions == distinct >= 1 for _, events, mentions, distinct in per_report)
    # No claim stored twice for the same mention and field.
    assert not _query(
        db,
        "SELECT mention_id, field FROM intel_claim GROUP BY mention_id, field HAVING count(*) > 1",
    )
    # Every article of one generated event landed on one incident, and no two events share one.
    rows = _query(
        db,
        "SELECT r.title, m.incident_id FROM intel_report r JOIN intel_mention m "
        "ON m.report_id = r.id WHERE m.background = 0",
    )
    incidents_of: dict[str, set[object]] = {}
    for title, incident_id in rows:
        event = str(title).rsplit("-copy-", 1)[0]
        incidents_of.setdefault(event, set()).add(incident_id)
    assert len(incidents_of) == EVENTS
    split = {event: ids for event, ids in incidents_of.items() if len(ids) != 1}
    assert not split, f"events split over several incidents: {list(split.items())[:5]}"
    assert len({next(iter(ids)) for ids in incidents_of.values()}) == EVENTS
    assert _query(db, "SELECT count(*) FROM intel_incident")[0][0] == EVENTS
    assert _query(db, "SELECT sum(report_count) FROM intel_incident")[0][0] == ARTICLES

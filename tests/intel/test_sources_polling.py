"""Polling feed and folder sources against a real loopback server and real files.

The hostile routes of ``tests.lib.loopback`` stand for feeds on the internet that serve
garbage, a 100 MB body, a redirect loop, a redirect into a private network, the wrong content
type or nothing at all. Each must end as a recorded error on its own source while the other
sources in the same poll are read and stored.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from safepassage.access.principals import SystemActor
from safepassage.intel import polling
from safepassage.intel.models import Report, Source
from safepassage.intel.sources import folder
from tests.lib.loopback import Loopback, serve

SYSTEM = SystemActor("job:test-poll")


@pytest.fixture(scope="module")
def server() -> Iterator[Loopback]:
    with serve() as running:
        yield running


@pytest.fixture
def fetch_settings(settings: Any, tmp_path: Path) -> Path:
    """Exempt only the loopback network from the guard, with short limits; watch tmp_path."""
    settings.INTEL_FETCH_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.INTEL_FETCH_CONNECT_TIMEOUT = 2
    settings.INTEL_FETCH_READ_TIMEOUT = 0.5
    settings.INTEL_FETCH_TOTAL_TIMEOUT = 3
    settings.INTEL_FETCH_MAX_BYTES = 1024 * 1024
    settings.INTEL_WATCH_ROOTS = [str(tmp_path)]
    folder.forget()
    return tmp_path


def feed(world: Any, name: str, url: str, **extra: Any) -> Source:
    return Source.objects.create(
        organisation=world.spu_kp, name=name, kind="feed", url=url, reliability="B", **extra
    )


def test_a_poll_stores_the_good_sources_and_records_an_error_for_each_bad_one(
    world: Any, server: Loopback, fetch_settings: Path
) -> None:
    inbox = fetch_settings / "inbox"
    inbox.mkdir()
    (inbox / "karachi.txt").write_text(
        " date 2024-10-06\nA blast near Karachi airport killed two foreign engineers.\n",
        encoding="utf-8",
    )
    good = feed(world, "Good wire", server.url("/feed.xml"))
    watched = Source.objects.create(
        organisation=world.spu_kp, name="Inbox", kind="folder", path=str(inbox)
    )
    bad = {
        "garbage": feed(world, "Garbage", server.url("/garbage")),
        "huge": feed(world, "Huge", server.url("/huge")),
        "loop": feed(world, "Loop", server.url("/loop")),
        "private": feed(world, "Private", server.url("/to-private")),
        "type": feed(world, "Wrong type", server.url("/wrong-type")),
        "slow": feed(world, "Slow", server.url("/slow")),
    }

    outcomes = {o.name: o for o in polling.poll_due(SYSTEM)}

    assert len(outcomes) == 8
    good.refresh_from_db()
    watched.refresh_from_db()
    assert (good.last_status, good.last_count, good.last_error) == ("ok", 2, "")
    assert good.last_success_at is not None and good.etag == '"feed-v1"'
    assert (watched.last_status, watched.last_count) == ("ok", 1)
    assert Report.objects.filter(source=good).count() == 2
    karachi = Report.objects.get(source=watched)
    assert karachi.published == datetime.date(2024, 10, 6)
    expected = {
        "garbage": "not an RSS or Atom feed",
        "huge": "larger than the 1048576 byte limit",
        "loop": "redirect loop",
        "private": "10.0.0.1, a private address; refused",
        "type": "image/png",
        "slow": "sent nothing for 0.5 seconds",
    }
    for key, source in bad.items():
        source.refresh_from_db()
        assert source.last_status == "error", key
        assert expected[key] in source.last_error, (key, source.last_error)
        assert source.last_run_at is not None and source.last_success_at is None
        assert source.last_count == 0
        assert not source.reports.exists()
    assert "temporary" in bad["slow"].last_error
    assert "fix the source" in bad["private"].last_error


def test_an_unchanged_feed_answers_304_and_stores_nothing_new(
    world: Any, server: Loopback, fetch_settings: Path, settings: Any
) -> None:
    # The module's 0.5 s read limit is for the slow-server test; on a busy CI machine the
    # first answer here once took longer, and this test is about the conditional GET.
    settings.INTEL_FETCH_READ_TIMEOUT = 5
    source = feed(world, "Wire", server.url("/feed.xml"))
    first = polling.poll_source(SYSTEM, source)
    second = polling.poll_source(SYSTEM, source)
    source.refresh_from_db()
    assert (first.created, second.created, second.seen) == (2, 0, 0)
    assert source.last_status == "ok" and source.etag == '"feed-v1"'
    assert Report.objects.count() == 2


def test_a_feed_with_fetch_pages_stores_the_main_text_of_each_linked_page(
    world: Any, server: Loopback, fetch_settings: Path
) -> None:
    source = feed(world, "Pages", server.url("/feed.xml"), fetch_pages=True)
    outcome = polling.poll_source(SYSTEM, source)
    assert outcome.status == "ok", outcome.errors
    report = Report.objects.get(url=server.url("/article/1"))
    assert "foreign engineers to the dam site" in report.text
    assert "Copyright the test wire" not in report.text
    assert report.title == "Convoy ambushed near Dasu"
    assert report.published == datetime.date(2021, 7, 14)


def test_a_hostile_linked_page_falls_back_to_the_feed_summary_and_is_recorded(
    world: Any, server: Loopback, fetch_settings: Path
) -> None:
    source = feed(world, "Links", server.url("/hostile-links.xml"), fetch_pages=True)
    outcome = polling.poll_source(SYSTEM, source)
    source.refresh_from_db()
    assert (outcome.created, source.last_status) == (3, "partial")
    assert "larger than the 1048576 byte limit" in source.last_error
    assert "10.0.0.1, a private address; refused" in source.last_error
    huge = Report.objects.get(url=server.url("/huge.html"))
    assert huge.text.endswith("A blast was reported on the highway near Chilas.")
    page = Report.objects.get(url=server.url("/article/2"))
    assert "late on Tuesday, wounding two officers" in page.text


def test_a_run_that_runs_out_of_time_keeps_the_rest_for_the_next_poll(
    world: Any, server: Loopback, fetch_settings: Path, settings: Any
) -> None:
    source = feed(world, "Pages", server.url("/feed.xml"), fetch_pages=True)
    settings.INTEL_POLL_BUDGET_SECONDS = 0
    first = polling.poll_source(SYSTEM, source)
    source.refresh_from_db()
    assert (first.status, first.created) == ("partial", 0)
    assert "wait for the next poll" in source.last_error
    assert source.etag == ""  # not stored: the next run must see the same entries again
    settings.INTEL_POLL_BUDGET_SECONDS = 60
    second = polling.poll_source(SYSTEM, source)
    assert (second.status, second.created) == ("ok", 2)


def test_a_linked_page_is_not_fetched_again_once_its_report_is_stored(
    world: Any, server: Loopback, fetch_settings: Path
) -> None:
    source = feed(world, "Pages", server.url("/feed.xml"), fetch_pages=True)
    polling.poll_source(SYSTEM, source)
    Source.objects.filter(pk=source.pk).update(etag="", modified="")
    before = len([p for p in server.requests if p.startswith("/article/")])
    polling.poll_source(SYSTEM, source)
    after = len([p for p in server.requests if p.startswith("/article/")])
    assert after == before
    assert Report.objects.count() == 2


def test_an_empty_but_valid_feed_is_ok_not_an_error(
    world: Any, server: Loopback, fetch_settings: Path
) -> None:
    source = feed(world, "Quiet", server.url("/empty.atom"))
    outcome = polling.poll_source(SYSTEM, source)
    assert (outcome.status, outcome.created) == ("ok", 0)


def test_a_feed_on_a_private_address_is_refused_without_the_test_exemption(
    world: Any, server: Loopback, settings: Any
) -> None:
    settings.INTEL_FETCH_ALLOW_NETWORKS = []
    source = feed(world, "Loopback wire", server.url("/feed.xml"))
    polling.poll_source(SYSTEM, source)
    source.refresh_from_db()
    assert source.last_status == "error"
    assert "127.0.0.1, a loopback address; refused" in source.last_error


def test_a_source_is_polled_again_only_after_its_interval(
    world: Any, server: Loopback, fetch_settings: Path
) -> None:
    source = feed(world, "Wire", server.url("/feed.xml"), poll_minutes=15)
    assert [o.name for o in polling.poll_due(SYSTEM)] == ["Wire"]
    assert polling.poll_due(SYSTEM) == []
    later = timezone.now() + datetime.timedelta(minutes=16)
    assert [s.pk for s in polling.due_sources(SYSTEM, later)] == [source.pk]


def test_a_source_held_by_a_running_poll_is_skipped(
    world: Any, server: Loopback, fetch_settings: Path
) -> None:
    source = feed(world, "Wire", server.url("/feed.xml"))
    assert polling.claim(source, timezone.now(), only_if_due=False)
    outcome = polling.poll_source(SYSTEM, source)
    assert outcome.skipped
    assert not Report.objects.exists()


def test_a_run_left_behind_by_a_killed_worker_is_taken_over_once_stale(
    world: Any, server: Loopback, fetch_settings: Path
) -> None:
    source = feed(world, "Wire", server.url("/feed.xml"))
    long_ago = timezone.now() - polling.STALE_RUN - datetime.timedelta(minutes=1)
    Source.objects.filter(pk=source.pk).update(last_status="running", last_run_at=long_ago)
    assert polling.poll_source(SYSTEM, source).status == "ok"


def test_disabled_and_pushed_sources_are_not_polled(
    world: Any, server: Loopback, fetch_settings: Path
) -> None:
    feed(world, "Off", server.url("/feed.xml"), enabled=False)
    Source.objects.create(organisation=world.spu_kp, name="Client", kind="api")
    Source.objects.create(organisation=world.spu_kp, name="Form", kind="form")
    assert polling.poll_due(SYSTEM) == []


def test_an_analyst_polls_only_the_sources_of_their_organisation(
    world: Any, server: Loopback, fetch_settings: Path
) -> None:
    feed(world, "Ours", server.url("/feed.xml"))
    Source.objects.create(
        organisation=world.spu_sd, name="Theirs", kind="feed", url=server.url("/feed.xml")
    )
    names = [o.name for o in polling.poll_due(world.user("analyst"))]
    assert names == ["Ours"]


def test_the_poll_command_polls_one_named_source(
    world: Any, server: Loopback, fetch_settings: Path, capsys: Any
) -> None:
    feed(world, "Wire", server.url("/feed.xml"))
    feed(world, "Garbage", server.url("/garbage"))
    call_command("poll", "--source", "Wire")
    out = capsys.readouterr().out
    assert "Wire: ok, 2 new of 2" in out
    assert Source.objects.get(name="Garbage").last_run_at is None


def test_the_poll_command_reports_each_source_and_goes_on_past_errors(
    world: Any, server: Loopback, fetch_settings: Path, capsys: Any
) -> None:
    feed(world, "Wire", server.url("/feed.xml"))
    feed(world, "Garbage", server.url("/garbage"))
    call_command("poll")
    out = capsys.readouterr().out
    assert "Wire: ok, 2 new of 2" in out
    assert "Garbage: error" in out


def test_the_poll_command_refuses_an_unknown_source(world: Any, fetch_settings: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No feed or folder source"):
        call_command("poll", "--source", "Nope")


def test_the_scheduled_job_queues_one_poll_per_due_source_and_each_runs_once(
    world: Any, server: Loopback, fetch_settings: Path, monkeypatch: Any
) -> None:
    from django_q.brokers import get_broker
    from django_q.conf import Conf
    from django_q.signing import SignedPackage

    from safepassage.core.jobs import SCHEDULED
    from safepassage.intel.jobs_sources import poll_due_sources, poll_source

    monkeypatch.setattr(Conf, "SYNC", False)  # queue for real on the ORM broker
    assert "safepassage.intel.jobs_sources.poll_due_sources" in SCHEDULED
    wire = feed(world, "Wire", server.url("/feed.xml"))
    garbage = feed(world, "Garbage", server.url("/garbage"))
    assert poll_due_sources() == {"queued": [garbage.pk, wire.pk]}
    poll_due_sources()  # a minute later, before any worker ran: queued again
    broker = get_broker()
    assert broker.queue_size() == 4
    tasks = []
    for _ in range(4):
        tasks += [SignedPackage.loads(payload) for _id, payload in broker.dequeue() or []]
    results = [poll_source(*task["args"]) for task in tasks]
    statuses = sorted(r["status"] for r in results)
    assert statuses == ["error", "ok", "skipped", "skipped"]
    assert Report.objects.count() == 2

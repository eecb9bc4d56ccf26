"""Watched folders: good files become reports, each bad file is one recorded error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from safepassage.access.principals import SystemActor
from safepassage.intel import polling
from safepassage.intel.models import Report, Source
from safepassage.intel.sources import folder
from tests.shared import shared_path

SYSTEM = SystemActor("job:test-folder")
SEEDS = shared_path("seeds")
ARTICLE = (
    "<html><head><title>Airport blast</title></head><body><article><p>"
    + "A suicide bomber struck a convoy outside Karachi airport late on Sunday, "
    "killing two Chinese engineers and wounding several others. "
    * 3
    + "</p></article></body></html>"
)
STORY = "Gunmen attacked a convoy near Bisham in Shangla district, wounding four guards."


@pytest.fixture
def inbox(settings: Any, tmp_path: Path) -> Path:
    settings.INTEL_WATCH_ROOTS = [str(tmp_path)]
    settings.INTEL_FOLDER_MAX_FILE_BYTES = 64 * 1024
    folder.forget()
    path = tmp_path / "inbox"
    path.mkdir()
    return path


@pytest.fixture
def source(world: Any, inbox: Path) -> Source:
    return Source.objects.create(
        organisation=world.spu_kp, name="Inbox", kind="folder", path=str(inbox)
    )


def poll(source: Source) -> polling.PollOutcome:
    outcome = polling.poll_source(SYSTEM, source)
    source.refresh_from_db()
    return outcome


def test_it_reads_text_html_and_jsonl_files(source: Source, inbox: Path) -> None:
    (inbox / "a.txt").write_text(STORY, encoding="utf-8")
    (inbox / "b.html").write_text(ARTICLE, encoding="utf-8")
    lines = [
        {
            "text": "Security forces cleared a hideout in North Waziristan.",
            "url": "https://example.org/1",
        },
        {"text": "Officials met to review security for foreign staff.", "published": "2024-05-02"},
    ]
    (inbox / "c.jsonl").write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    (inbox / "ignored.pdf").write_bytes(b"%PDF-1.4")
    outcome = poll(source)
    assert outcome.status == "ok", outcome.errors
    assert source.last_count == 4
    assert Report.objects.filter(url="https://example.org/1").exists()
    assert Report.objects.filter(published="2024-05-02").count() == 1
    assert Report.objects.filter(text__contains="Karachi airport").exists()


def test_the_seed_articles_are_stored_once_however_often_the_folder_is_polled(
    source: Source, inbox: Path
) -> None:
    assert SEEDS.is_dir(), f"the shared seed articles are missing ({SEEDS})"
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, inbox / seed.name)
    first = poll(source)
    folder.forget()  # as after a worker restart: every file is read again
    second = poll(source)
    assert (first.created, second.created, second.seen) == (5, 0, 5)
    assert Report.objects.count() == 5
    # Three seeds open with a " date YYYY-MM-DD" line; it becomes the publication date.
    assert Report.objects.filter(published__isnull=False).count() == 3


def test_it_skips_unchanged_files_on_the_next_poll(source: Source, inbox: Path) -> None:
    (inbox / "a.txt").write_text(STORY, encoding="utf-8")
    assert poll(source).seen == 1
    assert poll(source).seen == 0
    (inbox / "a.txt").write_text(STORY + " Two of them later died.", encoding="utf-8")
    again = poll(source)
    assert (again.seen, again.created) == (1, 1)


def test_each_bad_file_is_a_recorded_error_and_the_good_files_go_on(
    source: Source, inbox: Path
) -> None:
    (inbox / "1-good.txt").write_text(STORY, encoding="utf-8")
    (inbox / "2-binary.txt").write_bytes(bytes(range(256)) * 8)
    (inbox / "3-huge.txt").write_bytes(b"a" * (65 * 1024))
    (inbox / "4-latin1.txt").write_bytes("Attaque à Peshawar, café détruit.".encode("latin-1"))
    (inbox / "5-empty.txt").write_text("   \n", encoding="utf-8")
    (inbox / "6-broken.jsonl").write_text(
        '{"text": "Police post attacked in Bannu overnight."}\n{not json}\n[1, 2]\n',
        encoding="utf-8",
    )
    (inbox / "7-good.htm").write_text(ARTICLE, encoding="utf-8")
    outcome = poll(source)
    assert source.last_status == "partial"
    assert outcome.created == 3
    error = source.last_error
    assert error.startswith("6 problem(s) in this run:")
    assert "2-binary.txt: E102" in error
    assert "3-huge.txt: the file has 66560 bytes" in error
    assert "4-latin1.txt: E103" in error
    assert "5-empty.txt: Report text is empty" in error
    assert "6-broken.jsonl:2: E107" in error and "6-broken.jsonl:3: E107" in error


def test_a_bad_file_stays_in_the_status_until_it_is_fixed(source: Source, inbox: Path) -> None:
    bad = inbox / "binary.txt"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    poll(source)
    poll(source)
    assert source.last_status == "partial"
    assert "unchanged since it was read" in source.last_error
    bad.write_text(STORY, encoding="utf-8")
    poll(source)
    assert (source.last_status, source.last_error) == ("ok", "")


def test_it_does_not_follow_symbolic_links_or_read_hidden_files(
    source: Source, inbox: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the operator's private notes", encoding="utf-8")
    (inbox / "link.txt").symlink_to(secret)
    (inbox / ".hidden.txt").write_text(STORY, encoding="utf-8")
    outcome = poll(source)
    assert (outcome.status, outcome.seen) == ("ok", 0)


def test_a_folder_outside_the_watch_roots_is_refused(world: Any, inbox: Path) -> None:
    source = Source.objects.create(
        organisation=world.spu_kp, name="Etc", kind="folder", path="/etc"
    )
    outcome = poll(source)
    assert outcome.status == "error" and not outcome.retryable
    assert "not inside a watch root" in source.last_error


def test_a_missing_folder_is_a_temporary_error(world: Any, inbox: Path) -> None:
    source = Source.objects.create(
        organisation=world.spu_kp, name="Later", kind="folder", path=str(inbox / "not-yet")
    )
    outcome = poll(source)
    assert outcome.status == "error" and outcome.retryable
    assert "does not exist" in source.last_error


def test_a_relative_or_traversing_path_is_refused(world: Any, inbox: Path) -> None:
    source = Source.objects.create(
        organisation=world.spu_kp, name="Escape", kind="folder", path=str(inbox / ".." / "..")
    )
    assert poll(source).status == "error"
    source.path = "inbox"
    source.save()
    assert poll(source).status == "error"


def test_it_reads_at_most_the_configured_files_per_poll_and_the_rest_next_time(
    source: Source, inbox: Path, settings: Any
) -> None:
    settings.INTEL_FOLDER_MAX_FILES = 2
    for n in range(3):
        (inbox / f"{n}.txt").write_text(f"{STORY} Report number {n}.", encoding="utf-8")
    first = poll(source)
    assert "wait for the next poll" in source.last_error
    second = poll(source)
    assert (first.created, second.created) == (2, 1)
    assert first.status == "partial"
    assert Report.objects.count() == 3

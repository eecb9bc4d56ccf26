"""submit_report stores each article once, links near duplicates and refuses hostile input."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import override_settings

from safepassage.intel.models import Claim, Incident, Report
from safepassage.intel.services.ingest import ReportRejected, submit_report
from safepassage.intel.services.linker import recompute
from tests.intel.conftest import article

D = datetime.date


def test_it_stores_the_same_url_once(intel_source: Any) -> None:
    first = submit_report(
        source=intel_source, text="One text about Quetta.", url="https://ex.org/a#top"
    )
    second = submit_report(source=intel_source, text="Other text.", url="HTTPS://EX.ORG/a/")
    assert first.created and not second.created
    assert second.report.pk == first.report.pk and Report.objects.count() == 1


def test_it_stores_whitespace_and_unicode_variants_of_a_text_once(intel_source: Any) -> None:
    first = submit_report(source=intel_source, text="Caf\u00e9 bombing in Quetta.\n")
    second = submit_report(source=intel_source, text="  Cafe\u0301   bombing\r\nin Quetta. ")
    assert not second.created and second.report.pk == first.report.pk


def test_it_links_a_near_duplicate_to_the_first_copy(intel_source: Any) -> None:
    # Wire copy: a long story, republished with one closing line added.
    text = " ".join(article(town, D(2023, 5, 2), 4) for town in ("Quetta", "Zhob", "Sibi", "Kalat"))
    first = submit_report(source=intel_source, text=text)
    copy = submit_report(source=intel_source, text=text + " Reporting by the desk.")
    assert copy.created and copy.near_duplicate_of == first.report


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        (b"bytes", "binary"),
        ("abc\x00def", "binary"),
        ("\x01\x02\x03" * 100, "binary"),
    ],
)
def test_it_rejects_empty_and_binary_input(intel_source: Any, text: Any, code: str) -> None:
    with pytest.raises(ReportRejected) as raised:
        submit_report(source=intel_source, text=text)
    assert raised.value.code == code
    assert Report.objects.count() == 0


def test_it_refuses_a_50_mb_text_with_a_clear_error(intel_source: Any) -> None:
    with pytest.raises(ReportRejected, match="larger than"):
        submit_report(source=intel_source, text="a" * (50 * 1024 * 1024))


@override_settings(INTEL_MAX_TEXT_BYTES=2048)
def test_its_size_limit_is_a_setting(intel_source: Any) -> None:
    with pytest.raises(ReportRejected):
        submit_report(source=intel_source, text="é" * 1100)


def test_it_links_the_same_event_from_two_reports(intel_ingest: Any) -> None:
    intel_ingest(article("Quetta", D(2023, 5, 2), 4), published=D(2023, 5, 2))
    intel_ingest(article("Quetta", D(2023, 5, 2), 5, kind="gun"), published=D(2023, 5, 3))
    incident = Incident.objects.get()
    assert incident.report_count == 2
    assert (incident.deaths_min, incident.deaths_max) == (4, 5) and incident.has_conflict


def test_it_keeps_different_events_apart(intel_ingest: Any) -> None:
    intel_ingest(article("Quetta", D(2023, 5, 2), 4), published=D(2023, 5, 2))
    intel_ingest(article("Quetta", D(2023, 5, 20), 4), published=D(2023, 5, 20))
    intel_ingest(article("Karachi", D(2023, 5, 2), 4), published=D(2023, 5, 2))
    assert Incident.objects.count() == 3


def test_it_processes_a_report_once_however_often_the_job_runs(intel_ingest: Any) -> None:
    from safepassage.intel.jobs import process_report

    result = intel_ingest(article("Quetta", D(2023, 5, 2), 4))
    claims = Claim.objects.count()
    assert "already done" in process_report(result.report.pk)
    assert Claim.objects.count() == claims


def test_a_later_report_never_overwrites_an_analyst_correction(intel_ingest: Any) -> None:
    intel_ingest(article("Quetta", D(2023, 5, 2), 4), published=D(2023, 5, 2))
    incident = Incident.objects.get()
    incident.deaths = 3
    incident.corrected_fields = ["deaths"]
    incident.save()
    intel_ingest(article("Quetta", D(2023, 5, 3), 9, kind="gun"), published=D(2023, 5, 4))
    incident.refresh_from_db()
    assert incident.report_count == 2 and incident.deaths == 3
    assert sorted(c.value["total"] for c in incident.claims.filter(field="deaths")) == [4, 9]
    recompute(incident)
    incident.refresh_from_db()
    assert incident.deaths == 3


def test_it_marks_a_report_failed_when_extraction_refuses_it(intel_ingest: Any) -> None:
    result = intel_ingest("这是一篇中文报道，讲述了一次会议的内容和参与者。" * 5)
    report = Report.objects.get(pk=result.report.pk)
    assert report.status == "failed" and report.error


def test_an_unexpected_error_rolls_back_and_is_left_to_the_job_engine(
    intel_source: Any,
) -> None:
    from django.db import IntegrityError

    from safepassage.intel.jobs import process_report
    from safepassage.intel.models import Mention

    report = submit_report(source=intel_source, text=article("Quetta", D(2023, 5, 2), 4)).report
    # A mention that should not exist yet makes the job's insert fail half-way.
    Mention.objects.create(report=report, index=0, kind="attack", event={})
    with pytest.raises(IntegrityError):
        process_report(report.pk)
    report.refresh_from_db()
    assert report.status == "pending" and report.extraction is None
    assert Incident.objects.count() == 0
    # Run again (as django-q2 retries it) it fails the same way and still stores nothing.
    with pytest.raises(IntegrityError):
        process_report(report.pk)
    assert Report.objects.get(pk=report.pk).status == "pending"

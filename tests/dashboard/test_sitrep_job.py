"""The scheduled job issues each subscriber the report they may see, once per day."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from pdfminer.high_level import extract_text

from safepassage.audit.models import AuditRecord
from safepassage.core.jobs import SCHEDULED
from safepassage.dashboard.jobs import issue_daily_sitreps
from safepassage.dashboard.models import SitrepSubscription, SituationReport
from tests.dashboard.sitrep_helpers import entered_on, incident

pytestmark = pytest.mark.django_db


def subscribe(user, cap=""):
    return SitrepSubscription.objects.create(user=user, cap=cap)


def test_the_job_is_scheduled_daily():
    assert SCHEDULED["safepassage.dashboard.jobs.issue_daily_sitreps"][0] == "D"


def test_it_issues_yesterdays_report_to_each_subscriber_as_that_subscriber(world):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    shared = incident(tlp="green", date=yesterday, place_name="Alpuri")
    strict = incident(
        tlp="amber+strict", organisation=world.hydro, date=yesterday, place_name="Camp gate"
    )
    for made in (shared, strict):
        entered_on(made, yesterday)
    subscribe(world.user("viewer"))
    subscribe(world.user("liaison"))
    SitrepSubscription.objects.create(user=world.user("analyst"), active=False)
    assert issue_daily_sitreps() == {"issued": 2, "already": 0, "failed": 0}
    own = SituationReport.objects.get(recipient=world.user("viewer"))
    partner = SituationReport.objects.get(recipient=world.user("liaison"))
    assert own.day == partner.day == yesterday
    # The hydro company's own viewer gets its AMBER+STRICT incident; the partner does not.
    assert own.tlp == "amber+strict" and partner.tlp == "green"
    assert "Camp gate" in own.html and "Camp gate" not in partner.html
    assert "Camp gate" not in extract_text(io.BytesIO(bytes(partner.pdf)))
    assert "Alpuri" in extract_text(io.BytesIO(bytes(partner.pdf)))
    assert strict.pk not in partner.contents["incident"]


def test_running_it_again_issues_nothing_twice(world):
    subscribe(world.user("viewer"))
    assert issue_daily_sitreps()["issued"] == 1
    assert issue_daily_sitreps() == {"issued": 0, "already": 1, "failed": 0}
    assert SituationReport.objects.count() == 1


def test_one_broken_subscription_does_not_stop_the_others(world):
    broken = subscribe(world.user("viewer"))
    # A marking that no longer exists (written past the form, e.g. by an old import).
    SitrepSubscription.objects.filter(pk=broken.pk).update(cap="purple")
    subscribe(world.user("coordinator"))
    assert issue_daily_sitreps() == {"issued": 1, "already": 0, "failed": 1}
    assert list(SituationReport.objects.values_list("recipient__username", flat=True)) == [
        "coordinator"
    ]


def test_it_issues_a_chosen_day_and_honours_the_subscribers_cap(world):
    day = dt.date(2024, 3, 26)
    incident(tlp="amber", date=day, place_name="Amber place")
    incident(tlp="green", date=day, place_name="Green place")
    subscribe(world.user("coordinator"), cap="green")
    issue_daily_sitreps(day="2024-03-26")
    report = SituationReport.objects.get()
    assert (report.day, report.cap, report.tlp) == (day, "green", "green")
    assert "Green place" in report.html and "Amber place" not in report.html


def test_issuing_is_audited_without_the_reports_text(world):
    subscribe(world.user("viewer"))
    incident(tlp="green", place_name="Alpuri")
    issue_daily_sitreps(day=timezone.localdate().isoformat())
    record = AuditRecord.objects.filter(object_type="dashboard.situationreport").get()
    assert record.source == "job"
    assert "html" not in record.changes and "pdf" not in record.changes
    assert "Alpuri" not in str(record.changes)

"""End to end: two reports of the same attack are ingested, linked, and reviewed on the web.

Runs the real ingestion (``submit_report``) and processing job (``process_report``, in
process as the worker would), then an analyst settles the conflicting death toll; a third
report afterwards adds a claim but does not undo the correction.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse

from safepassage.audit.models import AuditRecord
from safepassage.intel.models import Incident
from tests.intel.conftest import article

D = datetime.date


def test_two_reports_of_one_attack_become_one_incident_an_analyst_can_settle(
    intel_ingest: Any, login: Any
) -> None:
    intel_ingest(article("Quetta", D(2023, 5, 2), 4), published=D(2023, 5, 2))
    intel_ingest(article("Quetta", D(2023, 5, 2), 5, kind="gun"), published=D(2023, 5, 3))
    incident = Incident.objects.get()
    assert incident.has_conflict and incident.report_count == 2

    client = login("analyst")
    queue = client.get(reverse("intel:review-queue")).context["rows"]
    assert [obj.pk for obj, _ in queue] == [incident.pk]
    page = client.get(incident.get_absolute_url())
    deaths = next(g for g in page.context["groups"] if g.field == "deaths")
    assert deaths.conflict is not None and len(deaths.rows) == 2
    assert page.content.decode().count("<mark") >= 2

    url = reverse("intel:incident-review-action", args=[incident.pk, "edit"])
    # The two texts also disagree on the weapon (bomb or guns); the analyst settles both.
    response = client.post(
        url,
        {
            "edit-deaths": "5",
            "edit-attack_type": "bombing",
            "edit-reason": "Hospital confirmed five; the blast was a roadside bomb.",
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.deaths == 5 and not incident.has_conflict
    assert incident.review_state == "confirmed"
    decision = incident.decisions.get()
    assert AuditRecord.objects.filter(
        source="web", object_type="intel.reviewdecision", object_id=str(decision.pk)
    ).exists()

    intel_ingest(article("Quetta", D(2023, 5, 2), 7), published=D(2023, 5, 5))
    incident.refresh_from_db()
    assert incident.report_count == 3
    assert incident.deaths == 5 and incident.deaths_max == 7
    assert client.get(reverse("intel:review-queue")).context["rows"] == []

"""The five seed articles give exactly three attack incidents and the engagements; twice, no change.

The seed files are read at test time from the shared folder (tests/shared.py).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from safepassage.audit.models import AuditRecord
from safepassage.intel.models import Claim, Engagement, Incident, Mention, Report
from tests.shared import shared_path

SEEDS = shared_path("seeds")


def _ingest_seeds(intel_ingest: Any) -> list[Any]:
    assert SEEDS.is_dir(), f"the shared seed articles are missing ({SEEDS})"
    return [
        intel_ingest(path.read_text(encoding="utf-8"), title=path.stem)
        for path in sorted(SEEDS.glob("*.txt"))
    ]


def _counts() -> dict[str, int]:
    return {
        "reports": Report.objects.count(),
        "mentions": Mention.objects.count(),
        "claims": Claim.objects.count(),
        "incidents": Incident.objects.count(),
        "engagements": Engagement.objects.count(),
        "audit": AuditRecord.objects.count(),
    }


@pytest.fixture
def seeded(intel_ingest: Any) -> list[Any]:
    results = _ingest_seeds(intel_ingest)
    assert len(results) == 5
    return results


def _attack_in(admin2: str) -> Incident:
    matches = [i for i in Incident.objects.filter(kind="attack") if i.admin2 == admin2]
    assert len(matches) == 1, [str(i) for i in Incident.objects.filter(kind="attack")]
    return matches[0]


def test_it_processes_every_seed_report(seeded: list[Any]) -> None:
    assert all(r.created for r in seeded)
    assert sorted(Report.objects.values_list("status", flat=True)) == ["done"] * 5


def test_it_finds_exactly_three_attack_incidents(seeded: list[Any]) -> None:
    attacks = Incident.objects.filter(kind="attack")
    assert attacks.count() == 3, [str(i) for i in attacks]
    assert {i.admin2 for i in attacks} == {"Shangla", "Upper Kohistan", "Karachi"}


def test_it_links_both_bisham_reports_to_one_incident_of_26_march_2024(seeded: list[Any]) -> None:
    bisham = _attack_in("Shangla")
    assert bisham.date == datetime.date(2024, 3, 26)
    assert bisham.date_precision == "day"
    assert bisham.admin1 == "Khyber Pakhtunkhwa"
    assert bisham.report_count == 2
    assert bisham.deaths == 6


def test_it_keeps_12_and_13_as_conflicting_dasu_claims_from_two_reports(seeded: list[Any]) -> None:
    dasu = _attack_in("Upper Kohistan")
    assert (dasu.date, dasu.date_precision) == (datetime.date(2021, 7, 1), "month")
    claims = dasu.claims.filter(field="deaths")
    assert sorted(c.value["total"] for c in claims) == [12, 13]
    assert len({c.report_id for c in claims}) == 2
    assert (dasu.deaths_min, dasu.deaths_max) == (12, 13)
    assert dasu.has_conflict
    assert any(c["field"] == "deaths" and sorted(c["values"]) == [12, 13] for c in dasu.conflicts)
    assert dasu.review_state == "needs_review"


def test_it_keeps_the_undated_karachi_airport_attack_for_an_analyst_to_date(
    seeded: list[Any],
) -> None:
    """The only seed that mentions it says "last October" and has no publication date.

    No year can be read from that text, so the incident stays undated and waits in the
    review queue, where an analyst sets October 2024; it must still be its own incident.
    """
    karachi = _attack_in("Karachi")
    assert karachi.deaths == 2
    assert karachi.deaths_by_nationality.get("CN") == 2
    assert "CN" in karachi.victim_nationalities
    assert karachi.date is None
    assert karachi.review_state == "needs_review"


def test_it_stores_the_engagements_with_their_participants(seeded: list[Any]) -> None:
    engagements = Engagement.objects.all()
    assert engagements.filter(kind="meeting").count() >= 4
    names = {p["name"] for e in engagements for p in e.participants}
    assert {"Mohsin Naqvi", "Wang Xiaohong", "Chen Mingguo", "Zhao Shiren"} <= names
    new_york = [e for e in engagements if e.date == datetime.date(2024, 6, 27)]
    assert len(new_york) == 1 and new_york[0].place_name == "New York City"


def test_every_claim_points_at_evidence_in_its_report(seeded: list[Any]) -> None:
    claims = Claim.objects.select_related("report")
    assert claims.exists()
    for claim in claims:
        assert claim.report is not None and claim.mention_id is not None
        assert claim.start is not None and claim.end is not None
        assert 0 <= claim.start < claim.end <= len(claim.report.text)


def test_it_changes_nothing_when_the_seeds_are_ingested_again(
    seeded: list[Any], intel_ingest: Any
) -> None:
    before = _counts()
    again = _ingest_seeds(intel_ingest)
    assert not any(r.created for r in again)
    assert {r.report.pk for r in again} == {r.report.pk for r in seeded}
    assert _counts() == before


def test_its_job_writes_are_audited_as_the_job(seeded: list[Any]) -> None:
    incident = Incident.objects.filter(kind="attack").first()
    assert incident is not None
    records = AuditRecord.objects.filter(object_type="intel.incident", object_id=str(incident.pk))
    assert records.exists()
    assert {r.source for r in records} == {"job"}
    assert {r.actor_label for r in records} == {"job:process-report"}

"""Stored aggregates follow incidents incrementally and match a from-scratch computation."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from safepassage.intel.models import Incident
from safepassage.risk import aggregates, packing
from safepassage.risk.models import AreaRisk, CellPack, CellRisk, IncidentRisk
from safepassage.risk.services import district_breakdown, district_scores, province_scores

from .conftest import TODAY

pytestmark = pytest.mark.django_db

Snapshot = dict[tuple[Any, ...], tuple[float, float, int]]


def packs() -> dict[int, list[tuple[int, float, float, float, float]]]:
    return {
        p.cell: sorted(tuple(r) for r in packing.unpack(p.data).tolist())
        for p in CellPack.objects.all()
    }


def snapshot() -> tuple[Snapshot, Snapshot, dict[int, float]]:
    cells = {
        (c.resolution, c.cell): (c.short_sum, c.long_sum, c.incidents)
        for c in CellRisk.objects.filter(incidents__gt=0)
    }
    areas = {
        (a.level, a.admin1, a.admin2): (a.short_sum, a.long_sum, a.incidents)
        for a in AreaRisk.objects.filter(incidents__gt=0)
    }
    rows = {r.incident_id: r.value for r in IncidentRisk.objects.all()}
    return cells, areas, rows


def assert_same(incremental: Snapshot, scratch: Snapshot) -> None:
    assert incremental.keys() == scratch.keys()
    for key, (short, long, count) in scratch.items():
        got = incremental[key]
        assert got[0] == pytest.approx(short, rel=1e-9, abs=1e-6)
        assert got[1] == pytest.approx(long, rel=1e-9, abs=1e-6)
        assert got[2] == count


def test_a_new_incident_adds_its_contribution_everywhere(incident: Callable[..., Incident]) -> None:
    inc = incident()
    row = IncidentRisk.objects.get(pk=inc.pk)
    assert row.value > 0 and row.cell_r5 and row.cell_r6 and row.cell_r7
    assert CellRisk.objects.filter(resolution=5, cell=row.cell_r5, incidents=1).exists()
    assert CellRisk.objects.filter(resolution=7, cell=row.cell_r7, incidents=1).exists()
    assert AreaRisk.objects.get(level="district", admin2="Shangla").incidents == 1
    assert AreaRisk.objects.get(level="province", admin1="Khyber Pakhtunkhwa").incidents == 1


def test_incremental_aggregates_equal_a_from_scratch_computation(
    incident: Callable[..., Incident],
) -> None:
    a = incident()
    b = incident(
        lat=35.29, lon=73.27, admin2="Upper Kohistan", deaths=13, attack_type="suicide_bombing"
    )
    c = incident(lat=33.99, lon=71.52, admin2="Peshawar", kind="security_operation")
    d = incident(lat=None, lon=None, geo_precision="province", admin2="")
    # Updates: casualties revised, a relocation to another district, a merge, a rejection.
    a.deaths = 7
    a.save()
    b.lat, b.lon, b.admin2 = 34.78, 72.35, "Swat"
    b.save()
    c.merged_into = a
    c.save()
    d.review_state = "rejected"
    d.save()
    e = incident(date=TODAY - datetime.timedelta(days=900), admin2="Swat", lat=34.77, lon=72.36)
    e.confidence = 0.3
    e.save()
    f = incident(admin2="Dir")
    f.delete()
    d.review_state = "confirmed"  # un-rejected
    d.save()
    incremental = snapshot()
    incremental_packs = packs()
    assert aggregates.rebuild() == 4
    scratch = snapshot()
    assert incremental_packs == packs()
    assert sum(len(v) for v in incremental_packs.values()) == 3  # d has no coordinates
    assert_same(incremental[0], scratch[0])
    assert_same(incremental[1], scratch[1])
    assert incremental[2] == pytest.approx(scratch[2])
    assert set(scratch[2]) == {a.pk, b.pk, d.pk, e.pk}


def test_rejected_merged_undated_and_meeting_incidents_contribute_nothing(
    incident: Callable[..., Incident],
) -> None:
    target = incident()
    incident(review_state="rejected")
    incident(merged_into=target)
    incident(date=None)
    incident(kind="meeting")
    incident(geo_precision="country")
    assert list(IncidentRisk.objects.values_list("pk", flat=True)) == [target.pk]


def test_an_unchanged_save_touches_nothing(
    incident: Callable[..., Incident], django_assert_max_num_queries: Any
) -> None:
    inc = incident()
    # Only this app's work is counted (other apps listen to saves too): a savepoint, one
    # read of the stored row and the release; no aggregate is written.
    with django_assert_max_num_queries(4):
        aggregates.apply(inc)


def test_deleting_the_last_incident_empties_the_aggregates(
    incident: Callable[..., Incident],
) -> None:
    inc = incident()
    inc.delete()
    assert not IncidentRisk.objects.exists()
    assert not CellPack.objects.exists()
    assert all(c.short_sum == 0 and c.long_sum == 0 for c in CellRisk.objects.all())
    assert district_scores() == []


def test_a_future_dated_incident_counts_as_today(incident: Callable[..., Incident]) -> None:
    inc = incident(date=TODAY + datetime.timedelta(days=400))
    row = IncidentRisk.objects.get(pk=inc.pk)
    # "Today" is the deployment's local day (TIME_ZONE), read after the save so a run
    # that crosses local midnight cannot make it disagree.
    assert row.day == (timezone.localdate() - datetime.date(2020, 1, 1)).days


def test_today_is_the_deployments_local_day_not_utc(incident: Callable[..., Incident]) -> None:
    # 19:30 UTC on 22 November is already 00:30 on 23 November in Asia/Karachi.
    evening = datetime.datetime(2026, 11, 22, 19, 30, tzinfo=datetime.UTC)
    with mock.patch("django.utils.timezone.now", return_value=evening):
        inc = incident(date=datetime.date(2026, 12, 31))
    row = IncidentRisk.objects.get(pk=inc.pk)
    assert row.day == (datetime.date(2026, 11, 23) - datetime.date(2020, 1, 1)).days


def test_districts_and_provinces_are_ranked_by_score(incident: Callable[..., Incident]) -> None:
    incident(admin2="Shangla", deaths=20)
    incident(admin2="Swat", deaths=0, attack_type="unarmed_assault")
    incident(admin1="Balochistan", admin2="Gwadar", lat=25.12, lon=62.32, deaths=1)
    ranked = district_scores()
    assert [d.admin2 for d in ranked] == ["Shangla", "Gwadar", "Swat"]
    assert ranked[0].score > ranked[1].score > ranked[2].score
    provinces = province_scores()
    assert [p.admin1 for p in provinces] == ["Khyber Pakhtunkhwa", "Balochistan"]
    assert all(p.admin2 == "" for p in provinces)


def test_the_district_breakdown_sums_to_the_district_score(
    incident: Callable[..., Incident],
) -> None:
    for days in (5, 200, 800):
        incident(date=TODAY - datetime.timedelta(days=days))
    incident(admin2="Swat")
    result = district_breakdown("Khyber Pakhtunkhwa", "Shangla")
    assert len(result.contributions) == 3
    assert sum(c.value for c in result.contributions) == pytest.approx(result.score, rel=1e-6)
    values = [c.value for c in result.contributions]
    assert values == sorted(values, reverse=True)


def test_the_rebuild_command_reports_what_it_wrote(
    incident: Callable[..., Incident], capsys: Any
) -> None:
    incident()
    IncidentRisk.objects.all().delete()
    call_command("risk_rebuild")
    assert "1 incidents" in capsys.readouterr().out
    assert IncidentRisk.objects.count() == 1

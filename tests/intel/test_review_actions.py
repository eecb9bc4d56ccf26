"""Analyst review on the web: each action's effect, its decision row and its audit record.

Also the invariants of merge and split (no mention or claim is lost), hostile input, and the
rule that a later report never overwrites an analyst's correction.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from safepassage.audit.models import AuditRecord
from safepassage.intel.models import Claim, Incident, Mention, ReviewDecision
from safepassage.intel.services import review
from safepassage.intel.services.linker import recompute
from tests.conftest import World
from tests.intel import conftest_views
from tests.intel.conftest_views import Picture, claim

picture = conftest_views.picture


def act(client: Any, incident: Incident, action: str, **fields: Any) -> Any:
    url = reverse("intel:incident-review-action", args=[incident.pk, action])
    return client.post(url, {f"{action}-{k}": v for k, v in fields.items()})


def web_audited(decision: ReviewDecision) -> bool:
    return AuditRecord.objects.filter(
        source="web", object_type="intel.reviewdecision", object_id=str(decision.pk)
    ).exists()


def incident_audited_on_web(incident: Incident) -> bool:
    return AuditRecord.objects.filter(
        source="web", object_type="intel.incident", object_id=str(incident.pk), action="update"
    ).exists()


def totals(*incidents: Incident) -> tuple[int, int]:
    ids = [i.pk for i in incidents]
    return (
        Mention.objects.filter(incident_id__in=ids).count(),
        Claim.objects.filter(incident_id__in=ids).count(),
    )


def test_confirming_marks_the_incident_confirmed_and_stores_an_audited_decision(
    login: Any, picture: Picture
) -> None:
    response = act(login("analyst"), picture.dasu, "confirm", reason="Two sources agree.")
    assert response.status_code == 302
    picture.dasu.refresh_from_db()
    assert picture.dasu.review_state == "confirmed"
    decision = picture.dasu.decisions.get()
    assert decision.decision == "confirm" and decision.reason == "Two sources agree."
    assert web_audited(decision)
    assert incident_audited_on_web(picture.dasu)


def test_rejecting_needs_a_reason(login: Any, picture: Picture) -> None:
    client = login("analyst")
    response = act(client, picture.dasu, "reject", reason="   ")
    assert response.status_code == 400
    assert not ReviewDecision.objects.exists()
    response = act(client, picture.dasu, "reject", reason="A training exercise, not an attack.")
    assert response.status_code == 302
    picture.dasu.refresh_from_db()
    assert picture.dasu.review_state == "rejected"
    assert web_audited(picture.dasu.decisions.get(decision="reject"))


def test_a_huge_reason_is_refused_with_a_clear_error_and_nothing_is_stored(
    login: Any, picture: Picture, world: World
) -> None:
    response = act(login("analyst"), picture.dasu, "reject", reason="x" * 100_000)
    assert response.status_code == 400
    assert "at most 4000" in response.content.decode()
    assert not ReviewDecision.objects.exists()
    with pytest.raises(ValidationError, match="under 4000"):
        review.confirm(world.user("analyst"), picture.dasu, "y" * 5000)
    assert not ReviewDecision.objects.exists()


def test_editing_sets_the_fields_as_analyst_claims_and_protects_them(
    login: Any, picture: Picture, world: World
) -> None:
    response = act(login("analyst"), picture.dasu, "edit", deaths="12", attack_type="armed_assault")
    assert response.status_code == 302
    picture.dasu.refresh_from_db()
    assert picture.dasu.deaths == 12
    assert picture.dasu.attack_type == "armed_assault"
    assert {"deaths", "attack_type"} <= set(picture.dasu.corrected_fields)
    analyst_claims = Claim.objects.filter(incident=picture.dasu, analyst=world.user("analyst"))
    assert {c.field for c in analyst_claims} == {"deaths", "attack_type"}
    decision = picture.dasu.decisions.get()
    assert decision.payload["deaths"] == [13, 12]
    assert web_audited(decision)
    assert incident_audited_on_web(picture.dasu)


def test_a_later_report_never_overwrites_an_analysts_correction(
    login: Any, picture: Picture, world: World
) -> None:
    review.edit(world.user("analyst"), picture.dasu, {"deaths": 12}, "Hospital list checked.")
    # A later official report says 20; recompute (what linking runs) must keep 12.
    later = Mention.objects.create(
        report=picture.r_bisham, index=5, kind="attack", event={}, incident=picture.dasu
    )
    Claim.objects.create(
        incident=picture.dasu,
        field="deaths",
        value={"total": 20, "official": True},
        mention=later,
        report=picture.r_bisham,
    )
    recompute(Incident.objects.get(pk=picture.dasu.pk))
    picture.dasu.refresh_from_db()
    assert picture.dasu.deaths == 12
    assert picture.dasu.deaths_max == 20
    assert picture.dasu.claims.filter(field="deaths").count() == 4


def test_editing_with_nothing_filled_in_is_refused(login: Any, picture: Picture) -> None:
    response = act(login("analyst"), picture.dasu, "edit", reason="nothing")
    assert response.status_code == 400
    assert not ReviewDecision.objects.exists()


def test_editing_unknown_fields_is_refused_by_the_service(picture: Picture, world: World) -> None:
    with pytest.raises(ValidationError, match="cannot be edited"):
        review.edit(world.user("analyst"), picture.dasu, {"review_state": "confirmed"})
    with pytest.raises(ValidationError, match="cannot be edited"):
        review.edit(world.user("analyst"), picture.dasu, {"x" * 10_000: 1})
    assert not ReviewDecision.objects.exists()


def test_unknown_form_fields_on_the_web_are_ignored_not_applied(
    login: Any, picture: Picture
) -> None:
    url = reverse("intel:incident-review-action", args=[picture.dasu.pk, "edit"])
    response = login("analyst").post(url, {"edit-review_state": "rejected", "edit-deaths": "11"})
    assert response.status_code == 302
    picture.dasu.refresh_from_db()
    assert picture.dasu.deaths == 11
    assert picture.dasu.review_state == "confirmed"


def test_setting_a_point_by_coordinates_moves_the_incident_and_freezes_its_place(
    login: Any, picture: Picture, world: World
) -> None:
    response = act(
        login("analyst"), picture.dasu, "relocate", lat="35.30", lon="73.25", name="Barseen"
    )
    assert response.status_code == 302
    picture.dasu.refresh_from_db()
    assert (picture.dasu.lat, picture.dasu.lon, picture.dasu.place_name) == (
        35.30,
        73.25,
        "Barseen",
    )
    assert picture.dasu.h3_r5
    assert "location" in picture.dasu.corrected_fields or "lat" in picture.dasu.corrected_fields
    located = Claim.objects.get(incident=picture.dasu, field="location", analyst__isnull=False)
    assert located.value["name"] == "Barseen" and located.value["precision"] == "point"
    decision = picture.dasu.decisions.get()
    assert decision.decision == "relocate" and web_audited(decision)
    # A new report placing it elsewhere adds a claim; the analyst's place stays.
    later = Mention.objects.create(
        report=picture.r_bisham, index=5, kind="attack", event={}, incident=picture.dasu
    )
    claim(later, "location", {"name": "Besham", "precision": "town", "lat": 34.9, "lon": 72.9})
    recompute(Incident.objects.get(pk=picture.dasu.pk))
    picture.dasu.refresh_from_db()
    assert picture.dasu.place_name == "Barseen"


@pytest.mark.parametrize(
    ("lat", "lon"), [("999", "73"), ("35", "-181"), ("nan", "73"), ("north", "73"), ("", "")]
)
def test_impossible_coordinates_are_refused(
    login: Any, picture: Picture, lat: str, lon: str
) -> None:
    response = act(login("analyst"), picture.dasu, "relocate", lat=lat, lon=lon)
    assert response.status_code == 400
    picture.dasu.refresh_from_db()
    assert picture.dasu.lat == 35.2917
    assert not ReviewDecision.objects.exists()


def test_the_place_search_lists_gazetteer_candidates_and_choosing_one_sets_the_place(
    login: Any, picture: Picture
) -> None:
    client = login("analyst")
    page = client.get(reverse("intel:incident-review", args=[picture.bisham.pk]), {"place": "Dasu"})
    candidates = page.context["candidates"]
    assert candidates and candidates[0].name == "Dasu"
    chosen = candidates[0]
    response = act(client, picture.bisham, "relocate", gazetteer_id=chosen.id)
    assert response.status_code == 302
    picture.bisham.refresh_from_db()
    assert picture.bisham.gazetteer_id == chosen.id
    assert picture.bisham.admin2 == chosen.admin2
    assert (picture.bisham.lat, picture.bisham.lon) == (chosen.lat, chosen.lon)


def test_choosing_a_place_the_gazetteer_does_not_know_is_refused(
    login: Any, picture: Picture
) -> None:
    response = act(login("analyst"), picture.dasu, "relocate", gazetteer_id="nowhere:1")
    assert response.status_code == 400
    assert "not in the gazetteer" in response.content.decode()


def test_merging_moves_every_mention_and_claim_and_leaves_a_pointer(
    login: Any, picture: Picture
) -> None:
    before = totals(picture.dasu, picture.bisham)
    response = act(login("analyst"), picture.dasu, "merge", other=str(picture.bisham.pk))
    assert response.status_code == 302
    picture.bisham.refresh_from_db()
    picture.dasu.refresh_from_db()
    assert picture.bisham.merged_into_id == picture.dasu.pk
    assert totals(picture.dasu) == before
    assert totals(picture.bisham) == (0, 0)
    assert picture.dasu.report_count == 3
    decisions = ReviewDecision.objects.filter(decision="merge")
    assert decisions.count() == 2
    assert all(web_audited(d) for d in decisions)
    queue = login("analyst").get(reverse("intel:review-queue")).context["rows"]
    assert picture.bisham.pk not in {obj.pk for obj, _ in queue}


def test_the_review_page_offers_similar_incidents_to_merge(login: Any, picture: Picture) -> None:
    picture.bisham.date = picture.dasu.date
    picture.bisham.save()
    page = login("analyst").get(reverse("intel:incident-review", args=[picture.dasu.pk]))
    assert [i.pk for i in page.context["similar"]] == [picture.bisham.pk]


@pytest.mark.parametrize("other", ["self", "missing", "huge", "text"])
def test_merging_into_itself_or_with_nothing_is_refused(
    login: Any, picture: Picture, other: str
) -> None:
    value = {
        "self": str(picture.dasu.pk),
        "missing": "987654",
        "huge": str(2**70),
        "text": "karachi",
    }[other]
    before = totals(picture.dasu)
    response = act(login("analyst"), picture.dasu, "merge", other=value)
    assert response.status_code == 400
    assert totals(picture.dasu) == before
    assert not ReviewDecision.objects.exists()


def test_an_incident_already_merged_cannot_be_merged_or_reviewed_again(
    picture: Picture, world: World
) -> None:
    analyst = world.user("analyst")
    review.merge(analyst, picture.dasu, picture.bisham)
    with pytest.raises(ValidationError, match="merged into"):
        review.merge(analyst, picture.karachi, Incident.objects.get(pk=picture.bisham.pk))
    with pytest.raises(ValidationError, match="merged into"):
        review.confirm(analyst, Incident.objects.get(pk=picture.bisham.pk))


def test_splitting_moves_the_chosen_reports_to_a_new_incident_and_loses_nothing(
    login: Any, picture: Picture
) -> None:
    before = totals(picture.dasu)
    response = act(login("analyst"), picture.dasu, "split", reports=str(picture.r_wire.pk))
    assert response.status_code == 302
    new = Incident.objects.exclude(
        pk__in=[picture.dasu.pk, picture.bisham.pk, picture.karachi.pk]
    ).get()
    assert response["Location"] == new.get_absolute_url()
    assert set(new.mentions.values_list("pk", flat=True)) == {picture.m_wire.pk}
    assert set(new.claims.values_list("report_id", flat=True)) == {picture.r_wire.pk}
    assert totals(picture.dasu, new) == before
    picture.dasu.refresh_from_db()
    assert picture.dasu.deaths == 13 and not picture.dasu.has_conflict
    assert new.deaths == 12
    split_decisions = ReviewDecision.objects.filter(decision="split")
    assert {d.incident_id for d in split_decisions} == {picture.dasu.pk, new.pk}
    assert all(web_audited(d) for d in split_decisions)


def test_splitting_off_every_report_is_refused(login: Any, picture: Picture) -> None:
    url = reverse("intel:incident-review-action", args=[picture.dasu.pk, "split"])
    reports = [str(picture.r_wire.pk), str(picture.r_police.pk)]
    response = login("analyst").post(url, {"split-reports": reports})
    assert response.status_code == 400
    assert "not all" in response.content.decode()
    assert Incident.objects.count() == 3


@pytest.mark.parametrize("value", ["abc", str(2**70), "-1"])
def test_splitting_with_a_report_of_another_incident_or_garbage_is_refused(
    login: Any, picture: Picture, value: str
) -> None:
    response = act(login("analyst"), picture.dasu, "split", reports=value)
    assert response.status_code == 400
    assert Incident.objects.count() == 3


def test_the_split_service_refuses_non_numeric_and_foreign_mentions(
    picture: Picture, world: World
) -> None:
    analyst = world.user("analyst")
    with pytest.raises(ValidationError):
        review.split(analyst, picture.dasu, ["one"])
    with pytest.raises(ValidationError):
        review.split(analyst, picture.dasu, [2**80])
    with pytest.raises(ValidationError):
        review.split(analyst, picture.dasu, [picture.m_bisham.pk])


def test_an_unknown_review_action_is_not_found(login: Any, picture: Picture) -> None:
    url = reverse("intel:incident-review-action", args=[picture.dasu.pk, "delete"])
    assert login("analyst").post(url, {}).status_code == 404


def test_a_review_post_needs_a_csrf_token(world: World, picture: Picture) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("analyst"))
    response = act(client, picture.dasu, "confirm")
    assert response.status_code == 403
    assert not ReviewDecision.objects.exists()


def test_rejecting_an_engagement_stores_an_audited_decision(login: Any, picture: Picture) -> None:
    url = reverse("intel:engagement-review-action", args=[picture.meeting.pk, "reject"])
    response = login("analyst").post(url, {"reject-reason": "Duplicate announcement."})
    assert response.status_code == 302
    picture.meeting.refresh_from_db()
    assert picture.meeting.review_state == "rejected"
    decision = picture.meeting.decisions.get()
    assert web_audited(decision)


def test_the_incident_history_shows_decisions_and_audit_records(
    login: Any, picture: Picture
) -> None:
    client = login("analyst")
    act(client, picture.dasu, "confirm", reason="Looks right.")
    response = client.get(picture.dasu.get_absolute_url())
    history = response.context["history"]
    assert [d.decision for d in history["decisions"]] == ["confirm"]
    assert any(r.source == "web" for r in history["audit"])
    assert "Looks right." in response.content.decode()


def test_confirming_settles_open_conflicts_in_favour_of_the_shown_values(
    picture: Picture, world: World
) -> None:
    decision = review.confirm(world.user("analyst"), picture.dasu, "13 is the police figure.")
    assert decision.payload == {"settled": ["deaths"]}
    dasu = Incident.objects.get(pk=picture.dasu.pk)
    assert not dasu.has_conflict and dasu.deaths == 13 and "deaths" in dasu.corrected_fields
    # A later, different figure adds a claim and widens the range, but reopens nothing.
    later = Mention.objects.create(
        report=picture.r_bisham, index=7, kind="attack", event={}, incident=dasu
    )
    claim(later, "deaths", {"total": 20, "official": True})
    recompute(dasu)
    dasu.refresh_from_db()
    assert (dasu.deaths, dasu.deaths_max, dasu.has_conflict) == (13, 20, False)
    assert dasu.review_state == "confirmed"


def test_setting_a_field_to_the_value_it_shows_pins_it_but_repeating_it_is_refused(
    picture: Picture, world: World
) -> None:
    analyst = world.user("analyst")
    review.edit(analyst, picture.dasu, {"deaths": 13}, "The police figure stands.")
    dasu = Incident.objects.get(pk=picture.dasu.pk)
    assert "deaths" in dasu.corrected_fields and not dasu.has_conflict
    with pytest.raises(ValidationError, match="Nothing changed"):
        review.edit(analyst, dasu, {"deaths": 13})
    assert ReviewDecision.objects.filter(decision="edit").count() == 1

"""Scorer tests with hand-made predictions: each field right and wrong."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from safepassage.evaluation.gold import (
    GoldCount,
    GoldDate,
    GoldDocument,
    GoldEvent,
    GoldLocation,
    GoldParticipant,
    GoldPerpetrator,
    GoldSet,
    parse_event,
)
from safepassage.evaluation.normalize import EARTH_RADIUS_KM
from safepassage.evaluation.scoring import (
    count_correct,
    date_correct,
    main_event,
    participants_correct,
    perpetrators_correct,
    predicted_chinese_deaths,
    score_set,
    topics_correct,
    within_radius,
)

BISHAM = (34.9306, 72.8817)


def attack(**fields: Any) -> dict[str, Any]:
    """A predicted attack event with the given fields."""
    event: dict[str, Any] = {"kind": "attack", "background": False, "date": None, "location": None}
    event.update(fields)
    return event


def result(*events: dict[str, Any], doc_id: str = "d1") -> dict[str, Any]:
    return {"document": {"id": doc_id}, "events": list(events)}


def km_north(lat: float, km: float) -> float:
    return lat + math.degrees(km / EARTH_RADIUS_KM)


# --- dates -----------------------------------------------------------------------------------


def test_it_accepts_an_exact_date_only_at_the_same_precision() -> None:
    gold = GoldDate(value="2024-03", precision="month")
    assert date_correct(gold, attack(date={"value": "2024-03", "precision": "month"}))
    assert not date_correct(gold, attack(date={"value": "2024-03-26", "precision": "day"}))
    assert not date_correct(gold, attack(date={"value": "2024-04", "precision": "month"}))
    assert not date_correct(gold, attack(date=None))


def test_it_requires_no_date_when_the_gold_says_the_text_gives_none() -> None:
    assert date_correct(None, attack(date=None))
    assert not date_correct(None, attack(date={"value": "2024-10", "precision": "month"}))


def test_it_accepts_dates_inside_a_ucdp_range_with_its_tolerance() -> None:
    gold = GoldDate(start=dt.date(2013, 1, 25), end=dt.date(2013, 1, 28), tolerance_days=1)
    assert date_correct(gold, attack(date={"value": "2013-01-26", "precision": "day"}))
    assert date_correct(gold, attack(date={"value": "2013-01-29", "precision": "day"}))
    assert not date_correct(gold, attack(date={"value": "2013-01-30", "precision": "day"}))
    assert not date_correct(
        gold, attack(date={"value": "2013-01-29", "precision": "day"}), tolerance_days=0
    )
    # A month is wider than the range, so it is not precise enough.
    assert not date_correct(gold, attack(date={"value": "2013-01", "precision": "month"}))


def test_it_rejects_malformed_predicted_dates() -> None:
    gold = GoldDate(start=dt.date(2013, 1, 25), end=dt.date(2013, 1, 25))
    assert not date_correct(gold, attack(date={"value": "25 Jan 2013", "precision": "day"}))
    assert not date_correct(gold, attack(date="2013-01-25"))


# --- places ----------------------------------------------------------------------------------


def test_it_counts_a_point_exactly_25_km_away_as_within_and_a_further_one_not() -> None:
    inside = attack(location={"lat": km_north(BISHAM[0], 24.99), "lon": BISHAM[1]})
    outside = attack(location={"lat": km_north(BISHAM[0], 25.05), "lon": BISHAM[1]})
    assert within_radius(*BISHAM, inside)[0]
    assert not within_radius(*BISHAM, outside)[0]


def test_it_treats_missing_or_invalid_coordinates_as_wrong() -> None:
    assert within_radius(*BISHAM, attack(location=None)) == (False, None)
    assert within_radius(*BISHAM, attack(location={"lat": "34.9", "lon": 72.8})) == (False, None)
    assert within_radius(*BISHAM, attack(location={"lat": float("nan"), "lon": 72.8})) == (
        False,
        None,
    )


def test_it_scores_province_and_district_after_normalisation() -> None:
    gold = GoldEvent(
        label="e",
        kinds=("attack",),
        location=GoldLocation(admin1="Federally Administered Tribal Areas", admin2="Khyber agency"),
    )
    document = GoldDocument(id="d1", text="x", events=(gold,))
    right = result(attack(location={"admin1": "Khyber Pakhtunkhwa", "admin2": "Khyber"}))
    wrong = result(attack(location={"admin1": "Balochistan", "admin2": "Quetta"}))
    good = score_set(GoldSet("t", "align", (document,)), {"d1": right})
    bad = score_set(GoldSet("t", "align", (document,)), {"d1": wrong})
    assert (good.fields["province"].correct, good.fields["district"].correct) == (1, 1)
    assert (bad.fields["province"].correct, bad.fields["district"].correct) == (0, 0)


# --- counts ----------------------------------------------------------------------------------


def test_it_accepts_deaths_equal_to_the_best_figure_or_inside_low_high() -> None:
    gold = GoldCount(totals=(5,), low=4, high=8)
    assert count_correct(gold, {"total": 5})
    assert count_correct(gold, {"total": 8})
    assert not count_correct(gold, {"total": 9})
    assert not count_correct(gold, None)


def test_it_requires_the_stated_lower_bound_of_a_range() -> None:
    gold = GoldCount(totals=(12,), minimum=12)
    assert count_correct(gold, {"total": 12, "min": 12})
    assert not count_correct(gold, {"total": 12})


def test_it_accepts_either_of_two_conflicting_totals_when_the_gold_lists_both() -> None:
    gold = GoldCount(totals=(12, 13), minimum=12, maximum=13)
    assert count_correct(gold, {"total": 13, "min": 12, "max": 13})
    assert count_correct(gold, {"total": 12, "min": 12, "max": 13})
    assert not count_correct(gold, {"total": 13, "min": 13, "max": 13})


def test_it_falls_back_to_the_bounds_when_no_total_is_given() -> None:
    assert count_correct(GoldCount(totals=(7,)), {"total": None, "min": 5, "max": 7})


def test_it_accepts_no_figure_for_a_gold_of_zero() -> None:
    assert count_correct(GoldCount(totals=(0,)), None)
    assert not count_correct(GoldCount(totals=(0,)), {"total": 2})


def test_it_counts_chinese_deaths_from_the_breakdown() -> None:
    event = attack(
        fatalities={
            "total": 6,
            "by_group": [
                {"group": "Chinese nationals", "nationality": "CN", "count": 5},
                {"group": "Pakistani driver", "nationality": "PK", "count": 1},
            ],
        }
    )
    assert predicted_chinese_deaths(event) == 5
    assert (
        predicted_chinese_deaths(
            attack(fatalities={"by_group": [{"group": "Chinese engineers", "count": 2}]})
        )
        == 2
    )
    assert predicted_chinese_deaths(attack(fatalities={"by_group": "five"})) == 0


# --- perpetrators, participants, topics ------------------------------------------------------


def test_it_scores_perpetrators_by_name_relation_and_attributing_body() -> None:
    gold = (
        GoldPerpetrator(
            "Tehrik-i-Taliban Pakistan",
            "attributed",
            "Khyber Pakhtunkhwa Counter-Terrorism Department",
        ),
    )
    right = attack(
        perpetrators=[
            {"name": "Tehreek-e-Taliban Pakistan", "relation": "attributed", "by": "KP CTD"}
        ]
    )
    wrong_relation = attack(perpetrators=[{"name": "TTP", "relation": "claimed", "by": None}])
    wrong_by = attack(
        perpetrators=[{"name": "TTP", "relation": "attributed", "by": "Punjab police"}]
    )
    extra = attack(
        perpetrators=[
            {"name": "TTP", "relation": "attributed", "by": "CTD"},
            {"name": "BLA", "relation": "suspected"},
        ]
    )
    assert perpetrators_correct(gold, right)
    assert not perpetrators_correct(gold, wrong_relation)
    assert not perpetrators_correct(gold, wrong_by)
    assert not perpetrators_correct(gold, extra)


def test_it_requires_no_perpetrator_when_the_text_names_none() -> None:
    assert perpetrators_correct((), attack(perpetrators=[]))
    assert not perpetrators_correct(
        (), attack(perpetrators=[{"name": "TTP", "relation": "suspected"}])
    )


def test_it_scores_participants_with_their_countries_and_refuses_strangers() -> None:
    gold = (GoldParticipant("Mohsin Naqvi", "PK"), GoldParticipant("Qi Yanjun", "CN"))
    optional = (GoldParticipant("Ishaq Dar", "PK"),)
    right = {
        "participants": [
            {"name": "Naqvi", "country": "PK"},
            {"name": "Qi Yanjun", "country": "CN"},
            {"name": "Ishaq Dar"},
        ]
    }
    wrong_country = {
        "participants": [
            {"name": "Mohsin Naqvi", "country": "CN"},
            {"name": "Qi Yanjun", "country": "CN"},
        ]
    }
    stranger = {
        "participants": [
            {"name": "Mohsin Naqvi", "country": "PK"},
            {"name": "Qi Yanjun", "country": "CN"},
            {"name": "Xi Jinping"},
        ]
    }
    assert participants_correct(gold, optional, right)
    assert not participants_correct(gold, optional, wrong_country)
    assert not participants_correct(gold, optional, stranger)
    assert not participants_correct(
        gold, optional, {"participants": [{"name": "Mohsin Naqvi", "country": "PK"}]}
    )


def test_it_scores_topics_of_the_known_vocabulary_only() -> None:
    gold, optional = frozenset({"intelligence_sharing"}), frozenset({"training"})
    assert topics_correct(gold, optional, {"topics": ["intelligence_sharing", "training", "trade"]})
    assert not topics_correct(gold, optional, {"topics": ["intelligence_sharing", "cybercrime"]})
    assert not topics_correct(gold, optional, {"topics": ["training"]})


# --- alignment, main event and robustness ----------------------------------------------------


def _seed_like_document() -> GoldDocument:
    meeting = parse_event(
        {
            "kind": "meeting",
            "background": False,
            "date": {"value": "2024-09-21", "precision": "day"},
            "participants": [{"name": "Mohsin Naqvi", "country": "PK"}],
        },
        "test",
        0,
    )
    bombing = parse_event(
        {
            "kind": "attack",
            "background": True,
            "date": {"value": "2021-07", "precision": "month"},
            "location": {
                "admin1": "Khyber Pakhtunkhwa",
                "admin2": "Upper Kohistan",
                "lat": 35.2917,
                "lon": 73.2906,
            },
            "fatalities": {"total": 13, "chinese": 9},
            "attack_type": "bombing",
        },
        "test",
        1,
    )
    suicide = parse_event(
        {
            "kind": "attack",
            "background": True,
            "date": {"value": "2024-03", "precision": "month"},
            "location": {"admin2": "Shangla", "lat": BISHAM[0], "lon": BISHAM[1]},
            "fatalities": {"total": 6, "min": 6, "chinese": 5},
        },
        "test",
        2,
    )
    return GoldDocument(id="d1", text="x", events=(meeting, bombing, suicide))


def test_it_pairs_each_gold_event_with_the_most_similar_prediction() -> None:
    document = _seed_like_document()
    prediction = result(
        {
            "kind": "meeting",
            "background": False,
            "date": {"value": "2024-09-21", "precision": "day"},
            "location": None,
            "participants": [{"name": "Mohsin Naqvi", "country": "PK"}],
        },
        attack(
            background=True,
            date={"value": "2024-03", "precision": "month"},
            location={"admin2": "Shangla", "lat": 34.93, "lon": 72.88},
            fatalities={
                "total": 6,
                "min": 6,
                "by_group": [{"group": "Chinese nationals", "nationality": "CN", "count": 5}],
            },
        ),
        attack(
            background=True,
            date={"value": "2021-07", "precision": "month"},
            location={"admin1": "KP", "admin2": "Upper Kohistan", "lat": 35.29, "lon": 73.29},
            attack_type="bombing",
            fatalities={
                "total": 13,
                "by_group": [{"group": "Chinese nationals", "nationality": "CN", "count": 9}],
            },
        ),
    )
    score = score_set(GoldSet("t", "align", (document,)), {"d1": prediction})
    assert all(item.correct == item.n for item in score.fields.values()), score.fields
    assert score.fields["event"].n == 3
    assert score.unmatched_predictions == 0


def test_it_counts_every_field_of_a_missing_event_as_a_miss() -> None:
    document = _seed_like_document()
    score = score_set(GoldSet("t", "align", (document,)), {"d1": result()})
    assert score.fields["event"].correct == 0
    assert score.fields["deaths"].n == 2 and score.fields["deaths"].correct == 0
    assert score.fields["deaths"].misses[0].predicted == "(event not found)"


def test_it_does_not_pair_an_attack_with_a_meeting() -> None:
    document = _seed_like_document()
    meeting_only = result(
        {
            "kind": "agreement",
            "background": True,
            "date": {"value": "2021-07", "precision": "month"},
        }
    )
    score = score_set(GoldSet("t", "align", (document,)), {"d1": meeting_only})
    assert score.fields["event"].correct == 1  # the agreement stands for the gold meeting
    assert score.fields["kind"].correct == 0
    assert score.fields["background"].correct == 0


def test_it_skips_unmatched_optional_events_but_scores_matched_ones() -> None:
    optional = parse_event(
        {
            "kind": "announcement",
            "background": True,
            "optional": True,
            "date": {"value": "2024-06", "precision": "month"},
            "location": {"admin1": "Punjab"},
        },
        "t",
        0,
    )
    document = GoldDocument(id="d1", text="x", events=(optional,))
    empty = score_set(GoldSet("t", "align", (document,)), {"d1": result()})
    assert empty.fields == {}
    found = score_set(
        GoldSet("t", "align", (document,)),
        {
            "d1": result(
                {
                    "kind": "announcement",
                    "background": True,
                    "date": None,
                    "location": {"admin1": "Punjab"},
                }
            )
        },
    )
    assert found.fields["date"].correct == 0 and found.fields["province"].correct == 1
    assert "event" not in found.fields


def test_it_compares_the_main_event_first_for_single_event_gold() -> None:
    events = [
        attack(background=True, fatalities={"total": 1}),
        attack(background=False, fatalities={"total": 4}),
    ]
    assert main_event(events) is events[1]
    assert main_event([events[0]]) is events[0]
    assert main_event([]) is None


def test_it_scores_malformed_and_missing_predictions_as_no_events() -> None:
    document = _seed_like_document()
    gold_set = GoldSet("t", "align", (document,))
    for prediction in (None, "text", {"events": "none"}, {"events": [1, "x", None]}):
        score = score_set(gold_set, {"d1": prediction})
        assert score.fields["event"].correct == 0
    assert score_set(gold_set, {}).malformed == 1


def test_it_counts_document_errors_reported_by_the_extractor() -> None:
    document = _seed_like_document()
    score = score_set(
        GoldSet("t", "align", (document,)),
        {"d1": {"document": {"id": "d1", "error": "E101 empty"}, "events": []}},
    )
    assert score.errors == 1


@pytest.mark.parametrize(
    "bad_event",
    [
        {"kind": "riot", "background": False},
        {"kind": "attack"},
        {"kind": "attack", "background": False, "date": {"value": "2024-13", "precision": "month"}},
        {"kind": "attack", "background": False, "fatalities": {"total": -1}},
        {"kind": "attack", "background": False, "location": {"lat": 91, "lon": 0}},
        {"kind": "attack", "background": False, "location": {"lat": 30}},
        {
            "kind": "attack",
            "background": False,
            "perpetrators": [{"name": "TTP", "relation": "blamed"}],
        },
        {"kind": "meeting", "background": False, "topics": ["trade"]},
        {"kind": "attack", "background": False, "deaths": 3},
    ],
)
def test_it_rejects_malformed_gold_events(bad_event: dict[str, Any]) -> None:
    from safepassage.evaluation.gold import GoldError

    with pytest.raises(GoldError):
        parse_event(bad_event, "test", 0)


def test_it_does_not_pair_an_optional_event_with_an_unrelated_prediction() -> None:
    optional = parse_event(
        {
            "kind": "attack",
            "background": True,
            "optional": True,
            "date": {"value": "2018", "precision": "year"},
            "location": {"admin1": "Sindh", "lat": 24.81, "lon": 67.03},
        },
        "t",
        0,
    )
    document = GoldDocument(id="d1", text="x", events=(optional,))
    unrelated = attack(
        background=False,
        date={"value": "2021-07-15", "precision": "day"},
        location={"admin1": "Islamabad", "lat": 33.68, "lon": 73.05},
    )
    score = score_set(GoldSet("t", "align", (document,)), {"d1": result(unrelated)})
    assert score.fields == {}
    assert score.unmatched_predictions == 1


def test_it_totals_the_scores_of_each_corpus_pattern() -> None:
    gold = parse_event({"kind": "attack", "background": False, "fatalities": {"total": 3}}, "t", 0)
    first = GoldDocument(id="a", text="x", events=(gold,), meta={"patterns": ["range", "dozens"]})
    second = GoldDocument(id="b", text="x", events=(gold,), meta={"patterns": ["range"]})
    predictions = {
        "a": result(attack(fatalities={"total": 3})),
        "b": result(attack(fatalities={"total": 4})),
    }
    score = score_set(GoldSet("t", "align", (first, second)), predictions)
    assert (score.patterns["range"].n, score.patterns["range"].correct) == (8, 7)
    assert (score.patterns["dozens"].n, score.patterns["dozens"].correct) == (4, 4)

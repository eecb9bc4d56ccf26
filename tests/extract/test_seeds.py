"""The done-when facts of issue 3 on the five seed articles (read from the shared folder).

Meetings are the main events; the attacks are background events placed where they happened.
"""

from __future__ import annotations

from typing import Any

from tests.extract.conftest import main_event


def _attacks(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in result["events"] if e["kind"] == "attack"]


def test_every_seed_has_a_meeting_as_its_main_event(seed_results: dict[str, Any]) -> None:
    for key, result in seed_results.items():
        assert result["document"]["error"] is None, key
        event = main_event(result)
        assert event["kind"] == "meeting", key
        assert event["participants"], key


def test_it_reads_the_new_york_meeting(seed_results: dict[str, Any]) -> None:
    event = main_event(seed_results["000"])
    assert event["date"]["value"] == "2024-06-27"
    assert event["location"]["name"] == "New York City"
    assert {p["name"] for p in event["participants"]} == {"Mohsin Naqvi", "Qi Yanjun"}
    assert {p["country"] for p in event["participants"]} == {"PK", "CN"}
    assert {"protection_unit", "training"} <= set(event["topics"])


def test_it_places_the_beijing_meeting_and_its_topics(seed_results: dict[str, Any]) -> None:
    event = main_event(seed_results["001"])
    assert event["location"]["name"] == "Beijing"
    assert event["date"] is None  # "on Tuesday" with no publication date
    assert {p["name"] for p in event["participants"]} == {"Mohsin Naqvi", "Wang Xiaohong"}
    assert {"protection_unit", "cybercrime", "counter_terrorism"} <= set(event["topics"])
    recalled = [e for e in seed_results["001"]["events"] if e["background"]]
    assert any("Ishaq Dar" in {p["name"] for p in e["participants"]} for e in recalled)


def test_it_reads_the_islamabad_meeting_of_september_2024(seed_results: dict[str, Any]) -> None:
    event = main_event(seed_results["002"])
    assert event["date"]["value"] == "2024-09-21"
    assert event["location"]["name"] == "Islamabad"
    people = {p["name"]: p for p in event["participants"]}
    assert people["Chen Mingguo"]["country"] == "CN"
    assert people["Chen Mingguo"]["title"] == "Minister for Political and Legal Affairs"
    assert {"joint_exercise", "training", "counter_terrorism"} <= set(event["topics"])


def test_it_places_the_2024_attack_at_bisham_in_shangla(seed_results: dict[str, Any]) -> None:
    bisham = next(e for e in _attacks(seed_results["002"]) if e["date"]["value"].startswith("2024"))
    assert bisham["background"] is True
    assert bisham["location"]["admin2"] == "Shangla"
    assert bisham["location"]["admin1"] == "Khyber Pakhtunkhwa"
    assert bisham["location"]["gazetteer_id"] == "local:besham"
    assert bisham["date"]["value"] == "2024-03"
    assert bisham["attack_type"] == "suicide_bombing"
    assert bisham["fatalities"]["total"] == 6
    assert {"group": "Chinese nationals", "nationality": "CN", "count": 5} in bisham["fatalities"][
        "by_group"
    ]
    assert bisham["perpetrators"] == [
        {
            "name": "Tehrik-i-Taliban Pakistan",
            "relation": "attributed",
            "by": "Khyber Pakhtunkhwa Counter-Terrorism Department",
        }
    ]


def test_it_dates_the_convoy_attack_to_26_march_2024(seed_results: dict[str, Any]) -> None:
    (attack,) = _attacks(seed_results["000"])
    assert attack["background"] is True
    assert attack["date"] == {"value": "2024-03-26", "precision": "day", "text": "March 26"}
    assert attack["location"]["admin1"] == "Khyber Pakhtunkhwa"
    assert attack["fatalities"]["total"] == 6
    groups = {(g["nationality"], g["count"]) for g in attack["fatalities"]["by_group"]}
    assert groups == {("CN", 5), ("PK", 1)}


def test_it_keeps_both_dasu_figures_in_upper_kohistan(seed_results: dict[str, Any]) -> None:
    found = []
    for key in ("002", "003"):
        dasu = next(e for e in _attacks(seed_results[key]) if e["date"]["value"] == "2021-07")
        assert dasu["background"] is True
        assert dasu["date"]["precision"] == "month"
        assert dasu["location"]["name"] == "Dasu"
        assert dasu["location"]["admin2"] == "Upper Kohistan"
        found.append(dasu["fatalities"])
    assert found[0]["total"] == 13
    assert (found[1]["total"], found[1]["min"]) == (12, 12)
    assert {"group": "Chinese engineers", "nationality": "CN", "count": 9} in found[1]["by_group"]
    assert {"group": "Frontier Corps personnel", "nationality": "PK", "count": 2} in found[1][
        "by_group"
    ]


def test_it_places_the_karachi_airport_bombing(seed_results: dict[str, Any]) -> None:
    (attack,) = _attacks(seed_results["004"])
    assert attack["background"] is True
    assert attack["attack_type"] == "bombing"
    assert attack["location"]["admin2"] == "Karachi"
    assert attack["location"]["precision"] == "point"
    assert attack["fatalities"]["total"] == 2
    assert attack["fatalities"]["by_group"] == [
        {"group": "Chinese engineers", "nationality": "CN", "count": 2}
    ]
    # "last October" cannot be resolved: the article carries no publication date.
    assert attack["date"] is None

"""Wire headlines and headline lists: the shapes that short news items take.

The texts are written for these tests; they follow the patterns of real wire copy (several
headlines about one event, one per line, with tolls that rise; slugs such as "UPDATE 2-").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from safepassage.extract.casualties import aggregate, find_figures
from safepassage.extract.pipeline import blank_wire_tags
from tests.extract.conftest import main_event

Extract = Callable[..., dict[str, Any]]


def _dead_and_hurt(text: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    return aggregate(find_figures(text, 0, len(text)))


def test_a_place_at_the_end_of_one_headline_is_still_a_place(extract: Extract) -> None:
    # The next line starts with a capital: that must not make "Mardan" part of a name.
    event = main_event(
        extract("Grenade kills two near shrine in Pakistan's Mardan\nTwo pilgrims die in attack")
    )
    assert event["location"]["name"] == "Mardan"


def test_a_district_named_with_its_country_places_the_event(extract: Extract) -> None:
    for text in (
        "Three soldiers die in Pakistan's South Waziristan roadside blast",
        "Army says four South Waziristan militants killed",
    ):
        event = main_event(extract(text))
        assert event["location"]["admin2"] == "South Waziristan", text
        assert event["location"]["precision"] == "district", text


def test_a_region_is_narrowed_by_the_place_that_names_the_event(extract: Extract) -> None:
    text = (
        "Bomb kills five in southwest Pakistan\n"
        "Toll in southwest Pakistan bombing climbs to 9\n"
        "Police detain two over Turbat bombing"
    )
    event = main_event(extract(text))
    assert event["location"]["name"] == "Turbat"
    assert event["location"]["admin1"] == "Balochistan"
    assert event["fatalities"]["total"] == 9


def test_a_place_that_names_another_incident_does_not_narrow_the_region(
    extract: Extract,
) -> None:
    text = (
        "Gunmen kill four in southwest Pakistan on 3 May 2023.\n"
        "Last year a bomb in Turbat killed 11 people on 2 March 2022."
    )
    events = extract(text, published="2023-05-04")["events"]
    assert events[0]["location"]["precision"] == "province"


def test_the_highest_toll_is_the_best_figure_and_the_others_its_range() -> None:
    dead, _ = _dead_and_hurt(
        "A bomb kills 7 at a market. The market bomb toll rises to 15. Market bomb kills 12."
    )
    assert dead is not None
    assert (dead["total"], dead["min"], dead["max"]) == (15, 7, 15)


def test_a_group_larger_than_the_toll_raises_it() -> None:
    dead, _ = _dead_and_hurt("Nine killed in air strikes. Air strikes kill 14 militants.")
    assert dead is not None and dead["total"] == 14


def test_a_part_among_a_toll_is_a_breakdown_not_an_addition() -> None:
    dead, _ = _dead_and_hurt("Two commanders among eight killed in clash")
    assert dead is not None and dead["total"] == 8


def test_the_wounded_after_a_comma_are_not_counted_dead() -> None:
    dead, hurt = _dead_and_hurt("Shelling kills two, nine wounded")
    assert dead is not None and hurt is not None
    assert (dead["total"], hurt["total"]) == (2, 9)
    dead, hurt = _dead_and_hurt("Raiders kill 3 guards, wound 6")
    assert dead is not None and hurt is not None
    assert (dead["total"], hurt["total"]) == (3, 6)


def test_other_ways_of_reporting_deaths() -> None:
    cases = {
        "Police gun down four suspected robbers": 4,
        "Five villagers said killed by cross-border fire": 5,
        "Six bodies found in Kech district": 6,
        "2 TTP and Lashkar militants killed in shootout": 2,
        "Three policemen, two peace volunteers killed in ambush": 5,
    }
    for text, expected in cases.items():
        dead, _ = _dead_and_hurt(text)
        assert dead is not None and dead["total"] == expected, text


def test_wire_slugs_are_blanked_and_offsets_kept() -> None:
    text = "UPDATE 2-Seven killed in Kashmir shelling\nREFILE-Bomb hits bus"
    blanked = blank_wire_tags(text)
    assert len(blanked) == len(text)
    assert "UPDATE" not in blanked and "REFILE" not in blanked
    assert blanked.index("Seven") == text.index("Seven")


def test_a_headline_behind_a_wire_slug_gives_its_event(extract: Extract) -> None:
    event = main_event(extract("UPDATE 1-Seven killed in Kashmir shelling"))
    assert event["fatalities"]["total"] == 7
    assert event["location"]["admin1"] == "Azad Jammu and Kashmir"


def test_an_agency_dateline_dates_the_words_that_follow_it(extract: Extract) -> None:
    text = "Multan, Aug 9 (APP) Two traders were shot dead today near the grain market."
    event = main_event(extract(text, published="2019-12-31"))
    assert event["date"]["value"] == "2019-08-09"
    assert event["background"] is False  # recalled or not is judged from the dateline's day
    event = main_event(extract("Sukkur, Mar 2 (APP) Gunmen killed a police constable."))
    assert event["date"] is None or event["date"]["value"].endswith("-03-02")


def test_where_victims_come_from_is_not_where_they_died(extract: Extract) -> None:
    event = main_event(extract("Four labourers from Sindh shot dead in Turbat"))
    assert event["location"]["name"] == "Turbat"
    event = main_event(extract("Two residents of Punjab killed in Panjgur"))
    assert event["location"]["name"] == "Panjgur"


def test_police_in_a_town_are_a_target_unless_they_speak(extract: Extract) -> None:
    event = main_event(extract("Nine killed in bomb attack on police in Sibi"))
    assert event["location"]["name"] == "Sibi"
    text = "A roadside bomb killed two soldiers in Kurram, police in Peshawar said."
    event = main_event(extract(text))
    assert event["location"]["admin2"] == "Kurram"


def test_a_number_that_measures_time_or_distance_is_not_a_toll() -> None:
    dead, _ = _dead_and_hurt("The guard, who had worked at the plant for nine years, died later.")
    assert dead is None or dead["total"] != 9
    dead, _ = _dead_and_hurt("A bomb 40 km from Gwadar killed three.")
    assert dead is not None and dead["total"] == 3


def test_escorts_and_road_travel_are_movement_security() -> None:
    from safepassage.extract.actors import topics_in

    for text in (
        "Both sides agreed that engineers would only travel by road with police escorts.",
        "The officials reviewed the convoys that carry Chinese staff to the dam.",
    ):
        assert "movement_security" in topics_in(text, [(0, len(text))]), text


def test_the_day_of_a_statement_does_not_date_the_event(extract: Extract) -> None:
    text = (
        "Militants blew up a power pylon near Kohlu late on Sunday, cutting supplies to three "
        "towns, officials said on Monday."
    )
    event = main_event(extract(text, published="2024-05-13"))
    assert event["date"]["value"] == "2024-05-12"


def test_an_upper_case_dateline_without_a_year_is_not_an_event_date(extract: Extract) -> None:
    text = "LARKANA, Sind, June 7 — Gunmen killed two police constables on Thursday evening."
    event = main_event(extract(text, published="2024-06-07"))
    assert event["date"]["value"] == "2024-06-06"


def test_attackers_killed_apart_from_their_victims_are_added() -> None:
    dead, _ = _dead_and_hurt(
        "The raiders killed four guards at the gate. All three attackers were shot dead."
    )
    assert dead is not None
    assert (dead["total"], dead["perpetrators"]) == (7, 3)
    # A toll of everyone may already count them: not added.
    dead, _ = _dead_and_hurt("Air strikes killed 20 militants. The toll rose to 38.")
    assert dead is not None and dead["total"] == 38


def test_rockets_fired_in_an_assault_on_a_post_make_a_facility_attack(extract: Extract) -> None:
    text = "Militants attacked a Frontier Corps post in Zhob with rockets and grenades on Monday."
    event = main_event(extract(text, published="2024-06-04"))
    assert event["attack_type"] == "facility_attack"
    text = "A roadside bomb destroyed an army truck near Zhob on Monday."
    assert main_event(extract(text, published="2024-06-04"))["attack_type"] == "bombing"


def test_a_news_in_brief_list_gives_one_event_per_place(extract: Extract) -> None:
    text = (
        "Two traffic wardens shot dead in Nawabshah on Monday\n"
        "Cracker thrown at bank branch in Sukkur; four hurt\n"
        "Gas pipeline blown up near Sui, no casualties\n"
        "Armed men kidnap three labourers from Ghotki\n"
        "Police kill two dacoits in Kashmore encounter\n"
        "Nawabshah: third warden dies of his wounds, toll rises to three\n"
    )
    events = extract(text, published="2023-10-10")["events"]
    places = [(e["kind"], e["location"]["name"] if e["location"] else None) for e in events]
    assert places == [
        ("attack", "Nawabshah"),
        ("attack", "Sukkur"),
        ("attack", "Sui"),
        ("attack", "Ghotki"),
        ("security_operation", "Kashmor"),
    ]
    assert events[0]["fatalities"]["total"] == 3
    assert events[0]["injured"] is None
    assert events[3]["attack_type"] == "kidnapping"


def test_a_roundup_keeps_each_district_apart_and_updates_by_place(extract: Extract) -> None:
    text = (
        "KP roundup\n"
        "Tank: Militants attack police post, two constables martyred\n"
        "Lakki Marwat: IED blast injures three soldiers\n"
        "Dera Ismail Khan: Gunmen kill shopkeeper\n"
        "Khyber: Security forces kill four terrorists in Tirah operation\n"
        "Tank: toll in police post attack rises to three\n"
    )
    events = extract(text, published="2024-04-14")["events"]
    summary = [
        (e["kind"], e["location"]["admin2"], (e["fatalities"] or {}).get("total")) for e in events
    ]
    assert summary == [
        ("attack", "Tank", 3),
        ("attack", "Lakki Marwat", None),
        ("attack", "Dera Ismail Khan", 1),
        ("security_operation", "Khyber", 4),
    ]


def test_bodies_found_where_people_were_abducted_end_the_kidnapping(extract: Extract) -> None:
    text = (
        "Balochistan in brief\n"
        "* Two Levies personnel shot dead in Kalat\n"
        "* Coal miners abducted in Duki; search under way\n"
        "* Grenade attack on Turbat market leaves 6 injured\n"
        "* Duki: bodies of five abducted miners found\n"
    )
    events = extract(text, published="2024-04-14")["events"]
    duki = [e for e in events if e["location"]["name"] == "Duki"]
    assert len(events) == 3
    assert [(e["attack_type"], e["fatalities"]["total"]) for e in duki] == [("kidnapping", 5)]


@pytest.mark.parametrize(
    "text",
    ["RAZMAK BLAST KILLS FOUR SOLDIERS", "FOUR SOLDIERS KILLED IN RAZMAK BLAST; TTP CLAIMS ATTACK"],
)
def test_a_place_in_an_upper_case_headline_is_found(extract: Extract, text: str) -> None:
    event = main_event(extract(text, published="2010-12-31"))
    assert event["location"]["name"] == "Razmak"
    assert event["fatalities"]["total"] == 4


def test_a_district_is_narrowed_to_the_town_that_names_the_blast(extract: Extract) -> None:
    text = (
        "ROADSIDE BOMB KILLS TWO SOLDIERS IN SOUTH WAZIRISTAN\n"
        "SOUTH WAZIRISTAN IED: TOLL RISES TO THREE\n"
        "TTP CLAIMS WANA BLAST ON ARMY VEHICLE\n"
    )
    event = main_event(extract(text, published="2021-02-05"))
    assert event["location"]["name"] == "Wana"

"""Event rules on short texts written for these tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.extract.conftest import main_event

Extract = Callable[..., dict[str, Any]]


def test_it_places_an_attack_where_it_happened_not_at_the_project_named(extract: Extract) -> None:
    text = (
        "Engineers employed on the Dasu dam project were attacked in Besham on Friday when a "
        "bomber drove into their van. Four people were killed."
    )
    event = main_event(extract(text, published="2024-05-10"))
    assert event["kind"] == "attack"
    assert event["location"]["admin2"] == "Shangla"
    assert event["date"] == {"value": "2024-05-10", "precision": "day", "text": "on Friday"}


def test_it_classifies_attack_types(extract: Extract) -> None:
    cases = {
        "A suicide bomber blew himself up at a checkpost in Bannu, killing two policemen.": "suicide_bombing",
        "Gunmen opened fire on a police van in Quetta, killing three officers.": "armed_assault",
        "Two Chinese engineers were kidnapped near Gwadar on Sunday.": "kidnapping",
        "A roadside IED destroyed a truck in Kech district, killing the driver.": "bombing",
    }
    for text, attack_type in cases.items():
        event = main_event(extract(text, published="2024-01-10"))
        assert event["attack_type"] == attack_type, text


def test_it_reads_claims_and_attributions(extract: Extract) -> None:
    claimed = main_event(
        extract(
            "A blast hit a convoy in Turbat, killing four soldiers. The BLA claimed responsibility."
        )
    )
    assert claimed["perpetrators"] == [
        {"name": "Balochistan Liberation Army", "relation": "claimed", "by": None}
    ]
    attributed = main_event(
        extract(
            "Eight people were killed in a bombing in Peshawar. Police blamed the Pakistani Taliban "
            "for the attack."
        )
    )
    assert attributed["perpetrators"][0]["name"] == "Tehrik-i-Taliban Pakistan"
    assert attributed["perpetrators"][0]["relation"] == "attributed"
    assert attributed["perpetrators"][0]["by"] == "Police"
    suspected = main_event(
        extract("Four policemen were killed by suspected TTP militants in Lakki Marwat.")
    )
    assert suspected["perpetrators"][0]["relation"] == "suspected"


def test_it_merges_mentions_of_one_attack_and_separates_another(extract: Extract) -> None:
    text = (
        "A car bomb exploded near a hotel in Quetta on Tuesday, killing five people. "
        "Police said the blast also injured 20 people. "
        "In a separate incident in March 2023, gunmen killed two Chinese workers in Karachi."
    )
    events = extract(text, published="2024-05-08")["events"]
    attacks = [e for e in events if e["kind"] == "attack"]
    assert len(attacks) == 2
    quetta = next(e for e in attacks if e["location"]["name"] == "Quetta")
    assert quetta["fatalities"]["total"] == 5 and quetta["injured"]["total"] == 20
    assert quetta["background"] is False
    karachi = next(e for e in attacks if e["location"]["admin2"] == "Karachi")
    assert karachi["background"] is True
    assert karachi["date"]["value"] == "2023-03"
    assert karachi["fatalities"]["by_group"] == [
        {"group": "Chinese workers", "nationality": "CN", "count": 2}
    ]


def test_it_reads_a_meeting_with_participants_topics_and_place(extract: Extract) -> None:
    text = (
        "Interior Minister Ali Raza met Chinese Ambassador Li Ming in Islamabad on Monday. "
        "The two sides agreed to expand intelligence sharing and to hold joint exercises for "
        "the Special Protection Unit, and discussed border management."
    )
    event = main_event(extract(text, published="2024-04-03"))
    assert event["kind"] == "meeting"
    assert event["date"]["value"] == "2024-04-01"
    assert event["location"]["name"] == "Islamabad"
    people = {p["name"]: p for p in event["participants"]}
    assert people["Li Ming"]["country"] == "CN" and people["Li Ming"]["title"] == "Ambassador"
    assert people["Ali Raza"]["country"] == "PK"
    assert {"intelligence_sharing", "joint_exercise", "protection_unit", "border_security"} <= set(
        event["topics"]
    )


def test_it_marks_an_attack_recalled_in_a_meeting_report_as_background(extract: Extract) -> None:
    text = (
        "Pakistan and China held talks in Beijing on Wednesday on the security of Chinese workers. "
        "The talks focused on counter-terrorism cooperation. "
        "Last year, a suicide bomber killed five Chinese engineers near Bisham."
    )
    events = extract(text, published="2025-03-05")["events"]
    assert events[0]["kind"] == "meeting" and events[0]["background"] is False
    attack = next(e for e in events if e["kind"] == "attack")
    assert attack["background"] is True
    assert attack["location"]["admin2"] == "Shangla"


def test_it_maps_broad_regions_to_provinces(extract: Extract) -> None:
    cases = {
        "FOUR MILITANTS KILLED IN AIR STRIKE IN NORTHWEST PAKISTAN": "Khyber Pakhtunkhwa",
        "Bomb kills six soldiers in SW Pakistan": "Balochistan",
        "Two civilians killed by Indian shelling in Pakistani Kashmir": "Azad Jammu and Kashmir",
    }
    for text, province in cases.items():
        event = main_event(extract(text))
        assert event["location"]["admin1"] == province, text


def test_it_reads_upper_case_headlines(extract: Extract) -> None:
    event = main_event(extract("GUNMEN KILL THREE POLICEMEN IN QUETTA"))
    assert event["location"]["name"] == "Quetta"
    assert event["fatalities"]["total"] == 3


def test_it_reports_security_operations(extract: Extract) -> None:
    event = main_event(
        extract("Security forces killed six militants in a raid in Bajaur on Sunday.")
    )
    assert event["kind"] == "security_operation"
    assert event["fatalities"]["total"] == 6
    assert event["location"]["admin2"] == "Bajaur"


def test_it_gives_evidence_offsets_inside_the_text_and_a_confidence(extract: Extract) -> None:
    text = "A blast killed two people in Lahore on Monday."
    result = extract(text, published="2024-02-07")
    for event in result["events"]:
        assert event["evidence"]
        for span in event["evidence"]:
            assert 0 <= span["start"] < span["end"] <= len(text)
        assert 0 <= event["confidence"] <= 1
    assert (
        "Lahore"
        in text[
            result["events"][0]["evidence"][0]["start"] : result["events"][0]["evidence"][0]["end"]
        ]
    )


def test_it_finds_no_event_in_text_without_one(extract: Extract) -> None:
    result = extract("The weather in Lahore was pleasant and the markets were busy with shoppers.")
    assert result["events"] == []
    assert result["document"]["error"] is None


def test_it_does_not_take_a_place_inside_a_persons_name(extract: Extract) -> None:
    text = "Dr. Ahmad Javed Khan met the Chinese Consul General in Lahore on Monday."
    event = main_event(extract(text, published="2024-04-03"))
    assert event["location"]["name"] == "Lahore"
    assert [p["name"] for p in event["participants"]] == ["Ahmad Javed Khan"]


def test_it_reads_kashmir_as_azad_kashmir_not_the_indian_state(extract: Extract) -> None:
    event = main_event(
        extract("Two villagers were killed by shelling in Kashmir, Pakistani officials said.")
    )
    assert event["location"]["admin1"] == "Azad Jammu and Kashmir"
    event = main_event(extract("Firing from India killed a woman near Kotli."))
    assert event["location"]["country"] == "PK"


def test_it_keeps_a_report_of_an_attack_that_gives_no_details(extract: Extract) -> None:
    (event,) = extract("Gunmen shot dead a police guard.")["events"]
    assert event["kind"] == "attack" and event["attack_type"] == "armed_assault"
    assert event["background"] is False


def test_it_reports_an_attack_of_yesterday_as_the_main_event(extract: Extract) -> None:
    (event,) = extract("A bomb killed two people in Quetta yesterday.", published="2024-01-02")[
        "events"
    ]
    assert event["background"] is False
    assert event["date"]["value"] == "2024-01-01"


def test_it_reads_a_claim_made_by_the_group_itself(extract: Extract) -> None:
    text = (
        "Gunmen shot dead two policemen in Hyderabad on Thursday. A separatist outfit, the "
        "Sindhudesh Revolutionary Army, later said it was responsible."
    )
    event = main_event(extract(text, published="2022-06-24"))
    assert event["perpetrators"] == [
        {"name": "Sindhudesh Revolutionary Army", "relation": "claimed", "by": None}
    ]
    negated = main_event(
        extract(
            "A bomb killed three soldiers in Quetta. No group claimed it, but police suspected the BLA."
        )
    )
    assert negated["perpetrators"][0]["relation"] == "suspected"


def test_it_classifies_a_raid_with_losses_as_a_security_operation(extract: Extract) -> None:
    text = (
        "Security forces killed 14 militants in a raid near Miranshah on Sunday. Two soldiers "
        "also died in the exchange of fire."
    )
    event = main_event(extract(text, published="2011-04-18"))
    assert event["kind"] == "security_operation"
    assert (event["fatalities"]["total"], event["fatalities"]["perpetrators"]) == (16, 14)

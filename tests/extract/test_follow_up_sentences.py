"""Sentences after a lead that tell more of the same event, not another one.

A follow-up sentence often names a second place: where a train was held, where the wounded lie,
where the bodies were sent, where an officer who gives a toll sits, where the suspects were
caught, where the group is based. None of these is a second scene.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.extract.conftest import main_event

Extract = Callable[..., dict[str, Any]]


def _attacks(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in result["events"] if e["kind"] == "attack" and not e["background"]]


def _perpetrators(event: dict[str, Any]) -> set[tuple[str, str, str | None]]:
    return {(p["name"], p["relation"], p["by"]) for p in event["perpetrators"]}


def test_a_nil_toll_beside_another_place_is_the_same_event(extract: Extract) -> None:
    text = (
        "Insurgents blew up a gas pipeline near Dera Bugti on Sunday morning, officials said. "
        "Nobody was injured, but supplies to factories in Multan were cut for a day. "
        "The Baloch Republican Army claimed the blast."
    )
    result = extract(text, published="2022-03-07")
    attacks = _attacks(result)
    assert len(attacks) == 1
    assert attacks[0]["location"]["admin2"] == "Dera Bugti"
    assert _perpetrators(attacks[0]) == {("Baloch Republican Army", "claimed", None)}


def test_where_bodies_were_sent_is_not_a_second_scene(extract: Extract) -> None:
    text = (
        "Gunmen opened fire on a bus of Chinese technicians near Hub on Monday, killing two "
        "guards, police said. Guards shot dead two of the gunmen, whose bodies were sent to "
        "Karachi for post-mortem. The Balochistan Liberation Army claimed the attack."
    )
    attacks = _attacks(extract(text, published="2023-02-14"))
    assert len(attacks) == 1
    assert attacks[0]["location"]["name"] == "Hub"
    assert ("Balochistan Liberation Army", "claimed", None) in _perpetrators(attacks[0])


def test_an_officer_in_a_city_who_gives_a_toll_is_a_speaker(extract: Extract) -> None:
    text = (
        "A roadside bomb struck a Levies vehicle near Nushki on Tuesday, killing three men, "
        "the district administration said. A police officer in Quetta, however, put the death "
        "toll at four."
    )
    attacks = _attacks(extract(text, published="2023-05-10"))
    assert len(attacks) == 1
    assert attacks[0]["location"]["name"] == "Nushki"
    assert attacks[0]["fatalities"]["total"] == 4


def test_wounded_in_a_citys_hospitals_do_not_move_the_event(extract: Extract) -> None:
    text = (
        "Blast at bus stand in Turbat kills three\n"
        "Turbat bombing: nine wounded treated in Karachi hospitals; BLF claims attack\n"
    )
    attacks = _attacks(extract(text, published="2021-09-02"))
    assert len(attacks) == 1
    assert attacks[0]["location"]["name"] == "Turbat"
    assert _perpetrators(attacks[0]) == {("Balochistan Liberation Front", "claimed", None)}


def test_an_arrest_of_suspects_without_a_date_is_the_inquiry(extract: Extract) -> None:
    text = (
        "A Chinese cook was stabbed to death at a restaurant in Herat on Friday night, "
        "provincial police said. Police said they suspected Islamic State Khorasan Province "
        "and that three suspects had been held near the Islam Qala crossing."
    )
    result = extract(text, published="2024-02-10")
    assert [e["kind"] for e in result["events"]] == ["attack"]
    event = main_event(result)
    assert event["location"]["name"].startswith("Her")
    assert _perpetrators(event) == {("Islamic State Khorasan Province", "suspected", "Police")}


def test_a_groups_base_is_not_the_scene(extract: Extract) -> None:
    text = (
        "Militants fired rockets at a border post in Kurram district on Sunday, wounding two "
        "soldiers. The army blamed Hafiz Gul Bahadur group fighters, which it said operated from "
        "across the border near Khost."
    )
    event = main_event(extract(text, published="2023-09-25"))
    assert event["location"]["country"] == "PK"
    assert event["location"]["admin2"] == "Kurram"


def test_a_motive_is_another_earlier_event(extract: Extract) -> None:
    text = (
        "Two policemen were killed when gunmen attacked a checkpoint in Tank on Wednesday. "
        "A caller who said he spoke for the Pakistani Taliban told journalists that the TTP had "
        "carried out the attack in retaliation for a raid in Lakki Marwat last month."
    )
    result = extract(text, published="2022-11-17")
    event = main_event(result)
    assert event["location"]["name"] == "Tank"
    assert _perpetrators(event) == {("Tehrik-i-Taliban Pakistan", "claimed", None)}
    raid = [e for e in result["events"] if e["kind"] == "security_operation"]
    assert [e["background"] for e in raid] == [True]
    assert raid[0]["perpetrators"] == []


def test_days_later_after_a_month_keep_the_month(extract: Extract) -> None:
    text = (
        "Gunmen killed a trader in Chaman on Monday, police said. The town was last hit in "
        "June 2021, when militants stormed the customs office. The siege ended two days later "
        "when troops killed the attackers."
    )
    result = extract(text, published="2023-04-11")
    dates = sorted(e["date"]["value"] for e in result["events"] if e["date"])
    assert dates == ["2021-06", "2023-04-10"]


def test_a_mission_that_condemns_and_a_government_giving_a_toll(extract: Extract) -> None:
    text = (
        "Blast at mosque in Kunduz during Friday prayers\n"
        "UN mission in Kabul condemns Kunduz bombing; Taliban say 21 killed, 30 wounded\n"
    )
    attacks = _attacks(extract(text, published="2024-06-01"))
    assert len(attacks) == 1
    assert attacks[0]["location"]["name"].startswith("Kunduz")
    assert attacks[0]["perpetrators"] == []
    assert attacks[0]["injured"]["total"] == 30


def test_the_previous_evening_is_the_day_before_the_statement(extract: Extract) -> None:
    text = (
        "Police said on Sunday that two men were hurt when a grenade was thrown into a mobile "
        "phone shop in Qasimabad the previous evening."
    )
    event = main_event(extract(text, published="2024-09-08"))
    assert event["date"]["value"] == "2024-09-07"
    assert event["background"] is False


def test_a_later_word_about_the_kidnappers_joins_the_kidnapping(extract: Extract) -> None:
    text = (
        "Gunmen kidnapped four surveyors from a camp in Orakzai district on Tuesday night, "
        "police said. Last month, a roadside bomb killed two soldiers near Kalaya. Police said "
        "the kidnappers were believed to be heading for the border."
    )
    events = extract(text, published="2023-05-04")["events"]
    kinds = [(e["attack_type"], e["background"]) for e in events]
    assert kinds == [("kidnapping", False), ("bombing", True)]


def test_a_group_that_says_it_sent_the_bomber_claims(extract: Extract) -> None:
    text = (
        "In May 2023, a suicide bomber killed three guards at a gas plant near Sui. The "
        "Balochistan Liberation Army's Majeed Brigade said it had sent the bomber."
    )
    (event,) = extract(text, published="2025-01-10")["events"]
    assert _perpetrators(event) == {("Balochistan Liberation Army", "claimed", None)}


def test_news_of_the_last_days_in_a_meeting_story_is_not_context(extract: Extract) -> None:
    text = (
        "KARACHI: The Sindh home minister announced on Tuesday that a new police unit would "
        "guard Chinese nationals in the city.\n\n"
        "He spoke at a ceremony at the Central Police Office.\n\n"
        "The minister also said that police had arrested two suspects in Lyari on Sunday who "
        "were planning to attack a Chinese-run factory.\n\n"
        "The provincial meeting was held two days after gunmen fired on a van in Korangi on "
        "Saturday, wounding a driver."
    )
    events = extract(text, published="2025-08-20")["events"]
    flags = {e["kind"]: e["background"] for e in events}
    assert flags["security_operation"] is False
    assert flags["attack"] is True

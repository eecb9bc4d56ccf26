"""Who did it: claims, suspicions and the groups a text names for other reasons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from safepassage.extract.actors import perpetrators_in
from tests.extract.conftest import main_event

Extract = Callable[..., dict[str, Any]]


def _perpetrators(event: dict[str, Any]) -> set[tuple[str, str]]:
    return {(p["name"], p["relation"]) for p in event["perpetrators"]}


def test_a_suspicion_in_a_later_sentence_joins_the_attack(extract: Extract) -> None:
    text = (
        "Gunmen shot dead a shopkeeper in Quetta on Friday. "
        "Police said they suspected Lashkar-e-Jhangvi."
    )
    event = main_event(extract(text, published="2023-06-03"))
    assert _perpetrators(event) == {("Lashkar-e-Jhangvi", "suspected")}


def test_a_group_named_for_its_ties_is_not_a_perpetrator(extract: Extract) -> None:
    text = (
        "A bomb killed four people at a market in Parachinar on Monday. "
        "Lashkar-e-Jhangvi, a group with links to al-Qaeda, claimed the bombing."
    )
    event = main_event(extract(text, published="2023-06-05"))
    assert _perpetrators(event) == {("Lashkar-e-Jhangvi", "claimed")}


def test_a_government_and_its_fighters_are_not_perpetrators(extract: Extract) -> None:
    text = (
        "A mine exploded under a Taliban patrol near Kunduz on Monday, killing three Taliban "
        "fighters, Taliban officials said. Islamic State Khorasan Province, the group's regional "
        "branch, said its fighters had planted the mine."
    )
    event = main_event(extract(text, published="2023-06-05"))
    assert _perpetrators(event) == {("Islamic State Khorasan Province", "claimed")}


def test_a_groups_record_is_not_a_new_event(extract: Extract) -> None:
    text = (
        "Gunmen killed a Chinese technician near Kunduz on Monday, officials said. "
        "They suspected Islamic State Khorasan Province, which has attacked foreigners before "
        "and says China oppresses Muslims in Xinjiang."
    )
    events = extract(text, published="2023-06-05")["events"]
    assert [e["location"]["admin1"] for e in events if e["kind"] == "attack"] == ["Kunduz"]
    assert _perpetrators(events[0]) == {("Islamic State Khorasan Province", "suspected")}


def test_where_travellers_were_going_or_coming_from_is_not_the_scene(extract: Extract) -> None:
    text = (
        "A roadside bomb hit a bus near Mastung on Sunday, killing six pilgrims. "
        "They were returning from the holy city of Mashhad when the bomb went off."
    )
    events = extract(text, published="2023-06-05")["events"]
    assert len(events) == 1
    assert events[0]["location"]["name"] == "Mastung"


def _sentence(text: str) -> list[tuple[str, str, str | None]]:
    return [(p["name"], p["relation"], p["by"]) for p in perpetrators_in(text, 0, len(text))]


def test_a_group_that_denies_is_not_a_perpetrator() -> None:
    assert not _sentence(
        "A spokesman for the Tehreek-e-Taliban Pakistan, which is the largest militant group in "
        "the region, said it had no role in the bombing."
    )
    assert not _sentence("The Baloch Liberation Army denied any involvement.")


def test_a_group_a_claimant_split_from_is_context() -> None:
    assert _sentence(
        "Jamaat-ul-Ahrar, which broke away from the Tehreek-e-Taliban Pakistan in 2014, "
        "claimed the attack."
    ) == [("Jamaat-ul-Ahrar", "claimed", None)]


def test_a_faction_of_a_group_is_that_group() -> None:
    assert _sentence("Police said they suspected a local faction of the TTP.") == [
        ("Tehrik-i-Taliban Pakistan", "suspected", "Police")
    ]


def test_a_group_spokesman_reporting_the_news_is_not_a_claim() -> None:
    assert not _sentence(
        "Two Chinese engineers were shot at a quarry on Sunday, a Taliban spokesman for the "
        "province said."
    )


def test_a_group_spokesman_owning_the_attack_is_a_claim() -> None:
    assert _sentence(
        "A TTP spokesman, Ahmad Marwat, said the group's fighters had carried out the raid."
    ) == [("Tehrik-i-Taliban Pakistan", "claimed", None)]


def test_a_long_description_between_a_group_and_its_statement() -> None:
    assert _sentence(
        "Tehreek-e-Jihad Pakistan, a small outfit that security officials regard as a front for "
        "the Pakistani Taliban, said it had carried out the assault."
    ) == [("Tehreek-e-Jihad Pakistan", "claimed", None)]


def test_blame_in_the_present_tense_names_the_authority() -> None:
    assert _sentence("Quetta CTD blames BLA for the railway track blast") == [
        ("Balochistan Liberation Army", "attributed", "Counter-Terrorism Department")
    ]


def test_a_group_blamed_for_an_attack_is_not_its_victim() -> None:
    assert _sentence(
        "Police blamed that attack on Lashkar-e-Jhangvi, although the group denied it."
    ) == [("Lashkar-e-Jhangvi", "attributed", "Police")]


def test_a_group_whose_name_ends_in_army_is_not_the_authority() -> None:
    assert _sentence("The Balochistan Liberation Army had said it carried out the ambush.") == [
        ("Balochistan Liberation Army", "claimed", None)
    ]


def test_an_article_or_an_adjective_before_the_authority_is_not_a_name() -> None:
    assert _sentence("The army blamed the TTP for the raid.") == [
        ("Tehrik-i-Taliban Pakistan", "attributed", "Pakistan Army")
    ]
    assert _sentence("Provincial police blamed Lashkar-e-Jhangvi.") == [
        ("Lashkar-e-Jhangvi", "attributed", "Police")
    ]


def test_the_group_speaking_through_a_spokesman_or_a_caller_claims() -> None:
    assert _sentence(
        "A spokesman for the Tehrik-i-Taliban Pakistan called reporters to say its men had "
        "fired the rockets."
    ) == [("Tehrik-i-Taliban Pakistan", "claimed", None)]
    assert _sentence(
        "A caller who said he spoke for the Baloch Liberation Army told a news agency that his "
        "group had planted the mine."
    ) == [("Balochistan Liberation Army", "claimed", None)]


def test_a_claimant_the_table_does_not_know_is_still_named() -> None:
    assert _sentence("Jaish-e-Fursan, a little-known faction, claimed the attack.") == [
        ("Jaish-e-Fursan", "claimed", None)
    ]
    assert _sentence("Nobody claimed the attack.") == []


def test_a_groups_record_is_no_attribution(extract: Extract) -> None:
    text = (
        "A bomb wrecked a gas pipeline near Pir Koh on Monday. No group has claimed it. The "
        "banned Baloch Republican Army has blown up pipelines in the area several times."
    )
    assert main_event(extract(text, published="2023-06-06"))["perpetrators"] == []


def test_suspects_as_people_are_no_suspicion_and_pointed_to_is_one() -> None:
    assert _sentence(
        "The suspects belonged to the Baloch Liberation Army, the CTD's senior superintendent, "
        "Raja Umar Khattab, told reporters."
    ) == [("Balochistan Liberation Army", "attributed", "Counter-Terrorism Department")]
    assert _sentence(
        "Police arrested a suspect and said he belonged to the Sindhudesh Revolutionary Army."
    ) == [("Sindhudesh Revolutionary Army", "attributed", "Police")]
    assert _sentence(
        "The police chief said the first findings pointed to a faction of the TTP."
    ) == [("Tehrik-i-Taliban Pakistan", "suspected", "Police")]


def test_a_finding_in_its_own_sentence_joins_the_attack(extract: Extract) -> None:
    text = (
        "Rockets hit a camp of Chinese road workers near Pattan on Monday, wounding a guard. "
        "The district police officer said the first findings pointed to a faction of the TTP."
    )
    assert _perpetrators(main_event(extract(text, published="2024-08-27"))) == {
        ("Tehrik-i-Taliban Pakistan", "suspected")
    }


def test_blame_for_a_campaign_does_not_attach_to_the_next_attack(extract: Extract) -> None:
    text = (
        "Islamabad has long accused Kabul of sheltering the TTP, which it blames for most "
        "attacks in the north-west. Last month gunmen shot dead two guards of a copper mine in "
        "Logar; the Islamic State Khorasan Province claimed the killing."
    )
    events = [e for e in extract(text, published="2025-05-22")["events"] if e["kind"] == "attack"]
    assert _perpetrators(events[0]) == {("Islamic State Khorasan Province", "claimed")}


def test_an_authority_names_a_group_by_describing_the_attackers(extract: Extract) -> None:
    text = (
        "Four soldiers were martyred when militants attacked a post in Shewa on Monday, the "
        "military said. The ISPR said the attackers, whom it described as members of the "
        "Tehreek-e-Taliban Pakistan, had come from Afghanistan."
    )
    event = main_event(extract(text, published="2024-01-16"))
    assert {(p["name"], p["relation"], p["by"]) for p in event["perpetrators"]} == {
        ("Tehrik-i-Taliban Pakistan", "attributed", "Inter-Services Public Relations")
    }


def test_a_spokesman_for_a_group_naming_the_doer_is_a_claim() -> None:
    text = (
        "A spokesman for the Taliban in Bajaur said by phone that the Tehrik-i-Taliban Pakistan "
        "had carried out the bombing."
    )
    assert perpetrators_in(text, 0, len(text)) == [
        {"name": "Tehrik-i-Taliban Pakistan", "relation": "claimed", "by": None}
    ]


def test_levies_rangers_and_foreign_forces_are_authorities() -> None:
    for sentence, by in (
        ("A Levies official said they suspected the BLF.", "Levies"),
        ("The Rangers blamed the Sindhudesh Revolutionary Army.", "Rangers"),
        ("An Indian army officer blamed Jaish-e-Mohammed.", "Indian Army"),
    ):
        (found,) = perpetrators_in(sentence, 0, len(sentence))
        assert found["by"] == by, sentence


def test_two_clauses_give_two_relations() -> None:
    text = (
        "The Kashmir Tigers, a little-known group, claimed the ambush, while an Indian army "
        "officer blamed Lashkar-e-Taiba."
    )
    assert perpetrators_in(text, 0, len(text)) == [
        {"name": "Kashmir Tigers", "relation": "claimed", "by": None},
        {"name": "Lashkar-e-Taiba", "relation": "attributed", "by": "Indian Army"},
    ]


def test_common_spellings_of_lashkar_e_taiba() -> None:
    for spelling in ("Lashkar-e-Taiba", "Lashkar-e-Tayyiba", "Lashkar-i-Toiba", "LeT"):
        sentence = f"Police blamed {spelling} for the attack."
        assert [p["name"] for p in perpetrators_in(sentence, 0, len(sentence))] == [
            "Lashkar-e-Taiba"
        ]


def test_unknown_groups_that_say_they_did_it_or_are_blamed() -> None:
    said = "Jaish-e-Fursan, a little-known group, said it had carried out the attack."
    assert perpetrators_in(said, 0, len(said)) == [
        {"name": "Jaish-e-Fursan", "relation": "claimed", "by": None}
    ]
    blamed = "Police blamed the Jatoi gang and said the men had asked for a ransom."
    assert perpetrators_in(blamed, 0, len(blamed)) == [
        {"name": "Jatoi gang", "relation": "attributed", "by": "Police"}
    ]


def test_a_denial_told_in_a_message_is_no_claim() -> None:
    text = (
        "A spokesman for the TTP said in a short statement that the group had no link with "
        "the kidnapping."
    )
    assert perpetrators_in(text, 0, len(text)) == []


def test_a_victims_former_group_is_not_the_perpetrator(extract: Extract) -> None:
    text = (
        "Gunmen shot dead a former commander of the banned Hizbul Mujahideen outside his home "
        "in Muzaffarabad on Tuesday, police said."
    )
    event = main_event(extract(text, published="2023-03-01"))
    assert event["perpetrators"] == []

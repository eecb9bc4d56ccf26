"""Places: towns named by common words, the way to a place, and curated points."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from safepassage.extract.places import add_locative_names, collect_mentions, default_gazetteer
from tests.extract.conftest import main_event

Extract = Callable[..., dict[str, Any]]


def _place(event: dict[str, Any]) -> tuple[str | None, str | None]:
    location = event["location"] or {}
    return location.get("name"), location.get("admin1")


@pytest.mark.parametrize(
    ("sentence", "name", "province"),
    [
        (
            "Police raided a house on the outskirts of Hub on Monday, killing two suspects.",
            "Hub",
            "Balochistan",
        ),
        ("A roadside bomb killed two policemen in Tank on Friday.", "Tank", "Khyber Pakhtunkhwa"),
        (
            "Rockets were fired at the gas purification plant in Sui on Sunday.",
            "Sui",
            "Balochistan",
        ),
    ],
)
def test_a_town_named_by_a_common_word_after_a_preposition(
    extract: Extract, sentence: str, name: str, province: str
) -> None:
    event = main_event(extract(sentence, published="2024-05-08"))
    assert _place(event) == (name, province)


def test_the_common_word_alone_is_not_a_place() -> None:
    text = "The Hub of the trade route is busy. A tank was seen. Sui generis."
    assert add_locative_names(text, [], 0) == []


def test_a_name_the_model_labelled_otherwise_gives_way() -> None:
    text = "Two guards were shot in Hub."
    start = text.index("Hub")
    assert add_locative_names(text, [(start, start + 3, "ORG")], 0) == [(start, start + 3, "GPE")]


def test_the_place_a_road_leads_to_is_not_the_scene(extract: Extract) -> None:
    text = (
        "A suicide bomber killed nine worshippers at a mosque in Jamrud, a town on the road "
        "to the Torkham border crossing, on Friday, police said."
    )
    event = main_event(extract(text, published="2023-09-16"))
    assert _place(event) == ("Jamrud", "Khyber Pakhtunkhwa")


@pytest.mark.parametrize(
    ("sentence", "name", "lat", "lon"),
    [
        ("A roadside bomb hit an FC vehicle near Hoshab on Tuesday.", "Hoshab", 26.02, 63.88),
        ("Gunmen attacked a checkpoint in Clifton on Sunday.", "Clifton", 24.82, 67.03),
        (
            "A suicide bomber struck a convoy on the East Bay Expressway on Friday.",
            "Gwadar East Bay Expressway",
            25.13,
            62.35,
        ),
        (
            "Gunmen killed two climbers at the Nanga Parbat base camp on Saturday.",
            "Nanga Parbat",
            35.24,
            74.55,
        ),
        ("A bus was ambushed near Noshki on Monday.", "Nushki", 29.55, 66.02),
    ],
)
def test_curated_points_for_places_the_packaged_data_misplaces_or_lacks(
    extract: Extract, sentence: str, name: str, lat: float, lon: float
) -> None:
    location = main_event(extract(sentence, published="2024-05-08"))["location"]
    assert location["name"] == name
    assert (round(location["lat"], 2), round(location["lon"], 2)) == (lat, lon)


def test_an_institution_speaking_from_a_city_is_not_the_scene(extract: Extract) -> None:
    text = (
        "Pakistani jets struck hideouts in Datta Khel on Monday, killing 12 militants. "
        "The government in Kabul said the strikes had hit civilians."
    )
    result = extract(text, published="2024-06-11")
    assert all((e["location"] or {}).get("name") != "Kabul" for e in result["events"])


def test_an_attack_on_an_embassy_in_a_city_is_there(extract: Extract) -> None:
    event = main_event(
        extract("Gunmen attacked the embassy in Kabul on Monday.", published="2024-06-11")
    )
    assert _place(event)[0] == "Kabul"


def test_where_a_train_was_bound_is_not_the_scene() -> None:
    text = "Separatists claim the hijacking of a Quetta-bound train near Mach on Tuesday"
    quetta, mach = text.index("Quetta"), text.index("Mach")
    entities = [(quetta, quetta + 6, "GPE"), (mach, mach + 4, "GPE")]
    mentions = collect_mentions(text, entities, default_gazetteer(), ["Quetta", "Mach"])
    assert [(m.text, m.weak) for m in mentions] == [("Quetta", True), ("Mach", False)]


def test_where_a_diplomat_is_posted_and_where_a_motorway_leads_are_not_the_scene(
    extract: Extract,
) -> None:
    meeting = (
        "PESHAWAR: China's consul general in Lahore, Wu Jianfeng, called on the Khyber "
        "Pakhtunkhwa chief secretary in Peshawar on Tuesday to discuss convoy escorts."
    )
    engagements = [
        e for e in extract(meeting, published="2025-05-07")["events"] if e["kind"] == "meeting"
    ]
    assert _place(engagements[0]) == ("Peshawar", "Khyber Pakhtunkhwa")
    unit = (
        "RAWALPINDI: Police set up a unit on Monday to escort foreign engineers in the city and "
        "on the motorway to Peshawar, the police chief announced."
    )
    events = extract(unit, published="2025-05-06")["events"]
    assert _place(events[0])[0] == "Rawalpindi"


@pytest.mark.parametrize("quarter", ["Korangi", "Manghopir", "Orangi", "Lyari", "Malir"])
def test_karachi_quarters_are_placed_in_karachi(extract: Extract, quarter: str) -> None:
    text = f"A grenade attack on a police van in {quarter} wounded three policemen on Monday."
    location = main_event(extract(text, published="2024-08-20"))["location"]
    assert (location["name"], location["admin2"]) == (quarter, "Karachi")
    assert location["precision"] != "district"


def test_talks_in_this_city_are_at_the_dateline_and_tashkurgan_is_in_xinjiang(
    extract: Extract,
) -> None:
    text = (
        "URUMQI, China: Pakistan and China will hold joint patrols at the Khunjerab Pass from "
        "June, officials announced on Monday after talks in this regional capital."
    )
    engagements = extract(text, published="2025-05-13")["events"]
    assert _place(engagements[0]) == ("Ürümqi", "Xinjiang")
    text = "Border officials of the two countries met in Tashkurgan on Friday."
    assert _place(extract(text, published="2025-05-17")["events"][0])[1] == "Xinjiang"


def test_a_curated_site_read_as_an_organisation_is_a_place() -> None:
    text = "Gunmen fired at a van outside the University of Karachi on Monday."
    start = text.index("University")
    entities = [(start, start + len("University of Karachi"), "ORG")]
    (mention,) = collect_mentions(text, entities, default_gazetteer(), ())
    assert mention.place is not None and mention.place.admin2 == "Karachi"
    # An organisation that is no curated site stays out.
    entities = [(0, 6, "ORG")]
    assert collect_mentions("Police said.", entities, default_gazetteer(), ()) == []


def test_a_province_that_owns_resources_is_not_the_scene(extract: Extract) -> None:
    text = (
        "The group, which accuses China of exploiting Balochistan's resources, also claimed the "
        "2022 bombing at the University of Karachi that killed three Chinese teachers."
    )
    event = extract(text, published="2025-05-15")["events"][0]
    assert _place(event) == ("University of Karachi", "Sindh")


def test_an_office_that_spoke_from_a_city_is_not_a_new_scene(extract: Extract) -> None:
    text = (
        "CHILAS: A bomb hit a van carrying road workers near Chilas on Tuesday, killing four. "
        "The interior ministry in Islamabad initially spoke of a gas cylinder blast. Nine people "
        "were injured."
    )
    events = extract(text, published="2024-10-02")["events"]
    assert len(events) == 1
    assert events[0]["location"]["name"] == "Chilas"
    assert events[0]["injured"]["total"] == 9


def test_the_project_people_work_for_is_not_where_they_were_hit(extract: Extract) -> None:
    text = (
        "In May 2019, gunmen fired on a van carrying engineers of the Saindak project near "
        "Nok Kundi, wounding two."
    )
    (event,) = extract(text, published="2023-10-18")["events"]
    assert event["location"]["name"].replace(" ", "") == "NokKundi"

"""Engagements: announcements stated as plans, the people who took part, and topic words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from safepassage.extract.actors import topics_in

Extract = Callable[..., dict[str, Any]]


def _engagements(result: dict[str, Any]) -> list[dict[str, Any]]:
    kinds = ("meeting", "agreement", "announcement")
    return [e for e in result["events"] if e["kind"] in kinds]


def _people(event: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(p["name"], p["country"]) for p in event["participants"]}


def test_a_security_measure_stated_for_the_future_is_an_announcement(extract: Extract) -> None:
    text = (
        "HYDERABAD: Sindh Inspector General Ghulam Haider Jamali said on Monday that a new unit "
        "would escort every foreign engineer travelling to the coal fields."
    )
    events = _engagements(extract(text, published="2024-02-12"))
    assert [e["kind"] for e in events] == ["announcement"]
    assert "movement_security" in events[0]["topics"]


def test_a_plain_future_remark_is_not_an_announcement(extract: Extract) -> None:
    text = "The shopkeeper said he would reopen his stall next week."
    assert _engagements(extract(text, published="2024-02-12")) == []


def test_people_and_their_countries(extract: Extract) -> None:
    text = (
        "ISLAMABAD: The two countries agreed on Monday to train more police for Chinese "
        "nationals, after talks between Pakistan's Interior Minister Rana Tanveer Sheikh and Li Qiang, "
        "China's vice-minister of public security."
    )
    events = _engagements(extract(text, published="2024-02-12"))
    assert _people(events[0]) == {("Rana Tanveer Sheikh", "PK"), ("Li Qiang", "CN")}


def test_a_dateline_is_not_a_person_and_honorifics_are_dropped(extract: Extract) -> None:
    text = (
        "TORKHAM, Afghanistan: Pakistani commissioner Arif Khan met the Afghan border "
        "commander Mawlawi Noor Ahmad on Tuesday to discuss the crossing."
    )
    events = _engagements(extract(text, published="2024-02-14"))
    names = {name for name, _country in _people(events[0])}
    assert names == {"Arif Khan", "Noor Ahmad"}


@pytest.mark.parametrize(
    ("sentence", "topics"),
    [
        # A counter-terrorism exercise is both an exercise and about counter-terrorism.
        (
            "The two police forces will hold joint counter-terrorism drills every spring.",
            ["joint_exercise", "counter_terrorism"],
        ),
        (
            "They agreed on an annual counter-terrorism exercise.",
            ["joint_exercise", "counter_terrorism"],
        ),
        ("Beijing will train 200 Pakistani police officers in forensic work.", ["training"]),
        ("The Jaffar Express train left Quetta late.", []),
        ("Both agencies will exchange information on wanted suspects.", ["intelligence_sharing"]),
        ("The two bureaus will exchange data on stolen phones.", ["intelligence_sharing"]),
        # A unit raised to guard foreigners is a protection unit, whatever its name.
        (
            "Rawalpindi police formed a unit of 250 constables to guard Chinese engineers.",
            ["protection_unit"],
        ),
        ("A new company of the Special Security Unit was sent.", ["protection_unit"]),
        ("Fifty Levies guards will be trained in first aid.", ["training"]),
        ("No soil shall be used for terrorism against a neighbour.", ["counter_terrorism"]),
        # A proposal discussed but left for later is not a topic of what was agreed.
        ("A plan for joint drills was discussed but left for a later round.", []),
    ],
)
def test_topic_words(sentence: str, topics: list[str]) -> None:
    assert topics_in(sentence, [(0, len(sentence))]) == topics


def test_a_measure_stated_before_would_continues_the_announcement(extract: Extract) -> None:
    text = (
        "PESHAWAR: The provincial police chief, Khalid Awan, announced on Sunday that a new "
        "battalion of the Special Protection Unit would be raised. Speaking to reporters in "
        "Peshawar, he said all movements of Chinese staff on the highway would now be cleared "
        "by one control room."
    )
    (announcement,) = _engagements(extract(text, published="2024-06-24"))
    assert announcement["kind"] == "announcement"
    assert announcement["topics"] == ["protection_unit", "movement_security"]
    assert len(announcement["evidence"]) == 2


def test_titles_set_off_by_commas_and_a_capitalised_owned_title(extract: Extract) -> None:
    text = (
        "BEIJING: The two countries signed a security agreement on Thursday. It was signed by "
        "Pakistan's Interior Secretary, Khurram Agha, and Li Wenhua, China's Vice Minister "
        "of Public Security, after two days of talks."
    )
    (agreement,) = _engagements(extract(text, published="2025-03-14"))
    people = {(p["name"], p["title"], p["country"]) for p in agreement["participants"]}
    assert people == {
        ("Khurram Agha", "Interior Secretary", "PK"),
        ("Li Wenhua", "Vice Minister of Public Security", "CN"),
    }


def test_names_set_off_before_a_title_are_people_of_their_own_country(extract: Extract) -> None:
    # The model tags one name as a facility and part of the other as a Chinese district.
    text = (
        "GILGIT: The two sides agreed on Monday to hold joint border patrols. The announcement "
        "followed a meeting between Tahir Nawaz Khattak, the Inspector General of Police of "
        "Gilgit-Baltistan, and Yang Guangming, deputy director of the public security "
        "department of China's Xinjiang Uygur Autonomous Region."
    )
    (meeting,) = _engagements(extract(text, published="2019-07-11"))
    people = {(p["name"], p["country"]) for p in meeting["participants"]}
    assert people == {("Tahir Nawaz Khattak", "PK"), ("Yang Guangming", "CN")}


def test_a_place_before_a_title_stays_a_place() -> None:
    from safepassage.extract.analysis import _titled_people
    from safepassage.extract.places import default_gazetteer

    text = "In Dera Ismail Khan, the commissioner said schools would reopen."
    start = text.index("Dera")
    entities = [(start, start + len("Dera Ismail Khan"), "GPE")]
    assert _titled_people(text, entities, default_gazetteer()) == entities


def test_a_courtesy_call_is_a_meeting_and_a_family_name_finds_its_person(extract: Extract) -> None:
    text = (
        "ISLAMABAD: Police chiefs of the two countries agreed on Tuesday to share threat alerts, "
        "after talks between Inspector General Akbar Nasir Khan and Liu Zhenfang, China's "
        "vice-minister of public security.\n\n"
        "Later on Tuesday, Mr Liu called on President Asif Ali Zardari, who promised more guards "
        "for the Gwadar port staff."
    )
    events = _engagements(extract(text, published="2025-03-04"))
    call = [e for e in events if any(p["name"] == "Asif Ali Zardari" for p in e["participants"])]
    assert len(call) == 1
    assert call[0]["kind"] == "meeting"
    assert _people(call[0]) == {("Liu Zhenfang", "CN"), ("Asif Ali Zardari", "PK")}


def test_calling_on_a_country_to_act_is_not_a_meeting(extract: Extract) -> None:
    text = (
        "Beijing on Friday called on Pakistan to protect its citizens working on the Thar coal "
        "project."
    )
    assert _engagements(extract(text, published="2025-03-07")) == []


def test_a_country_that_owns_a_title_is_not_where_the_talks_were(extract: Extract) -> None:
    text = (
        "QUETTA: Balochistan and China agreed on Wednesday to set up a joint desk for convoy "
        "alerts, after talks between Chief Secretary Shakeel Qadir and Chen Wei, China's consul "
        "general."
    )
    events = _engagements(extract(text, published="2025-03-05"))
    assert events[0]["location"]["name"] == "Quetta"
    assert ("Chen Wei", "CN") in _people(events[0])


def test_an_official_who_reports_what_both_sides_promised_took_part(extract: Extract) -> None:
    text = (
        "CHAMAN: Pakistani and Afghan officials met at the Friendship Gate on Sunday to end a "
        "week-long closure. Deputy commissioner Sajid Mehmood said both sides had "
        "promised to let pedestrians cross again. The Afghan team was led by Mawlawi Noorullah "
        "Hanif."
    )
    events = _engagements(extract(text, published="2025-04-07"))
    assert len(events) == 1
    assert {"Sajid Mehmood", "Noorullah Hanif"} <= {p["name"] for p in events[0]["participants"]}


def test_one_who_chaired_the_session_joins_the_talks_and_both_are_domestic(
    extract: Extract,
) -> None:
    text = (
        "DERA ISMAIL KHAN: Elders of two feuding clans signed a truce in Dera Ismail Khan on "
        "Thursday, said district spokesman Faisal Gandapur. The division's commissioner, Nadir "
        "Shah, who chaired the final session, said anyone breaking the truce would be arrested. "
        "The jirga met three days after a clash near Paharpur on Monday."
    )
    events = _engagements(extract(text, published="2025-04-11"))
    assert len(events) == 1
    assert _people(events[0]) == {("Faisal Gandapur", "PK"), ("Nadir Shah", "PK")}
    assert events[0]["date"]["value"] == "2025-04-10"


def test_a_name_used_alone_later_is_the_same_person(extract: Extract) -> None:
    text = (
        "ISLAMABAD: Pakistan and China signed a plan on Monday to guard the Karakoram Highway, "
        "during a visit by China's Minister of Public Security Wang Xiaohong.\n\n"
        "Wang also met Prime Minister Shehbaz Sharif on Tuesday evening to discuss the safety "
        "of Chinese engineers."
    )
    events = _engagements(extract(text, published="2025-04-14"))
    with_pm = [e for e in events if ("Shehbaz Sharif", "PK") in _people(e)]
    assert len(with_pm) == 1
    assert ("Wang Xiaohong", "CN") in _people(with_pm[0])


def test_an_owned_acting_title_and_a_chinese_name_give_countries(extract: Extract) -> None:
    text = (
        "KABUL: The three countries agreed on Tuesday to share intelligence on militants. "
        "Afghanistan's acting Interior Minister Sirajuddin Haqqani met Pakistan's Interior "
        "Minister Mohsin Naqvi and Xu Jiawei, a deputy minister of public security."
    )
    events = _engagements(extract(text, published="2025-06-04"))
    assert _people(events[0]) == {
        ("Sirajuddin Haqqani", "AF"),
        ("Mohsin Naqvi", "PK"),
        ("Xu Jiawei", "CN"),
    }


def test_the_opening_of_a_joint_exercise_and_those_who_opened_it(extract: Extract) -> None:
    text = (
        "KHARIAN: Soldiers from Pakistan and China began a joint counter-terrorism exercise near "
        "Kharian on Tuesday, the ISPR said. The exercise brings together 300 troops. It was "
        "opened by Major General Adnan Sarwar, a Pakistani division commander, and Major "
        "General Guo Haitao of the PLA. The exercise will include drills on rescuing hostages "
        "from a bus and clearing a mock village."
    )
    events = extract(text, published="2025-10-22")["events"]
    assert [e["kind"] for e in events] == ["meeting"]
    assert _people(events[0]) == {("Adnan Sarwar", "PK"), ("Guo Haitao", "CN")}
    assert {"joint_exercise", "counter_terrorism"} <= set(events[0]["topics"])


def test_an_announcement_is_placed_where_it_was_made(extract: Extract) -> None:
    text = (
        "PESHAWAR: The provincial police chief said on Monday that the province would raise a "
        "new unit to guard Chinese engineers at the dams in Dasu and Mohmand, and that "
        "foreigners would need a day's notice before travelling by road."
    )
    (announcement,) = _engagements(extract(text, published="2025-06-09"))
    assert announcement["location"]["name"] == "Peshawar"
    assert "movement_security" in announcement["topics"]
    text = (
        "ISLAMABAD: Sindh's police chief told a news conference in Karachi on Monday that a new "
        "unit would escort Chinese engineers in Tharparkar."
    )
    (announcement,) = _engagements(extract(text, published="2025-06-09"))
    assert announcement["location"]["name"] == "Karachi"


def test_a_visiting_team_is_no_meeting_and_a_town_beats_its_province(extract: Extract) -> None:
    text = (
        "MIRPUR: The Azad Jammu and Kashmir police and a visiting team from the Sindh police "
        "agreed on Friday to hold a joint course for 100 officers next month in Mirpur."
    )
    (agreement,) = _engagements(extract(text, published="2025-06-14"))
    assert agreement["kind"] == "agreement"
    assert "Mirpur" in agreement["location"]["name"]
    assert agreement["location"]["precision"] != "province"


def test_the_venue_of_a_later_meeting_is_not_this_ones(extract: Extract) -> None:
    text = (
        "LAHORE: Punjab's home minister met China's consul general on Tuesday to discuss "
        "escorts for Chinese engineers. The two officials agreed to meet again in Beijing in "
        "the spring."
    )
    (meeting,) = _engagements(extract(text, published="2025-06-18"))
    assert meeting["location"]["name"] == "Lahore"


def test_representatives_their_countries_and_the_capital_by_reference(extract: Extract) -> None:
    text = (
        "TASHKENT: Border officials of Pakistan, China and Uzbekistan agreed on Monday to share "
        "data on travellers, after a meeting in the Uzbek capital.\n\n"
        "Pakistan was represented by its Interior Secretary, Nadeem Akhtar Qureshi, China by "
        "Zhou Weiming, a vice minister, and Uzbekistan by its deputy interior minister, Bakhodir "
        "Tashmatov, according to a joint statement. Mr Qureshi said Uzbek and Pakistani officers "
        "would train together."
    )
    (meeting,) = _engagements(extract(text, published="2025-02-04"))
    assert meeting["location"]["name"] == "Tashkent"
    assert _people(meeting) == {
        ("Nadeem Akhtar Qureshi", "PK"),
        ("Zhou Weiming", "CN"),
        ("Bakhodir Tashmatov", "UZ"),
    }


def test_a_meeting_still_to_come_does_not_place_the_signing(extract: Extract) -> None:
    text = (
        "ISLAMABAD: Pakistan's National Cyber Crime Investigation Agency and China's Ministry of "
        "Public Security signed a memorandum on Monday.\n\n"
        "The memorandum was signed at the agency's offices in Islamabad.\n\n"
        "Under the agreement, a joint working group will meet twice a year and officers will be "
        "trained in Shanghai."
    )
    (signing,) = _engagements(extract(text, published="2026-02-10"))
    assert signing["location"]["name"] == "Islamabad"


def test_here_is_the_datelines_city_and_a_stand_ins_principal_is_no_participant(
    extract: Extract,
) -> None:
    text = (
        "KASHGAR: Police chiefs of Gilgit-Baltistan and Xinjiang signed an agreement here on "
        "Monday to share intelligence on cross-border crime.\n\n"
        "It was signed by GB Inspector General Afzal Mahmood Butt and by Xinjiang police chief "
        "Ma Jianguo's representative, Li Wei."
    )
    (agreement,) = _engagements(extract(text, published="2024-06-05"))
    assert agreement["location"]["name"] == "Kashgar"
    assert {p["name"] for p in agreement["participants"]} == {"Afzal Mahmood Butt", "Li Wei"}

"""Dates told relative to the story, the background flag, and incidents told inside others.

The texts are written for these tests. They follow common news phrasings: a follow-up dated
"two days later", an attack recalled "earlier this month" after the one reported, a statement
made a day or two after the operation it describes, an arrest over an older bombing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from safepassage.extract.dates import find_dates
from tests.extract.conftest import main_event

Extract = Callable[..., dict[str, Any]]


def _dates(text: str, base: date | None) -> list[tuple[str | None, str | None, bool, bool]]:
    return [(d.value, d.precision, d.weak, d.past) for d in find_dates(text, base)]


def _by_place(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in result["events"] if e["location"] and e["location"]["name"] == name)


# --- dates -------------------------------------------------------------------------------------


def test_days_later_counts_from_the_full_date_told_before_it() -> None:
    text = "A bus was attacked on 4 May 2022. Three days later, police made arrests."
    assert _dates(text, None)[1] == ("2022-05-07", "day", False, False)
    text = "Talks opened on 10 October 2021; a day earlier, the envoy had landed."
    assert _dates(text, None)[1][:2] == ("2021-10-09", "day")
    text = "The raid took place on 2 June 2020. The next day, curfew was lifted."
    assert _dates(text, None)[1][:2] == ("2020-06-03", "day")


def test_days_later_without_an_earlier_date_stays_unresolved() -> None:
    assert _dates("Two days later, the road reopened.", date(2024, 5, 9)) == [
        (None, None, False, False)
    ]


def test_this_week_takes_the_month_when_the_week_lies_in_it() -> None:
    # Thursday 16 May 2024: the week began on Monday 13 May.
    assert _dates("seized earlier this week", date(2024, 5, 16)) == [
        ("2024-05", "month", False, False)
    ]
    # Wednesday 2 October 2024: the week began in September, so no month can be given.
    assert _dates("seized earlier this week", date(2024, 10, 2)) == [(None, None, False, False)]


def test_last_week_is_recalled_and_takes_its_month() -> None:
    assert _dates("a blast last week", date(2024, 5, 16)) == [("2024-05", "month", False, True)]


def test_earlier_this_month_points_to_a_recalled_event() -> None:
    assert _dates("Earlier this month, a bomb", date(2024, 5, 20)) == [
        ("2024-05", "month", False, True)
    ]
    assert _dates("earlier this year, a bomb", date(2024, 5, 20)) == [("2024", "year", False, True)]


def test_since_a_weekday_bounds_a_period() -> None:
    found = _dates("roads have been shut since Sunday night", date(2024, 5, 16))
    assert found == [("2024-05-12", "day", True, False)]


def test_since_a_month_followed_by_when_dates_an_event() -> None:
    assert _dates("the worst since March, when a bomb", date(2024, 9, 2)) == [
        ("2024-03", "month", False, False)
    ]
    assert _dates("the worst since March in the city", date(2024, 9, 2)) == [
        ("2024-03", "month", True, False)
    ]


def test_the_day_of_an_arrival_does_not_date_the_talks() -> None:
    text = "the envoy, who arrived on a three-day visit on Sunday, met the minister on Monday"
    found = find_dates(text, date(2024, 5, 16))
    assert [(d.value, d.weak) for d in found] == [("2024-05-12", True), ("2024-05-13", False)]


# --- events ------------------------------------------------------------------------------------


def test_an_attack_recalled_earlier_this_month_is_its_own_background_event(
    extract: Extract,
) -> None:
    text = (
        "KHUZDAR: Gunmen shot dead three labourers at a road project near Khuzdar on Monday, "
        "police said. The men were from Sindh. Earlier this month, a roadside bomb wounded two "
        "policemen near Kalat."
    )
    result = extract(text, published="2024-05-21")
    main = main_event(result)
    assert main["date"]["value"] == "2024-05-20"
    recalled = _by_place(result, "Kalat")
    assert recalled["background"] is True
    assert recalled["date"]["value"] == "2024-05"


def test_a_sentence_recalling_an_older_attack_starts_a_new_event(extract: Extract) -> None:
    text = (
        "Militants attacked a police station in Bannu on Tuesday night, killing two constables, "
        "officials said on Wednesday. The attack recalled the assault of August 2022 on a "
        "checkpoint in Karak, which killed four policemen."
    )
    result = extract(text, published="2024-05-22")
    assert main_event(result)["fatalities"]["total"] == 2
    recalled = next(e for e in result["events"] if e["background"])
    assert recalled["date"]["value"] == "2022-08"
    assert recalled["fatalities"]["total"] == 4


def test_weapons_found_in_a_raid_keep_it_an_operation(extract: Extract) -> None:
    text = (
        "Police killed two suspected militants in a raid on a house in Mardan on Friday. "
        "Grenades and explosives were recovered from the house, officials said."
    )
    event = main_event(extract(text, published="2024-05-18"))
    assert event["kind"] == "security_operation"
    assert event["attack_type"] is None


def test_jets_striking_hideouts_is_a_security_operation(extract: Extract) -> None:
    text = "Fighter jets struck militant hideouts in Orakzai on Sunday, killing nine militants."
    event = main_event(extract(text, published="2024-05-20"))
    assert event["kind"] == "security_operation"


def test_a_raid_by_militants_is_an_attack_and_a_raid_by_police_is_not(extract: Extract) -> None:
    text = "Militants burned 40 lorries in raids on two depots in Chaman on Monday."
    event = main_event(extract(text, published="2024-05-21"))
    assert event["kind"] == "attack"
    assert event["attack_type"] == "facility_attack"
    text = "Police killed four militants in a raid on a hideout in Chaman on Monday."
    assert main_event(extract(text, published="2024-05-21"))["kind"] == "security_operation"


def test_twin_attacks_in_one_sentence_give_one_event_per_place(extract: Extract) -> None:
    text = (
        "QUETTA: Gunmen attacked a bank in Kharan on Monday, killing two guards, police said. "
        "In May last year, militants stormed two police stations on the same night, one in "
        "Kalat and the other in Khuzdar, killing nine policemen."
    )
    result = extract(text, published="2024-06-12")
    kalat, khuzdar = _by_place(result, "Kalat"), _by_place(result, "Khuzdar")
    for event in (kalat, khuzdar):
        assert event["background"] is True
        assert event["date"]["value"] == "2023-05"
        assert event["attack_type"] == "facility_attack"
    # The toll is given for both stations together: it stays with the first.
    assert kalat["fatalities"]["total"] == 9
    assert khuzdar["fatalities"] is None


def test_an_undated_report_dates_its_background_from_its_lead(extract: Extract) -> None:
    text = (
        "Security forces killed six militants in a raid near Zhob on 3 September 2023, "
        "officials said. On 14 April 2023, a suicide bomber attacked a checkpoint in Loralai, "
        "killing five soldiers."
    )
    result = extract(text)
    assert main_event(result)["date"]["value"] == "2023-09-03"
    recalled = _by_place(result, "Loralai")
    assert recalled["background"] is True


def test_an_undated_report_recalls_an_attack_dated_only_by_its_month(extract: Extract) -> None:
    text = (
        "Gunmen killed four passengers near Sibi on Friday night, officials said. "
        "In March 2022, gunmen killed eleven miners in Harnai."
    )
    result = extract(text)
    assert main_event(result)["location"]["name"] == "Sibi"
    assert _by_place(result, "Harnai")["background"] is True


def test_elsewhere_after_a_lead_meeting_reports_news(extract: Extract) -> None:
    text = (
        "ISLAMABAD: The interior minister met the Chinese ambassador on Friday to discuss the "
        "security of Chinese workers. Both sides agreed to review the escort rules.\n\n"
        "Officials said more talks would follow next month.\n\n"
        "Elsewhere, a bomb killed two policemen in Bannu on Thursday."
    )
    result = extract(text, published="2024-05-18")
    bombing = next(e for e in result["events"] if e["kind"] == "attack")
    assert bombing["background"] is False
    assert bombing["date"]["value"] == "2024-05-16"


def test_the_day_of_the_aftermath_does_not_date_the_attack(extract: Extract) -> None:
    text = (
        "Protesters blocked the highway on Wednesday after gunmen ambushed a van near "
        "Hangu on Tuesday, killing five people."
    )
    event = main_event(extract(text, published="2024-05-16"))
    assert event["date"]["value"] == "2024-05-14"


def test_a_statement_day_yields_to_the_day_the_operation_began(extract: Extract) -> None:
    text = (
        "Troops have killed 15 militants in an operation in Mohmand district, the army said "
        "on Friday. The operation was launched on Wednesday after militants fired on a "
        "convoy. Villagers said a mortar round hit a house in the district."
    )
    event = main_event(extract(text, published="2024-05-17"))
    assert event["kind"] == "security_operation"
    assert event["date"]["value"] == "2024-05-15"


def test_an_arrest_over_an_older_bombing_is_a_separate_event(extract: Extract) -> None:
    text = (
        "QUETTA: Police said on Tuesday they had arrested three men over the bombing of a "
        "market in Turbat last December, in which eight shoppers died."
    )
    result = extract(text, published="2024-05-21")
    arrest = main_event(result)
    assert arrest["kind"] == "security_operation"
    assert arrest["date"]["value"] == "2024-05-21"
    bombing = next(e for e in result["events"] if e["background"])
    assert bombing["kind"] == "attack"
    assert bombing["date"]["value"] == "2023-12"
    assert bombing["fatalities"]["total"] == 8


def test_a_reaction_to_the_attack_from_another_city_is_not_another_attack(
    extract: Extract,
) -> None:
    text = (
        "A bomb hidden in a rickshaw killed six people at a bazaar in Parachinar on Sunday, "
        "police said. The governor in Peshawar condemned the bombing and ordered an inquiry."
    )
    result = extract(text, published="2024-05-20")
    attacks = [e for e in result["events"] if e["kind"] == "attack"]
    assert len(attacks) == 1
    assert attacks[0]["location"]["name"] == "Parachinar"


def test_an_operation_that_was_launched_is_not_also_an_announcement(extract: Extract) -> None:
    text = (
        "Troops killed seven militants in Bajaur on Monday, officials said. In March last "
        "year, the army launched an operation in Mohmand against the same group."
    )
    result = extract(text, published="2024-05-21")
    assert [e["kind"] for e in result["events"]] == ["security_operation", "security_operation"]


def test_an_announcement_about_an_old_attack_stays_an_announcement(extract: Extract) -> None:
    text = (
        "LAHORE: The provincial government announced on Monday a scholarship named after the "
        "victims of the bombing of a park in Lahore in March 2016, in which 70 people died."
    )
    kinds = {e["kind"] for e in extract(text, published="2024-05-21")["events"]}
    assert kinds == {"announcement", "attack"}


def test_a_foiled_plan_to_attack_is_an_operation_not_an_attack(extract: Extract) -> None:
    text = (
        "FAISALABAD: Police arrested two men in a raid in Faisalabad on Tuesday and foiled a "
        "plot to bomb a bus carrying Chinese textile engineers, officials said."
    )
    events = extract(text, published="2024-08-14")["events"]
    assert [e["kind"] for e in events] == ["security_operation"]
    assert events[0]["location"]["name"] == "Faisalabad"


def test_a_raid_and_the_earlier_attack_it_solved_are_two_events(extract: Extract) -> None:
    text = (
        "KARACHI: The CTD said on Sunday it had arrested three suspects in a raid in Orangi on "
        "Saturday, and that the men had thrown a grenade at a police van in Hyderabad in "
        "January."
    )
    events = extract(text, published="2024-08-18")["events"]
    raid = [e for e in events if e["kind"] == "security_operation"]
    attack = [e for e in events if e["kind"] == "attack"]
    assert raid and raid[0]["location"]["name"] == "Orangi"
    assert raid[0]["date"]["value"] == "2024-08-17"
    assert attack and attack[0]["background"] is True
    assert attack[0]["location"]["admin1"] == "Sindh"
    assert attack[0]["date"]["value"] == "2024-01"


def test_an_operation_named_only_as_a_time_is_no_event(extract: Extract) -> None:
    text = (
        "PESHAWAR: Militants ambushed a police van near Jamrud on Monday, killing three "
        "constables. The van was taking food to posts in the Tirah valley, where troops have "
        "been stationed since an operation against militants years ago. An official in Peshawar "
        "said four constables were also wounded."
    )
    events = extract(text, published="2024-09-03")["events"]
    assert [e["kind"] for e in events] == ["attack"]
    assert events[0]["location"]["name"] == "Jamrud"
    assert events[0]["injured"]["total"] == 4


def test_a_groups_own_count_of_its_kills_gives_way_to_the_officials_toll(
    extract: Extract,
) -> None:
    text = (
        "TURBAT: Three Levies men were killed when militants attacked their post near Turbat on "
        "Friday, officials said. The BLF said in a statement that its fighters had killed at "
        "least fifteen soldiers, a figure officials denied."
    )
    dead = main_event(extract(text, published="2024-09-07"))["fatalities"]
    assert (dead["total"], dead["min"], dead["max"]) == (3, None, None)
    # With no other figure, the group's count is all the text gives.
    text = "The BLF said in a statement that its fighters had killed six soldiers near Turbat."
    assert main_event(extract(text, published="2024-09-07"))["fatalities"]["total"] == 6


def test_a_later_day_inside_the_first_month_refines_the_date(extract: Extract) -> None:
    text = (
        "HYDERABAD: Gunmen threw a grenade at a bus of Chinese workers near Kotri in March, "
        "police said on Saturday. The grenade was thrown on 9 March, wounding the driver."
    )
    (event,) = extract(text, published="2024-05-11")["events"]
    assert (event["date"]["value"], event["date"]["precision"]) == ("2024-03-09", "day")
    assert event["background"] is True


def test_where_the_wounded_were_taken_and_a_dated_older_attack_in_an_undated_report(
    extract: Extract,
) -> None:
    text = (
        "KALAT: Gunmen who stopped a bus near Kalat on Saturday night shot dead six passengers. "
        "Two other passengers were wounded and taken to a hospital in Quetta. The Balochistan "
        "Liberation Army claimed the killings. In March 2024, gunmen killed nine travellers on "
        "a highway in Zhob district."
    )
    events = extract(text)["events"]
    assert len(events) == 2
    first, second = events
    assert first["location"]["name"] == "Kalat"
    assert first["injured"]["total"] == 2
    assert first["perpetrators"][0]["name"] == "Balochistan Liberation Army"
    assert second["date"]["value"] == "2024-03"
    assert second["fatalities"]["total"] == 9

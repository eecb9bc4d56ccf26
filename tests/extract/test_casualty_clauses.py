"""Deaths and injuries: clause shapes that the basic rules in test_casualties.py do not cover.

Attackers counted apart from their victims, active verbs after an attacker, breakdowns stated
after the verb or as an apposition, parts of the dead stated on their own, and the phrases
Pakistani military statements use ("embraced martyrdom").
"""

from __future__ import annotations

from typing import Any

import pytest

from safepassage.extract.casualties import aggregate, find_figures


def _tolls(text: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    return aggregate(find_figures(text, 0, len(text)))


def _dead(text: str) -> dict[str, Any]:
    fatalities, _ = _tolls(text)
    assert fatalities is not None, text
    return fatalities


def _spread(text: str) -> tuple[int | None, int | None, int | None]:
    dead = _dead(text)
    return dead["total"], dead["min"], dead["max"]


def _by_nationality(dead: dict[str, Any]) -> dict[str | None, int]:
    counts: dict[str | None, int] = {}
    for group in dead["by_group"]:
        counts[group["nationality"]] = counts.get(group["nationality"], 0) + group["count"]
    return counts


def test_embraced_martyrdom_is_a_death_and_ends_the_injured_clause() -> None:
    dead, hurt = _tolls(
        "Three soldiers embraced martyrdom and five others were wounded in the exchange of fire."
    )
    assert dead is not None and dead["total"] == 3
    assert hurt is not None and hurt["total"] == 5


def test_attackers_given_as_a_partitive_are_added_to_their_victims() -> None:
    dead = _dead(
        "Gunmen raided a checkpost, killing two policemen. Four of the attackers were killed "
        "when the police fired back."
    )
    assert (dead["total"], dead["perpetrators"]) == (6, 4)


def test_attackers_killed_along_with_their_victims_are_added() -> None:
    dead = _dead("Five guards, including a captain, died along with all four attackers.")
    assert (dead["total"], dead["perpetrators"]) == (9, 4)


def test_they_were_themselves_killed_adds_the_attackers_of_the_subject() -> None:
    # The victims' figure counts everyone the attackers killed; the attackers come on top.
    dead = _dead(
        "Four gunmen stormed the guest house and killed six people, including a cook, before "
        "they were themselves shot dead by commandos."
    )
    assert (dead["total"], dead["perpetrators"]) == (10, 4)


def test_a_toll_of_everyone_still_absorbs_attackers_not_counted_apart() -> None:
    dead = _dead(
        "Two soldiers were killed along with the three attackers, bringing the number of dead "
        "to five."
    )
    assert dead["total"] == 5


def test_after_an_attacker_the_verb_is_active() -> None:
    dead = _dead("A teenage suicide bomber killed four pilgrims and their Afghan guide.")
    assert dead["total"] == 4 + 1
    assert dead["perpetrators"] is None


@pytest.mark.parametrize(
    "text",
    [
        "Two gunmen killed, three soldiers injured",
        "Six insurgents killed in a clash with the Levies",
        "Three militants were killed and two soldiers wounded",
    ],
)
def test_an_attacker_subject_of_a_passive_verb_is_still_the_dead(text: str) -> None:
    dead = _dead(text)
    assert dead["perpetrators"] == dead["total"]


def test_a_speaker_or_a_contrast_ends_the_object() -> None:
    assert _spread(
        "Gunmen fired on the van, killing five people, officials said, although a doctor at the "
        "hospital put the toll at six."
    ) == (6, 5, 6)


def test_a_bare_total_keeps_an_including_breakdown() -> None:
    dead = _dead("The blast kills 14, including three Chinese nationals")
    assert dead["total"] == 14
    assert _by_nationality(dead) == {"CN": 3}


def test_a_rising_toll_keeps_the_part_named_among_the_dead() -> None:
    dead = _dead("The toll rises to six, one Chinese surveyor among the dead")
    assert dead["total"] == 6
    assert _by_nationality(dead) == {"CN": 1}


def test_a_breakdown_after_a_passive_verb() -> None:
    dead = _dead("Convoy ambush: nine killed including four Chinese; police search the hills")
    assert dead["total"] == 9
    assert _by_nationality(dead) == {"CN": 4}


def test_a_part_of_the_dead_stated_on_its_own() -> None:
    dead = _dead("Gunmen shot dead eight trekkers. Three of the dead were Chinese citizens.")
    assert dead["total"] == 8
    assert _by_nationality(dead) == {None: 8, "CN": 3}


def test_restated_nationality_groups_are_not_added_twice() -> None:
    dead = _dead(
        "Bus attack: toll rises to four, one Chinese engineer among the dead. "
        "Kohistan ambush: five killed including two Chinese."
    )
    assert _by_nationality(dead) == {"CN": 2}


def test_an_apposition_names_the_same_people() -> None:
    dead = _dead("Three villagers, two men and a boy, were killed by mortar fire.")
    assert dead["total"] == 3


def test_a_group_unknown_to_the_noun_tables_after_a_known_one() -> None:
    dead = _dead(
        "Gunmen opened fire at the gate, killing two guards and three visa applicants before "
        "fleeing."
    )
    assert dead["total"] == 5


def test_a_qualifier_after_of_is_not_a_victim() -> None:
    dead = _dead("A bomb killed three members of a village defence committee.")
    assert dead["total"] == 3


def test_an_at_least_lead_figure_conflicts_with_a_later_toll() -> None:
    assert _spread(
        "The bomber struck the mosque, killing at least 30 worshippers. A hospital official "
        "later put the death toll at 34."
    ) == (34, 30, 34)


def test_a_nationality_group_below_the_toll_is_a_part_not_a_conflict() -> None:
    assert _spread("At least two Chinese engineers were killed. The death toll rose to seven.") == (
        7,
        None,
        None,
    )


def test_a_subject_attacker_without_a_count_adds_nothing() -> None:
    dead = _dead(
        "Gunmen stormed the post and killed four soldiers before they were themselves killed."
    )
    assert dead["total"] == 4


def test_a_part_among_the_dead_with_its_own_breakdown_is_not_added() -> None:
    assert _spread(
        "Troops killed at least 15 militants in the raid. An elder said four villagers, "
        "including a boy, were among those killed."
    ) == (15, 15, None)


def test_a_watchman_is_a_victim() -> None:
    assert _dead("Militants stormed the depot, killing a watchman.")["total"] == 1


def test_objects_joined_before_a_second_participle_stay_with_the_first() -> None:
    dead, hurt = _tolls(
        "A bomb hit the checkpoint, killing two policemen and a boy and wounding four others."
    )
    assert dead is not None and dead["total"] == 3
    assert hurt is not None and hurt["total"] == 4


def test_the_number_of_dead_put_at_a_figure_conflicts_with_another() -> None:
    assert _spread(
        "Police put the number of dead at four, but a tribal elder said six people had been killed."
    ) == (6, 4, 6)


def test_one_attacker_among_the_attackers_is_not_one_more() -> None:
    dead = _dead(
        "Four soldiers and all five attackers, the suicide bomber among them, were killed."
    )
    assert (dead["total"], dead["perpetrators"]) == (9, 5)


def test_all_three_refers_to_the_attackers_counted_before() -> None:
    dead = _dead(
        "Three gunmen tried to force their way into the hotel on Friday. All three were shot "
        "dead by the guards, and one guard died in the gunfight."
    )
    assert (dead["total"], dead["perpetrators"]) == (4, 3)


def test_a_statistic_of_a_period_is_not_a_toll() -> None:
    text = (
        "Officials said more than 200 militants had been killed in the province over the past year."
    )
    assert find_figures(text, 0, len(text)) == []
    assert _dead("Nine people were killed in the blast, the worst in the past year.")["total"] == 9


def test_a_figure_a_higher_one_included_is_a_part_of_it() -> None:
    assert _spread(
        "The government said 18 people had died; the hospital later gave a toll of 20. "
        "Officials said the higher figure included two people who died in another hospital."
    ) == (20, 18, 20)


@pytest.mark.parametrize(
    ("text", "injured"),
    [
        ("Four hotel guests who jumped from the windows were hurt.", 4),
        ("The blast killed a driver, injuring their Chinese supervisor.", 1),
        ("Doctors said eleven people were being treated for wounds, including two children.", 11),
    ],
)
def test_injuries_of_less_common_groups_and_wording(text: str, injured: int) -> None:
    _, hurt = _tolls(text)
    assert hurt is not None and hurt["total"] == injured


def test_the_toll_of_what_an_attack_set_off_is_not_its_own() -> None:
    assert _spread(
        "Gunmen ambushed the convoy, killing at least 30 people. The attack sparked days of "
        "fighting between the tribes in which more than 100 people died."
    ) == (30, 30, None)


def test_what_a_group_has_done_in_recent_years_is_not_a_toll() -> None:
    text = "The TTP has killed several tribal elders in Bajaur in recent years."
    assert find_figures(text, 0, len(text)) == []


def test_a_speaker_placed_in_a_city_is_not_counted() -> None:
    text = "A police official in Quetta said six labourers had been killed."
    assert _spread(text) == (6, None, None)


def test_a_group_figure_set_against_a_higher_toll_gives_a_spread() -> None:
    text = (
        "An army official said five soldiers had been killed, while doctors at the district "
        "hospital put the number of dead at nine."
    )
    assert _spread(text) == (9, 5, 9)
    # Without a contrast the lower group figure is a part of the toll.
    text = "The blast killed nine people, five soldiers among them."
    assert _spread(text)[1:] == (None, None)


def test_a_chinese_run_site_is_not_a_chinese_victim() -> None:
    dead = _dead("Gunmen stormed a Chinese-run cement plant near Uthal, and a watchman died.")
    assert (dead["total"], _by_nationality(dead)) == (1, {None: 1})


def test_all_four_refers_to_attackers_counted_a_paragraph_before() -> None:
    text = (
        "Four militants were killed when they tried to storm a Chinese-run steel mill near "
        "Port Qasim late on Friday, and one guard died in the gunfight, officials said. "
        "The attackers, wearing suicide vests, arrived in a van and opened fire on the gate "
        "shortly before midnight, a spokesman for the provincial government told reporters. "
        "Guards and police returned fire and killed all four before they reached the houses "
        "where the foreign engineers live."
    )
    dead = _dead(text)
    assert (dead["total"], dead["perpetrators"]) == (5, 4)


def test_a_headline_that_puts_the_toll_higher_gives_a_spread() -> None:
    assert _spread("Bus stand blast: police say 6 dead; rescuers put toll at 9") == (9, 6, 9)


def test_a_spokesman_for_an_office_is_not_counted_and_a_survivor_with_burns_is_injured() -> None:
    _dead_fig, hurt = _tolls(
        "A blast near a checkpoint killed a guard and wounded three other people, a spokesman "
        "for the Kunar governor said."
    )
    assert hurt is not None and hurt["total"] == 3
    _dead_fig, hurt = _tolls("Two engineers died in the blast. The driver survived with burns.")
    assert hurt is not None and hurt["total"] == 1


@pytest.mark.parametrize(
    ("text", "spread"),
    [
        ("As many as 30 people were killed in the blast.", (30, None, 30)),
        ("The blast killed four people and wounded up to 20 others.", (4, None, None)),
    ],
)
def test_up_to_and_as_many_as_are_upper_bounds(
    text: str, spread: tuple[int | None, int | None, int | None]
) -> None:
    assert _spread(text) == spread


def test_up_to_wounded_is_the_highest_count() -> None:
    _, injured = _tolls("The blast killed four people and wounded up to 20 others.")
    assert injured is not None
    assert (injured["total"], injured["min"], injured["max"]) == (20, None, 20)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("A trader was shot dead in Jalalabad. His Afghan aide was wounded.", 1),
        ("Her nephew was injured in the blast.", 1),
        ("Both men were treated for minor injuries at a clinic.", 2),
    ],
)
def test_one_person_by_a_possessive_and_both_as_two(text: str, count: int) -> None:
    _, injured = _tolls(text)
    assert injured is not None and injured["total"] == count


@pytest.mark.parametrize(
    ("text", "dead"),
    [
        ("Gunmen shot dead a tailor in his shop.", 1),
        ("Two barbers and a prayer leader were killed in the blast.", 3),
    ],
)
def test_trades_and_callings_are_people(text: str, dead: int) -> None:
    assert _dead(text)["total"] == dead


@pytest.mark.parametrize(
    ("text", "dead"),
    [
        ("Three labourers employed by a local contractor were killed.", 3),
        ("Two engineers working for a Chinese company and their driver were killed.", 3),
    ],
)
def test_an_employer_is_not_another_victim(text: str, dead: int) -> None:
    assert _dead(text)["total"] == dead

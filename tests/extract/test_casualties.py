"""Deaths and injuries: totals, bounds, conflicts, groups and vague numbers."""

from __future__ import annotations

from typing import Any

from safepassage.extract.casualties import aggregate, find_figures
from safepassage.extract.numbers import VAGUE_NUMBERS, find_numbers


def _dead(text: str) -> dict[str, Any]:
    fatalities, _ = aggregate(find_figures(text, 0, len(text)))
    assert fatalities is not None, text
    return fatalities


def _groups(fatalities: dict[str, Any]) -> set[tuple[str | None, int]]:
    return {(g["nationality"], g["count"]) for g in fatalities["by_group"]}


def test_it_adds_a_nationality_breakdown_joined_by_and() -> None:
    dead = _dead(
        "A car bomb hit the van, killing four Chinese technicians and their Pakistani guard."
    )
    assert dead["total"] == 5
    assert _groups(dead) == {("CN", 4), ("PK", 1)}


def test_it_reads_a_total_with_an_including_breakdown() -> None:
    dead = _dead(
        "Eleven people, including seven Chinese workers and two Frontier Corps soldiers, died "
        "when the coach was hit."
    )
    assert dead["total"] == 11
    assert _groups(dead) == {("CN", 7), ("PK", 2)}


def test_it_sets_min_for_at_least() -> None:
    dead = _dead("At least 14 passengers were killed in the blast.")
    assert (dead["total"], dead["min"], dead["max"]) == (14, 14, None)


def test_it_keeps_conflicting_figures_as_min_and_max() -> None:
    dead = _dead(
        "Police said 12 people were killed. A hospital official said 13 people were killed."
    )
    assert (dead["min"], dead["max"]) == (12, 13)
    assert dead["total"] in (12, 13)


def test_it_counts_attackers_killed_as_perpetrators() -> None:
    dead = _dead("Three soldiers and four militants were killed in the clash.")
    assert dead["total"] == 7
    assert dead["perpetrators"] == 4


def test_it_reads_headline_figures() -> None:
    assert _dead("Blast kills soldier in Quetta")["total"] == 1
    text = "3 killed, 9 injured in market blast"
    fatalities, injured = aggregate(find_figures(text, 0, len(text)))
    assert fatalities is not None and fatalities["total"] == 3
    assert injured is not None and injured["total"] == 9


def test_it_reads_number_words_with_text2num() -> None:
    assert _dead("twenty-three workers were killed")["total"] == 23


def test_it_codes_vague_numbers_by_the_documented_table() -> None:
    assert VAGUE_NUMBERS["dozens"] == 12 and VAGUE_NUMBERS["scores"] == 20
    dead = _dead("Dozens of people were killed in the bombing.")
    assert (dead["total"], dead["min"]) == (12, 12)
    assert _dead("several policemen were killed")["total"] == 3


def test_it_does_not_count_years_or_distances() -> None:
    assert find_figures("In 2021 a 600-kilometre road was built.", 0, 40) == []
    assert 600 not in [n.value for n in find_numbers("a 600-kilometer-long border")]
    assert aggregate(find_figures("The border is 600 kilometres long.", 0, 34)) == (None, None)


def test_it_does_not_count_arrests_as_deaths() -> None:
    dead = _dead("Police killed two suspects and arrested three others.")
    assert dead["total"] == 2


def test_it_reads_of_them_and_among_them_breakdowns() -> None:
    dead = _dead("The blast killed 13 people, nine of them Chinese workers.")
    assert dead["total"] == 13 and _groups(dead) == {("CN", 9)}
    dead = _dead("The attack killed 10 people, among them four Chinese nationals.")
    assert dead["total"] == 10 and _groups(dead) == {("CN", 4)}


def test_it_reads_a_range_and_a_rising_toll() -> None:
    text = "Between 25 and 30 people were wounded in the blast."
    _, injured = aggregate(find_figures(text, 0, len(text)))
    assert injured is not None and (injured["min"], injured["max"]) == (25, 30)
    assert _dead("The toll from the market blast rose to 23 on Monday.")["total"] == 23


def test_it_ignores_negated_tolls() -> None:
    text = "The embassy said none of its citizens had been killed."
    assert aggregate(find_figures(text, 0, len(text))) == (None, None)


def test_it_adds_groups_stated_as_additional_and_not_repeated_reports() -> None:
    text = "Troops killed 14 militants in the raid. Two soldiers also died in the fighting."
    assert _dead(text)["total"] == 16
    text = "Nine soldiers killed in blast; nine security men killed in roadside bombing"
    assert _dead(text)["total"] == 9


def test_it_reads_no_one_was_hurt_as_a_toll_of_zero() -> None:
    text = "Saboteurs blew up a pipeline. No one was hurt."
    fatalities, injured = aggregate(find_figures(text, 0, len(text)))
    assert fatalities is not None and fatalities["total"] == 0
    assert injured is not None and injured["total"] == 0


def test_it_reads_deaths_without_weapons_words() -> None:
    assert _dead("Two men were hacked to death in the old city.")["total"] == 2

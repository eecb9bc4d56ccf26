"""Attack types: the assault on a facility, and the weapons attackers carried."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.extract.conftest import main_event

Extract = Callable[..., dict[str, Any]]


@pytest.mark.parametrize(
    "text",
    [
        "Security forces repulsed an attack on the Karachi Stock Exchange complex on Monday, "
        "killing all four attackers.",
        "Militants attacked a fuel terminal at Torkham on Tuesday night, killing a guard.",
    ],
)
def test_an_attack_on_a_complex_or_terminal_is_a_facility_attack(
    extract: Extract, text: str
) -> None:
    event = main_event(extract(text, published="2024-05-08"))
    assert event["attack_type"] == "facility_attack"


def test_the_weapons_attackers_carried_do_not_make_a_bombing(extract: Extract) -> None:
    text = (
        "Gunmen stormed a police station in Bannu on Sunday, killing three policemen. The "
        "attackers, armed with rifles, grenades and explosives, held the building for six hours."
    )
    event = main_event(extract(text, published="2024-05-08"))
    assert event["attack_type"] == "facility_attack"


def test_explosives_set_off_are_still_a_bombing(extract: Extract) -> None:
    text = "A bomb planted on a motorcycle exploded in a market in Chaman on Friday, killing four."
    event = main_event(extract(text, published="2024-05-08"))
    assert event["attack_type"] == "bombing"


def test_militants_who_fired_on_a_convoy_made_an_armed_assault(extract: Extract) -> None:
    text = "Militants fired on a convoy of road workers near Ghalanai on Monday, killing a guard."
    assert main_event(extract(text, published="2025-04-15"))["attack_type"] == "armed_assault"


def test_a_crowd_beating_is_an_unarmed_assault(extract: Extract) -> None:
    text = (
        "Three Chinese technicians were beaten up by a mob in Jhelum on Sunday after a quarrel "
        "over a parking space, police said."
    )
    event = main_event(extract(text, published="2023-03-14"))
    assert event["kind"] == "attack"
    assert event["attack_type"] == "unarmed_assault"


def test_an_attack_beaten_back_is_not_a_beating(extract: Extract) -> None:
    text = (
        "Guards beat back an attack by gunmen on a camp of Chinese engineers near Thakot on "
        "Monday; one gunman was killed."
    )
    event = main_event(extract(text, published="2023-03-14"))
    assert event["attack_type"] != "unarmed_assault"


def test_forces_that_say_they_killed_militants_report_an_operation(extract: Extract) -> None:
    text = (
        "The Sindh CTD said it killed three suspected militants in a shootout near Hub early on "
        "Saturday."
    )
    event = main_event(extract(text, published="2024-03-02"))
    assert event["kind"] == "security_operation"

"""The dictionary geoparser used as a baseline and fallback by the extractor."""

from __future__ import annotations

from safepassage.geo import Gazetteer
from safepassage.geo.geoparse import best_place, find_mentions


def test_it_finds_names_with_offsets_in_upper_case_headlines(gaz: Gazetteer) -> None:
    text = "SUICIDE BOMBER KILLS 12 IN PESHAWAR, KHYBER PAKHTUNKHWA"
    mentions = find_mentions(gaz, text)
    assert [m.text for m in mentions] == ["PESHAWAR", "KHYBER PAKHTUNKHWA"]
    for m in mentions:
        assert text[m.start : m.end] == m.text


def test_it_prefers_the_most_specific_pakistani_place(gaz: Gazetteer) -> None:
    text = "Chinese engineers were attacked near Bisham in Shangla district of Pakistan"
    place = best_place(gaz, text)
    assert place is not None and place.id == "local:besham"


def test_it_resolves_each_name_with_the_others_as_context(gaz: Gazetteer) -> None:
    place = best_place(gaz, "A convoy was hit in Kohistan on the road from Dasu")
    assert place is not None and place.admin2 == "Upper Kohistan"


def test_it_reads_regional_phrases_as_provinces(gaz: Gazetteer) -> None:
    place = best_place(gaz, "Roadside bomb kills 3 policemen in northwest Pakistan")
    assert place is not None and place.admin1 == "Khyber Pakhtunkhwa"


def test_it_finds_nothing_in_empty_or_placeless_text(gaz: Gazetteer) -> None:
    assert best_place(gaz, "") is None
    assert best_place(gaz, "Gunmen shot dead a shopkeeper on Monday") is None
    assert find_mentions(gaz, None) == []  # type: ignore[arg-type]
    assert best_place(gaz, "x" * 5_000_000) is None

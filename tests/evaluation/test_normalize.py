"""Tests of the name normalisation the scorer relies on."""

from __future__ import annotations

import pytest

from safepassage.evaluation.normalize import (
    districts_match,
    group_key,
    haversine_km,
    orgs_match,
    persons_match,
    province_key,
)


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("Khyber Pakhtunkwa province", "Khyber Pakhtunkhwa"),
        ("Federally Administered Tribal Areas", "Khyber Pakhtunkhwa"),
        ("NWFP", "Khyber Pakhtunkhwa"),
        ("North-West Frontier Province", "Khyber Pakhtunkhwa"),
        ("FATA", "Khyber Pakhtunkhwa"),
        ("Baluchistan", "Balochistan"),
        ("Balochistan province", "Balochistan"),
        ("Sind", "Sindh"),
        ("Azad Jammu & Kashmir", "Azad Jammu and Kashmir"),
        ("Islamabad Capital territory", "Islamabad Capital Territory"),
        ("Northern Areas", "Gilgit-Baltistan"),
    ],
)
def test_it_normalises_old_and_ucdp_province_spellings(spelling: str, canonical: str) -> None:
    assert province_key(spelling) == canonical


def test_it_keeps_different_provinces_apart() -> None:
    assert province_key("Punjab province") != province_key("Sindh")
    assert province_key("") is None


@pytest.mark.parametrize(
    ("gold", "predicted", "expected"),
    [
        ("Khyber agency", "Khyber", True),
        ("Quetta district", "Quetta", True),
        ("Killa Abdullah district", "Qila Abdullah", True),
        ("FR Bannu - Mir Ali", "Bannu", True),
        ("Karachi district", "Karachi East", True),
        ("Kohistan", "Upper Kohistan", True),
        ("Upper Kohistan", "Lower Kohistan", False),
        ("Upper Kohistan", "Kohistan", False),
        ("Shangla", "Swat", False),
        ("Shangla", None, False),
    ],
)
def test_it_matches_districts_through_renames_and_splits(
    gold: str, predicted: str | None, expected: bool
) -> None:
    assert districts_match(gold, predicted) is expected


def test_it_folds_armed_group_spellings_to_one_name() -> None:
    assert (
        group_key("Tehreek-e-Taliban Pakistan") == group_key("TTP") == "Tehrik-i-Taliban Pakistan"
    )
    assert group_key("the banned TTP") == "Tehrik-i-Taliban Pakistan"
    assert group_key("Baloch Liberation Army") == group_key("BLA")
    assert group_key("BLA") != group_key("BLF")


def test_it_matches_attributing_bodies_by_their_words() -> None:
    assert orgs_match("Khyber Pakhtunkhwa Counter-Terrorism Department", "KP CTD")
    assert orgs_match(
        "Khyber Pakhtunkhwa Counter-Terrorism Department", "Counter-Terrorism Department"
    )
    assert not orgs_match("Khyber Pakhtunkhwa Counter-Terrorism Department", "Balochistan police")


def test_it_matches_people_by_family_name_and_not_by_given_name() -> None:
    assert persons_match("Mohsin Naqvi", "Naqvi")
    assert persons_match("Ahmad Javed Qazi", "Dr. Ahmad Javed Qazi")
    assert not persons_match("Wang Yi", "Wang Xiaohong")
    assert not persons_match("Mohsin Naqvi", "Qi Yanjun")


def test_it_measures_great_circle_distances() -> None:
    # One degree of latitude is about 111.2 km everywhere.
    assert haversine_km(30.0, 70.0, 31.0, 70.0) == pytest.approx(111.2, abs=0.2)
    assert haversine_km(33.6844, 73.0479, 33.6844, 73.0479) == 0.0

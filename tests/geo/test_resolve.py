"""Disambiguation from context, world coverage, reverse lookup and distances."""

from __future__ import annotations

import pytest

from safepassage.geo import Gazetteer, distance_km


@pytest.mark.parametrize(
    ("context", "country"),
    [
        ((), "PK"),
        (("Sindh",), "PK"),
        (("Karachi", "Jamshoro"), "PK"),
        (("Telangana",), "IN"),
        (("India",), "IN"),
        (("Secunderabad", "Telangana"), "IN"),
    ],
)
def test_it_resolves_hyderabad_from_the_other_places_in_the_text(
    gaz: Gazetteer, context: tuple[str, ...], country: str
) -> None:
    place = gaz.resolve("Hyderabad", context=context)
    assert place is not None
    assert place.country == country
    assert place.kind == "town"


def test_it_reads_context_after_a_comma(gaz: Gazetteer) -> None:
    place = gaz.resolve("Hyderabad, India")
    assert place is not None and place.country == "IN"
    place = gaz.resolve("Hyderabad, Sindh")
    assert place is not None and place.country == "PK"


def test_the_country_hint_applies_without_context(gaz: Gazetteer) -> None:
    place = gaz.resolve("Hyderabad", country_hint="IN")
    assert place is not None and place.country == "IN"
    place = gaz.resolve("Punjab", country_hint="IN")
    assert place is not None and place.country == "IN"
    place = gaz.resolve("Punjab")
    assert place is not None and place.country == "PK"


@pytest.mark.parametrize(
    ("context", "district"),
    [
        ((), "Upper Kohistan"),
        (("Dasu",), "Upper Kohistan"),
        (("Dassu", "Karakoram Highway"), "Upper Kohistan"),
        (("Pattan",), "Lower Kohistan"),
    ],
)
def test_it_resolves_kohistan_to_the_right_district(
    gaz: Gazetteer, context: tuple[str, ...], district: str
) -> None:
    place = gaz.resolve("Kohistan", context=context)
    assert place is not None
    assert place.kind == "admin2"
    assert place.admin2 == district
    assert gaz.resolve("Upper Kohistan", context=("Pattan",)).admin2 == "Upper Kohistan"  # type: ignore[union-attr]
    assert gaz.resolve("Lower Kohistan", context=("Dasu",)).admin2 == "Lower Kohistan"  # type: ignore[union-attr]


def test_it_lets_a_district_in_the_context_outvote_a_namesake_village_elsewhere(
    gaz: Gazetteer,
) -> None:
    # 'Shaktoi' is a tehsil of Shangla; next to 'North Waziristan' it is an unlisted village
    # there, so resolve() declines and the caller falls back to the district.
    assert gaz.resolve("Shaktoi") is not None
    assert gaz.resolve("Shaktoi", context=("North Waziristan",)) is None


def test_it_places_the_seed_attacks(gaz: Gazetteer) -> None:
    bisham = gaz.resolve("Bisham", context=("Shangla", "Dasu", "Khyber Pakhtunkhwa"))
    assert bisham is not None and bisham.admin2 == "Shangla"
    airport = gaz.resolve("Karachi airport", context=("Sindh",))
    assert airport is not None and airport.admin2 == "Karachi" and airport.precision == "point"
    dasu = gaz.resolve("Dasu", context=("Upper Kohistan",))
    assert dasu is not None and dasu.admin2 == "Upper Kohistan"


# Capitals with their coordinates as commonly published (degrees, rounded).
CAPITALS = [
    ("France", "FR", "Paris", 48.86, 2.35),
    ("Japan", "JP", "Tokyo", 35.68, 139.69),
    ("Brazil", "BR", "Brasilia", -15.79, -47.88),
    ("Nigeria", "NG", "Abuja", 9.06, 7.49),
    ("Australia", "AU", "Canberra", -35.28, 149.13),
    ("Kenya", "KE", "Nairobi", -1.29, 36.82),
    ("Germany", "DE", "Berlin", 52.52, 13.40),
    ("Afghanistan", "AF", "Kabul", 34.53, 69.17),
    ("China", "CN", "Beijing", 39.90, 116.40),
    ("United States", "US", "Washington", 38.90, -77.04),
    ("Iran", "IR", "Tehran", 35.69, 51.39),
    ("Peru", "PE", "Lima", -12.05, -77.04),
    ("Pakistan", "PK", "Islamabad", 33.72, 73.06),
]


@pytest.mark.parametrize(("country", "iso", "capital", "lat", "lon"), CAPITALS)
def test_it_knows_every_sampled_country_and_its_capital(
    gaz: Gazetteer, country: str, iso: str, capital: str, lat: float, lon: float
) -> None:
    found = gaz.resolve(country)
    assert found is not None
    assert (found.id, found.kind, found.precision) == (f"country:{iso}", "country", "country")
    city = gaz.resolve(capital, context=(country,), country_hint=None)
    assert city is not None
    assert city.country == iso
    assert distance_km(city.lat, city.lon, lat, lon) < 25


def test_nearly_every_country_has_its_capital_indexed(gaz: Gazetteer) -> None:
    countries = {p.country for p in gaz if p.kind == "country"}
    with_capital = {p.country for p in gaz if p.source.startswith("geonames-capital")}
    assert len(countries) >= 240
    assert len(countries & with_capital) / len(countries) >= 0.95


def test_it_indexes_chinese_provinces_and_cities(gaz: Gazetteer) -> None:
    kashgar = gaz.resolve("Kashgar", country_hint="CN")
    assert kashgar is not None and kashgar.country == "CN" and kashgar.admin1 == "Xinjiang"
    urumqi = gaz.resolve("Urumqi", country_hint="CN")
    assert urumqi is not None and urumqi.admin1 == "Xinjiang"
    xinjiang = gaz.resolve("Xinjiang", country_hint="CN")
    assert xinjiang is not None and xinjiang.kind == "admin1"


@pytest.mark.parametrize(
    ("lat", "lon", "province"),
    [
        (34.93, 72.87, "Khyber Pakhtunkhwa"),
        (24.90, 67.10, "Sindh"),
        (30.18, 67.00, "Balochistan"),
        (31.55, 74.35, "Punjab"),
        (35.92, 74.31, "Gilgit-Baltistan"),
        (34.37, 73.47, "Azad Jammu and Kashmir"),
    ],
)
def test_it_names_the_province_of_a_point(
    gaz: Gazetteer, lat: float, lon: float, province: str
) -> None:
    assert gaz.province_of(lat, lon) == province


@pytest.mark.parametrize(
    ("lat", "lon"), [(0.0, -30.0), (float("nan"), 70.0), (91.0, 0.0), (20.0, float("inf"))]
)
def test_it_names_no_province_far_from_land_or_for_bad_coordinates(
    gaz: Gazetteer, lat: float, lon: float
) -> None:
    assert gaz.province_of(lat, lon) is None


def test_it_measures_great_circle_distances() -> None:
    assert distance_km(24.86, 67.01, 24.86, 67.01) == 0.0
    karachi_islamabad = distance_km(24.8608, 67.0104, 33.7215, 73.0433)
    assert 1130 < karachi_islamabad < 1160
    assert abs(distance_km(0, 0, 0, 1) - 111.2) < 0.5

"""Name lookup: aliases, old names, spelling variants, generic words, and ids."""

from __future__ import annotations

import pytest

from safepassage.geo import Gazetteer, normalise_admin1


@pytest.mark.parametrize(
    ("mention", "official"),
    [
        ("KPK", "Khyber Pakhtunkhwa"),
        ("KP", "Khyber Pakhtunkhwa"),
        ("NWFP", "Khyber Pakhtunkhwa"),
        ("N.W.F.P.", "Khyber Pakhtunkhwa"),
        ("North-West Frontier Province", "Khyber Pakhtunkhwa"),
        ("FATA", "Khyber Pakhtunkhwa"),
        ("Federally Administered Tribal Areas", "Khyber Pakhtunkhwa"),
        ("Khyber Pakhtunkwa province", "Khyber Pakhtunkhwa"),
        ("Northern Areas", "Gilgit-Baltistan"),
        ("Gilgit Baltistan", "Gilgit-Baltistan"),
        ("Sind", "Sindh"),
        ("Sindh province", "Sindh"),
        ("Baluchistan", "Balochistan"),
        ("Balochistan province", "Balochistan"),
        ("Azad Jammu & Kashmir", "Azad Jammu and Kashmir"),
        ("AJK", "Azad Jammu and Kashmir"),
        ("Islamabad Capital territory", "Islamabad Capital Territory"),
        ("Punjab province", "Punjab"),
    ],
)
def test_it_maps_old_and_variant_province_names_to_the_current_one(
    gaz: Gazetteer, mention: str, official: str
) -> None:
    assert normalise_admin1(mention) == official
    best = gaz.candidates(mention)[0]
    assert best.kind == "admin1"
    assert best.country == "PK"
    assert best.admin1 == official
    assert best.precision == "province"


def test_it_returns_none_for_a_name_that_is_no_pakistani_province() -> None:
    assert normalise_admin1("Telangana") is None
    assert normalise_admin1("Shangla") is None
    assert normalise_admin1("") is None


def test_it_normalises_other_countries_first_level_names_through_the_gazetteer(
    gaz: Gazetteer,
) -> None:
    assert normalise_admin1("Telangana", "IN") == "Telangana"
    assert normalise_admin1("Xinjiang Uyghur Autonomous Region", "CN") == "Xinjiang"
    assert normalise_admin1("Tibet", "CN") == "Tibet"


@pytest.mark.parametrize("spelling", ["Besham", "Bisham", "BESHAM", "bisham city", "Besham Qila"])
def test_it_finds_besham_under_every_spelling_in_shangla(gaz: Gazetteer, spelling: str) -> None:
    best = gaz.candidates(spelling)[0]
    assert best.id == "local:besham"
    assert (best.admin1, best.admin2) == ("Khyber Pakhtunkhwa", "Shangla")
    assert best.precision == "town"
    assert 34.8 < best.lat < 35.0 and 72.7 < best.lon < 73.0


@pytest.mark.parametrize("spelling", ["Dasu", "Dassu", "DASU", "Dāsu"])
def test_it_finds_dasu_in_upper_kohistan(gaz: Gazetteer, spelling: str) -> None:
    best = gaz.candidates(spelling)[0]
    assert best.id == "geonames:7427390"
    assert (best.admin1, best.admin2) == ("Khyber Pakhtunkhwa", "Upper Kohistan")


def test_it_finds_the_dasu_project_site_as_a_point(gaz: Gazetteer) -> None:
    site = gaz.resolve("Dasu Hydropower Project")
    assert site is not None
    assert site.kind == "site"
    assert site.precision == "point"
    assert site.admin2 == "Upper Kohistan"


@pytest.mark.parametrize(
    ("mention", "place_id"),
    [
        ("Karachi airport", "local:jinnah-international-airport"),
        ("Jinnah International Airport", "local:jinnah-international-airport"),
        ("Diamer-Bhasha Dam", "local:diamer-bhasha-dam"),
        ("Bhasha dam", "local:diamer-bhasha-dam"),
        ("Tarbela", "local:tarbela-dam"),
        ("Suki Kinari", "local:suki-kinari"),
        ("Mohmand Dam", "local:mohmand-dam"),
        ("Thakot", "local:thakot"),
        ("Sust", "local:sost"),
        ("Khunjerab Pass", "local:khunjerab-pass"),
        ("Gwadar Port", "local:gwadar-port"),
        ("Port Qasim", "local:port-qasim"),
        ("Thar coal", "local:thar-coalfield"),
    ],
)
def test_it_finds_curated_project_sites(gaz: Gazetteer, mention: str, place_id: str) -> None:
    assert gaz.candidates(mention)[0].id == place_id


@pytest.mark.parametrize(
    ("mention", "name", "kind"),
    [
        ("Shangla district", "Shangla", "admin2"),
        ("Khyber agency", "Khyber", "admin2"),
        ("Orakzai Agency", "Orakzai", "admin2"),
        ("the city of Karachi", "Karachi", "town"),
        ("Quetta town", "Quetta", "town"),
        ("Quetta district", "Quetta", "admin2"),
        ("Chilas", "Chilas", "town"),
        ("Gwadar", "Gwadar", "town"),
        ("Islamkot", "Islamkot", "town"),
        ("Hub", "Hub", "town"),
        ("Turbat", "Turbat", "town"),
        ("D.I. Khan", "Dera Ismail Khan", "admin2"),
        ("Bolan district", "Kachhi", "admin2"),
        ("Miramshah", "Miran Shah", "town"),
    ],
)
def test_it_strips_generic_words_and_finds_the_place(
    gaz: Gazetteer, mention: str, name: str, kind: str
) -> None:
    best = gaz.candidates(mention)[0]
    assert (best.name, best.kind) == (name, kind)


def test_it_uses_the_karachi_convention_for_districts(gaz: Gazetteer) -> None:
    karachi = gaz.candidates("Karachi")[0]
    assert karachi.admin2 == "Karachi"
    east = gaz.candidates("Karachi East District")[0]
    assert east.kind == "admin2"
    assert east.admin2 == "Karachi"
    assert gaz.candidates("Jinnah International Airport")[0].admin2 == "Karachi"


def test_it_gets_places_by_id(gaz: Gazetteer) -> None:
    pk = gaz.get("country:PK")
    assert pk is not None and pk.name == "Pakistan" and pk.precision == "country"
    karachi = gaz.get("geonames:1174872")
    assert karachi is not None and karachi.name == "Karachi"
    kp = gaz.get("admin1:PK.03")
    assert kp is not None and kp.name == "Khyber Pakhtunkhwa"
    assert gaz.get("local:besham") is not None
    assert gaz.get("local:nowhere") is None


def test_every_place_has_a_valid_kind_precision_and_coordinates(gaz: Gazetteer) -> None:
    kinds = {"country", "admin1", "admin2", "admin3", "town", "site"}
    precisions = {"point", "town", "district", "province", "country"}
    for place in gaz:
        assert place.kind in kinds, place
        assert place.precision in precisions, place
        assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180, place
        assert len(place.country) == 2 and place.country.isupper(), place
        assert place.name, place


def test_pakistani_places_name_their_province_officially(gaz: Gazetteer) -> None:
    official = {
        "Khyber Pakhtunkhwa",
        "Balochistan",
        "Sindh",
        "Punjab",
        "Gilgit-Baltistan",
        "Islamabad Capital Territory",
        "Azad Jammu and Kashmir",
    }
    pk = [p for p in gaz if p.country == "PK" and p.kind != "country"]
    assert len(pk) > 1000
    assert {p.admin1 for p in pk} == official
    assert sum(1 for p in pk if p.kind == "admin2") >= 150

"""The pure linking core: blocking windows, match scores, resolution policy, SimHash."""

from __future__ import annotations

import datetime

from safepassage.linking import (
    ClaimView,
    LinkEvent,
    bands,
    block_for,
    content_hash,
    date_window,
    fingerprint,
    hamming,
    resolve_incident,
    score,
)

D = datetime.date
BESHAM = {"lat": 34.931, "lon": 72.876, "admin1": "Khyber Pakhtunkhwa", "admin2": "Shangla"}


def attack(**kw: object) -> LinkEvent:
    base: dict[str, object] = (
        dict(
            kind="attack",
            date=D(2024, 3, 26),
            date_precision="day",
            geo_precision="town",
            country="PK",
            attack_type="suicide_bombing",
            deaths=6,
            nationalities=frozenset({"CN"}),
        )
        | BESHAM
    )
    return LinkEvent(**(base | kw))  # type: ignore[arg-type]


def test_it_gives_a_day_two_days_either_side() -> None:
    w = date_window(D(2024, 3, 1), "day")
    assert (w.start, w.end) == (D(2024, 2, 28), D(2024, 3, 3))
    assert w.month_starts == (D(2024, 2, 1), D(2024, 3, 1))


def test_it_blocks_a_town_on_its_h3_cell_and_ring_and_a_province_on_nothing_spatial() -> None:
    assert len(block_for(attack()).cells) == 7
    assert block_for(attack(geo_precision="province")).cells == ()


def test_it_links_the_same_event_reported_twice() -> None:
    assert score(attack(), attack(date=D(2024, 3, 27), deaths=5)).links


def test_it_links_a_day_to_its_month_and_a_town_to_its_province() -> None:
    month = attack(date=D(2024, 3, 1), date_precision="month")
    province = attack(geo_precision="province", lat=34.2, lon=71.8, admin2="")
    assert score(attack(), month).links
    assert score(month, province).links


def test_it_vetoes_dates_far_apart_and_places_far_apart() -> None:
    assert score(attack(), attack(date=D(2024, 3, 30))).vetoed
    far = attack(lat=24.9, lon=67.1, admin1="Sindh", admin2="Karachi")
    assert score(attack(), far).vetoed


def test_it_does_not_link_a_different_event_nearby() -> None:
    other = attack(attack_type="kidnapping", deaths=0, nationalities=frozenset({"PK"}))
    assert not score(attack(), other).links


def test_it_vetoes_engagements_with_no_shared_participant() -> None:
    a = LinkEvent(
        kind="meeting",
        date=D(2024, 6, 27),
        date_precision="day",
        participants=frozenset({"mohsin naqvi"}),
    )
    b = LinkEvent(
        kind="meeting",
        date=D(2024, 6, 27),
        date_precision="day",
        participants=frozenset({"wang yi"}),
    )
    assert score(a, b).vetoed


def test_it_resolves_deaths_to_the_latest_official_figure_with_the_range() -> None:
    claims = [
        ClaimView("deaths", {"total": 10, "official": True}, order=1, published=D(2024, 1, 1)),
        ClaimView("deaths", {"total": 14}, order=2, published=D(2024, 1, 3)),
        ClaimView("deaths", {"total": 12, "official": True}, order=3, published=D(2024, 1, 2)),
    ]
    result = resolve_incident(claims)
    assert result.values["deaths"] == 12
    assert (result.values["deaths_min"], result.values["deaths_max"]) == (10, 14)
    assert result.has_conflict


def test_it_lets_an_analyst_claim_win() -> None:
    claims = [
        ClaimView("deaths", {"total": 10, "official": True}, order=1),
        ClaimView("deaths", {"total": 9}, order=2, analyst=True),
    ]
    assert resolve_incident(claims).values["deaths"] == 9


def test_it_prefers_the_most_precise_date_and_place() -> None:
    claims = [
        ClaimView("date", {"value": "2024-03", "precision": "month"}, order=1),
        ClaimView("date", {"value": "2024-03-26", "precision": "day"}, order=2, background=True),
        ClaimView("location", {"name": "Khyber Pakhtunkhwa", "precision": "province"}, order=3),
        ClaimView("location", {"name": "Besham", "precision": "town", **BESHAM}, order=4),
    ]
    values = resolve_incident(claims).values
    assert values["date"] == D(2024, 3, 26) and values["date_precision"] == "day"
    assert values["place_name"] == "Besham"


def test_it_finds_near_duplicates_within_three_bits_and_not_other_texts() -> None:
    text = "Gunmen attacked a convoy of engineers near Dasu on Monday killing three guards " * 3
    a, b = fingerprint(text), fingerprint(text + " Reporting by the desk.")
    c = fingerprint("Ministers met in Beijing to discuss trade, training and border security " * 3)
    assert a is not None and b is not None and c is not None
    assert hamming(a, b) <= 3 < hamming(a, c)
    assert set(bands(a)) & set(bands(b))


def test_it_hashes_whitespace_and_unicode_variants_alike() -> None:
    assert content_hash("Caf\u00e9  attack\n\n in Quetta ") == content_hash(
        "Cafe\u0301 attack in Quetta"
    )
    assert fingerprint("too short") is None


def test_it_reads_malformed_extraction_output_without_failing() -> None:
    from safepassage.linking import event_from_extraction, parse_date

    event = event_from_extraction(
        {
            "kind": "attack",
            "date": {"value": "2024-13-45", "precision": "day"},
            "location": {"lat": "north", "lon": None, "precision": 7},
            "fatalities": {"total": -3, "by_group": ["x", {"nationality": 5}]},
            "participants": [None, {"name": 12}],
        }
    )
    assert event.date is None and event.lat is None and event.deaths is None
    assert event.nationalities == frozenset() and event.participants == frozenset()
    assert parse_date("2021-07", "month") == (D(2021, 7, 1), "month")
    assert parse_date(None, "day") == (None, "")


def test_it_calls_a_figure_official_when_the_text_attributes_it() -> None:
    from safepassage.linking import is_official_attribution

    assert is_official_attribution("Six people were killed, police said.")
    assert is_official_attribution("according to the Counter-Terrorism Department")
    assert not is_official_attribution("Six people were killed, witnesses told reporters.")


def test_it_flags_incompatible_attack_types_and_two_claimants() -> None:
    claims = [
        ClaimView("attack_type", "bombing", order=1),
        ClaimView("attack_type", "suicide_bombing", order=2),
        ClaimView("attack_type", "unknown", order=3),
        ClaimView("perpetrators", [{"name": "Group A", "relation": "claimed"}], order=4),
        ClaimView("perpetrators", [{"name": "Group A", "relation": "suspected"}], order=5),
    ]
    compatible = resolve_incident(claims)
    assert compatible.values["attack_type"] == "suicide_bombing"
    assert compatible.values["perpetrators"] == [{"name": "Group A", "relation": "claimed"}]
    assert not compatible.has_conflict
    clashing = resolve_incident(
        [
            *claims,
            ClaimView("attack_type", "kidnapping", order=6),
            ClaimView("perpetrators", [{"name": "Group B", "relation": "claimed"}], order=7),
        ]
    )
    assert {c["field"] for c in clashing.conflicts} == {"attack_type", "perpetrators"}


def test_it_flags_places_far_apart_and_unions_victims() -> None:
    claims = [
        ClaimView("location", {"name": "Besham", "precision": "town", **BESHAM}, order=1),
        ClaimView(
            "location",
            {"name": "Karachi", "precision": "town", "lat": 24.86, "lon": 67.0, "admin1": "Sindh"},
            order=2,
        ),
        ClaimView("victim_nationalities", ["CN"], order=3),
        ClaimView("victim_nationalities", ["PK", "CN"], order=4),
    ]
    result = resolve_incident(claims)
    assert [c["field"] for c in result.conflicts] == ["location"]
    assert result.values["victim_nationalities"] == ["CN", "PK"]

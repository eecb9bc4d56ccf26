"""The UCDP loader: normalisation inputs, date rule, ranges and malformed rows."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from safepassage.evaluation.cli import default_data_dir
from safepassage.evaluation.gold import GoldError
from safepassage.evaluation.scoring import score_set
from safepassage.evaluation.ucdp import (
    headline_states_date,
    headlines_text,
    load_ucdp,
    published_for,
    states_event_date,
)

COLUMNS = [
    "id",
    "source_record_id",
    "text",
    "event_date",
    "date_precision",
    "country",
    "admin1",
    "admin2",
    "location",
    "lat",
    "lon",
    "fatalities",
    "perpetrator",
    "target",
    "extra",
]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in COLUMNS})
    return path


def row(**fields: str) -> dict[str, str]:
    base = {
        "id": "ucdp-1",
        "text": "Bomb kills 5 in Peshawar.",
        "event_date": "2013-02-18",
        "country": "Pakistan",
        "admin1": "Khyber Pakhtunkwa province",
        "admin2": "Peshawar district",
        "lat": "34.0151",
        "lon": "71.5249",
        "fatalities": "5",
        "extra": json.dumps({"low": "4", "high": "7", "where_prec": "1"}),
    }
    base.update(fields)
    return base


@pytest.mark.parametrize(
    ("headline", "expected"),
    [
        ("Programme summary of Pakistan's AVT Khyber News 1600 gmt 10 Jan 13", True),
        ("FACTBOX-Security developments in Pakistan, Jan 31", True),
        ("Xinhua world news summary at 0530 GMT, Sept. 27", True),
        ("Jammu & Kashmir: July 2020 (02 July)", True),
        ("Pakistan says India breaks Kashmir ceasefire.", False),
        ("Two killed in overnight shooting between Pakistani, Indian troops", False),
        ("Bomb attack kills 11 in Pakistan's Quetta on Sunday", False),
        ("Pakistan: Timeline (Terrorist Activities) -2021", False),
    ],
)
def test_it_decides_whether_a_headline_states_a_date(headline: str, expected: bool) -> None:
    assert headline_states_date(headline) is expected


def test_it_splits_joined_headlines_but_not_semicolons_inside_one() -> None:
    text = "Suicide bomber strikes during funeral in Pak; 20 killed;Pakistan funeral bomb kills 10"
    assert (
        headlines_text(text)
        == "Suicide bomber strikes during funeral in Pak; 20 killed\nPakistan funeral bomb kills 10"
    )


def test_it_passes_the_documented_publication_date() -> None:
    import datetime as dt

    start = dt.date(2013, 2, 18)
    assert published_for(start, "year-end") == "2013-12-31"
    assert published_for(start, "start") == "2013-02-18"
    assert published_for(start, "none") is None


def test_it_scores_a_ucdp_row_with_normalised_province_and_low_high_deaths(tmp_path: Path) -> None:
    gold = load_ucdp(write_csv(tmp_path / "u.csv", [row()]))
    prediction = {
        "events": [
            {
                "kind": "attack",
                "background": False,
                "date": {"value": "2013-02-18", "precision": "day"},
                "location": {
                    "country": "PK",
                    "admin1": "Khyber Pakhtunkhwa",
                    "admin2": "Peshawar",
                    "lat": 34.01,
                    "lon": 71.55,
                },
                "fatalities": {"total": 6},
            }
        ]
    }
    score = score_set(gold, {"ucdp-1": prediction})
    for name in ("province", "district", "coords_25km", "deaths", "country"):
        assert score.fields[name].correct == 1, name
    assert "date" not in score.fields  # the headline states no date


def test_it_scores_dates_only_where_the_headline_states_one_with_a_day_of_tolerance(
    tmp_path: Path,
) -> None:
    rows = [row(text="Highlights from Pakistani Islam newspaper 5 Jan 13", event_date="2013-01-04")]
    gold = load_ucdp(write_csv(tmp_path / "u.csv", rows))
    prediction = {
        "events": [
            {
                "kind": "attack",
                "background": False,
                "date": {"value": "2013-01-05", "precision": "day"},
            }
        ]
    }
    score = score_set(gold, {"ucdp-1": prediction})
    assert (score.fields["date"].correct, score.fields["date_exact"].correct) == (1, 0)


def test_it_maps_fata_rows_to_khyber_pakhtunkhwa(tmp_path: Path) -> None:
    rows = [row(admin1="Federally Administered Tribal Areas", admin2="North Waziristan")]
    gold = load_ucdp(write_csv(tmp_path / "u.csv", rows))
    prediction = {
        "events": [
            {
                "kind": "attack",
                "background": False,
                "location": {"admin1": "Khyber Pakhtunkhwa", "admin2": "North Waziristan"},
            }
        ]
    }
    assert score_set(gold, {"ucdp-1": prediction}).fields["province"].correct == 1


def test_it_leaves_out_malformed_rows_and_says_so(tmp_path: Path) -> None:
    rows = [
        row(),
        row(id="ucdp-2", lat="north"),
        row(id="ucdp-3", event_date="yesterday"),
        row(id="ucdp-4", extra="[1]"),
    ]
    gold = load_ucdp(write_csv(tmp_path / "u.csv", rows))
    assert [document.id for document in gold.documents] == ["ucdp-1"]
    assert sum("left out" in note for note in gold.notes) == 3


def test_it_refuses_a_file_that_is_not_ucdp(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(GoldError, match="missing columns"):
        load_ucdp(path)
    with pytest.raises(GoldError, match="cannot read"):
        load_ucdp(tmp_path / "absent.csv")


def test_it_loads_the_whole_dev_file() -> None:
    path = default_data_dir() / "ucdp_pakistan_dev.csv"
    assert path.is_file(), f"the UCDP dev file is missing ({path}); set SAFEPASSAGE_SHARED_DIR"
    gold = load_ucdp(path)
    assert len(gold.documents) == 1027
    assert sum(1 for document in gold.documents if document.meta["headline_states_date"]) == 70


@pytest.mark.parametrize(
    ("headline", "fields", "expected"),
    [
        ("Bomb kills 5 in Peshawar.", {}, (True, True)),
        (
            # The district alone does not name the coded village (see names_in_text).
            "Blast in Khyber tribal region",
            {"admin2": "Khyber agency", "location": "Bara town"},
            (False, True),
        ),
        (
            "Blast in Khyber tribal region",
            {"admin2": "Khyber agency", "location": "Khyber agency"},
            (True, True),
        ),
        (
            "Indian shelling kills three in Kashmir",
            {
                "admin1": "Azad Jammu & Kashmir",
                "admin2": "Neelam district",
                "location": "Athmuqam town",
            },
            (False, True),
        ),
        (
            "Rebels kill 14 in Baluchistan",
            {"admin1": "Balochistan province", "admin2": "Kech district", "location": "Turbat"},
            (False, True),
        ),
        (
            "Pakistani soldier killed by Indian gunfire.",
            {"admin1": "Punjab province", "admin2": "Sialkot district", "location": "Sialkot town"},
            (False, False),
        ),
    ],
)
def test_it_marks_rows_whose_headlines_name_the_coded_place(
    headline: str, fields: dict[str, str], expected: tuple[bool, bool]
) -> None:
    from safepassage.evaluation.ucdp import names_in_text

    assert names_in_text(headline, row(**fields)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gunmen kill four in Mastung", True),
        ("Four dead after clash near Wana", True),
        ("Blast toll climbs to twenty-three", False),
        # Dates, clock times, years and slugs are not counts.
        ("Programme summary of AVT Khyber News 1600 gmt 4 Feb 13", False),
        ("UPDATE 4-Gunmen storm office", False),
        ("Timeline of attacks, 2004", False),
    ],
)
def test_it_decides_whether_the_text_states_the_death_figure(text: str, expected: bool) -> None:
    from safepassage.evaluation.ucdp import states_figure

    assert states_figure(text, {4}, None, None) is expected


def test_a_figure_inside_the_low_high_range_counts_as_stated() -> None:
    from safepassage.evaluation.ucdp import states_figure

    assert states_figure("Seven killed in ambush", {5}, 4, 8)
    assert not states_figure("Nine killed in ambush", {5}, 4, 8)


def test_only_dated_texts_that_report_an_event_count_for_date_reported(tmp_path: Path) -> None:
    rows = [
        row(id="ucdp-1", text="Programme summary of AVT Khyber News 1600 gmt 18 Feb 13"),
        row(id="ucdp-2", text="Programme summary 19 Feb 13;Bomb kills 5 in Peshawar"),
        row(id="ucdp-3", text="Bomb kills 5 in Peshawar"),
        # A listing dated two weeks after the event states a date, but not the event's.
        row(id="ucdp-4", text="Bomb kills 5 in Peshawar;Pakistan | 4 Mar 2013"),
    ]
    gold = load_ucdp(write_csv(tmp_path / "u.csv", rows))
    flags = {d.id: (d.events[0].date_scored, d.events[0].date_reported) for d in gold.documents}
    assert flags == {
        "ucdp-1": (True, False),
        "ucdp-2": (True, True),
        "ucdp-3": (False, False),
        "ucdp-4": (True, False),
    }
    deaths_stated = {d.id: d.events[0].fatalities.stated for d in gold.documents}  # type: ignore[union-attr]
    assert deaths_stated == {"ucdp-1": False, "ucdp-2": True, "ucdp-3": True, "ucdp-4": True}


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        ("Blast kills 3, Jan 31", "2013-01-31", "2013-01-31", True),
        ("News summary 1600 gmt 1 Feb 13", "2013-01-31", "2013-01-31", True),  # the next day
        ("News summary 1600 gmt 2 Feb 13", "2013-01-31", "2013-01-31", False),
        ("Clashes go on, 27 Jan", "2013-01-25", "2013-01-28", True),  # inside a range
        ("Roundup 2014-06-05", "2014-06-05", "2014-06-05", True),
        ("Roundup 31 Dec", "2014-01-01", "2014-01-01", True),  # across the new year
        ("Roundup 30 Feb", "2014-02-28", "2014-02-28", False),  # no such day
        ("Bomb kills 3 in Quetta", "2014-02-28", "2014-02-28", False),
    ],
)
def test_states_event_date(text: str, start: str, end: str, expected: bool) -> None:
    assert (
        states_event_date(text, dt.date.fromisoformat(start), dt.date.fromisoformat(end))
        is expected
    )


def test_a_digest_title_does_not_name_the_place_of_an_event(tmp_path: Path) -> None:
    rows = [row(text="Peshawar news summary 1600 gmt 4 Feb 13", admin2="Peshawar district")]
    gold = load_ucdp(write_csv(tmp_path / "u.csv", rows))
    location = gold.documents[0].events[0].location
    assert location is not None
    assert (location.place_named, location.province_named) == (False, False)

"""The UCDP ceiling: a perfect reader plus the best single guess, counted by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from safepassage.evaluation.ceiling import ceilings, render
from safepassage.evaluation.cli import main
from safepassage.evaluation.gold import GoldCount, GoldDocument, GoldEvent, GoldLocation, GoldSet

QUETTA = (30.18, 67.00)
MIR_ALI = (32.99, 70.29)


def _row(
    index: int,
    province: str,
    point: tuple[float, float],
    deaths: int,
    *,
    named: bool,
    stated: bool,
) -> GoldDocument:
    event = GoldEvent(
        label="main event",
        kinds=None,
        location=GoldLocation(
            country="PK",
            admin1=province,
            lat=point[0],
            lon=point[1],
            place_named=named,
            province_named=named,
        ),
        fatalities=GoldCount(totals=(deaths,), low=deaths, high=deaths, stated=stated),
    )
    return GoldDocument(id=f"row-{index}", text="headline", events=(event,))


def _set() -> GoldSet:
    rows = [
        _row(0, "Balochistan province", QUETTA, 3, named=True, stated=True),
        _row(1, "Khyber Pakhtunkhwa province", MIR_ALI, 1, named=False, stated=False),
        _row(2, "Khyber Pakhtunkhwa province", MIR_ALI, 1, named=False, stated=False),
        _row(3, "Balochistan province", QUETTA, 7, named=False, stated=False),
    ]
    return GoldSet(name="ucdp", mode="main", documents=tuple(rows))


def test_the_bound_adds_the_best_guess_to_the_answerable_rows() -> None:
    province, coordinates, deaths = ceilings(_set())
    assert (province.answerable, province.guessed, province.bound) == (1, 2, 75.0)
    assert province.best_guess == "Khyber Pakhtunkhwa"
    assert (coordinates.answerable, coordinates.guessed, coordinates.bound) == (1, 2, 75.0)
    assert (deaths.answerable, deaths.best_guess, deaths.guessed) == (1, "1", 2)
    # 95% of 4 rows is 4: the three rows the text does not answer must all be guessed right.
    assert province.needed == 3 and province.unanswerable == 3


def test_the_table_prints_every_field() -> None:
    text = render(ceilings(_set()))
    assert [line.split()[0] for line in text.splitlines()[2:]] == [
        "province",
        "coords_25km",
        "deaths",
    ]


def test_the_cli_prints_the_ceiling_of_the_shared_data(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["--ceiling"]) == 0
    out = capsys.readouterr().out
    assert "province" in out and "needed" in out
    assert main(["--ceiling", "--data-dir", str(tmp_path)]) == 3

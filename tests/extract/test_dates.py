"""Date expressions resolved against the publication date."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from safepassage.extract.dates import dateline, find_dates, metadata_date


def _one(text: str, base: date | None) -> tuple[str | None, str | None]:
    found = find_dates(text, base)
    assert len(found) == 1, found
    return found[0].value, found[0].precision


def test_it_resolves_last_october_to_the_previous_october() -> None:
    assert _one("a bombing last October", date(2025, 2, 5)) == ("2024-10", "month")
    assert _one("a bombing last October", date(2024, 11, 20)) == ("2024-10", "month")
    assert _one("a bombing last October", date(2024, 10, 20)) == ("2023-10", "month")


def test_it_resolves_a_weekday_to_the_same_day_when_the_report_is_from_that_day() -> None:
    assert _one("the minister on Thursday said", date(2024, 6, 27)) == ("2024-06-27", "day")
    assert _one("the minister on Monday said", date(2024, 6, 27)) == ("2024-06-24", "day")
    assert _one("last Thursday", date(2024, 6, 27)) == ("2024-06-20", "day")


def test_it_resolves_a_month_this_year_and_last_year() -> None:
    assert _one("In March this year, a bus", date(2024, 9, 21)) == ("2024-03", "month")
    assert _one("in May last year", date(2024, 9, 21)) == ("2023-05", "month")


def test_it_keeps_month_precision_for_a_month_and_year() -> None:
    assert _one("in July 2021, a coach", date(2025, 2, 5)) == ("2021-07", "month")
    assert _one("in July 2021, a coach", None) == ("2021-07", "month")


def test_it_reads_full_dates_in_both_orders() -> None:
    assert _one("on September 21, 2024.", None) == ("2024-09-21", "day")
    assert _one("on 26 March 2024 a", None) == ("2024-03-26", "day")


def test_it_puts_a_day_without_year_in_the_past() -> None:
    assert _one("on March 26, a bomber", date(2024, 6, 27)) == ("2024-03-26", "day")
    assert _one("on December 30, a bomber", date(2025, 1, 3)) == ("2024-12-30", "day")


def test_it_leaves_relative_dates_unresolved_without_a_publication_date() -> None:
    assert _one("on Tuesday the minister", None) == (None, None)
    assert _one("last October", None) == (None, None)


def test_it_ignores_may_as_a_verb() -> None:
    assert find_dates("this may be the end, and the talks may go on", date(2024, 1, 1)) == []


def test_it_marks_since_as_a_weak_period_and_last_year_as_past() -> None:
    since = find_dates("attacks since 2021", None)[0]
    assert since.weak and since.value == "2021"
    last_year = find_dates("a unit formed last year", date(2025, 2, 5))[0]
    assert last_year.past and last_year.value == "2024" and last_year.precision == "year"


def test_it_reads_the_metadata_date_line() -> None:
    assert metadata_date(" date 2024-06-27 Interior Minister") == ("2024-06-27", 17)
    assert metadata_date(" date 2024-13-45 text") == (None, 0)
    assert metadata_date("No date here") == (None, 0)


def test_it_reads_datelines_with_and_without_a_date() -> None:
    assert dateline("ISLAMABAD: The minister met")[:2] == ("Islamabad", None)
    assert dateline("PESHAWAR, June 5, 2024 (Reuters) - A blast")[:2] == ("Peshawar", "2024-06-05")
    assert dateline("The minister met")[0] is None


def test_it_reads_a_two_digit_year_only_at_the_end_of_a_digest_title() -> None:
    assert _one("Programme summary of Khyber News 1600 gmt 25 Jan 13;Blast", None) == (
        "2013-01-25",
        "day",
    )
    assert _one("on 26 March 24 people were killed", None) == (None, None)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Gunmen attacked a Levies post last Ramadan.", "2025-03"),
        ("A grenade was thrown at a shop during the holy month of Ramazan.", "2025-03"),
        ("A bomb went off near a mosque on Eid ul Adha.", "2025-06"),
        ("A blast hit an Ashura procession in Kohat.", "2025-07"),
    ],
)
def test_islamic_dates_resolve_to_their_month(text: str, value: str) -> None:
    found = [d for d in find_dates(text, date(2025, 8, 20)) if d.value]
    assert [(d.value, d.precision) for d in found] == [(value, "month")]


def test_last_ramadan_during_ramadan_is_the_year_before() -> None:
    (found,) = find_dates("The same post was attacked last Ramadan.", date(2025, 3, 20))
    assert (found.value, found.past) == ("2024-03", True)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("He was shot dead on the 14th, police said.", "2025-08-14"),
        ("The convoy was attacked on the 25th.", "2025-07-25"),
    ],
)
def test_on_the_nth_is_a_day_of_this_month_or_the_last(text: str, value: str) -> None:
    (found,) = find_dates(text, date(2025, 8, 20))
    assert (found.value, found.precision) == (value, "day")


def test_an_ordinal_that_is_no_day_is_no_date() -> None:
    assert find_dates("Soldiers of the 14th division took part.", date(2025, 8, 20)) == []


def test_a_day_and_month_with_last_year_takes_that_year() -> None:
    (found,) = find_dates("It happened on 2 April last year, police said.", date(2025, 5, 14))
    assert (found.value, found.precision, found.past) == ("2024-04-02", "day", True)


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("in the last week of September", "2023-09", "month"),
        ("during the first days of October", "2023-10", "month"),
        ("this morning", "2023-10-10", "day"),
    ],
)
def test_parts_of_a_month_and_parts_of_today(text: str, value: str, precision: str) -> None:
    (found,) = find_dates(text, date(2023, 10, 10))
    assert (found.value, found.precision) == (value, precision)


def test_the_same_day_is_the_day_told_last() -> None:
    found = find_dates(
        "A bomb went off on Monday. Another exploded in Quetta on the same day.",
        date(2023, 10, 10),
    )
    assert [f.value for f in found] == ["2023-10-09", "2023-10-09"]


def test_a_numeric_date_is_day_first(extract: Any) -> None:
    result = extract("A bomb exploded in a market in Quetta on 10/06/2023.", published="2023-10-12")
    assert result["events"][0]["date"]["value"] == "2023-06-10"

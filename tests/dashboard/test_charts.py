"""Chart data: computed from the incidents the reader may see, with clear errors for bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from safepassage.dashboard import charts
from safepassage.dashboard.charts import ChartQuery, ChartQueryError, parse_query
from safepassage.intel.models import Incident
from safepassage.riskmodel.model import DEFAULT_PARAMS, age_factor, day_number
from tests.conftest import World
from tests.dashboard.dash_helpers import incident

TODAY = dt.date(2026, 11, 22)


def months(start: str, end: str) -> ChartQuery:
    return parse_query({"from": start, "to": end}, today=TODAY)


# --- parameters ---------------------------------------------------------------------------


def test_it_defaults_to_the_data_from_its_oldest_incident_to_this_month() -> None:
    query = parse_query({}, today=TODAY, earliest=dt.date(2024, 3, 26))
    assert (query.start, query.end, query.interval) == (
        dt.date(2024, 3, 1),
        dt.date(2026, 11, 1),
        "month",
    )
    assert len(query.periods()) == 33


def test_it_caps_the_default_span_and_accepts_years_months_and_days() -> None:
    query = parse_query({}, today=TODAY, earliest=dt.date(1990, 1, 1))
    assert len(query.periods()) == charts.DEFAULT_PERIODS["month"]
    query = parse_query({"from": "2021", "to": "2024-03-26", "interval": "year"}, today=TODAY)
    assert [charts.label_of(p, "year") for p in query.periods()] == ["2021", "2022", "2023", "2024"]


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"from": "2024-13"}, "from", "not a real date"),
        ({"to": "yesterday"}, "to", "2024-03"),
        ({"from": "2024-02-30"}, "from", "not a real date"),
        ({"from": "2025-01", "to": "2024-01"}, "from", "comes after the end"),
        ({"from": "1900", "to": "2026"}, "from", "at most 240"),
        ({"interval": "week"}, "interval", "month, year"),
        ({"province": "x" * 500}, "province", "At most 100"),
        ({"province": "Sindh\x00"}, "province", "Control characters"),
        ({"from": "2024\n-01"}, "from", "Control characters"),
    ],
)
def test_it_refuses_malformed_parameters_naming_each(
    params: dict[str, str], field: str, words: str
) -> None:
    with pytest.raises(ChartQueryError) as caught:
        parse_query(params, today=TODAY)
    assert words in caught.value.errors[field]


def test_it_reports_every_bad_parameter_at_once() -> None:
    with pytest.raises(ChartQueryError) as caught:
        parse_query({"from": "x", "to": "y", "interval": "z"}, today=TODAY)
    assert set(caught.value.errors) == {"from", "to", "interval"}


# --- incidents per period -------------------------------------------------------------------


def test_it_counts_incidents_per_month_and_province(db: Any) -> None:
    incident(date=dt.date(2024, 3, 26))
    incident(date=dt.date(2024, 3, 2))
    incident(date=dt.date(2024, 5, 9), admin1="Sindh", admin2="Karachi")
    incident(date=dt.date(2024, 5, 30), admin1="")
    incident(date=None)
    incident(date=dt.date(2023, 12, 31))  # before the range
    data = charts.incidents_per_period(Incident.objects.all(), months("2024-03", "2024-05"))
    assert data["labels"] == ["2024-03", "2024-04", "2024-05"]
    series = {s["label"]: s["data"] for s in data["series"]}
    assert series == {
        "Khyber Pakhtunkhwa": [2, 0, 0],
        "Sindh": [0, 0, 1],
        charts.NO_PROVINCE: [0, 0, 1],
    }
    assert data["series"][0]["label"] == "Khyber Pakhtunkhwa"  # largest first
    assert data["total"] == 4 and data["undated"] == 1


def test_it_counts_per_year_and_for_one_province(db: Any) -> None:
    incident(date=dt.date(2021, 7, 14))
    incident(date=dt.date(2024, 3, 26))
    incident(date=dt.date(2024, 8, 1), admin1="Sindh")
    query = parse_query(
        {"from": "2021", "to": "2024", "interval": "year", "province": "khyber pakhtunkhwa"},
        today=TODAY,
    )
    data = charts.incidents_per_period(Incident.objects.all(), query)
    assert data["labels"] == ["2021", "2022", "2023", "2024"]
    assert data["series"] == [{"label": "Khyber Pakhtunkhwa", "data": [1, 0, 0, 1], "total": 2}]


def test_it_sums_the_smallest_provinces_into_one_series(db: Any) -> None:
    for n in range(10):
        for _ in range(10 - n):
            incident(admin1=f"Province {n}")
    data = charts.incidents_per_period(Incident.objects.all(), months("2024-03", "2024-03"))
    assert len(data["series"]) == charts.MAX_SERIES
    assert data["series"][-1] == {"label": "Other (3)", "data": [3 + 2 + 1], "total": 6}
    assert data["total"] == 55


# --- deaths by nationality ------------------------------------------------------------------


def test_it_sums_deaths_by_nationality_and_keeps_the_rest_as_not_known(db: Any) -> None:
    incident(date=dt.date(2021, 7, 14), deaths=13, deaths_by_nationality={"CN": 9, "pk": 4})
    incident(date=dt.date(2024, 3, 26), deaths=6, deaths_by_nationality={"CN": 5})
    incident(date=dt.date(2024, 10, 6), deaths=2, deaths_by_nationality={})
    query = parse_query({"from": "2021", "to": "2024", "interval": "year"}, today=TODAY)
    data = charts.deaths_by_nationality(Incident.objects.all(), query)
    series = {s["label"]: s["data"] for s in data["series"]}
    assert series == {
        "CN": [9, 0, 0, 5],
        "PK": [4, 0, 0, 0],
        charts.UNKNOWN_NATIONALITY: [0, 0, 0, 3],
    }
    assert data["total"] == 21


def test_it_skips_malformed_nationality_counts_without_failing(db: Any) -> None:
    incident(
        deaths=None,
        deaths_by_nationality={"CN": "five", "PK": -2, "US": True, "AF": 1.5, "": 3, "TR": 2},
    )
    incident(deaths=4, deaths_by_nationality=["CN", 4])
    data = charts.deaths_by_nationality(Incident.objects.all(), months("2024-03", "2024-03"))
    assert {s["label"]: s["data"] for s in data["series"]} == {
        "TR": [2],
        charts.UNKNOWN_NATIONALITY: [4],
    }


# --- risk bands -----------------------------------------------------------------------------


def test_it_scores_provinces_and_counts_districts_per_band_at_each_period_end() -> None:
    attack_day = day_number(dt.date(2024, 3, 26))
    rows = [
        ("Khyber Pakhtunkhwa", "Shangla", 10.0, attack_day),
        ("Khyber Pakhtunkhwa", "Upper Kohistan", 2.0, day_number(dt.date(2021, 7, 14))),
        ("Sindh", "", 0.5, attack_day),
    ]
    query = parse_query({"from": "2024-02", "to": "2024-04"}, today=TODAY)
    data = charts.risk_band_trend(rows, query, today=TODAY, params=DEFAULT_PARAMS)
    kp = next(s for s in data["provinces"] if s["label"] == "Khyber Pakhtunkhwa")
    end_of_march = day_number(dt.date(2024, 3, 31))
    expected = 10.0 * age_factor(end_of_march - attack_day) + 2.0 * age_factor(
        end_of_march - rows[1][3]
    )
    assert kp["data"][1] == pytest.approx(expected, abs=1e-3)
    assert kp["data"][0] == pytest.approx(
        2.0 * age_factor(day_number(dt.date(2024, 2, 29)) - rows[1][3]), abs=1e-3
    )
    assert kp["bands"] == ["low", "high", "high"]
    assert data["provinces"][0]["label"] == "Khyber Pakhtunkhwa"
    bands = {b["label"]: b["data"] for b in data["bands"]}
    # February: only Upper Kohistan has an incident yet; Sindh's has no district.
    assert bands["low"] == [1, 1, 1] and bands["high"] == [0, 1, 1]
    assert sum(bands["moderate"] + bands["elevated"] + bands["extreme"]) == 0


def test_the_current_period_is_scored_today_not_at_its_end() -> None:
    rows = [("Sindh", "Karachi", 8.0, day_number(TODAY))]
    query = parse_query({"from": "2026-11", "to": "2026-11"}, today=TODAY)
    data = charts.risk_band_trend(rows, query, today=TODAY, params=DEFAULT_PARAMS)
    assert data["provinces"][0]["data"] == [8.0]


def test_an_empty_risk_trend_has_every_band_at_zero() -> None:
    query = parse_query({"from": "2024-01", "to": "2024-02"}, today=TODAY)
    data = charts.risk_band_trend([], query, today=TODAY, params=DEFAULT_PARAMS)
    assert data["provinces"] == []
    assert [b["data"] for b in data["bands"]] == [[0, 0]] * 5


# --- the JSON endpoints and the page --------------------------------------------------------


def test_the_json_counts_only_what_the_gate_lets_the_reader_see(world: World, login: Any) -> None:
    incident(tlp="green")
    incident(tlp="amber+strict", organisation=world.spu_kp)
    incident(tlp="red", recipients=[world.user("analyst")])
    url = reverse("dashboard:chart-incidents") + "?from=2024-03&to=2024-03"
    analyst = login("analyst").get(url).json()
    assert analyst["total"] == 3 and analyst["tlp"] == "TLP:RED"
    coordinator = login("coordinator").get(url).json()
    assert coordinator["total"] == 1 and coordinator["tlp"] == "TLP:GREEN"


def test_the_deaths_and_risk_json_follow_the_gate_too(world: World, login: Any) -> None:
    incident(tlp="green", deaths=3, deaths_by_nationality={"CN": 3})
    incident(tlp="red", deaths=7, deaths_by_nationality={"CN": 7}, admin1="Sindh", admin2="Karachi")
    deaths = login("viewer").get(reverse("dashboard:chart-deaths") + "?from=2024&to=2024").json()
    assert deaths["series"] == [{"label": "CN", "data": [3], "total": 3}]
    risk = login("viewer").get(reverse("dashboard:chart-risk") + "?from=2024-03&to=2024-03").json()
    assert [s["label"] for s in risk["provinces"]] == ["Khyber Pakhtunkhwa"]
    assert risk["provinces"][0]["data"][0] > 0


@pytest.mark.parametrize("name", ["chart-incidents", "chart-deaths", "chart-risk"])
def test_the_json_answers_400_with_a_reason_per_parameter(
    world: World, login: Any, name: str
) -> None:
    response = login("analyst").get(reverse(f"dashboard:{name}") + "?from=2024-99&interval=decade")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "The chart parameters are not valid."
    assert set(body["fields"]) == {"from", "interval"}


def test_the_json_needs_a_signed_in_reader(world: World, client: Any) -> None:
    response = client.get(reverse("dashboard:chart-incidents"))
    assert response.status_code == 401
    assert response.json() == {"error": "Sign in to see this data."}


def test_an_empty_range_gives_zero_series_not_an_error(world: World, login: Any) -> None:
    body = login("analyst").get(reverse("dashboard:chart-incidents") + "?from=2020&to=2020").json()
    assert body["series"] == [] and body["total"] == 0 and len(body["labels"]) == 12
    assert body["tlp"] == "TLP:CLEAR"


def test_the_charts_page_renders_the_numbers_as_tables(world: World, login: Any) -> None:
    incident(date=dt.date(2024, 3, 26), deaths=6, deaths_by_nationality={"CN": 5})
    response = login("analyst").get(reverse("dashboard:charts") + "?from=2024-01&to=2024-06")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Incidents per period and province" in html
    assert "Deaths by nationality over time" in html and "Trend of risk bands" in html
    assert '<th scope="row">2024-03</th><td class="num">1</td>' in html
    assert '<th scope="row">2024</th><td class="num">5</td><td class="num">1</td>' in html
    assert "dashboard/vendor/chart.umd.min.js" in html and "dashboard/charts.js" in html
    assert 'data-chart="/dashboard/charts/incidents.json?' in html


def test_the_charts_page_explains_bad_parameters(world: World, login: Any) -> None:
    response = login("analyst").get(reverse("dashboard:charts") + "?from=2024-13&to=<script>")
    assert response.status_code == 400
    html = response.content.decode()
    assert "not a real date" in html and 'role="alert"' in html
    assert "<script>" not in html.split("<main", 1)[1].split("dashboard/charts.js")[0].replace(
        '<script src="', ""
    )


def test_the_charts_page_says_when_nothing_falls_in_the_range(world: World, login: Any) -> None:
    html = login("viewer").get(reverse("dashboard:charts") + "?from=2020&to=2020").content.decode()
    assert "No incident you may see falls in this range" in html
    # Viewers read the risk picture too, so the risk chart is there for them.
    assert "Trend of risk bands" in html

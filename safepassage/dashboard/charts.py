"""Chart data computed from the incidents a reader may see: incidents per period and
province, deaths by nationality over time, and the trend of risk bands.

Every function takes a queryset the caller has already passed through the gate
(``gate.restrict``, which applies scope and TLP markings), so a chart never counts an
incident its reader may not open. The functions return plain JSON-ready dicts; the views
serve them as they are and the charts page renders the same numbers as tables.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Count, QuerySet
from django.db.models.functions import Trunc

from safepassage.riskmodel.model import BANDS, RiskParams, band_for, day_number

INTERVALS = ("month", "year")
# The most periods one chart may span (20 years by month): bounds the work of one request.
MAX_PERIODS = 240
# The default span when the reader gives no start: the data's, capped to this many periods.
DEFAULT_PERIODS = {"month": 120, "year": 20}
# Series beyond this many are summed into one "Other" series so a chart stays legible.
MAX_SERIES = 8
MAX_PARAM = 100
NO_PROVINCE = "Province not known"
UNKNOWN_NATIONALITY = "Not known"
OTHER = "Other"
_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]*$")


class ChartQueryError(ValueError):
    """A chart query that cannot be answered; ``errors`` maps each parameter to why."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ChartQuery:
    """Which periods a chart covers (first days of the first and last), and a province."""

    start: datetime.date
    end: datetime.date
    interval: str
    province: str = ""

    def periods(self) -> list[datetime.date]:
        """The first day of every period from ``start`` to ``end``."""
        out = [self.start]
        while out[-1] < self.end:
            out.append(_next(out[-1], self.interval))
        return out

    def after_end(self) -> datetime.date:
        """The first day after the last period."""
        return _next(self.end, self.interval)

    def as_dict(self) -> dict[str, str]:
        return {
            "from": label_of(self.start, self.interval),
            "to": label_of(self.end, self.interval),
            "interval": self.interval,
            "province": self.province,
        }


def _floor(day: datetime.date, interval: str) -> datetime.date:
    return day.replace(day=1) if interval == "month" else day.replace(month=1, day=1)


def _next(day: datetime.date, interval: str) -> datetime.date:
    if interval == "year":
        return day.replace(year=day.year + 1)
    return (
        day.replace(year=day.year + 1, month=1)
        if day.month == 12
        else day.replace(month=day.month + 1)
    )


def _back(day: datetime.date, periods: int, interval: str) -> datetime.date:
    """The first day of the period ``periods`` before ``day``'s."""
    if interval == "year":
        return day.replace(year=max(1, day.year - periods))
    months = day.year * 12 + day.month - 1 - periods
    return datetime.date(max(1, months // 12), months % 12 + 1, 1)


def _count(start: datetime.date, end: datetime.date, interval: str) -> int:
    if interval == "year":
        return end.year - start.year + 1
    return (end.year - start.year) * 12 + end.month - start.month + 1


def label_of(day: datetime.date, interval: str) -> str:
    """A period's label: ``2024-03`` by month, ``2024`` by year."""
    return f"{day:%Y}" if interval == "year" else f"{day:%Y-%m}"


def _parse_period(raw: str) -> datetime.date:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as a date (the first of the month or year)."""
    found = _PERIOD.match(raw)
    if not found:
        raise ValueError("Give a year, a month or a day: 2024, 2024-03 or 2024-03-26.")
    year, month, day = found.groups()
    try:
        return datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError as exc:
        raise ValueError(f"{raw} is not a real date.") from exc


def parse_query(
    params: Mapping[str, Any],
    *,
    today: datetime.date,
    earliest: datetime.date | None = None,
    default_interval: str = "month",
) -> ChartQuery:
    """The chart query in ``params`` (``from``, ``to``, ``interval``, ``province``).

    Without ``to`` the chart ends with the current period; without ``from`` it starts with
    ``earliest`` (the oldest dated incident), at most ``DEFAULT_PERIODS`` back. Raises
    ChartQueryError naming every parameter that is malformed, reversed or too wide.
    """
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        value = params.get(name)
        value = "" if value is None else str(value).strip()
        if len(value) > MAX_PARAM:
            errors[name] = f"At most {MAX_PARAM} characters."
            return ""
        if not _PRINTABLE.match(value):
            errors[name] = "Control characters are not allowed."
            return ""
        return value

    interval = text("interval") or default_interval
    if interval not in INTERVALS:
        errors["interval"] = f"Choose one of: {', '.join(INTERVALS)}."
        interval = default_interval
    bounds: dict[str, datetime.date | None] = {}
    for name in ("from", "to"):
        raw = text(name)
        bounds[name] = None
        if raw:
            try:
                day = _parse_period(raw)
                # "to=2024" by month means through December 2024, not its January.
                if name == "to" and len(raw) == 4 and interval == "month":
                    day = day.replace(month=12)
                bounds[name] = _floor(day, interval)
            except ValueError as exc:
                errors[name] = str(exc)
    province = text("province")
    end = bounds["to"] or _floor(today, interval)
    start = bounds["from"]
    if start is None:
        start = _back(end, DEFAULT_PERIODS[interval] - 1, interval)
        if earliest is not None:
            start = max(start, _floor(earliest, interval))
        start = min(start, end)
    if not errors:
        if start > end:
            errors["from"] = "The start comes after the end."
        elif _count(start, end, interval) > MAX_PERIODS:
            errors["from"] = f"A chart spans at most {MAX_PERIODS} {interval}s; narrow the range."
    if errors:
        raise ChartQueryError(errors)
    return ChartQuery(start, end, interval, province)


def in_range(queryset: QuerySet[Any], query: ChartQuery) -> QuerySet[Any]:
    """The incidents dated inside the query's periods (and its province, when given).

    The gate's queryset is used as a subquery of primary keys, so whatever joins or
    DISTINCT the gate added cannot distort the counts below.
    """
    model = queryset.model
    found = model._default_manager.filter(
        pk__in=queryset.values("pk"), date__gte=query.start, date__lt=query.after_end()
    )
    if query.province:
        found = found.filter(admin1__iexact=query.province)
    return found


def _top_series(
    totals: dict[str, dict[int, float]], n_periods: int, limit: int = MAX_SERIES
) -> list[dict[str, Any]]:
    """Series sorted by total (largest first); beyond ``limit`` the smallest are summed into
    one "Other (n)" series."""
    ranked = sorted(totals.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    if len(ranked) > limit:
        rest = ranked[limit - 1 :]
        other: dict[int, float] = {}
        for _name, values in rest:
            for i, v in values.items():
                other[i] = other.get(i, 0) + v
        ranked = [*ranked[: limit - 1], (f"{OTHER} ({len(rest)})", other)]
    series = []
    for name, values in ranked:
        data = [_number(values.get(i, 0)) for i in range(n_periods)]
        series.append({"label": name, "data": data, "total": _number(sum(data))})
    return series


def _number(value: float) -> int | float:
    """Whole numbers as int (counts stay integers in the JSON)."""
    return int(value) if float(value).is_integer() else round(float(value), 3)


def incidents_per_period(queryset: QuerySet[Any], query: ChartQuery) -> dict[str, Any]:
    """Incidents per period, one series per province; undated incidents are counted apart."""
    periods = query.periods()
    index = {p: i for i, p in enumerate(periods)}
    rows = (
        in_range(queryset, query)
        .annotate(period=Trunc("date", query.interval))
        .values("period", "admin1")
        .annotate(n=Count("pk"))
        .order_by()
    )
    totals: dict[str, dict[int, float]] = {}
    for row in rows:
        period = row["period"]
        if isinstance(period, datetime.datetime):
            period = period.date()
        i = index.get(period)
        if i is None:
            continue
        name = (row["admin1"] or "").strip() or NO_PROVINCE
        bucket = totals.setdefault(name, {})
        bucket[i] = bucket.get(i, 0) + row["n"]
    series = _top_series(totals, len(periods))
    undated = queryset.model._default_manager.filter(
        pk__in=queryset.values("pk"), date__isnull=True
    )
    if query.province:
        undated = undated.filter(admin1__iexact=query.province)
    return {
        "query": query.as_dict(),
        "labels": [label_of(p, query.interval) for p in periods],
        "series": series,
        "total": sum(s["total"] for s in series),
        "undated": undated.count(),
    }


def _whole(value: Any) -> int | None:
    """A non-negative whole count, or None for anything else (text, floats, booleans)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value < 0 or not float(value).is_integer():
        return None
    return int(value)


def nationality_key(raw: Any) -> str | None:
    """A nationality as the chart names it: ISO codes upper-cased, other names as given."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not text or len(text) > 60:
        return None
    return text.upper() if len(text) == 2 and text.isalpha() else text


def deaths_by_nationality(queryset: QuerySet[Any], query: ChartQuery) -> dict[str, Any]:
    """Deaths per period, one series per nationality of the dead.

    Deaths an incident counts beyond those it attributes to a nationality form the
    "Not known" series, so the series add up to the incidents' total deaths.
    """
    periods = query.periods()
    index = {p: i for i, p in enumerate(periods)}
    rows = in_range(queryset, query).values_list("date", "deaths", "deaths_by_nationality")
    totals: dict[str, dict[int, float]] = {}
    for day, deaths, by_nationality in rows.iterator():
        i = index.get(_floor(day, query.interval))
        if i is None:
            continue
        known = 0
        groups = by_nationality if isinstance(by_nationality, dict) else {}
        for raw, count in groups.items():
            key, n = nationality_key(raw), _whole(count)
            if key is None or not n:
                continue
            bucket = totals.setdefault(key, {})
            bucket[i] = bucket.get(i, 0) + n
            known += n
        total = _whole(deaths)
        if total is not None and total > known:
            bucket = totals.setdefault(UNKNOWN_NATIONALITY, {})
            bucket[i] = bucket.get(i, 0) + (total - known)
    series = _top_series(totals, len(periods))
    return {
        "query": query.as_dict(),
        "labels": [label_of(p, query.interval) for p in periods],
        "series": series,
        "total": sum(s["total"] for s in series),
    }


def _period_end(start: datetime.date, interval: str, today: datetime.date) -> datetime.date:
    """The last day of the period starting on ``start``, or today for the current one."""
    return min(_next(start, interval) - datetime.timedelta(days=1), today)


def risk_band_trend(
    rows: list[tuple[str, str, float, int]],
    query: ChartQuery,
    *,
    today: datetime.date,
    params: RiskParams,
) -> dict[str, Any]:
    """Province scores and the number of districts in each band at the end of each period.

    ``rows`` are (province, district, base value, day number) of the incidents that count,
    as the risk app stores them (``IncidentRisk``); the score at a moment is the sum of
    base value × age factor over the incidents dated up to then, as ``docs/RISK.md`` says.
    Districts enter the band counts once they have an incident; as it ages they fall back
    to low rather than vanish.
    """
    periods = query.periods()
    ends = [_period_end(p, query.interval, today) for p in periods]
    labels = [label_of(p, query.interval) for p in periods]
    thresholds = list(params.thresholds)
    if query.province:
        wanted = query.province.casefold()
        rows = [r for r in rows if r[0].casefold() == wanted]
    if not rows:
        return {
            "query": query.as_dict(),
            "labels": labels,
            "provinces": [],
            "bands": [{"label": b, "data": [0] * len(periods)} for b in BANDS],
            "thresholds": thresholds,
        }
    provinces = sorted({r[0] or NO_PROVINCE for r in rows})
    p_index = {name: i for i, name in enumerate(provinces)}
    districts = sorted({(r[0], r[1]) for r in rows if r[1]})
    d_index = {key: i for i, key in enumerate(districts)}
    values = np.array([float(r[2]) for r in rows])
    days = np.array([float(r[3]) for r in rows])
    p_of = np.array([p_index[r[0] or NO_PROVINCE] for r in rows], dtype=np.int64)
    d_rows = np.array([i for i, r in enumerate(rows) if r[1]], dtype=np.int64)
    d_of = np.array([d_index[(rows[i][0], rows[i][1])] for i in d_rows], dtype=np.int64)
    province_scores = np.zeros((len(provinces), len(periods)))
    band_counts = {b: [0] * len(periods) for b in BANDS}
    for j, end in enumerate(ends):
        ages = day_number(end) - days
        counted = ages >= 0
        age = np.where(counted, ages, 0.0)
        factor = (1.0 - params.long_weight) * np.exp2(-age / params.half_life_days)
        factor += params.long_weight * np.exp2(-age / params.long_half_life_days)
        contribution = np.where(counted, values * factor, 0.0)
        province_scores[:, j] = np.bincount(p_of, weights=contribution, minlength=len(provinces))
        if len(d_rows):
            district_scores = np.bincount(
                d_of, weights=contribution[d_rows], minlength=len(districts)
            )
            present = np.bincount(d_of, weights=counted[d_rows], minlength=len(districts)) > 0
            for score, seen in zip(district_scores, present, strict=True):
                if seen:
                    band_counts[band_for(float(score), params)][j] += 1
    series: list[dict[str, Any]] = []
    for name, i in p_index.items():
        scores = [round(float(s), 3) for s in province_scores[i]]
        series.append(
            {
                "label": name,
                "data": scores,
                "bands": [band_for(s, params) for s in scores],
                "latest": scores[-1],
            }
        )
    series.sort(key=lambda s: (-float(s["latest"]), str(s["label"])))
    return {
        "query": query.as_dict(),
        "labels": labels,
        "provinces": series,
        "bands": [{"label": b, "data": band_counts[b]} for b in BANDS],
        "thresholds": thresholds,
    }


def transpose(data: dict[str, Any], key: str = "series") -> list[dict[str, Any]]:
    """Chart data as table rows: one per period, with each series' value (for the tables)."""
    series = data.get(key) or []
    return [
        {"label": label, "values": [s["data"][i] for s in series]}
        for i, label in enumerate(data.get("labels") or [])
        if any(s["data"][i] for s in series)
    ]

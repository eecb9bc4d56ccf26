"""Blocking keys: the cheap, indexed conditions that bound the linker's candidate search.

A mention is compared only with events of the same kind whose date falls in its date window
and whose place falls in its place block. Both are equality or range conditions on indexed
columns, so the number of candidates depends on how busy a week and a region are, not on how
many incidents the database holds.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

import h3

from safepassage.linking.event import LinkEvent

H3_RESOLUTION = 5  # cells of about 250 km², 8.5 km edge: a ring covers ~25 km around a point
DAY_SLACK = datetime.timedelta(days=2)
# Precisions whose coordinates are meaningful enough to block on an H3 cell.
CELL_PRECISIONS = frozenset({"point", "town", "district"})


@dataclass(frozen=True)
class DateWindow:
    """Candidates have a day-precision date in ``[start, end]``, or a coarser date containing it.

    ``month_starts`` and ``year_starts`` are the first days of the months and years that a
    coarser-precision candidate may carry (such candidates store the period's first day).
    """

    start: datetime.date
    end: datetime.date
    month_starts: tuple[datetime.date, ...]
    year_starts: tuple[datetime.date, ...]


@dataclass(frozen=True)
class Block:
    """Where to look: the kind, the date window (None: undated) and the place keys."""

    kind: str
    window: DateWindow | None
    cells: tuple[str, ...]
    admin1: str
    admin2: str
    country: str


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def date_window(when: datetime.date, precision: str) -> DateWindow:
    """The date window for a date of the given precision.

    A day matches two days either side (reports disagree on night-time attacks and on when
    a death toll was announced); a month matches its own days and the month itself; a year
    matches anything within it.
    """
    year_start = datetime.date(when.year, 1, 1)
    if precision == "day":
        start, end = when - DAY_SLACK, when + DAY_SLACK
        months = tuple(sorted({_month_start(start), _month_start(end)}))
        years = tuple(sorted({datetime.date(start.year, 1, 1), datetime.date(end.year, 1, 1)}))
        return DateWindow(start, end, months, years)
    if precision == "month":
        last = calendar.monthrange(when.year, when.month)[1]
        start = _month_start(when)
        return DateWindow(start, when.replace(day=last), (start,), (year_start,))
    return DateWindow(
        year_start,
        datetime.date(when.year, 12, 31),
        tuple(datetime.date(when.year, m, 1) for m in range(1, 13)),
        (year_start,),
    )


def cell_of(lat: float | None, lon: float | None, precision: str) -> str:
    """The resolution-5 H3 cell of a point, or "" when the place is too coarse to block on."""
    if lat is None or lon is None or precision not in CELL_PRECISIONS:
        return ""
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return ""
    return str(h3.latlng_to_cell(lat, lon, H3_RESOLUTION))


def block_for(event: LinkEvent) -> Block:
    """The blocking keys for one event."""
    window = date_window(event.date, event.date_precision) if event.date else None
    cell = cell_of(event.lat, event.lon, event.geo_precision)
    cells = tuple(sorted(h3.grid_disk(cell, 1))) if cell else ()
    return Block(
        kind=event.kind,
        window=window,
        cells=cells,
        admin1=event.admin1,
        admin2=event.admin2 if event.geo_precision in CELL_PRECISIONS else "",
        country=event.country,
    )

"""Load the UCDP GED Pakistan dev extract as a gold set.

Each CSV row pairs news headlines (``text``, ``;``-joined) with what UCDP's coders recorded.
The decisions below are documented in docs/EXTRACTION.md ("Evaluation"); in short:

* text: the headlines, one per line (a ``;`` directly followed by a non-space character joins
  two headlines; ``"; "`` inside a headline is kept).
* province: UCDP's spelling normalised (FATA and NWFP -> Khyber Pakhtunkhwa); scored where UCDP
  gives one. District: scored where UCDP gives one, with old agencies folded into districts.
* coordinates: every row; ``coords_25km_place`` additionally reports rows coded to a place
  (where_prec 1-3), where a 25 km test is meaningful.
* deaths: UCDP's best figure, or any figure inside its low-high range.
* date: scored only where a headline states a calendar date (a day with a month name, or an ISO
  date); tolerance one day, because such headlines usually carry the day a bulletin or newspaper
  appeared, which is the event day or the next. ``date_exact`` reports the same rows with no
  tolerance.
* publication date passed to the extractor: by default the 31 December of the event's year,
  which gives the extractor the year (as a reader of a dated archive has) but not the day.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

from text_to_num import alpha2digit

from safepassage.evaluation.gold import (
    GoldCount,
    GoldDate,
    GoldDocument,
    GoldError,
    GoldEvent,
    GoldLocation,
    GoldSet,
)
from safepassage.evaluation.normalize import fold, mentions, province_aliases, province_key

REQUIRED_COLUMNS = (
    "id",
    "text",
    "event_date",
    "admin1",
    "admin2",
    "lat",
    "lon",
    "fatalities",
    "extra",
)
PUBLISHED_POLICIES = ("year-end", "start", "none")
#: One day of tolerance for headline dates (see the module docstring).
DATE_TOLERANCE_DAYS = 1
#: Cells longer than this are refused (the real file's longest is a few kB).
MAX_CELL_CHARS = 100_000

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE_IN_HEADLINE = re.compile(
    rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?!\w)"
    r"|(?:19|20)\d\d-\d\d-\d\d\b)",
    re.IGNORECASE,
)
_HEADLINE_SPLIT = re.compile(r";(?=\S)")
#: The same dates as ``_DATE_IN_HEADLINE``, with their parts, to compare them with UCDP's.
_DATE_PARTS = re.compile(
    rf"\b(?:(?P<month_a>{_MONTH})\s+(?P<day_a>\d{{1,2}})(?:st|nd|rd|th)?\b"
    rf"|(?P<day_b>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month_b>{_MONTH})(?!\w)"
    r"|(?P<iso>(?:19|20)\d\d-\d\d-\d\d)\b)",
    re.IGNORECASE,
)
_MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


def headline_states_date(text: str) -> bool:
    """Say whether a headline text states a calendar date.

    The rule: a day of the month next to a month name ("Jan 31", "10 Jan 13", "March 25") or an
    ISO date. Weekdays and words like "yesterday" are not counted: resolving them needs the true
    publication date, which the data does not give.
    """
    return _DATE_IN_HEADLINE.search(text) is not None


def _stated_dates(text: str, years: range) -> list[dt.date]:
    """Return the calendar dates a text states, a day and month read in each of ``years``."""
    found: list[dt.date] = []
    for match in _DATE_PARTS.finditer(text):
        if match["iso"]:
            try:
                found.append(dt.date.fromisoformat(match["iso"]))
            except ValueError:
                pass
            continue
        month = _MONTH_NUMBERS[(match["month_a"] or match["month_b"])[:3].lower()]
        day = int(match["day_a"] or match["day_b"])
        for year in years:
            try:
                found.append(dt.date(year, month, day))
            except ValueError:
                pass
    return found


def states_event_date(text: str, start: dt.date, end: dt.date) -> bool:
    """Say whether the text states the event's own date: a calendar date inside UCDP's range,
    give or take the tolerance. A bulletin or listing dated weeks after the event states a
    date, but not the event's.
    """
    slack = dt.timedelta(days=DATE_TOLERANCE_DAYS)
    years = range(start.year - 1, end.year + 2)
    return any(start - slack <= day <= end + slack for day in _stated_dates(text, years))


#: Numbers that are not counts: dates, clock times, years, wire slugs, addresses.
_NOT_A_COUNT = re.compile(
    rf"{_DATE_IN_HEADLINE.pattern}|\b\d{{3,4}}\s*gmt\b|\b(?:19|20)\d\d\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b"
    r"|\b(?:update|wrapup)\s+\d+\b|\bhttps?://\S+|\b\d{1,2}\s+(?:19|20)?\d\d\b(?=\s*$)",
    re.IGNORECASE | re.MULTILINE,
)
_COUNT = re.compile(r"\b\d{1,4}\b")
#: Words that report a violent event; a dated text without any is a digest's title only.
_EVENT_WORD = re.compile(
    r"\b(?:kill\w*|dead|die[sd]?|death\w*|blast\w*|bomb\w*|attack\w*|strikes?|clash\w*|"
    r"shot|gun\w*|militants?|explo\w*|ambush\w*|fir(?:e|ing)|shell\w*|wound\w*|injur\w*|"
    r"bodies|body|abduct\w*|kidnap\w*|raid\w*|operation)\b",
    re.IGNORECASE,
)


def states_figure(text: str, accepted: set[int], low: int | None, high: int | None) -> bool:
    """Say whether the text states one of the accepted death figures, in digits or words.

    Dates, clock times, years and slugs ("UPDATE 1") are not read as counts.
    """
    cleaned = _NOT_A_COUNT.sub(" ", text)
    cleaned = alpha2digit(cleaned, "en")
    for raw in _COUNT.findall(cleaned):
        value = int(raw)
        if value in accepted or (low is not None and high is not None and low <= value <= high):
            return True
    return False


def reports_event(text: str) -> bool:
    """Say whether any headline reports a violent event (not only a digest's title)."""
    return _EVENT_WORD.search(text) is not None


def headlines_text(text: str) -> str:
    """Return the ``;``-joined headlines of a row one per line."""
    return "\n".join(part.strip() for part in _HEADLINE_SPLIT.split(text) if part.strip())


def _parse_range(value: str) -> tuple[dt.date, dt.date]:
    start_text, _, end_text = value.partition("/")
    start = dt.date.fromisoformat(start_text.strip())
    end = dt.date.fromisoformat(end_text.strip()) if end_text else start
    if end < start:
        raise ValueError("range ends before it starts")
    return start, end


def _optional_int(value: object) -> int | None:
    if value is None or value == "":
        return None
    number = int(str(value))
    if number < 0:
        raise ValueError("negative count")
    return number


_PLACE_UNIT_WORDS = {
    "town",
    "village",
    "city",
    "district",
    "agency",
    "area",
    "areas",
    "tehsil",
    "valley",
}


def _place_name(name: str) -> str:
    return " ".join(word for word in fold(name).split() if word not in _PLACE_UNIT_WORDS)


def names_in_text(text: str, row: dict[str, str]) -> tuple[bool, bool]:
    """Say whether the headlines name the coded place, and the place, district or province
    (any spelling of it; "Kashmir" for Azad Jammu and Kashmir).

    A district named when UCDP coded a village in it does not count as naming the place: the
    text then locates the event only to a district, often 30-60 km across, and no reader can
    put it within 25 km of the village. The rule is literal on purpose: it measures what the
    text offers, not what a gazetteer knows.
    """
    district = _place_name(row.get("admin2", ""))
    location = _place_name(row.get("location", "")) or district
    place = mentions(text, location)
    in_district = place or mentions(text, district)
    canonical = province_key(row.get("admin1"))
    spellings = [
        *province_aliases(canonical or ""),
        *(["kashmir"] if canonical == "Azad Jammu and Kashmir" else []),
    ]
    province = in_district or any(
        mentions(text, spelling) for spelling in spellings if len(spelling) > 3
    )
    return place, province


def published_for(start: dt.date, policy: str) -> str | None:
    """Return the publication date passed to the extractor for an event starting on ``start``."""
    if policy == "year-end":
        return f"{start.year}-12-31"
    if policy == "start":
        return start.isoformat()
    if policy == "none":
        return None
    raise ValueError(f"unknown publication-date policy {policy!r}; use one of {PUBLISHED_POLICIES}")


def row_to_document(row: dict[str, str], published_policy: str) -> GoldDocument:
    """Turn one CSV row into a gold document; raises ``ValueError`` for a malformed row."""
    for column in REQUIRED_COLUMNS:
        value = row.get(column)
        if value is None:
            raise ValueError(f"missing column {column!r}")
        if len(value) > MAX_CELL_CHARS:
            raise ValueError(f"column {column!r} is too long")
    text = headlines_text(row["text"])
    if not text:
        raise ValueError("no headline text")
    start, end = _parse_range(row["event_date"])
    extra_raw = json.loads(row["extra"]) if row["extra"].strip() else {}
    if not isinstance(extra_raw, dict):
        raise ValueError("extra is not a JSON object")
    best = _optional_int(row["fatalities"])
    if best is None:
        raise ValueError("no fatalities figure")
    low = _optional_int(extra_raw.get("low"))
    high = _optional_int(extra_raw.get("high"))
    where_prec = _optional_int(extra_raw.get("where_prec"))
    lat = float(row["lat"])
    lon = float(row["lon"])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("coordinates out of range")
    states_date = headline_states_date(row["text"])
    # A name in a digest's title ("Jammu and Kashmir Timeline 2017") does not say where an
    # event happened: the subsets need a headline that reports one.
    place_named, province_named = (
        names_in_text(text, row) if reports_event(text) else (False, False)
    )
    stated = states_figure(text, {best}, low, high)
    event = GoldEvent(
        label="main event",
        kinds=None,
        date_scored=states_date,
        date_reported=states_date and reports_event(text) and states_event_date(text, start, end),
        date=GoldDate(start=start, end=end, tolerance_days=DATE_TOLERANCE_DAYS)
        if states_date
        else None,
        location=GoldLocation(
            name=row.get("location") or None,
            country="PK",
            admin1=row["admin1"].strip() or None,
            admin2=row["admin2"].strip() or None,
            lat=lat,
            lon=lon,
            where_prec=where_prec,
            place_named=place_named,
            province_named=province_named,
        ),
        fatalities=GoldCount(totals=(best,), low=low, high=high, stated=stated),
    )
    return GoldDocument(
        id=row["id"],
        text=text,
        published=published_for(start, published_policy),
        events=(event,),
        meta={"headline_states_date": states_date, "where_prec": where_prec},
    )


def load_ucdp(
    csv_path: Path, published_policy: str = "year-end", limit: int | None = None
) -> GoldSet:
    """Load the UCDP dev CSV as a gold set.

    A malformed row is left out and named in the set's notes (so the report shows it), rather
    than stopping the evaluation; a missing file or missing columns raise ``GoldError``.
    """
    if published_policy not in PUBLISHED_POLICIES:
        raise GoldError(
            f"unknown publication-date policy {published_policy!r}; use one of {PUBLISHED_POLICIES}"
        )
    try:
        handle = csv_path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise GoldError(f"{csv_path}: cannot read the UCDP file ({exc.strerror})") from exc
    documents: list[GoldDocument] = []
    notes: list[str] = []
    skipped = 0
    with handle:
        csv.field_size_limit(MAX_CELL_CHARS + 1)
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        if missing:
            raise GoldError(f"{csv_path}: not a UCDP dev file, missing columns {missing}")
        try:
            for number, row in enumerate(reader, start=2):
                if limit is not None and len(documents) >= limit:
                    break
                try:
                    documents.append(row_to_document(row, published_policy))
                except (ValueError, TypeError, json.JSONDecodeError) as exc:
                    skipped += 1
                    if skipped <= 10:
                        notes.append(f"line {number} ({row.get('id', '?')}) left out: {exc}")
        except (csv.Error, UnicodeDecodeError) as exc:
            raise GoldError(f"{csv_path}: unreadable CSV ({exc})") from exc
    if skipped > 10:
        notes.append(f"... {skipped - 10} more rows left out")
    # Several UCDP events are often coded from the same headlines; one extraction per text
    # cannot match all of them, which caps what any extractor can score on those rows.
    texts = Counter(document.text for document in documents)
    shared = sum(count for count in texts.values() if count > 1)
    if shared:
        notes.append(f"{shared} rows share their headlines with another row")
    if limit is not None:
        notes.append(f"limited to the first {limit} rows")
    notes.append(f"publication date passed: {published_policy}")
    return GoldSet(name="ucdp", mode="main", documents=tuple(documents), notes=tuple(notes))

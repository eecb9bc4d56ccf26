"""Find date expressions in text and resolve them against the publication date.

Common news phrasings are matched with precompiled patterns and resolved by explicit rules, so
that "last October", "on Thursday" (the same day when the report is itself from a Thursday),
"in March this year" and "July 2021" (month precision, not the base's day) come out right.
Other spans that spaCy tags as DATE go to dateparser as a fallback, with ``RELATIVE_BASE`` set
to the publication date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("january", "jan"),
        ("february", "feb"),
        ("march", "mar"),
        ("april", "apr"),
        ("may",),
        ("june", "jun"),
        ("july", "jul"),
        ("august", "aug"),
        ("september", "sept", "sep"),
        ("october", "oct"),
        ("november", "nov"),
        ("december", "dec"),
    ),
    start=1,
):
    for _name in _names:
        MONTHS[_name] = _number

WEEKDAYS = {
    name: index
    for index, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}

_MONTH = r"(?P<month>january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
_MONTH2 = _MONTH.replace("?P<month>", "?P<month2>")
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_DAY2 = _DAY.replace("?P<day>", "?P<day2>")
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_WEEKDAY = r"(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"

# Order matters: longer, more precise forms first. Every alternative is a named group so the
# resolver knows which rule applied.
_DATE_PATTERN = re.compile(
    r"\b(?:"
    rf"(?P<iso>{_YEAR}-(?P<iso_m>[01]\d)-(?P<iso_d>[0-3]\d))"
    rf"|(?P<mdy>{_MONTH}\s+{_DAY}(?:,\s*|\s+){_YEAR.replace('year', 'year_mdy')})"
    rf"|(?P<dmy>{_DAY2}\s+(?:of\s+)?{_MONTH2},?\s+(?:{_YEAR.replace('year', 'year_dmy')}|(?P<yy>\d\d)(?=\s*(?:[;\n]|$))))"
    rf"|(?P<my>(?:(?:early|late|mid|mid-)\s*)?{_MONTH.replace('month', 'month_my')},?\s+(?:of\s+)?{_YEAR.replace('year', 'year_my')})"
    rf"|(?P<md>{_MONTH.replace('month', 'month_md')}\s+{_DAY.replace('day', 'day_md')})(?![\d,]*\s*(?:19|20)\d\d)(?!\s*(?:per ?cent|%|km|kilometres|kilometers|people|killed))"
    rf"|(?P<dm>{_DAY.replace('day', 'day_dm')}\s+(?:of\s+)?{_MONTH.replace('month', 'month_dm')}"
    r"(?P<dm_year>\s+(?:this|last)\s+year)?)(?!,?\s*(?:19|20)\d\d)"
    rf"|(?P<rel_m>(?P<rel_m_mod>last|this|next|in|during|since|early|late|mid|mid-|earlier in|"
    rf"(?:the\s+)?(?:first|second|third|last|final)\s+(?:week|fortnight|days|half)\s+of)\s*{_MONTH.replace('month', 'month_rel')}(?P<rel_m_year>\s+(?:this|last)\s+year)?(?!,?\s+(?:of\s+)?(?:19|20)\d\d))"
    rf"|(?P<wd>(?P<wd_mod>on|last|this|early|late|since)?\s*{_WEEKDAY}(?:\s+(?:morning|afternoon|evening|night))?)"
    r"|(?P<yesterday>yesterday|today|tonight|this\s+(?:morning|afternoon|evening)|"
    r"(?:a|one|two|three|four|five|six|\d)\s+days?\s+ago)"
    r"|(?P<later>(?P<later_n>a|one|two|three|four|five|six|seven|\d)\s+days?\s+(?P<later_dir>later|earlier)"
    r"|the\s+(?:next|following)\s+(?:day|morning)"
    r"|the\s+(?:previous|preceding)\s+(?:day|morning|afternoon|evening|night)"
    r"|the\s+(?:day|night|evening)\s+before(?!\s+(?:yesterday|last))"
    r"|the\s+same\s+(?:day|night|evening)"
    r")"
    r"|(?P<rel_span>(?:earlier\s+)?(?:last|this|past)\s+(?:week|month|year))(?!\s+of\b)"
    # "on the 14th": a day of the month of the report (or of the month before).
    r"|(?P<ord_day>on\s+the\s+(?P<ord_d>[0-3]?\d)(?:st|nd|rd|th))(?!\s+(?:of|floor|day|century|"
    r"anniversary|time|round|amendment|division|brigade|corps|battalion))"
    # Islamic dates: "last Ramadan", "on Eid ul Adha", "during Muharram", "on Ashura".
    r"|(?P<hijri>(?:(?P<hijri_mod>last|this|during|in|on|since|before|after)\s+)?(?:the\s+)?"
    r"(?:(?:holy\s+)?month\s+of\s+)?(?P<hijri_name>Ramadan|Ramazan|Ramzan|Muharram|Ashura|"
    r"Eid(?:[- ](?:ul|al|-ul-|-al-)?[- ]?(?:Fitr|Adha|Azha|Zuha))?)(?![\w-]))"
    rf"|(?P<yr>(?P<yr_mod>in|since|of|during|early|late|mid|mid-)\s*{_YEAR.replace('year', 'year_yr')}(?![-/\d]))"
    r")\b",
    re.IGNORECASE,
)

_SMALL = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_DATELINE_META = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b\s*")


@dataclass(frozen=True)
class DateMention:
    """A date expression found in text, resolved if the base date allowed it."""

    start: int
    end: int
    text: str
    value: str | None
    precision: str | None
    #: True for words that only bound a period ("since 2021") and rarely date an event.
    weak: bool = False
    #: True for relative phrases that point to an earlier period ("last October", "last
    #: year", "last week"): the event is recalled, not reported. "Yesterday" is not past here.
    past: bool = False


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_before(base: date, month: int, inclusive: bool) -> int:
    """Year of the most recent ``month`` before (or, if inclusive, up to) ``base``."""
    if month < base.month or (inclusive and month == base.month):
        return base.year
    return base.year - 1


def _week_month(base: date, phrase: str) -> str | None:
    """The month of "this week" (Monday to ``base``) or "last week" (the Monday to Sunday
    before), when the whole span lies in one month; a week has no precision of its own."""
    monday = base - timedelta(days=base.weekday())
    first, last = (monday, base) if "this" in phrase else (monday - timedelta(days=7), monday)
    if "this" not in phrase:
        last -= timedelta(days=1)
    if (first.year, first.month) != (last.year, last.month):
        return None
    return first.strftime("%Y-%m")


def _resolve(match: re.Match[str], base: date | None) -> tuple[str | None, str | None, bool, bool]:
    """Return ``(value, precision, weak, past)`` for one match of ``_DATE_PATTERN``."""
    groups = match.groupdict()
    if groups["iso"]:
        day = _safe_date(int(groups["year"]), int(groups["iso_m"]), int(groups["iso_d"]))
        return (day.isoformat() if day else None), ("day" if day else None), False, False
    if groups["mdy"]:
        day = _safe_date(
            int(groups["year_mdy"]), MONTHS[groups["month"].lower()], int(groups["day"])
        )
        return (day.isoformat() if day else None), ("day" if day else None), False, False
    if groups["dmy"]:
        # "25 Jan 13" in wire digest titles: a two-digit year, read as 20YY.
        year = int(groups["year_dmy"]) if groups["year_dmy"] else 2000 + int(groups["yy"])
        day = _safe_date(year, MONTHS[groups["month2"].lower()], int(groups["day2"]))
        return (day.isoformat() if day else None), ("day" if day else None), False, False
    if groups["my"]:
        month = MONTHS[groups["month_my"].lower()]
        return f"{int(groups['year_my']):04d}-{month:02d}", "month", False, False
    if groups["md"] or groups["dm"]:
        month_name = groups["month_md"] or groups["month_dm"]
        day_text = groups["day_md"] or groups["day_dm"]
        if base is None:
            return None, None, False, False
        month = MONTHS[month_name.lower()]
        candidate = _safe_date(base.year, month, int(day_text))
        if candidate is None:
            return None, None, False, False
        year_word = (groups["dm_year"] or "").split()
        if year_word:
            # "on 26 March last year", "on 3 June this year": the year is stated.
            year = base.year - 1 if year_word[0].lower() == "last" else base.year
            candidate = _safe_date(year, month, int(day_text))
            past = year_word[0].lower() == "last"
            return (candidate.isoformat() if candidate else None), "day", False, past
        if candidate > base + timedelta(days=2):  # a news report's dates lie in the past
            candidate = _safe_date(base.year - 1, month, int(day_text))
        return (candidate.isoformat() if candidate else None), "day", False, False
    if groups["rel_m"]:
        modifier = re.sub(r"\s+", " ", groups["rel_m_mod"].lower())
        month = MONTHS[groups["month_rel"].lower()]
        year_word = (groups["rel_m_year"] or "").strip().lower()
        if base is None:
            return None, None, modifier == "since", modifier == "last"
        if year_word.startswith("this"):
            year = base.year
        elif year_word.startswith("last"):
            year = base.year - 1
        elif modifier == "last":
            year = _month_before(base, month, inclusive=False)
        elif modifier == "next":
            year = base.year if month > base.month else base.year + 1
        else:
            year = _month_before(base, month, inclusive=True)
        return f"{year:04d}-{month:02d}", "month", modifier == "since", modifier == "last"
    if groups["wd"]:
        if base is None:
            return None, None, False, False
        modifier = (groups["wd_mod"] or "").lower()
        weekday = WEEKDAYS[groups["weekday"].lower()]
        back = (base.weekday() - weekday) % 7
        if modifier == "last" and back == 0:
            back = 7
        # "closed since Sunday": the start of a period, like "since 2021".
        return (base - timedelta(days=back)).isoformat(), "day", modifier == "since", False
    if groups["yesterday"]:
        if base is None:
            return None, None, False, False
        word = groups["yesterday"].lower()
        if word in ("today", "tonight") or word.startswith("this"):
            return base.isoformat(), "day", False, False
        if word == "yesterday":
            return (base - timedelta(days=1)).isoformat(), "day", False, False
        count_word = word.split()[0]
        count = int(count_word) if count_word.isdigit() else _SMALL.get(count_word, 1)
        return (base - timedelta(days=count)).isoformat(), "day", False, False
    if groups["rel_span"]:
        phrase = re.sub(r"\s+", " ", groups["rel_span"].lower())
        # "Earlier this month": an event recalled from before the one reported.
        recalled = "last" in phrase or (
            phrase.startswith("earlier") and not phrase.endswith("week")
        )
        if base is None:
            return None, None, False, recalled or "past" in phrase
        if phrase.endswith("week"):
            week = _week_month(base, phrase)
            weak = "past" in phrase
            return week, ("month" if week else None), weak, "last" in phrase or weak
        if phrase.endswith("year"):
            year = base.year - 1 if "last" in phrase else base.year
            return f"{year:04d}", "year", "past" in phrase, recalled
        month_date = base if "this" in phrase else base.replace(day=1) - timedelta(days=1)
        return month_date.strftime("%Y-%m"), "month", "past" in phrase, recalled
    if groups["later"]:
        return None, None, False, False  # resolved by ``find_dates`` against the date before
    if groups["ord_day"]:
        if base is None:
            return None, None, False, False
        day_number = int(groups["ord_d"])
        month_start = base.replace(day=1)
        if day_number > base.day:
            month_start = (month_start - timedelta(days=1)).replace(day=1)
        found = _safe_date(month_start.year, month_start.month, day_number)
        return (found.isoformat() if found else None), ("day" if found else None), False, False
    if groups["hijri"]:
        return _islamic(groups["hijri_name"], (groups["hijri_mod"] or "").lower(), base)
    if groups["yr"]:
        modifier = groups["yr_mod"].lower()
        return groups["year_yr"], "year", modifier in ("since", "of"), False
    return None, None, False, False


#: Islamic dates as (Hijri month, day): the day a festival falls on, or for a month, its middle
#: (the Gregorian month holding most of it). Computed with the Umm al-Qura calendar
#: (``hijridate``). Moon sighting differs by country (Pakistan's festivals often fall a day
#: after Saudi Arabia's), so even a festival's day is given at month precision.
_ISLAMIC: dict[str, tuple[int, int]] = {
    "ramadan": (9, 15),
    "ramazan": (9, 15),
    "ramzan": (9, 15),
    "muharram": (1, 15),
    "ashura": (1, 10),
    "eid": (10, 1),
    "fitr": (10, 1),
    "adha": (12, 10),
    "azha": (12, 10),
    "zuha": (12, 10),
}


def _islamic(
    name: str, modifier: str, base: date | None
) -> tuple[str | None, str | None, bool, bool]:
    """Resolve "last Ramadan", "on Eid ul Adha", "during Muharram" against the report's date:
    the latest such date up to the report (before this year's, for "last")."""
    if base is None:
        return None, None, False, modifier == "last"
    from hijridate import Gregorian, Hijri

    key = re.split(r"[- ]", name.lower())[-1]
    hijri_month, hijri_day = _ISLAMIC.get(key, _ISLAMIC["eid"])
    try:
        year = Gregorian(base.year, base.month, base.day).to_hijri().year
        found = Hijri(year, hijri_month, hijri_day).to_gregorian().datetuple()
        when = date(*found)
        if when > base:
            when = date(*Hijri(year - 1, hijri_month, hijri_day).to_gregorian().datetuple())
        if modifier == "last" and (base - when).days < 30:
            when = date(*Hijri(year - 1, hijri_month, hijri_day).to_gregorian().datetuple())
    except (ValueError, OverflowError):
        return None, None, False, False  # outside the Umm al-Qura table (1924-2077)
    return when.strftime("%Y-%m"), "month", modifier == "since", modifier == "last"


_NAME_GROUPS = ("month", "month2", "month_my", "month_md", "month_dm", "month_rel", "weekday")


def _names_capitalised(match: re.Match[str]) -> bool:
    """Month and weekday names must be capitalised: "this may" and "last mar" are not dates."""
    for group in _NAME_GROUPS:
        name = match.group(group)
        if name and not name[0].isupper():
            return False
    return True


#: "since January, when ...": the clause dates an event, not only the start of a period.
_WHEN_AFTER = re.compile(r",?\s+when\b")
#: "the envoy, who arrived on Sunday for talks": the day of an arrival, not of the talks.
_ARRIVAL_BEFORE = re.compile(r"\barriv(?:ed|es|ing)\b(?:\s+\S+){0,5}\s*\Z", re.IGNORECASE)


def _days_later(
    match: re.Match[str],
    previous: date | None,
    coarser: tuple[str, str] | None = None,
    base: date | None = None,
) -> tuple[str | None, str | None]:
    """Resolve "two days later", "a day earlier", "the next day", "the previous evening" against
    the date told before it in the text: a day moves by the count; a month or year told last
    ("in December 2022, ... The siege ended two days later") is kept at its own precision, as
    the day is unknown. With no date before it, only a look back ("the previous evening") is
    resolved, against the publication date."""
    if coarser is not None:
        return coarser
    phrase = match.group("later").lower()
    if "same" in phrase:
        # "on the same day": the day told last.
        return (previous.isoformat(), "day") if previous is not None else (None, None)
    earlier = (match.group("later_dir") or "").lower() == "earlier" or bool(
        re.search(r"previous|preceding|before", phrase)
    )
    if previous is None:
        if not earlier or base is None or match.group("later_n"):
            return None, None
        previous = base
    count_word = (match.group("later_n") or "one").lower()
    count = int(count_word) if count_word.isdigit() else _SMALL.get(count_word, 1)
    if earlier:
        count = -count
    return (previous + timedelta(days=count)).isoformat(), "day"


def find_dates(
    text: str, base: date | None, start: int = 0, end: int | None = None
) -> list[DateMention]:
    """Return every date expression in ``text[start:end]``, resolved against ``base``.

    Expressions relative to the story ("two days later") are resolved against the last
    day-precision date before them, so they need no publication date.
    """
    mentions: list[DateMention] = []
    previous: date | None = None
    coarser: tuple[str, str] | None = None
    for match in _DATE_PATTERN.finditer(text, start, len(text) if end is None else end):
        if not _names_capitalised(match):
            continue
        value, precision, weak, past = _resolve(match, base)
        if match.group("later"):
            value, precision = _days_later(match, previous, coarser, base)
        if weak and _WHEN_AFTER.match(text, match.end()):
            weak = False
        surface = match.group(0).strip()
        offset = match.start() + (len(match.group(0)) - len(match.group(0).lstrip()))
        if _ARRIVAL_BEFORE.search(text, max(0, offset - 50), offset):
            weak = True
        if value is not None and precision == "day":
            previous, coarser = date.fromisoformat(value), None
        elif value is not None and precision in ("month", "year") and not weak:
            coarser = (value, precision)
        mentions.append(
            DateMention(offset, offset + len(surface), surface, value, precision, weak, past)
        )
    return mentions


_DATEPARSER_WORTHY = re.compile(
    _MONTH + r"|\b(?:19|20)\d\d\b|\b(?:ago|yesterday|week|weeks|month|months|fortnight)\b",
    re.IGNORECASE,
)


_DURATION = re.compile(r"\b(?:\w+\s+)?(?:days|weeks|months|years|decades)\b", re.IGNORECASE)


@lru_cache(maxsize=4096)
def parse_with_dateparser(span: str, base_iso: str | None) -> tuple[str, str] | None:
    """Resolve a DATE span the patterns did not cover; return ``(value, precision)`` or None."""
    # Only spans that name a month, a year or a relative period: a bare "14" is a count.
    if base_iso is None or not _DATEPARSER_WORTHY.search(span):
        return None
    if _DURATION.search(span) and "ago" not in span.lower():
        return None  # "in six months", "for two weeks": a duration, not a date
    from datetime import datetime

    import dateparser.date

    base = datetime.fromisoformat(base_iso)
    parser = dateparser.date.DateDataParser(
        languages=["en"],
        settings={
            "RELATIVE_BASE": base,
            "PREFER_DATES_FROM": "past",
            "PREFER_DAY_OF_MONTH": "first",
            # "10/06/2023" is 10 June in Pakistani, Indian and British usage.
            "DATE_ORDER": "DMY",
            "REQUIRE_PARTS": [],
        },
    )
    data = parser.get_date_data(span)
    if data is None or data.date_obj is None:
        return None
    found = data.date_obj.date()
    if found > base.date() + timedelta(days=2):
        return None
    period = data.period or "day"
    if period == "year":
        return f"{found.year:04d}", "year"
    if period == "month":
        return found.strftime("%Y-%m"), "month"
    if period == "day":
        return found.isoformat(), "day"
    return None


def metadata_date(text: str) -> tuple[str | None, int]:
    """Return the date of a leading `` date YYYY-MM-DD`` metadata line and where it ends."""
    match = _DATELINE_META.match(text)
    if not match:
        return None, 0
    try:
        date.fromisoformat(match.group(1))
    except ValueError:
        return None, 0
    return match.group(1), match.end()


_DATELINE = re.compile(
    r"\A\s*(?P<place>[A-Z][A-Z .'\-]{2,30}?)"
    r"(?:\s*,\s*[A-Z][a-z]+)?"  # "PESHAWAR, Pakistan"
    r"(?:\s*[,(]\s*(?P<date>[A-Z][a-z]+\.?\s+\d{1,2}(?:,?\s+(?:19|20)\d\d)?"
    r"|\d{1,2}\s+[A-Z][a-z]+\.?(?:,?\s+(?:19|20)\d\d)?))?"
    r"(?:\s*\)?\s*\((?:[A-Za-z .]+)\))?"  # "(Reuters)"
    r"\s*(?::|—|–|-{1,2})\s",
)


#: An agency dateline in mixed case, the year often left out: "Karachi, Jul 13 (PTI)".
_AGENCY_DATELINE = re.compile(
    r"\A\s*(?P<place>[A-Z][a-z]+(?:[ -][A-Z][a-z]+)?)\s*,\s*"
    r"(?P<date>[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,?\s+(?:19|20)\d\d)?)\s*"
    r"\((?:PTI|IANS|APP|AFP|AP|Reuters|Xinhua|UNI|ANI|dpa|Bernama|NNI|INP)\)\s*(?:-|—|–|:)?\s*"
)


def dateline(
    text: str, start: int = 0, base: date | None = None
) -> tuple[str | None, str | None, int, int, int]:
    """Parse a dateline such as ``ISLAMABAD:``, ``PESHAWAR, June 5, 2024 (Reuters) -`` or
    ``Karachi, Jul 13 (PTI)`` (a date without its year takes it from ``base``).

    Return ``(place, iso_date, place_start, place_end, dateline_end)``; the place is
    title-cased.
    """
    match = _DATELINE.match(text[start : start + 200]) or _AGENCY_DATELINE.match(
        text[start : start + 200]
    )
    if not match:
        return None, None, 0, 0, 0
    place = match.group("place").strip()
    if len(place) < 3 or not place.replace(" ", "").replace("-", "").isalpha():
        return None, None, 0, 0, 0
    iso: str | None = None
    if match.group("date"):
        found = find_dates(match.group("date"), base)
        if found and found[0].precision == "day":
            iso = found[0].value
    place_start = start + match.start("place")
    return place.title(), iso, place_start, place_start + len(place), start + match.end()

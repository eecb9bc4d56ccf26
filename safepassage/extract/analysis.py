"""What the rules need to know about one document, computed once after spaCy has run."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date

from safepassage.extract.dates import DateMention, dateline, find_dates, parse_with_dateparser
from safepassage.extract.lexicon import HONORIFICS, TITLE_NOUN
from safepassage.extract.places import (
    GazetteerLike,
    PlaceMention,
    add_locative_names,
    collect_mentions,
    find_region_mentions,
)

_CLAUSE_SPLIT = re.compile(r";|\n+")
_LOWER = re.compile(r"[a-z]")
_UPPER = re.compile(r"[A-Z]")


def looks_upper(text: str) -> bool:
    """Whether the text is mostly upper case (wire headlines), where capitals say nothing."""
    sample = text[:5000]
    upper = len(_UPPER.findall(sample))
    lower = len(_LOWER.findall(sample))
    return upper + lower > 10 and lower < 0.4 * (upper + lower)


@dataclass
class Analysis:
    """A document's text with its sentences, dates, places and people, all as offsets."""

    text: str
    published: str | None
    body_start: int
    sentences: list[tuple[int, int]]
    dates: list[DateMention]
    places: list[PlaceMention]
    persons: list[tuple[int, int]]
    dateline_place: PlaceMention | None
    home_country: str | None
    #: Dates in digest titles ("media roundup 17 Feb 14"): the digest's day, about a day after
    #: the events it lists; only a fallback for a reported event with no date of its own.
    digest_dates: list[DateMention] = field(default_factory=list)
    #: The date of a dated dateline ("Karachi, Jul 13 (PTI)"): the day the report was filed.
    dateline_date: DateMention | None = None
    _starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._starts = [start for start, _ in self.sentences]

    @property
    def base(self) -> date | None:
        """The publication date as a date, if known."""
        return date.fromisoformat(self.published) if self.published else None

    @property
    def report_base(self) -> date | None:
        """The day the report speaks from: its dateline's date, else the publication date."""
        if self.dateline_date is not None and self.dateline_date.value:
            return date.fromisoformat(self.dateline_date.value)
        return self.base

    def sentence_of(self, offset: int) -> int:
        """Index of the sentence holding ``offset``."""
        return max(0, bisect.bisect_right(self._starts, offset) - 1)

    def dates_in(self, start: int, end: int) -> list[DateMention]:
        """Date mentions that start inside ``[start, end)``."""
        return [d for d in self.dates if start <= d.start < end]

    def places_in(self, start: int, end: int) -> list[PlaceMention]:
        """Place mentions that start inside ``[start, end)``."""
        return [p for p in self.places if start <= p.start < end]

    def persons_in(self, start: int, end: int) -> list[tuple[int, int]]:
        """PERSON spans that start inside ``[start, end)``."""
        return [p for p in self.persons if start <= p[0] < end]


def split_sentences(
    text: str, sents: list[tuple[int, int]], body_start: int
) -> list[tuple[int, int]]:
    """Refine spaCy's sentences: also break at semicolons and line breaks (headline lists)."""
    result: list[tuple[int, int]] = []
    for start, end in sents:
        start = max(start, body_start)
        if start >= end:
            continue
        cursor = start
        for match in _CLAUSE_SPLIT.finditer(text, start, end):
            if text[cursor : match.start()].strip():
                result.append((cursor, match.start()))
            cursor = match.end()
        if text[cursor:end].strip():
            result.append((cursor, end))
    if not result and text[body_start:].strip():
        result.append((body_start, len(text)))
    return result


def build_analysis(
    text: str,
    published: str | None,
    body_start: int,
    sents: list[tuple[int, int]],
    entities: list[tuple[int, int, str]],
    gazetteer: GazetteerLike,
) -> Analysis:
    """Collect the offsets the event rules work on."""
    entities = add_locative_names(
        text, _join_cut_names(text, [e for e in entities if e[0] >= body_start]), body_start
    )
    entities = _titled_people(text, entities, gazetteer)
    entities = _repeated_names(text, entities, body_start)
    base = date.fromisoformat(published) if published else None
    dates = find_dates(text, base, body_start)
    covered = [(d.start, d.end) for d in dates]
    for start, end, label in entities:
        if label != "DATE" or any(s < end and start < e for s, e in covered):
            continue
        parsed = parse_with_dateparser(text[start:end], published)
        if parsed is not None:
            dates.append(DateMention(start, end, text[start:end], parsed[0], parsed[1]))
    datelines = _datelines(text, body_start, base)
    dates = _dated_by_dateline(text, datelines, dates)
    dates = sorted(
        (d for d in dates if not any(dl.iso and dl.start <= d.start < dl.end for dl in datelines)),
        key=lambda d: d.start,
    )
    digest_dates = [d for d in dates if _in_digest_title(text, d.start)]
    dates = [d for d in dates if d not in digest_dates]
    context = sorted({text[s:e] for s, e, label in entities if label in ("GPE", "LOC", "FAC")})
    places = collect_mentions(text, entities, gazetteer, context)
    regions = find_region_mentions(text, body_start, len(text), gazetteer)
    # "Kashmir" alone resolves to India's state; in a report about Pakistan the region
    # phrase (Azad Jammu and Kashmir) wins over a foreign reading of the same words.
    places = [
        p
        for p in places
        if not any(
            r.start < p.end and p.start < r.end and (p.place is None or p.place.country != "PK")
            for r in regions
        )
    ]
    regions = _regions_outside_names(places, regions)
    places += regions
    places.sort(key=lambda p: (p.start, p.end))
    # A dateline's place is not a person ("TASHKURGAN, China:" read as a name).
    # A people's name is not a person ("help Tajik and Pakistani officers" read as a name).
    persons = [
        (start, end)
        for start, end, label in entities
        if label == "PERSON"
        and not any(dl.place_start < end and start < dl.place_end for dl in datelines)
        and text[start:end].strip().lower() not in _PEOPLES
    ]
    dateline_place = None
    dateline_date = None
    # A dateline opens the body or one of its first paragraphs ("ISLAMABAD: ..."): the first.
    if datelines:
        first = datelines[0]
        if first.iso:
            dateline_date = DateMention(
                first.place_start,
                first.end,
                text[first.place_start : first.end].strip(),
                first.iso,
                "day",
            )
        place = gazetteer.resolve(first.name, (), "PK")
        if place is not None:
            dateline_place = PlaceMention(
                first.place_start, first.place_end, first.name, place, True, False
            )
    countries = [p.place.country for p in places if p.place is not None]
    home = None
    if countries:
        home = "PK" if "PK" in countries else max(sorted(set(countries)), key=countries.count)
    return Analysis(
        text=text,
        published=published,
        body_start=body_start,
        sentences=split_sentences(text, sents, body_start),
        dates=dates,
        places=places,
        persons=persons,
        dateline_place=dateline_place,
        home_country=home,
        digest_dates=digest_dates,
        dateline_date=dateline_date,
    )


@dataclass(frozen=True)
class Dateline:
    """A dateline opening one of the first paragraphs: "PESHAWAR, June 5 (Reuters) -"."""

    start: int  # where its paragraph starts
    name: str
    iso: str | None
    place_start: int
    place_end: int
    end: int


def _datelines(text: str, body_start: int, base: date | None) -> list[Dateline]:
    """The datelines of the first three paragraphs, parsed once per document."""
    found = []
    for line_start in _paragraph_starts(text, body_start, limit=3):
        name, iso, p_start, p_end, end = dateline(text, line_start, base)
        if name:
            found.append(Dateline(line_start, name, iso, p_start, p_end, end))
    return found


_LAST_NAME = re.compile(r"[A-Z][a-z]+")


def _join_cut_names(text: str, entities: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Join a PERSON span and the one capitalised word the model tagged apart right after it:
    "Khalid Mahmood" + "Sheikh", "Mawlawi Noor" + "Ahmad" (also a village's name)."""
    joined: list[tuple[int, int, str]] = []
    for start, end, label in entities:
        if (
            joined
            and joined[-1][2] == "PERSON"
            and label in ("PERSON", "GPE", "LOC", "ORG", "NORP")
            and text[joined[-1][1] : start] == " "
            and _LAST_NAME.fullmatch(text[start:end])
        ):
            joined[-1] = (joined[-1][0], end, "PERSON")
            continue
        joined.append((start, end, label))
    # A last name the model left untagged: "Rana Tanveer" + "Sheikh and ...".
    for index, (start, end, label) in enumerate(joined):
        following = _UNTAGGED_LAST.match(text, end)
        taken = index + 1 < len(joined) and joined[index + 1][0] < end + 30
        if (
            label == "PERSON"
            and following
            and not (taken and joined[index + 1][0] <= following.end(1))
        ):
            if following.group(1) not in _NOT_NAMES:
                joined[index] = (start, following.end(1), label)
    return joined


_NOT_NAME_WORD = (
    r"(?:The|A|An|In|On|At|And|But|After|When|Meanwhile|Interior|Foreign|Federal|Provincial|"
    r"Minister|Secretary|General|Inspector|Chief|Deputy|Director|Police|Army|Mr|Ms|Dr|Pakistan|"
    r"China|Chinese|Pakistani|Afghan|Afghanistan)\b"
)
#: "Tahir Nawaz Khattak, the Inspector General of Police", "Yang Guangming, deputy director of
#: ...": a name set off before a title is a person, whatever label the model gave its words.
_APPOSED_NAME = re.compile(
    rf"(?<![\w-])(?P<name>(?:(?!{_NOT_NAME_WORD})[A-Z][a-z]+(?:-[A-Z][a-z]+)?\s+){{1,3}}"
    rf"(?!{_NOT_NAME_WORD})[A-Z][a-z]+),\s+(?:the\s+|a\s+|an\s+)?"
    rf"(?:(?:China|Pakistan|Afghanistan)['’]s\s+)?(?:[\w'’-]+\s+){{0,3}}?{TITLE_NOUN}\b"
)


def _titled_people(
    text: str, entities: list[tuple[int, int, str]], gazetteer: GazetteerLike
) -> list[tuple[int, int, str]]:
    """Relabel as PERSON the names set off before a title (see :data:`_APPOSED_NAME`) that the
    model tagged as a place or an organisation, or left untagged; a name the gazetteer knows
    ("Dera Ismail Khan, the commissioner said") stays a place."""
    found = []
    for match in _APPOSED_NAME.finditer(text):
        start, end = match.span("name")
        if any(s <= start and end <= e and label == "PERSON" for s, e, label in entities):
            continue
        if gazetteer.resolve(match.group("name"), (), "PK") is not None:
            continue
        found.append((start, end))
    if not found:
        return entities
    kept = [e for e in entities if not any(s < e[1] and e[0] < t for s, t in found)]
    return sorted(kept + [(s, e, "PERSON") for s, e in found])


_NAME_WORD = re.compile(r"[A-Z][a-z]{2,}")
_NOT_PLACE = frozenset({"ORG", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT"})
#: Words dropped before a name's first word is read: the honorifics, and "Syed", a lineage title
#: that begins many names, so that "Syed" used alone is never taken for one person (participants
#: keep it in their names).
_HONORIFICS = frozenset(HONORIFICS) | {"Syed"}


def _repeated_names(
    text: str, entities: list[tuple[int, int, str]], body_start: int
) -> list[tuple[int, int, str]]:
    """Tag as PERSON a first or last name of a person named in full that the model left untagged,
    or read as an organisation, when used alone later ("Wang also met Prime Minister Shehbaz
    Sharif" after "Wang Xiaohong"). A word next to another capitalised word is part of some
    other name."""
    names: set[str] = set()
    alone: set[str] = set()
    for start, end, label in entities:
        words = [w for w in text[start:end].split() if w.rstrip(".") not in _HONORIFICS]
        if label == "PERSON" and len(words) > 1:
            names.update(w for w in (words[0], words[-1]) if _NAME_WORD.fullmatch(w))
        elif label == "PERSON" and len(words) == 1:
            alone.add(words[0])
    names -= _NOT_NAMES
    # "Khurram Agha Siddiqui" read as an organisation, then "Mr Siddiqui said": a person.
    entities = [
        (s, e, "PERSON")
        if label == "ORG" and _read_as_org(text[s:e], alone - _NOT_NAMES)
        else (s, e, label)
        for s, e, label in entities
    ]
    if not names:
        return entities
    pattern = re.compile(
        r"(?<![\w'’-])(?<![A-Z][a-z] )(?<![A-Z][a-z][a-z] )(?P<name>"
        + "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
        + r")(?![\w'’-])(?!\s+[A-Z])"
    )
    found = []
    relabelled = set()
    for match in pattern.finditer(text, body_start):
        start, end = match.span("name")
        if _capitalised_before(text, start):
            continue
        overlapping = [(s, e, label) for s, e, label in entities if s < end and start < e]
        if not overlapping:
            found.append((start, end, "PERSON"))
        elif overlapping == [(start, end, overlapping[0][2])] and overlapping[0][2] in _NOT_PLACE:
            # "Wang" alone read as an organisation.
            relabelled.add((start, end))
    if not found and not relabelled:
        return entities
    kept = [(s, e, "PERSON" if (s, e) in relabelled else label) for s, e, label in entities]
    return sorted(kept + found)


_PEOPLES = frozenset(
    "tajik tajiks afghan afghans chinese pakistani pakistanis uzbek uzbeks kyrgyz kazakh "
    "iranian iranians indian indians russian russians turkish baloch pashtun pashtuns punjabi "
    "sindhi uyghur uyghurs hazara hazaras".split()
)
#: Words that make a name an organisation's.
_ORG_WORDS = re.compile(
    r"\b(?:Ministry|Agency|Department|Corps|Army|Force|Forces|Police|Company|Corporation|Bank|"
    r"Authority|Council|Committee|Commission|Group|Front|Party|Movement|Institute|University|"
    r"Bureau|Office|Division|Unit|Project|League|Association|Brigade|Organi[sz]ation)\b"
)


def _read_as_org(span: str, alone: set[str]) -> bool:
    """Whether an ORG span is a person's full name: two to four name words, no organisation
    word, and its last word used alone for a person elsewhere."""
    words = span.split()
    return (
        1 < len(words) <= 4
        and all(_NAME_WORD.fullmatch(word) for word in words)
        and words[-1] in alone
        and not _ORG_WORDS.search(span)
    )


def _capitalised_before(text: str, start: int) -> bool:
    """Whether the word before ``start`` (on the same line) is capitalised: "Imran Khan"."""
    before = re.search(r"([A-Za-z'’.-]+)[ \t]+$", text[max(0, start - 40) : start])
    return bool(before and before.group(1)[0].isupper())


_UNTAGGED_LAST = re.compile(r" ([A-Z][a-z]{2,})(?=[,.;:]|\s+(?:and|said|met|who|told)\b)")
_NOT_NAMES = frozenset(
    "The This That Police Army Province District Sunday Monday Tuesday Wednesday Thursday "
    "Friday Saturday January February March April May June July August September October "
    "November December".split()
)


def _regions_outside_names(
    places: list[PlaceMention], regions: list[PlaceMention]
) -> list[PlaceMention]:
    """Drop a regional phrase inside a finer Pakistani place name ("Waziristan" in "North
    Waziristan"); a name used as a modifier there ("North Waziristan militants") still says
    where, so it becomes a weak location instead of the broader region."""
    kept = []
    for region in regions:
        inside = [
            p
            for p in places
            if p.place is not None
            and p.place.country == "PK"
            and p.place.precision not in ("country", "province")
            and p.start <= region.start
            and region.end <= p.end
        ]
        for place in inside:
            if place.modifier:
                place.modifier = False
                place.weak = True
        if not inside:
            kept.append(region)
    return kept


def _paragraph_starts(text: str, start: int, limit: int) -> list[int]:
    starts = [start]
    cursor = start
    while len(starts) < limit:
        newline = text.find("\n", cursor, cursor + 2000)
        if newline < 0:
            break
        cursor = newline + 1
        while cursor < len(text) and text[cursor] in "\r\n \t":
            cursor += 1
        starts.append(cursor)
    return starts


_DIGEST = re.compile(
    r"\b(?:roundup|round-up|headlines|summary|highlights|factbox|timeline|digest|news\s+at)\b",
    re.IGNORECASE,
)


#: A listing's title: "Pakistan | 1 Jul 2015".
_LISTING_TITLE = re.compile(r"\s*[A-Z][\w .&'-]{2,40}\s+\|\s+[\w .,]{4,20}\s*")


def _in_digest_title(text: str, offset: int) -> bool:
    """Whether ``offset`` lies in the title of a digest ("morning media roundup 17 Feb 14"):
    that date is the digest's, usually the day after the events it lists."""
    line_start = max(text.rfind(";", 0, offset), text.rfind("\n", 0, offset)) + 1
    line_end = min(
        (i for i in (text.find(";", offset), text.find("\n", offset)) if i >= 0), default=len(text)
    )
    return bool(_DIGEST.search(text, line_start, line_end)) or bool(
        _LISTING_TITLE.fullmatch(text, line_start, line_end)
    )


def _dated_by_dateline(
    text: str, datelines: list[Dateline], dates: list[DateMention]
) -> list[DateMention]:
    """Resolve the dates of a paragraph that opens with a dated dateline against that date:
    in "Karachi, Jul 13 (PTI) A bomb today exploded", today is 13 July. (The dateline's own
    date is the report's, not an event's: the caller drops it.)"""
    for found in datelines:
        if not found.iso:
            continue
        stop = text.find("\n", found.end)
        stop = len(text) if stop < 0 else stop
        local = find_dates(text, date.fromisoformat(found.iso), found.end, stop)
        dates = [d for d in dates if not found.end <= d.start < stop] + local
    return dates


def publication_date_from_dateline(text: str, body_start: int) -> str | None:
    """Return the date of a dated dateline ("PESHAWAR, June 5, 2024 (Reuters) -"), if any."""
    return next((found.iso for found in _datelines(text, body_start, None) if found.iso), None)

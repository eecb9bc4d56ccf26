"""The engagements timeline: meetings, agreements and announcements grouped by month, with
who took part and what they discussed.

The engagements come from the caller already restricted by the gate. Participants and
topics are JSON lists written by extraction or by analysts, so every value is checked for
shape here and anything malformed is left out instead of breaking the page.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from safepassage.intel.models import Engagement
from safepassage.sharing import tlp

MAX_NAME = 200
FACETS = 12


@dataclass(frozen=True)
class Participant:
    """One participant as the timeline shows it."""

    name: str
    title: str = ""
    country: str = ""
    organisation: str = ""


@dataclass
class Entry:
    """One engagement on the timeline."""

    engagement: Engagement
    participants: list[Participant]
    topics: list[str]
    tlp: str

    def as_dict(self) -> dict[str, Any]:
        e = self.engagement
        return {
            "id": e.pk,
            "url": e.get_absolute_url(),
            "kind": e.kind,
            "kind_label": e.get_kind_display(),
            "title": str(e),
            "date": e.date.isoformat() if e.date else None,
            "date_precision": e.date_precision or None,
            "place": e.place_name or None,
            "province": e.admin1 or None,
            "participants": [{k: v for k, v in vars(p).items() if v} for p in self.participants],
            "topics": self.topics,
            "tlp": self.tlp,
            "reports": e.report_count,
            "review_state": e.review_state,
        }


@dataclass
class Group:
    """The engagements of one month (or the undated ones)."""

    label: str
    key: str
    entries: list[Entry] = field(default_factory=list)


def _text(value: Any, limit: int = MAX_NAME) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def participants_of(raw: Any) -> list[Participant]:
    """The participants of an engagement; plain names are accepted, other shapes skipped."""
    out: list[Participant] = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, str):
            name = _text(item)
            if name:
                out.append(Participant(name))
            continue
        if not isinstance(item, dict):
            continue
        name = _text(item.get("name"))
        if not name:
            continue
        # Only a two-letter code is a country; a longer value is not cut down to one.
        country = _text(item.get("country"), 3)
        country = country if len(country) == 2 else ""
        out.append(
            Participant(
                name=name,
                title=_text(item.get("title")),
                country=country.upper() if country.isalpha() else "",
                organisation=_text(item.get("organisation") or item.get("org")),
            )
        )
    return out


def topics_of(raw: Any) -> list[str]:
    """The topics of an engagement as short strings, without repeats."""
    out: list[str] = []
    for item in raw if isinstance(raw, list) else []:
        text = _text(item, 64)
        if text and text not in out:
            out.append(text)
    return out


def entry_of(engagement: Engagement) -> Entry:
    try:
        marking = tlp.label(engagement.tlp)
    except (ValueError, KeyError):
        marking = ""
    return Entry(
        engagement,
        participants_of(engagement.participants),
        topics_of(engagement.topics),
        marking,
    )


def _month_key(day: datetime.date | None) -> tuple[str, str]:
    if day is None:
        return "undated", "Date not known"
    return f"{day:%Y-%m}", f"{day:%B %Y}"


def group_by_month(entries: Iterable[Entry]) -> list[Group]:
    """Entries grouped by month in the order given (the caller sorts newest first)."""
    groups: list[Group] = []
    for entry in entries:
        key, label = _month_key(entry.engagement.date)
        if not groups or groups[-1].key != key:
            groups.append(Group(label, key))
        groups[-1].entries.append(entry)
    return groups


def facets(entries: Iterable[Entry]) -> dict[str, list[tuple[str, int]]]:
    """The most frequent topics, participant countries and participants, with counts."""
    topics: Counter[str] = Counter()
    countries: Counter[str] = Counter()
    people: Counter[str] = Counter()
    for entry in entries:
        topics.update(entry.topics)
        countries.update({p.country for p in entry.participants if p.country})
        people.update({p.name for p in entry.participants})

    def top(counter: Counter[str]) -> list[tuple[str, int]]:
        # Ties in name order, so the summary does not shuffle between page loads.
        return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:FACETS]

    return {"topics": top(topics), "countries": top(countries), "participants": top(people)}

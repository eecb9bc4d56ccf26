"""A dictionary geoparser: find gazetteer names in raw text and pick the most specific place.

It is a baseline and a fallback for the NLP extractor (which finds mentions with spaCy and
decides which place an event happened at). Matching works on normalised tokens, so upper-case
headlines ("SUICIDE BOMBER KILLS 12 IN PESHAWAR") match as well as ordinary text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .gazetteer import Gazetteer
from .model import Place
from .text import norm_key

MAX_TEXT_CHARS = 20_000
MAX_NGRAM = 5
_TOKEN = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*", re.UNICODE)
# Most specific first: where an event happened is best told by the smallest place named.
SPECIFICITY = {"site": 0, "town": 1, "admin3": 2, "admin2": 3, "admin1": 4, "country": 5}


@dataclass(frozen=True)
class Mention:
    """A gazetteer name found in text, with character offsets into that text."""

    start: int
    end: int
    text: str


def find_mentions(gaz: Gazetteer, text: str) -> list[Mention]:
    """Longest-first, non-overlapping matches of EntityRuler-worthy names in ``text``."""
    if not isinstance(text, str) or not text:
        return []
    text = text[:MAX_TEXT_CHARS]
    keys = gaz.pattern_keys()
    tokens = [(m.start(), m.end(), norm_key(m.group())) for m in _TOKEN.finditer(text)]
    found: list[Mention] = []
    i = 0
    while i < len(tokens):
        for n in range(min(MAX_NGRAM, len(tokens) - i), 0, -1):
            key = " ".join(t[2] for t in tokens[i : i + n] if t[2])
            if key in keys:
                start, end = tokens[i][0], tokens[i + n - 1][1]
                found.append(Mention(start, end, text[start:end]))
                i += n
                break
        else:
            i += 1
    return found


def best_place(gaz: Gazetteer, text: str, country_hint: str | None = "PK") -> Place | None:
    """The most specific place named in ``text``, each name resolved with the others as context.

    Places in the hint country win over foreign ones (a report from Pakistan that names China
    is about Pakistan); among those, the smallest kind of place wins, then the first named.
    """
    mentions = find_mentions(gaz, text)
    names = [m.text for m in mentions]
    best: tuple[int, int, int] | None = None
    chosen: Place | None = None
    for order, name in enumerate(names):
        place = gaz.resolve(
            name, context=[n for n in names if n != name], country_hint=country_hint
        )
        if place is None:
            continue
        rank = (0 if place.country == country_hint else 1, SPECIFICITY.get(place.kind, 9), order)
        if best is None or rank < best:
            best, chosen = rank, place
    return chosen

"""A spaCy component that tags gazetteer place names before the statistical NER runs.

The small English model labels Dasu, Karachi and Gilgit-Baltistan as ORG, Punjab as NORP, and
misses Gwadar and Upper Kohistan. Tagging the gazetteer's names first fixes that, since the NER
keeps entities that are already set. It is a dictionary look-up over word n-grams
rather than ``entity_ruler``, whose start-up (tokenising every name) took several seconds.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

from safepassage.extract.analysis import looks_upper
from safepassage.extract.places import default_gazetteer

FACTORY = "safepassage_place_ruler"
#: Foreign towns are matched only when this big: the model already knows most big cities, and
#: small foreign towns share names with people and words.
FOREIGN_TOWN_POPULATION = 500_000
_LABELS = frozenset({"GPE", "LOC", "FAC"})


def ruler_patterns(gazetteer: Any) -> list[tuple[str, str]]:
    """Select ``(surface, label)`` pairs: every Pakistani place, Chinese districts and big
    towns, countries, provinces, capitals and big cities worldwide. ASCII forms only, since the
    engine reads English text."""
    allowed = {surface: label for surface, label in gazetteer.alias_patterns() if label in _LABELS}
    chosen: dict[str, str] = {}
    for place in gazetteer:
        keep = (
            place.country == "PK"
            or place.kind in ("country", "admin1", "site")
            or (place.country == "CN" and (place.kind == "admin2" or place.population >= 100_000))
            or "capital" in place.source
            or (place.kind == "town" and place.population >= FOREIGN_TOWN_POPULATION)
        )
        if not keep:
            continue
        for form in (place.name, *place.aliases):
            label = allowed.get(form)
            if label is not None and form.isascii():
                chosen[form] = label
    return sorted(chosen.items())


_TOKEN = re.compile(r"\w+|[^\w\s]")
#: Longest place name, in tokens, that the ruler tries.
MAX_TOKENS = 6


_TITLE_BEFORE = re.compile(
    r"\b(?:Dr|Mr|Mrs|Ms|Gen|General|Minister|President|Maulana|Mufti|Sheikh|Syed|Justice|Senator|"
    r"Governor|Col|Maj|Capt|Lt|Brig|Prof|Qari|Hafiz|Haji|Malik|Sardar|Nawab|Mian|Chaudhry)\.?\s+$"
)
#: The next word on the same line (a headline list puts one headline per line).
_NEXT_WORD = re.compile(r"[ \t]+([A-Z][a-z]+)")
#: Capitalised words that may follow a place name without making it part of another name.
GENERIC_AFTER = frozenset(
    "District Province Division Agency City Valley Town Village Tehsil Region Area Areas Port "
    "Airport Road Highway Border Cantonment Dam Bridge Camp Sector Bazaar Market Station".split()
)


def _inside_name(text: str, start: int, end: int) -> bool:
    """A place name inside a person's or an organisation's name: "Dr. Ahmad Javed Qazi"."""
    if _TITLE_BEFORE.search(text[max(0, start - 12) : start]):
        return True
    following = _NEXT_WORD.match(text, end, end + 30)
    return bool(following and following.group(1) not in GENERIC_AFTER)


_WORDS = re.compile(r"[A-Za-z]+")


def _looks_titled(text: str) -> bool:
    """Whether nearly every word is capitalised, as in a title-cased headline list."""
    words: list[str] = _WORDS.findall(text[:5000])
    if len(words) < 4:
        return False
    return sum(word[0].isupper() for word in words) >= 0.9 * len(words)


def _key(tokens: list[str]) -> str:
    return " ".join(tokens)


class PlaceRuler:
    """Set gazetteer matches as entities, keeping the longest where they overlap.

    Names are matched on a simple word/punctuation split of the text rather than on spaCy
    tokens, so the ~27,000 names need no spaCy tokenisation at start-up (which took seconds).
    """

    def __init__(self, patterns: list[tuple[str, str]]) -> None:
        self.names: dict[str, str] = {}
        self.first_tokens: set[str] = set()
        for surface, label in patterns:
            tokens = _TOKEN.findall(surface)
            if 0 < len(tokens) <= MAX_TOKENS:
                self.names[_key(tokens)] = label
                self.first_tokens.add(tokens[0])

    def matches(self, text: str) -> list[tuple[int, int, str]]:
        """Return ``(start, end, label)`` of the longest names found, left to right."""
        tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
        found: list[tuple[int, int, str]] = []
        index = 0
        while index < len(tokens):
            if tokens[index][2] not in self.first_tokens:
                index += 1
                continue
            best: tuple[int, str] | None = None
            for length in range(min(MAX_TOKENS, len(tokens) - index), 0, -1):
                window = tokens[index : index + length]
                label = self.names.get(_key([t[2] for t in window]))
                if label is not None:
                    best = (length, label)
                    break
            if best is None:
                index += 1
                continue
            length, label = best
            found.append((tokens[index][0], tokens[index + length - 1][1], label))
            index += length
        return found

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        text = doc.text
        # The pipeline title-cases an upper-case text before the model sees it ("RAZMAK BLAST
        # KILLS FOUR" becomes "Razmak Blast Kills Four"): capitals say nothing there either.
        upper = looks_upper(text) or _looks_titled(text)
        for start, end, label in self.matches(text):
            if not upper and _inside_name(text, start, end):
                continue
            span = doc.char_span(start, end, label=label, alignment_mode="contract")
            if span is not None and len(span):
                spans.append(span)
        if spans and upper:
            # In a title-cased headline the model's spans run over words ("Razmak Blast Kills"):
            # the gazetteer's names win over the model's entities they overlap.
            kept = [
                ent
                for ent in doc.ents
                if not any(ent.start < span.end and span.start < ent.end for span in spans)
            ]
            doc.ents = filter_spans([*spans, *kept])
        elif spans:
            doc.ents = filter_spans([*doc.ents, *spans])
        return doc


@Language.factory(FACTORY)
def make_place_ruler(nlp: Language, name: str) -> PlaceRuler:
    """spaCy factory for :class:`PlaceRuler`, fed from the project's gazetteer."""
    return PlaceRuler(ruler_patterns(default_gazetteer()))
